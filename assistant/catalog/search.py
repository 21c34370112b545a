"""Finding the procedure a citizen means: a small in-memory search over names and aliases.

Resolution is a search over the catalog, not an enumeration of names in NLU data, so a
procedure imported or aliased a second ago is findable at once. Text is folded (no case, no
diacritics), abbreviations are expanded ("gplx" → "giấy phép lái xe"), and each name is
indexed as syllables, syllable pairs and underthesea words, scored with BM25. An alias or a
name quoted whole in the question weighs most: that is how people name a procedure.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Sequence, Tuple

from assistant.text.lexicon import expand_words
from assistant.text.normalize import fold
from assistant.text.segment import segment

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
    # Content syllables of the name and of each alias: how much of a name the query covers.
    shapes: List[frozenset] = field(default_factory=list)


@dataclass
class _Analysis:
    syllables: List[str]  # folded, abbreviations expanded
    words: List[str]  # underthesea compound words, folded, "_"-joined

    def terms(self) -> List[str]:
        s = self.syllables
        return [*("w:" + w for w in self.words), *s, *(f"{a} {b}" for a, b in zip(s, s[1:]))]


def analyse_text(text: str) -> _Analysis:
    """One segmentation pass: folded syllables and compound words, punctuation and numbers out."""
    syllables: List[str] = []
    words: List[str] = []
    for piece in segment(text):
        if piece.kind != "word":
            continue
        parts = fold(expand_words(piece.text)).split()
        syllables.extend(parts)
        if len(parts) > 1:
            words.append("_".join(parts))
    return _Analysis(syllables, words)


def _content(syllables: Iterable[str]) -> frozenset:
    return frozenset(s for s in syllables if s not in STOPWORDS)


MAX_PHRASE = 16  # syllables; longer aliases are matched by their terms only
TOP_K = 40


class CatalogIndex:
    """BM25 over procedure names and aliases, built once per catalog revision."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.docs: List[_Doc] = []
        self.postings: Dict[str, List[int]] = defaultdict(list)
        # folded phrase → [(doc, bonus)]: found in a query by looking up its n-grams.
        self.phrases: Dict[str, List[Tuple[int, float]]] = defaultdict(list)
        for entry in entries:
            self._add(entry)
        n = max(len(self.docs), 1)
        self.avg_len = sum(d.length for d in self.docs) / n
        self.idf = {
            t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()
        }
        # A word no procedure uses is the most specific word of all: it counts against
        # coverage ("giấy phép lái tàu vũ trụ" is not "giấy phép lái xe").
        self.unknown_idf = math.log(1 + (n + 0.5) / 0.5)

    def __len__(self) -> int:
        return len(self.docs)

    def _add(self, entry: Entry) -> None:
        index = len(self.docs)
        tf: Dict[str, int] = defaultdict(int)
        name = analyse_text(entry.name)
        for term in name.terms():
            tf[term] += 1
        shapes = [_content(name.syllables)]
        for alias in entry.aliases:
            analysed = analyse_text(alias)
            for term in set(analysed.terms()):
                tf[term] += 1
            shapes.append(_content(analysed.syllables))
            self._add_phrase(analysed.syllables, index, ALIAS_PHRASE_BONUS)
        bare = name.syllables[2:] if name.syllables[:2] == ["thu", "tuc"] else name.syllables
        self._add_phrase(bare, index, NAME_PHRASE_BONUS)
        self.docs.append(_Doc(entry, len(name.terms()), dict(tf), [s for s in shapes if s]))
        for term in tf:
            self.postings[term].append(index)

    def _add_phrase(self, syllables: List[str], index: int, bonus: float) -> None:
        if 0 < len(syllables) <= MAX_PHRASE and _content(syllables):
            self.phrases[" ".join(syllables)].append((index, bonus))

    def search(self, query: str, limit: int = 5) -> List[Hit]:
        analysed = analyse_text(query[:2000])
        terms = [t for t in analysed.terms() if not self._is_stop(t)]
        if not terms:
            return []
        weights: Dict[str, float] = defaultdict(float)
        for term in terms:
            weights[term] += self.idf.get(term, self.unknown_idf)
        total_weight = sum(w for t, w in weights.items() if _is_syllable(t))
        scores: Dict[int, float] = defaultdict(float)
        for term in weights:
            idf = self.idf.get(term)
            if idf is None:
                continue
            for index in self.postings[term]:
                doc = self.docs[index]
                tf = doc.tf[term]
                norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * doc.length / self.avg_len))
                scores[index] += idf * norm
        phrased = self._phrase_bonuses(analysed.syllables)
        for index, bonus in phrased.items():
            scores[index] += bonus
        query_content = _content(analysed.syllables)
        top = heapq.nlargest(TOP_K, scores.items(), key=lambda item: item[1])
        hits = []
        for index, score in top:
            doc = self.docs[index]
            matched = sum(w for t, w in weights.items() if _is_syllable(t) and t in doc.tf)
            # How much of the closest name or alias the question covers: "đăng ký hộ kinh
            # doanh" covers "thành lập hộ kinh doanh" better than "thay đổi nội dung …".
            precision = max(
                (len(shape & query_content) / len(shape) for shape in doc.shapes), default=0
            )
            hits.append(
                Hit(
                    doc.entry.code,
                    doc.entry.name,
                    doc.entry.level,
                    score * (0.5 + 0.5 * precision),
                    matched / total_weight if total_weight else 0.0,
                    index in phrased,
                )
            )
        hits.sort(key=lambda h: (-h.score, len(h.name)))
        return hits[:limit]

    def _phrase_bonuses(self, syllables: List[str]) -> Dict[int, float]:
        """Aliases and names quoted whole in the question, longest bonus per procedure."""
        found: Dict[int, float] = {}
        for i in range(len(syllables)):
            for j in range(i + 1, min(i + MAX_PHRASE, len(syllables)) + 1):
                for index, bonus in self.phrases.get(" ".join(syllables[i:j]), ()):
                    found[index] = max(found.get(index, 0.0), bonus * (j - i))
        return found

    @staticmethod
    def _is_stop(term: str) -> bool:
        if term.startswith("w:"):
            return all(s in STOPWORDS for s in term[2:].split("_"))
        return all(s in STOPWORDS for s in term.split(" "))


def _is_syllable(term: str) -> bool:
    return " " not in term and not term.startswith("w:")
