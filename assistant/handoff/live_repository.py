"""Live conversations with staff: their ``handoffs`` rows (kind live), ``handoff_messages``
and ``desk_presence``. Taking a conversation is one conditional UPDATE, so two staff members
cannot both take it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from assistant.db.models import DeskPresence, Handoff, HandoffMessage

LIVE = "live"
OPEN = ("waiting", "active")
ENDED = ("closed", "missed", "cancelled")  # Rasa's conversation is resumed after each


class LiveRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- conversations --------------------------------------------------------------------

    def get(self, handoff_id: int) -> Handoff | None:
        row = self.session.get(Handoff, handoff_id)
        return row if row is not None and row.kind == LIVE else None

    def open_for(self, conversation_id: str) -> Handoff | None:
        return self.session.scalar(
            select(Handoff)
            .where(
                Handoff.kind == LIVE,
                Handoff.conversation_id == conversation_id,
                Handoff.status.in_(OPEN),
            )
            .order_by(Handoff.id.desc())
            .limit(1)
        )

    def latest_for(self, conversation_id: str) -> Handoff | None:
        return self.session.scalar(
            select(Handoff)
            .where(Handoff.kind == LIVE, Handoff.conversation_id == conversation_id)
            .order_by(Handoff.id.desc())
            .limit(1)
        )

    def missed_since(self, conversation_id: str, since: datetime) -> bool:
        return (
            self.session.scalar(
                select(func.count(Handoff.id)).where(
                    Handoff.kind == LIVE,
                    Handoff.conversation_id == conversation_id,
                    Handoff.status == "missed",
                    Handoff.done_at >= since,
                )
            )
            or 0
        ) > 0

    def add(self, **fields: Any) -> Handoff:
        row = Handoff(kind=LIVE, **fields)
        self.session.add(row)
        self.session.flush()
        return row

    def open_conversations(self) -> List[Handoff]:
        query = select(Handoff).where(Handoff.kind == LIVE, Handoff.status.in_(OPEN))
        return list(self.session.scalars(query.order_by(Handoff.created_at, Handoff.id)))

    def count_open(self) -> Dict[str, int]:
        """How many live conversations are waiting and how many are held by staff."""
        rows = self.session.execute(
            select(Handoff.status, func.count(Handoff.id))
            .where(Handoff.kind == LIVE, Handoff.status.in_(OPEN))
            .group_by(Handoff.status)
        )
        return {status: 0 for status in OPEN} | {status: count for status, count in rows}

    def waiting_before(self, row: Handoff) -> int:
        """How many waiting conversations were queued before ``row``."""
        return (
            self.session.scalar(
                select(func.count(Handoff.id)).where(
                    Handoff.kind == LIVE, Handoff.status == "waiting", Handoff.id < row.id
                )
            )
            or 0
        )

    def waiting_older_than(self, before: datetime) -> List[Handoff]:
        query = select(Handoff).where(
            Handoff.kind == LIVE, Handoff.status == "waiting", Handoff.created_at < before
        )
        return list(self.session.scalars(query.order_by(Handoff.id)))

    def recent_waits(self, limit: int = 20) -> List[float]:
        """Seconds between queueing and being taken, for the latest taken conversations."""
        rows = self.session.execute(
            select(Handoff.created_at, Handoff.taken_at)
            .where(Handoff.kind == LIVE, Handoff.taken_at.is_not(None))
            .order_by(Handoff.taken_at.desc())
            .limit(limit)
        )
        return [(taken - created).total_seconds() for created, taken in rows]

    def change_status(self, handoff_id: int, old: Sequence[str], **fields: Any) -> bool:
        """Set ``fields`` only if the status is still one of ``old``: True when it was."""
        result = self.session.execute(
            update(Handoff)
            .where(Handoff.id == handoff_id, Handoff.kind == LIVE, Handoff.status.in_(old))
            .values(**fields)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def unresumed(self, limit: int = 20) -> List[Handoff]:
        """Ended conversations whose Rasa conversation is still paused."""
        query = select(Handoff).where(
            Handoff.kind == LIVE,
            Handoff.status.in_(ENDED),
            Handoff.resumed_at.is_(None),
        )
        return list(self.session.scalars(query.order_by(Handoff.id).limit(limit)))

    def signature(self) -> tuple:
        """Changes whenever a conversation is queued, taken or ended."""
        rows = self.session.execute(
            select(Handoff.id, Handoff.status)
            .where(Handoff.kind == LIVE, Handoff.status.in_(OPEN))
            .order_by(Handoff.id)
        )
        return tuple(tuple(row) for row in rows)

    def message_stats(self, handoff_ids: Sequence[int]) -> dict:
        """{handoff id: (message count, last message id)} in one query."""
        if not handoff_ids:
            return {}
        rows = self.session.execute(
            select(
                HandoffMessage.handoff_id,
                func.count(HandoffMessage.id),
                func.max(HandoffMessage.id),
            )
            .where(HandoffMessage.handoff_id.in_(list(handoff_ids)))
            .group_by(HandoffMessage.handoff_id)
        )
        return {handoff_id: (count, last) for handoff_id, count, last in rows}

    def history(self, since: datetime, limit: int = 100) -> List[Handoff]:
        query = select(Handoff).where(
            Handoff.kind == LIVE, Handoff.status.not_in(OPEN), Handoff.created_at >= since
        )
        return list(self.session.scalars(query.order_by(Handoff.id.desc()).limit(limit)))

    # --- messages -------------------------------------------------------------------------

    def add_message(self, **fields: Any) -> HandoffMessage:
        row = HandoffMessage(**fields)
        self.session.add(row)
        self.session.flush()
        return row

    def message(self, message_id: int) -> HandoffMessage | None:
        return self.session.get(HandoffMessage, message_id)

    def owner(self, message: HandoffMessage) -> Handoff | None:
        """The conversation a message belongs to."""
        return self.session.get(Handoff, message.handoff_id)

    def mark_delivered(self, message_id: int, now: datetime) -> None:
        """Rasa has the message; once the conversation has also ended, its as-typed words
        are no longer needed."""
        row = self.message(message_id)
        if row is not None:
            row.delivered_at = now
            handoff = self.owner(row)
            if handoff is not None and handoff.resumed_at is not None:
                row.outgoing = None

    def messages(self, handoff_id: int, after: int = 0) -> List[HandoffMessage]:
        query = select(HandoffMessage).where(
            HandoffMessage.handoff_id == handoff_id, HandoffMessage.id > after
        )
        return list(self.session.scalars(query.order_by(HandoffMessage.id)))

    def messages_after(self, after: int, limit: int = 500) -> List[HandoffMessage]:
        query = select(HandoffMessage).where(HandoffMessage.id > after)
        return list(self.session.scalars(query.order_by(HandoffMessage.id).limit(limit)))

    def last_message_id(self) -> int:
        return self.session.scalar(select(func.max(HandoffMessage.id))) or 0

    def undelivered(self, limit: int = 100) -> List[HandoffMessage]:
        query = select(HandoffMessage).where(
            HandoffMessage.direction == "out", HandoffMessage.delivered_at.is_(None)
        )
        return list(self.session.scalars(query.order_by(HandoffMessage.id).limit(limit)))

    def last_citizen_message_at(self, handoff_id: int) -> datetime | None:
        return self.session.scalar(
            select(func.max(HandoffMessage.created_at)).where(
                HandoffMessage.handoff_id == handoff_id, HandoffMessage.direction == "in"
            )
        )

    def forget_outgoing(self, handoff_id: int) -> None:
        """Drop the as-typed copies of a closed conversation's delivered staff messages."""
        self.session.execute(
            update(HandoffMessage)
            .where(
                HandoffMessage.handoff_id == handoff_id,
                HandoffMessage.delivered_at.is_not(None),
            )
            .values(outgoing=None)
            .execution_options(synchronize_session=False)
        )

    # --- presence -------------------------------------------------------------------------

    def touch(self, username: str, now: datetime) -> None:
        row = self.session.get(DeskPresence, username)
        if row is None:
            self.session.add(DeskPresence(username=username, seen_at=now))
        else:
            row.seen_at = now

    def leave(self, username: str) -> None:
        self.session.execute(delete(DeskPresence).where(DeskPresence.username == username))

    def online(self, since: datetime) -> int:
        return (
            self.session.scalar(
                select(func.count(DeskPresence.username)).where(DeskPresence.seen_at >= since)
            )
            or 0
        )
