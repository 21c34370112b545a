"""Foreign twins: procedures that are other procedures with a foreign element.

"Đăng ký kết hôn có yếu tố nước ngoài" is "Đăng ký kết hôn" with a foreign element. A question
that states one ("lấy chồng Hàn Quốc", "bố bé là người Úc") is about the twin, which takes its
domestic twin's evidence of being named (an alias or the name quoted, the share of the name
said): the foreign element is the only difference, and the question says it. Twins are read
from the catalog's names when the index is built, so an imported procedure finds its twin at
once.

(Combined procedures, "khai sinh kết hợp nhận cha, mẹ, con", were tried the same way, from two
parts said: the parts share words, so one part said looked like both; see the README.)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Dict, Iterable, List, Sequence, Tuple

from assistant.catalog.query import analyse_text

FOREIGN = "co yeu to nuoc ngoai"


def is_foreign(said: frozenset) -> bool:
    """Whether the syllables a question says (synonyms added) state a foreign element."""
    return {"nuoc", "ngoai"} <= said


def without_thu_tuc(syllables: Tuple[str, ...]) -> Tuple[str, ...]:
    """A name's syllables less a leading "thủ tục" (many names open with it, some not)."""
    return syllables[2:] if syllables[:2] == ("thu", "tuc") else syllables


def bare(name: str) -> str:
    """A name's folded syllables, less a leading "thủ tục"."""
    return " ".join(without_thu_tuc(analyse_text(name).syllables))


@dataclass
class Twins:
    """The foreign twins among the procedures an index holds, by position in it."""

    foreign: Dict[int, int] = field(default_factory=dict)  # domestic -> foreign twin
    domestic: Dict[int, int] = field(default_factory=dict)  # foreign twin -> domestic
    codes: Dict[int, str] = field(default_factory=dict)  # position of a twin -> its code

    @classmethod
    def build(cls, names: Sequence[str], codes: Sequence[str] = ()) -> Twins:
        by_name: Dict[str, int] = {}
        for index, name in enumerate(names):
            by_name.setdefault(bare(name), index)
        found = cls()
        for name, index in by_name.items():
            if name.endswith(" " + FOREIGN):
                domestic = by_name.get(name[: -len(FOREIGN) - 1])
                if domestic is not None:
                    found.foreign[domestic] = index
                    found.domestic[index] = domestic
        if codes:
            found.codes = {i: codes[i] for pair in found.domestic.items() for i in pair}
        return found

    def joining(self, indices: Iterable[int], foreign: bool) -> List[Tuple[int, int]]:
        """(twin, domestic) for each given procedure with a twin, when the question is foreign."""
        if not foreign:
            return []
        return [(self.foreign[i], i) for i in indices if i in self.foreign]

    def inherit(self, hits: List[Any], match: float, conflict: float) -> List[Any]:
        """For a foreign question: each twin among ``hits`` (search hits, built with the
        procedures' codes) takes its domestic twin's evidence of being named and its score
        x ``match`` at least; the domestic twin's score is x ``conflict``."""
        at = {h.code: n for n, h in enumerate(hits)}
        for twin, domestic in self.domestic.items():
            t, d = at.get(self.codes[twin]), at.get(self.codes[domestic])
            if t is None or d is None:
                continue
            own, dom = hits[t], hits[d]
            hits[t] = replace(
                own,
                score=max(own.score, dom.score * match),
                coverage=max(own.coverage, dom.coverage),
                phrase=own.phrase or dom.phrase,
                name_cover=max(own.name_cover, dom.name_cover),
                name_weight=max(own.name_weight, dom.name_weight),
                alias_cover=max(own.alias_cover, dom.alias_cover),
            )
            hits[d] = replace(dom, score=dom.score * conflict)
        return hits

    def sources(self, index: int, foreign: bool) -> List[int]:
        """The procedure whose evidence ``index`` takes: its domestic twin, when the question
        is foreign."""
        if foreign and index in self.domestic:
            return [self.domestic[index]]
        return []
