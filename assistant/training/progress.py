"""How far a ``rasa train`` has got, read from its output, in words staff understand.

Rasa logs ``Starting to train component 'DIETClassifier'.`` (or ``Restored component ...
from cache.``) for each graph node it trains, and the three neural components draw a tqdm bar
(``Epochs:  45%|████▌     | 59/130 [00:31<00:37, ...]``) with carriage returns between
updates. Each component gets a share of the training's part of the overall bar, measured on
the shipped config (DIET dominates); the rest of the bar is scoring.
"""

from __future__ import annotations

import re
from typing import Dict

# Overall bar: preparing the data, training, then scoring the candidate (and the live model).
TRAINING_START = 0.03
TRAINING_END = 0.75

# Shares of the training part, as measured on the shipped config with two cores (a 342 s run:
# 25 s of start-up, DIET 279 s, ResponseSelector 27 s, TED 11 s, the rest a few seconds).
WEIGHTS: Dict[str, float] = {
    "DIETClassifier": 0.78,
    "ResponseSelector": 0.09,
    "TEDPolicy": 0.05,
}
OTHER_WEIGHT = 0.005  # each featurizer, extractor, memoization... (about ten of them)

STAGES = {
    "DIETClassifier": "Đang huấn luyện mô hình hiểu câu hỏi (DIET)",
    "ResponseSelector": "Đang huấn luyện phần trả lời câu hỏi thường gặp (ResponseSelector)",
    "TEDPolicy": "Đang huấn luyện mô hình hội thoại (TED)",
}
STARTING = "Đang khởi động Rasa và đọc dữ liệu huấn luyện"
PACKING = "Đang đóng gói mô hình"

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_START = re.compile(r"Starting to train component '(\w+)'")
_DONE = re.compile(r"(?:Finished training component|Restored component) '(\w+)'")
_EPOCHS = re.compile(r"Epochs:\s*\d+%.*?\|\s*(\d+)/(\d+)")
_SAVED = re.compile(r"Your Rasa model is trained and saved")


def clean(line: str) -> str:
    return _ANSI.sub("", line).strip()


class TrainingProgress:
    """Feed it ``rasa train`` output lines; read ``progress`` (0..1 overall) and ``stage``."""

    def __init__(self) -> None:
        self.stage = STARTING
        self._done = 0.0  # share of the training part already finished
        self._current: str | None = None
        self._fraction = 0.0  # of the current neural component
        self._progress = TRAINING_START

    @property
    def progress(self) -> float:
        return self._progress

    def _share(self, component: str) -> float:
        return WEIGHTS.get(component, OTHER_WEIGHT)

    def _update(self) -> None:
        within = self._done
        if self._current in WEIGHTS:
            within += self._fraction * WEIGHTS[self._current]
        overall = TRAINING_START + min(within, 1.0) * (TRAINING_END - TRAINING_START)
        self._progress = max(self._progress, min(overall, TRAINING_END))  # never goes back

    def feed(self, line: str) -> bool:
        """Take one output line; True when progress or stage changed."""
        line = clean(line)
        before = (self._progress, self.stage)
        if match := _EPOCHS.search(line):
            done, total = int(match.group(1)), int(match.group(2))
            if total:
                self._fraction = done / total
            name = STAGES.get(self._current or "", "Đang huấn luyện")
            self.stage = f"{name} {done}/{total}"
        elif match := _START.search(line):
            self._current, self._fraction = match.group(1), 0.0
            self.stage = STAGES.get(self._current, f"Đang huấn luyện thành phần {self._current}")
        elif match := _DONE.search(line):
            self._done += self._share(match.group(1))
            if self._current == match.group(1):
                self._current, self._fraction = None, 0.0
        elif _SAVED.search(line):
            self._done = 1.0
            self.stage = PACKING
        self._update()
        return (self._progress, self.stage) != before
