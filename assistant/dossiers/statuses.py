"""Dossier statuses as provincial case-handling systems name them, mapped to one enum.

Systems differ in wording ("Đang xử lý", "Đang giải quyết"; "Chờ bổ sung hồ sơ", "Yêu cầu bổ
sung"), so names are matched folded (no case, no diacritics) against known phrasings. A name we
do not know becomes ``UNKNOWN`` and its text is kept; it never raises.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Tuple

from assistant.text.normalize import fold


class DossierStatus(str, Enum):
    WAITING = "waiting"  # Chờ tiếp nhận
    RECEIVED = "received"  # Đã tiếp nhận
    PROCESSING = "processing"  # Đang xử lý
    SUPPLEMENT = "supplement"  # Chờ bổ sung hồ sơ
    READY = "ready"  # Đã có kết quả (chờ trả)
    RETURNED = "returned"  # Đã trả kết quả
    CANCELLED = "cancelled"  # Đã hủy
    REJECTED = "rejected"  # Từ chối
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def finished(self) -> bool:
        return self in (DossierStatus.RETURNED, DossierStatus.CANCELLED, DossierStatus.REJECTED)


LABELS = {
    DossierStatus.WAITING: "Chờ tiếp nhận",
    DossierStatus.RECEIVED: "Đã tiếp nhận",
    DossierStatus.PROCESSING: "Đang xử lý",
    DossierStatus.SUPPLEMENT: "Chờ bổ sung hồ sơ",
    DossierStatus.READY: "Đã có kết quả (chờ trả)",
    DossierStatus.RETURNED: "Đã trả kết quả",
    DossierStatus.CANCELLED: "Đã hủy",
    DossierStatus.REJECTED: "Từ chối",
    DossierStatus.UNKNOWN: "Không xác định",
}

# Folded phrasings, most specific first, matched as whole words of the folded name ("huy"
# must not match inside "chuyen" or "huyen").
_PHRASES: Tuple[Tuple[str, DossierStatus], ...] = (
    ("khong tiep nhan", DossierStatus.REJECTED),
    ("cho tiep nhan", DossierStatus.WAITING),
    ("moi dang ky", DossierStatus.WAITING),
    ("cho xac nhan", DossierStatus.WAITING),
    ("bo sung", DossierStatus.SUPPLEMENT),
    ("cho tra", DossierStatus.READY),
    ("da co ket qua", DossierStatus.READY),
    ("co ket qua", DossierStatus.READY),
    ("da tra", DossierStatus.RETURNED),
    ("hoan thanh", DossierStatus.RETURNED),
    ("da huy", DossierStatus.CANCELLED),
    ("huy", DossierStatus.CANCELLED),
    ("rut ho so", DossierStatus.CANCELLED),
    ("tu choi", DossierStatus.REJECTED),
    ("khong du dieu kien", DossierStatus.REJECTED),
    ("dung xu ly", DossierStatus.REJECTED),
    ("da tiep nhan", DossierStatus.RECEIVED),
    ("tiep nhan", DossierStatus.RECEIVED),
    ("dang xu ly", DossierStatus.PROCESSING),
    ("dang giai quyet", DossierStatus.PROCESSING),
    ("cho phe duyet", DossierStatus.PROCESSING),
    ("dang tham dinh", DossierStatus.PROCESSING),
    ("xu ly", DossierStatus.PROCESSING),
)


def parse_status(name: object) -> DossierStatus:
    """The enum for a status name from any source system; UNKNOWN when not recognised."""
    if not isinstance(name, str) or not name.strip():
        return DossierStatus.UNKNOWN
    folded = " ".join(fold(name).split())
    for value in DossierStatus:
        if folded == value.value:
            return value
    padded = f" {re.sub(r'[^a-z0-9]+', ' ', folded)} "
    for phrase, status in _PHRASES:
        if f" {phrase} " in padded:
            return status
    return DossierStatus.UNKNOWN
