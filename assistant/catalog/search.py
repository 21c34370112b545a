"""Finding the procedure a citizen means: a small in-memory search over names and aliases.

Resolution is a search over the catalog, not an enumeration of names in NLU data, so a
procedure imported or aliased a second ago is findable at once. Text is folded (no case, no
diacritics), abbreviations are expanded ("gplx" → "giấy phép lái xe"), and each name is
indexed as syllables, syllable pairs and underthesea words, scored with BM25. An alias or a
name quoted whole in the question weighs most: that is how people name a procedure.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Sequence, Tuple

from assistant.nlu.lexicon import expand
from assistant.nlu.normalize import fold
from assistant.nlu.segment import segment

# Words that ask *about* a procedure rather than name one (folded). They still count inside
# an alias phrase match, but never make a procedure look mentioned on their own.
STOPWORDS = frozenset(
    fold(w)
    for w in """
    thủ tục cần những gì giấy tờ lệ phí phí bao nhiêu tiền mất bao lâu thời gian nộp ở đâu
    như thế nào sao làm muốn hỏi xin cho tôi em mình bạn anh chị ad admin ạ ơi vậy thì còn
    được không có là của và các một thế nào bước hướng dẫn ạ nhé với giúp biết hiện nay
    nay bây giờ ai đâu chỗ nơi nào khi bao giờ xong hả à nha đi phải rồi the này đó ấy
    """.split()
)

K1, B = 1.2, 0.75
ALIAS_PHRASE_BONUS = 6.0
NAME_PHRASE_BONUS = 4.0


@dataclass
class Entry:
    """What the index knows of one procedure."""

    code: str
    name: str
    level: str = ""
    aliases: Sequence[str] = ()


@dataclass
class Hit:
    code: str
    name: str
    level: str
    score: float
    coverage: float  # share of the query's content weight this procedure explains
    phrase: bool  # an alias or the name appears whole in the query


@dataclass
class _Doc:
    entry: Entry
    length: int
    tf: Dict[str, int] = field(default_factory=dict)
    phrases: List[Tuple[str, float]] = field(default_factory=list)  # folded phrase, bonus


def analyse(text: str) -> List[str]:
    """Folded syllables of a text, abbreviations expanded, punctuation and numbers dropped."""
    syllables: List[str] = []
    for piece in segment(text):
        if piece.kind != "word":
            continue
        word = expand(piece.text) or piece.text
        syllables.extend(fold(word).split())
    return syllables


def _terms(text: str) -> List[str]:
    """Syllables, syllable pairs and underthesea compound words of a text (all folded)."""
    terms: List[str] = []
    syllables: List[str] = []
    for piece in segment(text):
        if piece.kind != "word":
            continue
        word = fold(expand(piece.text) or piece.text)
        parts = word.split()
        syllables.extend(parts)
        if len(parts) > 1:
            terms.append("w:" + "_".join(parts))
    terms.extend(syllables)
    terms.extend(f"{a} {b}" for a, b in zip(syllables, syllables[1:]))
    return terms


def _phrase_in(phrase: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


class CatalogIndex:
    """BM25 over procedure names and aliases, built once per catalog revision."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.docs: List[_Doc] = []
        self.postings: Dict[str, List[int]] = defaultdict(list)
        for entry in entries:
            self._add(entry)
        n = max(len(self.docs), 1)
        self.avg_len = sum(d.length for d in self.docs) / n
        self.idf = {
            t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()
        }

    def __len__(self) -> int:
        return len(self.docs)

    def _add(self, entry: Entry) -> None:
        tf: Dict[str, int] = defaultdict(int)
        name_terms = _terms(entry.name)
        for term in name_terms:
            tf[term] += 1
        for alias in entry.aliases:
            for term in set(_terms(alias)):
                tf[term] += 1
        phrases = [(" ".join(analyse(a)), ALIAS_PHRASE_BONUS) for a in entry.aliases]
        name = " ".join(analyse(re.sub(r"^(thủ tục|Thủ tục)\s+", "", entry.name)))
        phrases.append((name, NAME_PHRASE_BONUS))
        doc = _Doc(entry, length=len(name_terms), tf=dict(tf), phrases=[p for p in phrases if p[0]])
        index = len(self.docs)
        self.docs.append(doc)
        for term in tf:
            self.postings[term].append(index)

    def search(self, query: str, limit: int = 5) -> List[Hit]:
        terms = [t for t in _terms(query) if not self._is_stop(t)]
        if not terms:
            return []
        folded_query = " ".join(analyse(query))
        weights: Dict[str, float] = defaultdict(float)
        for term in terms:
            weights[term] += self.idf.get(term, 0.0)
        total_weight = sum(w for t, w in weights.items() if " " not in t and not t.startswith("w:"))
        scores: Dict[int, float] = defaultdict(float)
        matched: Dict[int, float] = defaultdict(float)
        for term in set(terms):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for index in self.postings[term]:
                doc = self.docs[index]
                tf = doc.tf[term]
                norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * doc.length / self.avg_len))
                scores[index] += idf * norm
                if " " not in term and not term.startswith("w:"):
                    matched[index] += weights[term]
        hits = []
        for index, score in scores.items():
            doc = self.docs[index]
            phrase = False
            for text, bonus in doc.phrases:
                if _phrase_in(text, folded_query):
                    score += bonus * len(text.split())
                    phrase = True
            coverage = matched[index] / total_weight if total_weight else 0.0
            hits.append(
                Hit(doc.entry.code, doc.entry.name, doc.entry.level, score, coverage, phrase)
            )
        hits.sort(key=lambda h: (-h.score, len(h.name)))
        return hits[:limit]

    @staticmethod
    def _is_stop(term: str) -> bool:
        if term.startswith("w:"):
            return all(s in STOPWORDS for s in term[2:].split("_"))
        return all(s in STOPWORDS for s in term.split(" "))


def best_code(index: CatalogIndex, query: str) -> str | None:
    hits = index.search(query, limit=1)
    return hits[0].code if hits else None
