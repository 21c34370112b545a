"""The gate as a table: candidate scores, live scores, margin -> accepted, words in the reason."""

from __future__ import annotations

import pytest

from assistant.training.gate import decide, vn_number


def scores(as_written=0.91, stripped=0.89, informal=0.94, passed=8, total=8) -> dict:
    views = {"as_written": as_written, "stripped": stripped, "informal": informal}
    return {
        "heldout": {
            view: {"n": 100, "correct": round(value * 100), "accuracy": value}
            for view, value in views.items()
            if value is not None
        },
        "stories": {"passed": passed, "failed": total - passed, "total": total},
    }


CASES = [
    # (name, candidate, live, margin, accepted, words that must be in the reason)
    ("first model, all stories pass", scores(), None, 0.02, True, ["8/8", "đưa vào sử dụng"]),
    ("first model, a story fails", scores(passed=7), None, 0.02, False, ["1/8", "giữ mô hình"]),
    ("live without scores is no comparison", scores(passed=6), {}, 0.02, False, ["2/8"]),
    ("same scores", scores(), scores(), 0.02, True, ["không kém"]),
    ("better everywhere", scores(0.95, 0.93, 0.96), scores(), 0.02, True, ["0,95"]),
    ("drop within the margin", scores(as_written=0.895), scores(), 0.02, True, []),
    ("drop of exactly the margin", scores(stripped=0.87), scores(), 0.02, True, []),
    (
        "drop beyond the margin, stripped",
        scores(stripped=0.85),
        scores(),
        0.02,
        False,
        ["bản bỏ dấu", "0,89", "0,85"],
    ),
    (
        "informal drop",
        scores(informal=0.80),
        scores(),
        0.02,
        False,
        ["cách viết thông thường", "0,94", "0,80"],
    ),
    ("any drop with a zero margin", scores(informal=0.93), scores(), 0.0, False, ["0,00"]),
    (
        "more failing stories than live",
        scores(passed=7),
        scores(),
        0.02,
        False,
        ["kịch bản", "từ 0 lên 1", "trên 8"],
    ),
    ("live already failed as many stories", scores(passed=7), scores(passed=7), 0.02, True, []),
    ("fewer failing stories", scores(passed=8), scores(passed=6), 0.02, True, []),
    ("stories did not run", scores(total=0, passed=0), scores(), 0.02, False, ["Không chạy"]),
    (
        "a view missing on the candidate",
        scores(informal=None),
        scores(),
        0.02,
        False,
        ["Không chấm được", "cách viết thông thường"],
    ),
    (
        "two problems are both named",
        scores(as_written=0.70, passed=6),
        scores(),
        0.02,
        False,
        ["bản có dấu", "từ 0 lên 2"],
    ),
]


@pytest.mark.parametrize(
    "candidate, live, margin, accepted, words",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_decide(candidate, live, margin, accepted, words):
    ok, reason = decide(candidate, live, margin)
    assert ok is accepted, reason
    for word in words:
        assert word in reason
    assert reason.endswith("giữ mô hình đang chạy." if not accepted else "đưa vào sử dụng.")


def test_the_reason_staff_read_for_a_big_drop():
    ok, reason = decide(scores(as_written=0.62), scores(as_written=0.91), 0.02)
    assert not ok
    assert reason == (
        "Độ chính xác (bản có dấu) giảm từ 0,91 xuống 0,62, vượt mức cho phép 0,02: "
        "giữ mô hình đang chạy."
    )


@pytest.mark.parametrize(
    "value, text", [(0.9103, "0,91"), (0.02, "0,02"), (1.0, "1,00"), (0.895, "0,90")]
)
def test_vietnamese_numbers(value, text):
    assert vn_number(value) == text
