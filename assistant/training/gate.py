"""The gate: a retrained model replaces the live one only if it is not worse.

Pure function of two score dicts (see :func:`assistant.training.scoring.score_model`), so the
rule is tested as a table. The reason is written for staff, in Vietnamese, with the numbers.
"""

from __future__ import annotations

from typing import List, Tuple

# Held-out views in the order staff read them, with the names they know them by.
VIEWS = {
    "as_written": "bản có dấu",
    "stripped": "bản bỏ dấu",
    "informal": "cách viết thông thường",
}
_EPSILON = 1e-9  # a drop of exactly the margin is allowed


def vn_number(value: float) -> str:
    """0.9103 -> "0,91": Vietnamese decimal comma, two places."""
    return f"{value:.2f}".replace(".", ",")


def accuracy(scores: dict | None, view: str) -> float | None:
    entry = ((scores or {}).get("heldout") or {}).get(view)
    return None if entry is None else float(entry["accuracy"])


def stories(scores: dict | None) -> Tuple[int, int] | None:
    """(failed, total) of the test stories, None when they were not run."""
    entry = (scores or {}).get("stories")
    if not entry or not entry.get("total"):
        return None
    return int(entry["total"]) - int(entry["passed"]), int(entry["total"])


def summary(candidate: dict, number=None) -> str:
    """The scores in one line: "bản có dấu 0,91, …, kịch bản kiểm thử đạt 8/8"."""
    number = number or vn_number
    parts = [
        f"{label} {number(value)}"
        for view, label in VIEWS.items()
        if (value := accuracy(candidate, view)) is not None
    ]
    counted = stories(candidate)
    if counted:
        failed, total = counted
        parts.append(f"kịch bản kiểm thử đạt {total - failed}/{total}")
    return ", ".join(parts)


def decide(candidate: dict, live: dict | None, margin: float) -> Tuple[bool, str]:
    """(accept, reason). Reject when any held-out view falls more than ``margin`` below the
    live model's, or more test stories fail than with the live model. Without live scores to
    compare with, accept only a candidate that passes every test story."""
    counted = stories(candidate)
    if counted is None:
        return (
            False,
            "Không chạy được các kịch bản kiểm thử cho mô hình mới: giữ mô hình đang chạy.",
        )
    failed, total = counted
    has_live = live is not None and any(accuracy(live, view) is not None for view in VIEWS)
    if not has_live:
        if failed:
            return False, (
                f"Chưa có điểm của mô hình đang chạy để so sánh, và mô hình mới không đạt "
                f"{failed}/{total} kịch bản kiểm thử: giữ mô hình đang chạy."
            )
        return True, (
            f"Chưa có điểm của mô hình đang chạy để so sánh; mô hình mới đạt cả {total}/{total} "
            f"kịch bản kiểm thử ({summary(candidate)}): đưa vào sử dụng."
        )

    problems: List[str] = []
    for view, label in VIEWS.items():
        before, after = accuracy(live, view), accuracy(candidate, view)
        if before is None:
            continue
        if after is None:
            problems.append(f"Không chấm được độ chính xác ({label}) của mô hình mới")
        elif after < before - margin - _EPSILON:
            problems.append(
                f"Độ chính xác ({label}) giảm từ {vn_number(before)} xuống {vn_number(after)}, "
                f"vượt mức cho phép {vn_number(margin)}"
            )
    live_counted = stories(live)
    live_failed = live_counted[0] if live_counted else 0
    if failed > live_failed:
        problems.append(
            f"Số kịch bản kiểm thử không đạt tăng từ {live_failed} lên {failed} (trên {total})"
        )
    if problems:
        return False, "; ".join(problems) + ": giữ mô hình đang chạy."
    return (
        True,
        f"Mô hình mới không kém mô hình đang chạy ({summary(candidate)}): đưa vào sử dụng.",
    )
