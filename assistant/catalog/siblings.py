"""Siblings: procedures whose names differ by a qualifier or an act.

Two relations the search uses among the hits it has found for a question, read from the
names when the index is built (see ``search``):

- a *narrower* sibling says all a quoted name (or alias) says and more: "Gia hạn tạm trú cho
  người nước ngoài tại Việt Nam" beside "Gia hạn tạm trú". When one sentence of the question
  says most of that more ("người nước ngoài xin gia hạn tạm trú ở Việt Nam"), the narrower
  name is quoted as much as the broader one;
- an *act variant* does to a paper what a plain sibling issues: "Cấp lại thẻ căn cước" beside
  "Cấp thẻ căn cước …". A question that states no act asks for the paper, not its re-issue;
  one that states an act ("bị mất") is not about the plain sibling.

Docs are the search's: each has ``head_shape`` (the name's distinctive syllables outside
brackets), ``alias_shapes``, ``acts`` and ``thing`` (the name's words less its act's).
"""

from __future__ import annotations

import re
from typing import Callable, Dict, List, Sequence, Set, Tuple

from assistant.catalog.query import analyse_text, expand_synonyms

# The acts that make a variant of a paper a plain procedure issues (closing a business is
# not a variant of opening one).
PAPER_ACTS = frozenset({"reissue", "exchange", "change", "correct", "extend", "convert"})
# The share of a narrower name's more that one sentence of the question must say, and of the
# quoted name it narrows.
NARROW, QUOTED = 0.6, 0.5

Cover = Callable[[frozenset, frozenset], Tuple[float, float]]
_SENTENCE_END = re.compile(r"[.?!;\n]+")


def sentences(text: str) -> List[frozenset]:
    """The syllables each sentence of a text says, as a search reads them."""
    return [
        frozenset(expand_synonyms(analyse_text(part)).syllables)
        for part in _SENTENCE_END.split(text)
        if part.strip()
    ]


def narrower(
    docs: Sequence, phrased: Dict[int, float], indices: Sequence[int], query: str, cover: Cover
) -> Dict[int, float]:
    """The quoted-name bonus each of ``indices`` earns as a narrower sibling of a quoted
    name; ``cover(shape, said)`` is the weighted share of ``shape`` in ``said``."""
    quoted = [
        (shape, bonus)
        for index, bonus in phrased.items()
        for shape in (docs[index].head_shape, *docs[index].alias_shapes)
        if shape
    ]
    found: Dict[int, float] = {}
    said: List[frozenset] = []
    for index in indices:
        if index in phrased:
            continue
        head = docs[index].head_shape
        for shape, bonus in quoted:
            if shape < head and bonus > found.get(index, 0.0):
                said = said or sentences(query)
                more = head - shape
                if any(cover(shape, s)[0] >= QUOTED and cover(more, s)[0] >= NARROW for s in said):
                    found[index] = bonus
    return found


def off_act(docs: Sequence, indices: Sequence[int], asked: frozenset) -> Set[int]:
    """Those of ``indices`` whose act is not the one asked, beside a sibling whose act is:
    with no act asked, the variants beside a plain sibling; with one asked, the plain names
    beside a variant that states it ("bị mất" → "Đăng ký lại kết hôn", not "Đăng ký kết
    hôn"). A variant's thing is within its plain sibling's ("thẻ căn cước" within "thẻ căn
    cước cho người từ đủ 14 tuổi …")."""
    variants = [i for i in indices if docs[i].acts & PAPER_ACTS and docs[i].thing]
    plain = [i for i in indices if not docs[i].acts - {"first"}]
    if not variants or not plain:
        return set()
    if not asked:
        return {v for v in variants if any(docs[v].thing <= docs[p].thing for p in plain)}
    stating = [v for v in variants if docs[v].acts & asked]
    return {p for p in plain if any(docs[v].thing <= docs[p].thing for v in stating)}
