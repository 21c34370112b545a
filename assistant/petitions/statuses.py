"""A petition's statuses, their Vietnamese labels and the changes staff may make.

mới → đã tiếp nhận → đang xử lý → đã xử lý, one step at a time; "không thuộc thẩm quyền"
(not the city's to handle) closes a petition from any open status and needs a reason.
"""

from __future__ import annotations

from typing import Dict, Tuple

NEW = "moi"
RECEIVED = "da_tiep_nhan"
IN_PROGRESS = "dang_xu_ly"
RESOLVED = "da_xu_ly"
OUT_OF_SCOPE = "khong_thuoc_tham_quyen"

STATUSES: Tuple[str, ...] = (NEW, RECEIVED, IN_PROGRESS, RESOLVED, OUT_OF_SCOPE)
LABELS: Dict[str, str] = {
    NEW: "Mới",
    RECEIVED: "Đã tiếp nhận",
    IN_PROGRESS: "Đang xử lý",
    RESOLVED: "Đã xử lý",
    OUT_OF_SCOPE: "Không thuộc thẩm quyền",
}
OPEN: Tuple[str, ...] = (NEW, RECEIVED, IN_PROGRESS)
CLOSED: Tuple[str, ...] = (RESOLVED, OUT_OF_SCOPE)
_NEXT: Dict[str, str] = {NEW: RECEIVED, RECEIVED: IN_PROGRESS, IN_PROGRESS: RESOLVED}


def label(status: str) -> str:
    return LABELS.get(status, status)


def is_open(status: str) -> bool:
    return status in OPEN


def allowed(current: str, new: str) -> bool:
    """Whether staff may move a petition from ``current`` to ``new``."""
    if new == OUT_OF_SCOPE:
        return current in OPEN
    return _NEXT.get(current) == new


def next_statuses(current: str) -> Tuple[str, ...]:
    """What the staff page offers for a petition in ``current`` (empty once closed)."""
    if current not in OPEN:
        return ()
    return (_NEXT[current], OUT_OF_SCOPE)
