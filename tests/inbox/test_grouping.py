"""Grouping of unanswered messages: pure functions, table-driven."""

from __future__ import annotations

import pytest

from assistant.inbox.grouping import (
    SIMILARITY_THRESHOLD,
    cluster,
    distinct,
    features,
    key,
    representative,
    similarity,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Giá vàng hôm nay?", "gia vang hom nay"),
        ("gia vang  hom nay", "gia vang hom nay"),
        ("giá vàng bn z ad", "gia vang bao nhieu vay admin"),  # teencode spelled out
        ("Làm CCCD ở đâu", "lam can cuoc cong dan o dau"),
        ("số *** của tôi", "so cua toi"),  # masked numbers are not words
        ("???", ""),
    ],
)
def test_key(text, expected):
    assert key(text) == expected


def test_courtesy_words_are_not_features_alone_but_pairs_with_them_are():
    found = features("cho mình hỏi bảo hiểm xã hội")
    assert "cho" not in found and "hoi" not in found and "cho minh" not in found
    assert {"bao", "hiem", "xa", "xa hoi", "hiem xa"} <= set(found)
    assert set(features("cho em hỏi với")) == {"cho", "em", "hoi", "voi"}  # nothing else left


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("giá vàng hôm nay", "gia vang hom nay bao nhieu", True),
        ("giá vàng hôm nay", "giá vàng sjc hôm nay", True),
        ("cho mình hỏi giá vàng", "giá vàng hôm nay", True),
        ("thời tiết cần thơ", "thoi tiet can tho ngay mai", True),
        ("kể chuyện cười đi", "ad ơi kể chuyện cười nghe với", True),
        ("đổi bằng lái xe", "đổi gplx", True),
        ("giá vàng hôm nay", "giá xăng hôm nay", False),
        ("giá vàng hôm nay", "thời tiết cần thơ", False),
        ("cho em hỏi giá vàng", "cho em hỏi thời tiết", False),
        ("tỷ giá đô la hôm nay", "giá vàng hôm nay", False),
        ("cấp lại giấy phép lái xe", "cấp lại căn cước công dân", False),
    ],
)
def test_similarity_against_the_threshold(a, b, same):
    assert (similarity(a, b) >= SIMILARITY_THRESHOLD) is same
    assert similarity(a, b) == pytest.approx(similarity(b, a))


def test_cluster_groups_gold_prices_and_keeps_weather_apart():
    texts = [
        "giá vàng hôm nay",
        "thời tiết cần thơ",
        "gia vang hom nay bao nhieu",
        "giá vàng sjc hôm nay",
        "giá xăng hôm nay",
        "Giá vàng hôm nay?",
    ]
    groups = cluster(texts)
    assert groups[0] == [0, 2, 3, 5]
    assert sorted(groups[1:]) == [[1], [4]]


def test_cluster_orders_bigger_groups_first_then_earlier():
    texts = ["thời tiết", "kể chuyện cười", "kể chuyện cười đi", "giá vàng", "thời tiết mai"]
    assert cluster(texts) == [[0, 4], [1, 2], [3]]


@pytest.mark.parametrize(
    "texts, expected",
    [
        ([], []),
        (["một câu"], [[0]]),
        (["???", "!!!"], [[0, 1]]),  # nothing to compare: identical keys still group
    ],
)
def test_cluster_edge_cases(texts, expected):
    assert cluster(texts) == expected


@pytest.mark.parametrize(
    "texts, expected",
    [
        (["giá vàng", "gia vang hom nay", "gia vang hom nay"], 1),  # most frequent wording
        (["giá vàng hôm nay", "Gia vang hom nay!", "giá vàng sjc"], 0),  # same key: first one
        (["giá vàng sjc", "giá vàng"], 0),  # all equally frequent: the first (newest)
    ],
)
def test_representative(texts, expected):
    assert representative(texts) == expected


def test_distinct_keeps_order_and_drops_repeats_and_empty_texts():
    texts = ["Giá vàng?", "gia vang", "***", "giá xăng", "giá vàng"]
    assert distinct(texts) == ["Giá vàng?", "giá xăng"]


def test_two_thousand_messages_cluster_without_mixing_topics():
    topics = ["giá vàng sjc", "thời tiết cần thơ", "kể chuyện cười", "tỷ giá đô la mỹ"]
    texts = [f"{topics[i % 4]} lần {i}" for i in range(2000)]
    groups = cluster(texts)
    assert len(groups) == 4
    for group in groups:
        assert len({i % 4 for i in group}) == 1
