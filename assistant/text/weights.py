"""How much a term says: the weighting core of the assistant's three scorers.

The catalog search (BM25 over procedure names and aliases), the FAQ retrieval (TF-IDF cosine
over questions and paraphrases) and the masked intent classifier (TF-IDF vectors for a
logistic regression) read the same folded syllables. They weigh them with the functions here,
so that a rare word counts for more, and a repeated one for less, in the same way in each, and
a change to either rule is made once.

Two idf flavours, because the scorers need different things of them:

- :func:`smoothed_idf` (scikit-learn's ``smooth_idf``: ``ln((1 + n) / (1 + df)) + 1``) never
  reaches zero, so a word every document has still counts in a cosine;
- :func:`bm25_idf` (Lucene's ``ln(1 + (n - df + 0.5) / (df + 0.5))``) falls towards zero for
  such a word, which is what a sum of matched terms wants.

A term no document has gets ``df = 0``: the rarest weight, because it is what the text is
about that nothing indexed says.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Dict, Iterable, Mapping

# BM25's usual constants: term-frequency saturation and length normalisation.
K1 = 1.2
B = 0.75


def smoothed_idf(df: int, n: int) -> float:
    """Inverse document frequency of a term found in ``df`` of ``n`` documents (≥ 1)."""
    return math.log((1 + n) / (1 + df)) + 1


def bm25_idf(df: int, n: int) -> float:
    """BM25's inverse document frequency (≥ 0, near 0 for a term every document has)."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def sublinear_tf(count: int) -> float:
    """A term said ``count`` times weighs ``1 + ln(count)``: twice is not twice as much."""
    return 1 + math.log(count)


def bm25_tf(tf: int, length: float, avg_length: float, k1: float = K1, b: float = B) -> float:
    """BM25's saturated term frequency in a document of ``length`` terms."""
    return tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avg_length))


def document_frequencies(documents: Iterable[Iterable[str]]) -> Counter:
    """In how many documents each term occurs (once per document however often it is said)."""
    df: Counter = Counter()
    for terms in documents:
        df.update(set(terms))
    return df


def tfidf(counts: Mapping[str, int], idf: Mapping[str, float], unseen: float) -> Dict[str, float]:
    """Sublinear-tf × idf weights of a text's term counts, L2-normalised (empty if no term).

    ``unseen`` is the weight of a term ``idf`` does not have; pass 0 to drop such terms.
    """
    weights = {t: sublinear_tf(c) * idf.get(t, unseen) for t, c in counts.items()}
    weights = {t: w for t, w in weights.items() if w}
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {t: w / norm for t, w in weights.items()} if norm else {}
