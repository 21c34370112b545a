"""The sentences a model is scored on must stay out of what it is trained on.

`make eval` and the retraining gate score on ``tests/nlu_eval/``; `make eval-answers` on
``tests/answer_eval/``. A training sentence that shares most of its syllables with one of
them (the Jaccard index of their folded syllable sets at or above ``NEAR``) would make those
scores a memory test, so the repository's data may hold none (``tests/nlu/test_heldout.py``)
and an example staff file from the inbox is refused with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

import yaml

from assistant.settings import PROJECT_ROOT
from assistant.text.normalize import fold
from assistant.text.segment import normalize_text

NEAR = 0.6
# Rasa's inline entity markup: "[sổ đỏ](procedure)" or "[sổ đỏ]{...}" reads "sổ đỏ".
_ENTITY = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def held_out_files(root: Path = PROJECT_ROOT) -> List[Path]:
    tests = root / "tests"
    return sorted((tests / "nlu_eval").glob("*.yml")) + sorted(
        (tests / "answer_eval").rglob("*.yml")
    )


def syllables(text: str) -> frozenset:
    """Folded syllables (case, diacritics, abbreviations and teencode normalised)."""
    plain = _ENTITY.sub(r"\1", text or "")
    return frozenset(re.findall(r"\w+", fold(normalize_text(plain).lower())))


def file_sentences(path: Path) -> Iterable[str]:
    """The sentences of an NLU file (``examples: |`` blocks) or of an answer set
    (``questions:`` with ``text``)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    for item in data.get("nlu") or []:
        if "intent" not in item:  # synonyms, lookups and regexes are not sentences
            continue
        for line in (item.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                yield _ENTITY.sub(r"\1", line[2:].strip())
    for question in data.get("questions") or []:
        if question.get("text"):
            yield question["text"]


@dataclass(frozen=True)
class Overlap:
    score: float
    source: str  # the held-out file, relative to tests/
    sentence: str


class HeldOutIndex:
    """The held-out sentences, looked up by their syllables."""

    def __init__(self, files: Iterable[Path]) -> None:
        self.sentences: List[Tuple[frozenset, str, str]] = []
        self._by_syllable: Dict[str, List[int]] = {}
        for path in files:
            source = path.relative_to(path.parents[1]).as_posix()
            if "answer_eval" in path.parts:
                source = path.relative_to(path.parents[2]).as_posix()
            for sentence in file_sentences(path):
                shape = syllables(sentence)
                if not shape:
                    continue
                index = len(self.sentences)
                self.sentences.append((shape, source, sentence))
                for syllable in shape:
                    self._by_syllable.setdefault(syllable, []).append(index)

    def __len__(self) -> int:
        return len(self.sentences)

    def closest(self, text: str) -> Overlap | None:
        """The held-out sentence most like ``text``, if any shares a syllable with it."""
        shape = syllables(text)
        shared: Dict[int, int] = {}
        for syllable in shape:
            for index in self._by_syllable.get(syllable, ()):
                shared[index] = shared.get(index, 0) + 1
        best: Overlap | None = None
        for index, common in shared.items():
            other, source, sentence = self.sentences[index]
            score = common / len(shape | other)
            if best is None or score > best.score:
                best = Overlap(round(score, 3), source, sentence)
        return best

    def too_close(self, text: str) -> Overlap | None:
        """The held-out sentence ``text`` nearly copies (Jaccard ≥ ``NEAR``), if any."""
        found = self.closest(text)
        return found if found is not None and found.score >= NEAR else None


@lru_cache(maxsize=1)
def held_out_index() -> HeldOutIndex:
    return HeldOutIndex(held_out_files())


def refusal(overlap: Overlap) -> str:
    """Why a staff example is not taught, for the staff app and the training log."""
    return (
        f"Câu mẫu quá giống câu «{overlap.sentence}» trong bộ câu dùng để chấm mô hình "
        f"({overlap.source}, trùng {overlap.score:.0%} âm tiết): mô hình được chấm trên bộ đó "
        "nên không học câu này. Hãy viết câu mẫu theo cách khác."
    )
