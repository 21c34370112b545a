"""How a retraining shows its progress: to staff through its row (stage, progress, the last
lines of Rasa's output) and on a terminal as ``[ 45%] stage`` lines."""

from __future__ import annotations

import collections
import sys
import time
from typing import Callable

from assistant.db.session import session_scope
from assistant.training.progress import clean
from assistant.training.runs import TrainingRunRepository

TAIL_LINES = 40

Echo = Callable[[str, float], None]


class Reporter:
    """Progress, stage and the last output lines of a run, written to its row at most once a
    second (or at once when forced), and passed to ``echo`` (the CLI's progress lines)."""

    def __init__(
        self,
        run_id: int,
        echo: Echo | None = None,
        raw: Callable[[str], None] | None = None,
        interval: float = 1.0,
    ) -> None:
        self.run_id = run_id
        self.echo = echo
        self.raw = raw
        self.interval = interval
        self.tail: collections.deque = collections.deque(maxlen=TAIL_LINES)
        self.stage = ""
        self.progress = 0.0
        self._pending: dict = {}
        self._written = 0.0

    def line(self, text: str) -> None:
        text = clean(text)
        if not text:
            return
        if text.startswith("Epochs") and self.tail and self.tail[-1].startswith("Epochs"):
            self.tail[-1] = text  # a progress bar redraws itself: keep its latest state
        else:
            self.tail.append(text)
            if self.raw:
                self.raw(text)
        self._pending["log_tail"] = "\n".join(self.tail)
        self.flush()

    def set(self, force: bool = False, **fields) -> None:
        if "progress" in fields:
            fields["progress"] = max(self.progress, min(float(fields["progress"]), 1.0))
            self.progress = fields["progress"]
        if "stage" in fields:
            self.stage = fields["stage"]
        self._pending.update(fields)
        if self.echo and ("stage" in fields or "progress" in fields):
            self.echo(self.stage, self.progress)
        self.flush(force)

    def flush(self, force: bool = False) -> None:
        if not self._pending or (not force and time.monotonic() - self._written < self.interval):
            return
        with session_scope() as session:
            TrainingRunRepository(session).update(self.run_id, **self._pending)
        self._pending = {}
        self._written = time.monotonic()


def progress_printer(every: float = 10.0, out=None) -> Echo:
    """``[ 45%] stage`` lines: one when the stage changes, else one every ``every`` seconds."""
    last = {"kind": None, "at": 0.0}

    def echo(stage: str, progress: float) -> None:
        kind = stage.rstrip("0123456789/ ")
        if kind != last["kind"] or time.monotonic() - last["at"] >= every:
            print(f"[{progress:4.0%}] {stage}", file=out or sys.stdout, flush=True)
            last.update(kind=kind, at=time.monotonic())

    return echo
