"""Proof that a citizen owns a petition: the last digits of the phone they gave.

The dossiers' rules, on the dossiers' table, through the dossiers' repository: failures are
counted per sender, per code and (web clients) per address in ``verification_attempts``
with the same keys as :class:`~assistant.dossiers.service.DossierService`, so one sender's
wrong guesses on dossiers and on petitions use up one budget (``VERIFICATION_MAX_FAILURES``
and ``VERIFICATION_MAX_FAILURES_PER_ADDRESS`` within ``VERIFICATION_WINDOW_SECONDS``). An
unknown code, a petition without a phone and wrong digits all take the same path and answer
"denied", and digits are compared in constant time.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Tuple

from sqlalchemy.orm import Session

from assistant.dossiers.attempts import AttemptRepository

# The dossiers' key function, imported rather than rewritten: a second copy could drift and
# split the shared failure budget without any test noticing.
from assistant.dossiers.service import _key as attempt_key
from assistant.dossiers.service import expected_digits
from assistant.settings import get_settings


@dataclass
class Outcome:
    kind: str  # "ok" | "denied" | "locked"
    petition: Dict[str, Any] | None = None  # the owner's view when "ok"


class OwnershipGate:
    """One ownership check inside the caller's transaction."""

    def __init__(self, session: Session, code: str, sender: str, address: str | None) -> None:
        settings = get_settings()
        self.attempts = AttemptRepository(session)
        self.digits = settings.verification_digits
        most = settings.verification_max_failures
        self.keys: List[Tuple[str, str, int]] = [
            ("sender", attempt_key("sender", sender), most),
            ("code", attempt_key("code", code), most),
        ]
        if address:
            self.keys.append(
                (
                    "address",
                    attempt_key("address", address),
                    settings.verification_max_failures_per_address,
                )
            )
        self.window = timedelta(seconds=settings.verification_window_seconds)

    def locked(self, now: datetime) -> bool:
        since = now - self.window
        return any(
            self.attempts.failures_since(scope, key, since) >= most
            for scope, key, most in self.keys
        )

    def check(self, phone: str | None, typed: str, now: datetime) -> str:
        """ "ok", "denied" or "locked" for ``typed`` against the stored ``phone`` (None for an
        unknown code: the same comparison is made against a dummy)."""
        if self.locked(now):
            return "locked"
        typed = re.sub(r"\D", "", typed or "")
        expected = (
            expected_digits(phone or "", None, "phone", self.digits)
            if phone is not None
            else "0" * self.digits
        )
        ok = (
            phone is not None
            and bool(expected)
            and len(typed) == len(expected)
            and hmac.compare_digest(typed.encode(), expected.encode())
        )
        for scope, key, _ in self.keys:
            self.attempts.record_attempt(scope, key, ok, now)
        if ok:
            return "ok"
        return "locked" if self.locked(now) else "denied"
