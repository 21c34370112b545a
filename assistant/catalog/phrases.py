"""Names and aliases quoted whole in a question: how people name a procedure they know.

A table of folded phrases (a procedure's name without "thủ tục", and each alias of sixteen
syllables at most), looked up by the question's n-grams. A longer quotation weighs more. An
alias that only names the paper many procedures act on ("sổ đỏ") is not entered, and when
the question tells what happened to a paper ("bị mất"), a quotation counts only for names
that state the act it asks for.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable, Dict, List, Sequence, Tuple

from assistant.catalog.query import STOPWORDS

ALIAS_PHRASE_BONUS = 6.0
NAME_PHRASE_BONUS = 4.0
MAX_PHRASE = 16  # syllables; longer aliases are matched by their terms only
# An alias whose everyday wording the catalog uses in more names than this names an object.
OBJECT_ALIAS_NAMES = 3

Acts = Sequence[Sequence[str]]


class QuotedNames:
    """Built with :meth:`add_name` and :meth:`add_alias` per procedure, then :meth:`close`."""

    def __init__(self) -> None:
        # folded phrase → [(doc, bonus)]: found in a query by looking up its n-grams.
        self.table: Dict[str, List[Tuple[int, float]]] = defaultdict(list)
        self._aliases: List[Tuple[int, Tuple[str, ...], frozenset]] = []
        self._names: List[frozenset] = []  # every name's syllables, for :meth:`close`

    def add_name(self, index: int, phrase: Sequence[str], name: Sequence[str]) -> None:
        """``phrase``: the name as quoted (without a leading "thủ tục"); ``name``: all of it."""
        self._add(phrase, index, NAME_PHRASE_BONUS)
        self._names.append(frozenset(name))

    def add_alias(self, index: int, syllables: Tuple[str, ...], wording: frozenset) -> None:
        """``wording``: the catalog's wording of the object the alias names in everyday
        words, when that is all it names (``query.everyday_object``)."""
        self._aliases.append((index, syllables, wording))

    def close(self) -> None:
        """Enter the aliases once every name is known: an alias quoted whole weighs most,
        unless it only names the paper many procedures act on: "sổ đỏ" (the catalog's "giấy
        chứng nhận quyền sử dụng đất", in dozens of names) says nothing of first issue,
        correction, mortgage or transfer."""
        for index, syllables, wording in self._aliases:
            shared = wording and sum(1 for n in self._names if wording <= n) > OBJECT_ALIAS_NAMES
            if not shared:
                self._add(syllables, index, ALIAS_PHRASE_BONUS)
        self._aliases, self._names = [], []

    def bonuses(
        self, syllables: Sequence[str], acts: Acts, states: Callable[[int, Acts], bool]
    ) -> Dict[int, float]:
        """Aliases and names quoted whole in the question, longest bonus per procedure; when
        the question tells an event ("bị mất"), only for those ``states(index, acts)``."""
        found: Dict[int, float] = {}
        for i in range(len(syllables)):
            for j in range(i + 1, min(i + MAX_PHRASE, len(syllables)) + 1):
                for index, bonus in self.table.get(" ".join(syllables[i:j]), ()):
                    if acts and not states(index, acts):
                        continue
                    found[index] = max(found.get(index, 0.0), bonus * (j - i))
        return found

    def _add(self, syllables: Sequence[str], index: int, bonus: float) -> None:
        if 0 < len(syllables) <= MAX_PHRASE and any(s not in STOPWORDS for s in syllables):
            self.table[" ".join(syllables)].append((index, bonus))
