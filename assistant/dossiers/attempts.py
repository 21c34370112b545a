"""The only place that reads and writes ``verification_attempts``: each ownership check of a
dossier or petition, by a hashed key, so limits hold across processes and restarts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from assistant.audit import utcnow
from assistant.db.models import VerificationAttempt


class AttemptRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record_attempt(
        self, scope: str, key: str, succeeded: bool, at: datetime | None = None
    ) -> None:
        """Remember one ownership check. ``key`` is already a hash: no identifier is stored.

        Kept in the database, not in memory, so that limits hold across action-server
        processes and restarts. ``at`` is naive UTC (the default is now), the clock that
        :meth:`failures_since` and :meth:`prune_attempts` are given too.
        """
        self.session.add(
            VerificationAttempt(
                scope=scope, key=key, succeeded=int(bool(succeeded)), at=at or utcnow()
            )
        )
        self.session.flush()

    def failures_since(self, scope: str, key: str, since: datetime) -> int:
        """Failed checks for ``(scope, key)`` at or after ``since`` (one indexed count)."""
        return self.session.execute(
            select(func.count(VerificationAttempt.id)).where(
                VerificationAttempt.scope == scope,
                VerificationAttempt.key == key,
                VerificationAttempt.at >= since,
                VerificationAttempt.succeeded == 0,
            )
        ).scalar_one()

    def prune_attempts(self, before: datetime) -> int:
        """Forget attempts older than ``before``: they no longer count towards any limit."""
        result = self.session.execute(
            delete(VerificationAttempt).where(VerificationAttempt.at < before)
        )
        return result.rowcount or 0
