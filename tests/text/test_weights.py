import math
from collections import Counter

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from assistant.text.weights import (
    bm25_idf,
    bm25_tf,
    document_frequencies,
    smoothed_idf,
    sublinear_tf,
    tfidf,
)

CORPUS = [
    "dang ky khai sinh cho con",
    "dang ky ket hon",
    "cap lai giay khai sinh khai sinh",
    "dang ky tam tru",
]


def test_tfidf_agrees_with_scikit_learns_vectorizer():
    """The FAQ and the intent classifier weigh terms as scikit-learn's smoothed, sublinear
    TF-IDF does: the same vectors for the same corpus."""
    vectorizer = TfidfVectorizer(sublinear_tf=True, token_pattern=r"\S+")
    matrix = vectorizer.fit_transform(CORPUS)
    df = document_frequencies(text.split() for text in CORPUS)
    idf = {term: smoothed_idf(df[term], len(CORPUS)) for term in df}
    vocabulary = vectorizer.vocabulary_
    for term, expected in zip(vectorizer.get_feature_names_out(), vectorizer.idf_):
        assert idf[term] == pytest.approx(expected)
    for row, text in enumerate(CORPUS):
        ours = tfidf(Counter(text.split()), idf, unseen=0.0)
        theirs = {t: matrix[row, i] for t, i in vocabulary.items() if matrix[row, i]}
        assert ours.keys() == theirs.keys()
        for term, value in theirs.items():
            assert ours[term] == pytest.approx(value)


def test_a_document_counts_a_term_once_however_often_it_says_it():
    df = document_frequencies(text.split() for text in CORPUS)
    assert df["khai"] == 2 and df["dang"] == 3 and df["hon"] == 1


def test_an_unseen_term_weighs_as_the_rarest_and_an_everywhere_term_least():
    n = 100
    assert smoothed_idf(0, n) > smoothed_idf(1, n) > smoothed_idf(50, n) > smoothed_idf(n, n)
    assert smoothed_idf(n, n) == pytest.approx(1.0)  # still counts in a cosine
    assert bm25_idf(0, n) > bm25_idf(1, n) > bm25_idf(50, n) > bm25_idf(n, n) > 0
    assert bm25_idf(n, n) < 0.01  # barely counts in a sum of matched terms


def test_repetition_saturates():
    assert sublinear_tf(1) == 1.0
    assert sublinear_tf(4) == pytest.approx(1 + math.log(4))
    assert bm25_tf(1, 10, 10) == pytest.approx(1.0)
    assert bm25_tf(2, 10, 10) < 2 * bm25_tf(1, 10, 10)
    assert bm25_tf(1000, 10, 10) < 2.2  # never more than k1 + 1
    # The same term in a longer document says less about it.
    assert bm25_tf(1, 30, 10) < bm25_tf(1, 10, 10) < bm25_tf(1, 5, 10)


def test_tfidf_is_a_unit_vector_and_unseen_terms_take_the_given_weight():
    idf = {"khai": 2.0, "sinh": 2.0}
    vector = tfidf(Counter({"khai": 1, "sinh": 1, "la": 1}), idf, unseen=0.0)
    assert set(vector) == {"khai", "sinh"}
    assert sum(v * v for v in vector.values()) == pytest.approx(1.0)
    weighted = tfidf(Counter({"khai": 1, "la": 1}), idf, unseen=4.0)
    assert weighted["la"] == pytest.approx(2 * weighted["khai"])
    assert tfidf(Counter({"la": 1}), idf, unseen=0.0) == {}
