"""The only module that queries ``reply_outbox``: replies waiting for Zalo or Messenger.

A row is ``pending`` until the platform accepts it (then it is deleted: nothing a citizen was
told is kept longer than needed) or until its attempts run out (then it is ``dead`` and waits
for staff). Sending is claimed with one conditional UPDATE that pushes ``next_attempt_at`` a
lease ahead, so two processes on one database never send the same row at the same time, and a
row whose sender died is due again when the lease ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from assistant import audit
from assistant.db.models import ReplyOutbox

PENDING, DEAD = "pending", "dead"
ERROR_CHARS = 255


def utcnow() -> datetime:
    """Naive UTC, as every timestamp in the schema."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    channel: str
    recipient: str
    message: Dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    created_at: datetime
    dead_at: datetime | None


def _row(row: ReplyOutbox) -> OutboxRow:
    return OutboxRow(
        row.id,
        row.channel,
        row.recipient,
        dict(row.message or {}),
        row.status,
        row.attempts,
        row.next_attempt_at,
        row.last_error,
        row.created_at,
        row.dead_at,
    )


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- the channels' side -------------------------------------------------------------------

    def add(self, channel: str, recipient: str, messages: Sequence[Dict[str, Any]]) -> List[int]:
        """Queue ``messages`` behind whatever waits for ``recipient``; their ids, in order."""
        now = utcnow()
        rows = [
            ReplyOutbox(
                channel=channel,
                recipient=recipient,
                message=message,
                status=PENDING,
                attempts=0,
                next_attempt_at=now,
                last_error="",
                created_at=now,
            )
            for message in messages
        ]
        self.session.add_all(rows)
        self.session.flush()
        return [row.id for row in rows]

    def head(self, channel: str, recipient: str) -> OutboxRow | None:
        """The oldest pending reply to ``recipient``: nothing newer goes out before it."""
        row = self.session.scalars(
            select(ReplyOutbox)
            .where(
                ReplyOutbox.channel == channel,
                ReplyOutbox.recipient == recipient,
                ReplyOutbox.status == PENDING,
            )
            .order_by(ReplyOutbox.id)
            .limit(1)
        ).first()
        return _row(row) if row is not None else None

    def claim(self, row_id: int, now: datetime, lease: timedelta) -> bool:
        """Take a due pending row for one send; False if it is not due or another took it."""
        result = self.session.execute(
            update(ReplyOutbox)
            .where(
                ReplyOutbox.id == row_id,
                ReplyOutbox.status == PENDING,
                ReplyOutbox.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + lease)
        )
        return result.rowcount == 1

    def sent(self, row_id: int) -> None:
        self.session.execute(delete(ReplyOutbox).where(ReplyOutbox.id == row_id))

    def failed(self, row_id: int, attempts: int, error: str, retry_at: datetime | None) -> None:
        """Record a failed attempt: due again at ``retry_at``, or dead when it is None."""
        values: Dict[str, Any] = {"attempts": attempts, "last_error": error[:ERROR_CHARS]}
        if retry_at is None:
            values.update(status=DEAD, dead_at=utcnow())
        else:
            values["next_attempt_at"] = retry_at
        self.session.execute(update(ReplyOutbox).where(ReplyOutbox.id == row_id).values(values))

    def due_recipients(self, channel: str, now: datetime, limit: int = 100) -> List[str]:
        """Recipients with a pending reply due now, the longest waiting first."""
        oldest = func.min(ReplyOutbox.id)
        return list(
            self.session.scalars(
                select(ReplyOutbox.recipient)
                .where(
                    ReplyOutbox.channel == channel,
                    ReplyOutbox.status == PENDING,
                    ReplyOutbox.next_attempt_at <= now,
                )
                .group_by(ReplyOutbox.recipient)
                .order_by(oldest)
                .limit(limit)
            )
        )

    def next_due(self, channel: str) -> datetime | None:
        return self.session.scalar(
            select(func.min(ReplyOutbox.next_attempt_at)).where(
                ReplyOutbox.channel == channel, ReplyOutbox.status == PENDING
            )
        )

    def count(self, status: str = PENDING, channel: str | None = None) -> int:
        query = select(func.count(ReplyOutbox.id)).where(ReplyOutbox.status == status)
        if channel:
            query = query.where(ReplyOutbox.channel == channel)
        return self.session.scalar(query) or 0

    # --- the staff's side ---------------------------------------------------------------------

    def dead(self, limit: int = 100, offset: int = 0) -> List[OutboxRow]:
        rows = self.session.scalars(
            select(ReplyOutbox)
            .where(ReplyOutbox.status == DEAD)
            .order_by(ReplyOutbox.dead_at.desc(), ReplyOutbox.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [_row(row) for row in rows]

    def requeue(self, actor: str, row_id: int) -> OutboxRow:
        """Send a dead reply again from its first attempt; audited. KeyError if no such dead
        row (already requeued by someone else, or sent)."""
        row = self.session.get(ReplyOutbox, row_id)
        if row is None or row.status != DEAD:
            raise KeyError(row_id)
        before = {"status": row.status, "attempts": row.attempts, "last_error": row.last_error}
        row.status, row.attempts, row.dead_at = PENDING, 0, None
        row.next_attempt_at = utcnow()
        audit.record(
            self.session,
            actor,
            "outbox.retry",
            "reply_outbox",
            row.id,
            before=before,
            after={"status": PENDING, "attempts": 0, "channel": row.channel},
        )
        self.session.flush()
        return _row(row)
