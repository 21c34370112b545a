"""The only place that reads and writes petition followers and their notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Dict, List, Sequence

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from assistant.db.models import PetitionFollower, PetitionNotification
from assistant.petitions.repository import insert_ignoring_conflicts

PENDING, SENT, EXPIRED = "pending", "sent", "expired"


class FollowerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- followers -----------------------------------------------------------------------

    def follow(self, petition_id: int, conversation_id: str, channel: str, now: datetime) -> bool:
        """Add a follower; False when this conversation already follows the petition."""
        result = self.session.execute(
            insert_ignoring_conflicts(self.session, PetitionFollower)
            .values(
                petition_id=petition_id,
                conversation_id=conversation_id,
                channel=channel,
                created_at=now,
                last_seen_at=now,
            )
            .on_conflict_do_nothing()
        )
        return bool(result.rowcount)

    def follows(self, conversation_id: str) -> int:
        """How many petitions one conversation follows."""
        return (
            self.session.scalar(
                select(func.count(PetitionFollower.id)).where(
                    PetitionFollower.conversation_id == conversation_id
                )
            )
            or 0
        )

    def followers(self, petition_id: int) -> List[PetitionFollower]:
        query = (
            select(PetitionFollower)
            .where(PetitionFollower.petition_id == petition_id)
            .order_by(PetitionFollower.id)
        )
        return list(self.session.scalars(query))

    def count(self, petition_id: int) -> int:
        return (
            self.session.scalar(
                select(func.count(PetitionFollower.id)).where(
                    PetitionFollower.petition_id == petition_id
                )
            )
            or 0
        )

    def seen(self, conversation_id: str, now: datetime) -> int:
        """Remember that the citizen wrote to us from this conversation just now."""
        result = self.session.execute(
            update(PetitionFollower)
            .where(PetitionFollower.conversation_id == conversation_id)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0

    # --- notifications -------------------------------------------------------------------

    def queue(self, petition_id: int, followers: Sequence[PetitionFollower], text: str, now):
        for follower in followers:
            self.session.add(
                PetitionNotification(
                    petition_id=petition_id,
                    conversation_id=follower.conversation_id,
                    channel=follower.channel,
                    text=text,
                    status=PENDING,
                    created_at=now,
                )
            )
        self.session.flush()

    def pending_for(self, conversation_id: str) -> List[PetitionNotification]:
        query = (
            select(PetitionNotification)
            .where(
                PetitionNotification.conversation_id == conversation_id,
                PetitionNotification.status == PENDING,
            )
            .order_by(PetitionNotification.id)
        )
        return list(self.session.scalars(query))

    def due(self, since: Dict[str, datetime], limit: int) -> List[PetitionNotification]:
        """Pending notifications on the channels in ``since`` whose conversation wrote to us
        at or after that channel's time (the platform still lets us write first)."""
        if not since:
            return []
        recent = or_(
            *(
                and_(
                    PetitionNotification.channel == channel,
                    PetitionFollower.last_seen_at >= after,
                )
                for channel, after in since.items()
            )
        )
        query = (
            select(PetitionNotification)
            .join(
                PetitionFollower,
                and_(
                    PetitionFollower.petition_id == PetitionNotification.petition_id,
                    PetitionFollower.conversation_id == PetitionNotification.conversation_id,
                ),
            )
            .where(PetitionNotification.status == PENDING, recent)
            .order_by(PetitionNotification.id)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def get(self, notification_id: int) -> PetitionNotification | None:
        return self.session.get(PetitionNotification, notification_id)

    def mark(self, rows: Sequence[PetitionNotification], status: str, now: datetime) -> None:
        for row in rows:
            row.status = status
            row.sent_at = now if status == SENT else None
        self.session.flush()

    def expire(self, before: datetime) -> int:
        """Pending notifications queued before ``before`` will not be sent any more."""
        result = self.session.execute(
            update(PetitionNotification)
            .where(
                PetitionNotification.status == PENDING,
                PetitionNotification.created_at < before,
            )
            .values(status=EXPIRED)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0
