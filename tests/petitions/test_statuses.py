"""Which status changes staff may make."""

from __future__ import annotations

import pytest

from assistant.petitions.statuses import LABELS, STATUSES, allowed, label, next_statuses


@pytest.mark.parametrize(
    "current, new, ok",
    [
        ("moi", "da_tiep_nhan", True),
        ("da_tiep_nhan", "dang_xu_ly", True),
        ("dang_xu_ly", "da_xu_ly", True),
        ("moi", "dang_xu_ly", False),  # one step at a time
        ("moi", "da_xu_ly", False),
        ("da_tiep_nhan", "moi", False),  # never back
        ("da_xu_ly", "dang_xu_ly", False),
        ("moi", "khong_thuoc_tham_quyen", True),
        ("da_tiep_nhan", "khong_thuoc_tham_quyen", True),
        ("dang_xu_ly", "khong_thuoc_tham_quyen", True),
        ("da_xu_ly", "khong_thuoc_tham_quyen", False),
        ("khong_thuoc_tham_quyen", "khong_thuoc_tham_quyen", False),
        ("moi", "moi", False),
        ("moi", "unknown", False),
    ],
)
def test_allowed(current, new, ok):
    assert allowed(current, new) is ok


def test_labels_and_choices():
    assert set(LABELS) == set(STATUSES)
    assert label("dang_xu_ly") == "Đang xử lý" and label("other") == "other"
    assert next_statuses("moi") == ("da_tiep_nhan", "khong_thuoc_tham_quyen")
    assert next_statuses("da_xu_ly") == ()
