"""Plain dossier records shared by the importer, the generator and the repository.

Every source (a provincial JSON export, a CSV file, the synthetic generator) is turned into
:class:`DossierRecord` before anything touches the database, so the repository knows one
shape only and validation (code format, phone digits) happens in one place.

Times are naive local time (Asia/Ho_Chi_Minh, UTC+7, no daylight saving): that is what the
case-handling systems show citizens and what the assistant reads back to them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import List, NamedTuple

from assistant.dossiers.statuses import DossierStatus
from assistant.localtime import local_now
from assistant.text.normalize import DOSSIER_CODE_RE


class HistoryEntry(NamedTuple):
    """One status the dossier went through, oldest first in :attr:`DossierRecord.history`."""

    status: DossierStatus
    status_text: str
    handling_unit: str
    at: datetime


_NON_DIGITS = re.compile(r"\D+")


def normalize_code(code: str) -> str:
    """The stored form of a dossier code: NFC, trimmed, upper case (systems issue upper)."""
    return unicodedata.normalize("NFC", code).strip().upper()


def is_valid_code(code: str) -> bool:
    """True for ``<agency code>-<yymmdd>-<4-digit seq>``, the national format."""
    return DOSSIER_CODE_RE.fullmatch(code) is not None


def normalize_phone(phone: object) -> str:
    """Digits only, with the country code replaced by the trunk 0 (+84 912… → 0912…).

    Verification compares what the citizen types with what the system stored, so both
    sides must go through this. A number stored as a JSON integer has lost its leading 0;
    nine digits starting 3/5/7/8/9 get it back.
    """
    if phone is None or isinstance(phone, bool):
        return ""
    digits = _NON_DIGITS.sub("", str(phone))
    if digits.startswith("0084"):
        digits = "0" + digits[4:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    elif len(digits) == 9 and digits[0] in "35789":
        digits = "0" + digits
    return digits


def is_mobile(phone: str) -> bool:
    """A normalised Vietnamese mobile number: 10 digits, 03x/05x/07x/08x/09x."""
    return len(phone) == 10 and phone.isdigit() and phone[:2] in ("03", "05", "07", "08", "09")


@dataclass
class DossierRecord:
    code: str
    external_id: str | None = None
    procedure_name: str = ""
    sector: str = ""
    applicant_name: str = ""
    applicant_phone: str = ""
    applicant_id_number: str | None = None
    received_at: datetime | None = None
    due_at: datetime | None = None
    completed_at: datetime | None = None
    returned_at: datetime | None = None
    status: DossierStatus = DossierStatus.UNKNOWN
    status_text: str = ""
    handling_unit: str = ""
    history: List[HistoryEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.code = normalize_code(self.code)
        if not is_valid_code(self.code):
            raise ValueError(f"invalid dossier code {self.code!r}")
        self.applicant_phone = normalize_phone(self.applicant_phone)
        self.history = [HistoryEntry(*entry) for entry in self.history]

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Finished after the due date, or still open past it; cancelled/rejected never are."""
        if self.due_at is None or self.status in (DossierStatus.CANCELLED, DossierStatus.REJECTED):
            return False
        if self.completed_at is not None:
            return self.completed_at > self.due_at
        if self.status.finished:
            return False
        return (now or local_now()) > self.due_at
