"""Grouping unanswered messages that ask the same thing, so staff decide once per question.

Pure functions. A text becomes its syllables as the NLU reads them (abbreviations spelled
out), folded (no case, no diacritics); its features are the syllables and syllable pairs. Courtesy
and filler words ("cho mình hỏi", "ad ơi", "ạ", "hôm nay") are not features on their own,
otherwise every polite question would look alike and "giá vàng hôm nay" would sit with "giá
xăng hôm nay". Clustering is greedy in the given order (newest first): each text joins the
group whose summed features are closest, when the cosine reaches SIMILARITY_THRESHOLD.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from functools import lru_cache
from typing import Dict, List, Sequence, Tuple

from assistant.text.normalize import fold
from assistant.text.segment import normalize_text

SIMILARITY_THRESHOLD = 0.5
# Folded courtesy and filler syllables: not features alone, only inside a pair with a content
# syllable. Words that are also content words once folded ("hoi" = hỏi/hội) are safe here
# because pairs such as "xa hoi" are kept.
FILLER = frozenset(
    "cho toi minh em anh chi ban ad admin oi a ah nhe nha nhi vay ha hoi voi va la thi co hom nay "
    "khong duoc giup gium dum xin".split()
)
_SYLLABLE_RE = re.compile(r"[^\W_]+")

Features = Dict[str, float]


@lru_cache(maxsize=20_000)
def syllables(text: str) -> Tuple[str, ...]:
    """The folded syllables of a message as the NLU reads it ("Gía vàng bn?" → gia vang bao
    nhieu)."""
    return tuple(_SYLLABLE_RE.findall(fold(normalize_text(text or ""))))


def key(text: str) -> str:
    """Two texts with the same key say the same thing (case, accents, punctuation aside)."""
    return " ".join(syllables(text))


def features(text: str) -> Features:
    words = syllables(text)
    out: Features = {}
    for word in words:
        if word not in FILLER:
            out[word] = 1.0
    for first, second in zip(words, words[1:]):
        if first not in FILLER or second not in FILLER:
            out[f"{first} {second}"] = 1.0
    if not out:  # only courtesy words ("cho em hỏi với"): compare them as they are
        out = {word: 1.0 for word in words}
    return out


def _norm(vector: Features) -> float:
    return math.sqrt(sum(v * v for v in vector.values()))


def cosine(a: Features, b: Features) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(weight * b.get(feature, 0.0) for feature, weight in a.items())
    return dot / (_norm(a) * _norm(b))


def similarity(a: str, b: str) -> float:
    return cosine(features(a), features(b))


def cluster(texts: Sequence[str], threshold: float = SIMILARITY_THRESHOLD) -> List[List[int]]:
    """Indices of ``texts`` grouped by similarity, biggest group first (ties: earliest first).

    Identical texts (by :func:`key`) always share a group. Candidates are found through an
    inverted index, so 2,000 messages take well under a second.
    """
    by_key: Dict[str, List[int]] = {}
    for index, text in enumerate(texts):
        by_key.setdefault(key(text), []).append(index)
    sums: List[Features] = []
    members: List[List[int]] = []
    postings: Dict[str, set] = defaultdict(set)
    for indices in by_key.values():
        vector = features(texts[indices[0]])
        count = len(indices)
        candidates = set().union(*(postings[f] for f in vector)) if vector else set()
        best, best_score = None, 0.0
        for candidate in sorted(candidates):  # sorted: ties go to the older group, every time
            score = cosine(vector, sums[candidate])
            if score > best_score:
                best, best_score = candidate, score
        if best is None or best_score < threshold:
            best = len(sums)
            sums.append({})
            members.append([])
        total = sums[best]
        for feature, weight in vector.items():
            total[feature] = total.get(feature, 0.0) + weight * count
            postings[feature].add(best)
        members[best].extend(indices)
    groups = [sorted(m) for m in members]
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def representative(texts: Sequence[str]) -> int:
    """Index of the text that stands for a group: the most frequent wording, and among equally
    frequent ones the earliest (the newest when texts are newest first)."""
    counts = Counter(key(t) for t in texts)
    return min(range(len(texts)), key=lambda i: (-counts[key(texts[i])], i))


def distinct(texts: Sequence[str]) -> List[str]:
    """The texts without repeats (by :func:`key`), in their order; empty ones dropped."""
    seen, out = set(), []
    for text in texts:
        text_key = key(text)
        if text_key and text_key not in seen:
            seen.add(text_key)
            out.append(text)
    return out
