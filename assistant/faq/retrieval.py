"""Live FAQ retrieval: finds the staff entry a citizen's question asks, without a model.

A new or edited FAQ must be answered within seconds, long before the next retraining, so the
NLU also compares each message with every active question and paraphrase in the database.
Both sides go through the NLU's own normalisation (teencode spelled out, tone marks, no
case, no diacritics), lose the filler words citizens wrap questions in ("cho em hỏi … ạ"),
and become syllable unigrams and bigrams weighted by TF-IDF; an entry scores the best cosine
of its question and paraphrases. Words the FAQ never uses still count in the question's
length (at the highest weight), so "làm căn cước mất bao lâu" does not match an FAQ about
refunds just because both say "bao lâu".
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Sequence, Tuple

from assistant.text.normalize import fold
from assistant.text.weights import document_frequencies, smoothed_idf, tfidf

# Tuned on the seed FAQ (tests/faq/test_retrieval.py). Its 357 questions retyped seven ways
# (without diacritics, in teencode, upper case, wrapped in filler: 2,499 variants) score 0.75
# or more against their own entry, all but four where long filler wraps a short question
# ("Cho mình hỏi là menu nhé"). None of the 1,319 other training and held-out examples
# (procedures, dossiers, small talk) reaches 0.72, the closest being "tra cứu hồ sơ" against
# "bạn có tra cứu hồ sơ được không". A match at STRONG overrides any predicted intent.
STRONG = 0.75
# Enough when the model had no better idea (nlu_fallback, out_of_scope) or itself said "faq":
# out-of-scope examples stay below 0.45 ("vay tiền ngân hàng" against online payment).
WEAK = 0.55

# Words that wrap a question without saying what it is about ("cho em hỏi … với ạ", "ad ơi",
# "mình muốn biết"): dropped on both sides. Question scaffolding ("có … không", "thì sao")
# stays: a low weight is enough, and without it "tra cứu hồ sơ" would equal "bạn có tra cứu
# hồ sơ được không".
FILLER = frozenset(
    """
    cho hỏi ạ ad admin ơi vậy với nhé nha nhỉ em mình tôi muốn biết xin vui lòng giúp
    dạ vâng
    """.split()
)
# For text typed without diacritics: the same words, except those whose plain spelling is as
# often a content word: "anh" (ảnh), "chi" (chỉ), "vang" (vàng), "toi" (tới), "muon" (muộn).
# Four more are fillers only where they stand: "cho" before another filler ("cho em hoi",
# not "cho nao" = chỗ nào), "e" first or after "cho" (em, not "tiếng Ê Đê"), "da" first
# (dạ, not đã), "nha" last (nha, not nhà).
FILLER_PLAIN = frozenset(fold(w) for w in FILLER) - {
    "anh",
    "chi",
    "vang",
    "toi",
    "muon",
    "cho",
    "da",
    "nha",
}


def _plain_filler(words: Sequence[str], i: int) -> bool:
    word = words[i]
    if word in FILLER_PLAIN:
        return True
    if word == "cho":
        return i + 1 < len(words) and (words[i + 1] in FILLER_PLAIN or words[i + 1] == "e")
    if word == "e":
        return i == 0 or words[i - 1] == "cho"
    if word == "da":
        return i == 0
    return word == "nha" and i == len(words) - 1


# Words of question frames and of the administration in general: shared with an FAQ they
# do not show the question is about it (folded syllables).
GENERIC_TERMS = frozenset(
    fold(w)
    for w in """
    hồ sơ thủ tục giấy tờ làm cần có không được bao nhiêu lâu ngày mức nào gì đâu thế sao
    nộp cấp đăng ký người dân công việc làm việc thời gian phí lệ phải khi nếu thì là của
    ở tại trên và hay hoặc bị đã sẽ đang các những một cho này đó theo quy định
    """.split()
)
GROUNDING_IDF = 4.5


@dataclass(frozen=True)
class FaqDoc:
    """What the index needs of an entry (a FaqEntry row fits as well)."""

    id: int
    key: str
    question: str
    paraphrases: Tuple[str, ...] = ()
    answer: str = ""


@dataclass(frozen=True)
class FaqHit:
    id: int
    key: str
    score: float
    question: str


@lru_cache(maxsize=50_000)
def terms(text: str) -> Tuple[str, ...]:
    """The content syllables of a text, normalised as the NLU reads it."""
    from assistant.text.segment import normalize_text

    words = re.findall(r"[^\W_]+", normalize_text(text or "").lower())
    plain = [fold(w) for w in words]
    # In text typed with diacritics a bare "nha" is the particle; in text typed without, it
    # may be "nhà". Mixed text ("ad ơi gui ket qua ve nha") counts as typed without.
    accented = sum(w != p for w, p in zip(words, plain)) * 2 >= len(words)
    return tuple(
        p
        for i, (w, p) in enumerate(zip(words, plain))
        if not (w in FILLER if w != p or accented else _plain_filler(plain, i))
    )


def features(text: str) -> Counter:
    words = terms(text)
    found = Counter(words)
    found.update(f"{a} {b}" for a, b in zip(words, words[1:]))
    return found


def doc_of(entry: Any) -> FaqDoc:
    """A detached copy, so an index outlives the database session it was read in."""
    return FaqDoc(
        id=int(entry.id),
        key=str(entry.key),
        question=str(entry.question),
        paraphrases=tuple(entry.paraphrases or ()),
        answer=str(getattr(entry, "answer", "") or ""),
    )


class FaqIndex:
    """TF-IDF cosine over every question and paraphrase of the given entries."""

    def __init__(self, entries: Iterable[Any]) -> None:
        self.entries: List[FaqDoc] = [doc_of(e) for e in entries]
        texts: List[Tuple[int, Counter]] = []
        for position, entry in enumerate(self.entries):
            for text in (entry.question, *entry.paraphrases):
                found = features(text)
                if found:
                    texts.append((position, found))
        df = document_frequencies(found for _, found in texts)
        total = len(texts)
        self.idf: Dict[str, float] = {f: smoothed_idf(n, total) for f, n in df.items()}
        # A word no FAQ uses weighs as much as the rarest one: it is what the question is about.
        self.unknown_idf = smoothed_idf(0, total)
        self.postings: Dict[str, List[Tuple[int, float]]] = {}
        self.owner: List[int] = []
        for doc, (position, found) in enumerate(texts):
            for feature, weight in tfidf(found, self.idf, self.unknown_idf).items():
                self.postings.setdefault(feature, []).append((doc, weight))
            self.owner.append(position)

    def __len__(self) -> int:
        return len(self.entries)

    def rank(self, text: str, limit: int = 5) -> List[FaqHit]:
        """The best entries for a text, best first, each scored by its closest wording."""
        found = features(text)
        if not found or not self.owner:
            return []
        scores: Dict[int, float] = {}
        for feature, weight in tfidf(found, self.idf, self.unknown_idf).items():
            for doc, doc_weight in self.postings.get(feature, ()):
                scores[doc] = scores.get(doc, 0.0) + weight * doc_weight
        best: Dict[int, float] = {}
        for doc, score in scores.items():
            position = self.owner[doc]
            best[position] = max(best.get(position, 0.0), score)
        ordered = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [
            FaqHit(
                id=self.entries[p].id,
                key=self.entries[p].key,
                score=round(min(score, 1.0), 4),
                question=self.entries[p].question,
            )
            for p, score in ordered
        ]

    def shared_terms(self, text: str, key: str, enough: int = 3) -> List[str]:
        """The distinctive word pairs a text shares with a wording of entry ``key``, or []
        when it shares too few: ``enough`` of them, or all a short wording has.

        An FAQ is about something ("VNeID", "bưu điện", "biên nhận"); sharing only the
        frame of a question ("mức", "ngày làm việc", "hồ sơ") with it is no evidence. A word
        pair is distinctive when few wordings use it (its IDF is at least ``GROUNDING_IDF``)
        and it is not made only of generic words. Single words do not count: matched by
        chance ("mẹ", "bộ", "tạm"), they are what made FAQs fire on unrelated questions.
        """
        asked = {f for f in features(text) if self._distinctive(f)}
        best: List[str] = []
        topic: set = set()  # the pairs any of the entry's wordings shares with the text
        for entry in self.entries:
            if entry.key != key:
                continue
            for wording in (entry.question, *entry.paraphrases):
                own = {f for f in features(wording) if self._distinctive(f)}
                shared = sorted(asked & own)
                topic.update(shared)
                if shared and len(shared) >= min(enough, len(own)) and len(shared) > len(best):
                    best = shared
        # A short message says little: when every distinctive pair it has (two at least)
        # belongs to the entry's wordings, it is about that entry.
        if not best and len(topic) >= 2 and topic == asked:
            best = sorted(asked)
        return best

    def _distinctive(self, feature: str) -> bool:
        return (
            " " in feature
            and not all(w in GENERIC_TERMS for w in feature.split())
            and self.idf.get(feature, 0.0) >= GROUNDING_IDF
        )

    def match(self, text: str) -> FaqHit | None:
        ranked = self.rank(text, limit=1)
        return ranked[0] if ranked else None

    def answer(self, entry_id: int) -> str:
        return next((e.answer for e in self.entries if e.id == entry_id), "")
