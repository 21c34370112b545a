"""Dossier status for its owner only: verification, anti-enumeration limits, a safe view.

An unknown code and a wrong verification give the same outcome ("denied"), so the assistant
cannot be used to learn which codes exist. Failures are counted per sender, per code and, for
web clients, per network address in the database, so limits hold across restarts and several
server processes. Attempts carry naive UTC times (the same clock the pruning uses); only
dossier dates are local time.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import List, Tuple

from assistant.audit import utcnow
from assistant.db.session import session_scope
from assistant.dossiers.attempts import AttemptRepository
from assistant.dossiers.repository import DossierRepository
from assistant.dossiers.statuses import DossierStatus, parse_status
from assistant.privacy import mask_name
from assistant.sender_hash import sender_hash
from assistant.settings import get_settings


@dataclass
class DossierView:
    """What may be shown to the verified owner (the name already masked)."""

    code: str
    procedure_name: str
    procedure_code: str | None
    sector: str
    applicant: str
    status: DossierStatus
    status_text: str
    handling_unit: str
    received_at: datetime | None
    due_at: datetime | None
    completed_at: datetime | None
    returned_at: datetime | None
    history: List[Tuple[str, datetime]] = field(default_factory=list)


@dataclass
class Outcome:
    kind: str  # "ok" | "denied" | "locked"
    dossier: DossierView | None = None


def _key(scope: str, value: str) -> str:
    """A sender id, dossier code or client address as stored: keyed with the sender-hash
    secret (``SENDER_HASH_SECRET`` or ``var/sender_hash.key``), so the table cannot be tested
    against guessable platform ids or every IPv4 address."""
    return sender_hash(f"{scope}:{value}")


def expected_digits(phone: str, id_number: str | None, rule: str, count: int) -> str:
    """The digits the owner must give, by the configured rule ("phone" or "id_number")."""
    source = id_number if rule == "id_number" else phone
    digits = re.sub(r"\D", "", source or "")
    return digits[-count:] if len(digits) >= count else ""


class DossierService:
    def __init__(self, database_url: str | None = None) -> None:
        self.database_url = database_url

    def check(
        self,
        code: str,
        digits: str,
        sender: str,
        now: datetime | None = None,
        address: str | None = None,
    ) -> Outcome:
        """``now`` is naive UTC; ``address`` is the web client's (None for Zalo and Messenger,
        whose sender ids the platform assigns, so the per-sender limit is enough there)."""
        settings = get_settings()
        now = now or utcnow()
        code = (code or "").strip().upper()
        digits = re.sub(r"\D", "", digits or "")
        limit = settings.verification_max_failures
        keys = [("sender", _key("sender", sender), limit), ("code", _key("code", code), limit)]
        if address:
            keys.append(
                (
                    "address",
                    _key("address", address),
                    settings.verification_max_failures_per_address,
                )
            )
        since = now - timedelta(seconds=settings.verification_window_seconds)
        with session_scope(self.database_url) as session:
            attempts = AttemptRepository(session)

            def locked() -> bool:
                return any(attempts.failures_since(s, k, since) >= most for s, k, most in keys)

            if locked():
                return Outcome("locked")
            dossier = DossierRepository(session).get(code) if code else None
            expected = (
                expected_digits(
                    dossier.applicant_phone,
                    dossier.applicant_id_number,
                    settings.verification_rule,
                    settings.verification_digits,
                )
                if dossier is not None
                else "0" * settings.verification_digits  # same work for unknown codes
            )
            ok = (
                dossier is not None
                and bool(expected)
                and len(digits) == len(expected)
                and hmac.compare_digest(digits.encode(), expected.encode())
            )
            for scope, key, _ in keys:
                attempts.record_attempt(scope, key, ok, now)
            if not ok:
                return Outcome("locked" if locked() else "denied")
            return Outcome("ok", _view(dossier))


def _view(dossier) -> DossierView:
    status = parse_status(dossier.status) if dossier.status else DossierStatus.UNKNOWN
    return DossierView(
        code=dossier.code,
        procedure_name=dossier.procedure_name,
        procedure_code=dossier.procedure_code,
        sector=dossier.sector,
        applicant=mask_name(dossier.applicant_name),
        status=status,
        status_text=dossier.status_text,
        handling_unit=dossier.handling_unit,
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        completed_at=dossier.completed_at,
        returned_at=dossier.returned_at,
        history=[(e.status_text or e.status, e.at) for e in dossier.history],
    )
