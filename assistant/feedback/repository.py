"""The ``answer_feedback`` table: one rating per answer per sender, stored masked."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.db.models import AnswerFeedback


class FeedbackRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, sender_hash: str, answer_ref: str) -> AnswerFeedback | None:
        return self.session.scalar(
            select(AnswerFeedback).where(
                AnswerFeedback.sender_hash == sender_hash,
                AnswerFeedback.answer_ref == answer_ref,
            )
        )

    def add(self, **fields: Any) -> AnswerFeedback:
        row = AnswerFeedback(**fields)
        self.session.add(row)
        self.session.flush()
        return row

    def count_since(self, sender_hash: str, since: datetime) -> int:
        """Ratings and reasons a sender gave since ``since`` (each change counts)."""
        return (
            self.session.scalar(
                select(func.count(AnswerFeedback.id)).where(
                    AnswerFeedback.sender_hash == sender_hash,
                    AnswerFeedback.updated_at >= since,
                )
            )
            or 0
        )

    def totals(self, since: datetime | None = None) -> Dict[str, int]:
        """How many 👍 and 👎 (since ``since``)."""
        query = select(AnswerFeedback.rating, func.count(AnswerFeedback.id)).group_by(
            AnswerFeedback.rating
        )
        if since is not None:
            query = query.where(AnswerFeedback.created_at >= since)
        return {rating: count for rating, count in self.session.execute(query)}

    def tally(self, start: datetime, end: datetime, channel: str = "") -> List[tuple]:
        """(source, rating, reason, count) of the ratings given from ``start`` until ``end``
        (source: procedure, faq, or handoff for the help of a person)."""
        query = (
            select(
                AnswerFeedback.source,
                AnswerFeedback.rating,
                AnswerFeedback.reason,
                func.count(AnswerFeedback.id),
            )
            .where(AnswerFeedback.created_at >= start, AnswerFeedback.created_at < end)
            .group_by(AnswerFeedback.source, AnswerFeedback.rating, AnswerFeedback.reason)
        )
        if channel:
            query = query.where(AnswerFeedback.channel == channel)
        return [tuple(row) for row in self.session.execute(query)]

    def recent(self, rating: str | None = None, limit: int = 50) -> List[AnswerFeedback]:
        query = select(AnswerFeedback).order_by(
            AnswerFeedback.updated_at.desc(), AnswerFeedback.id.desc()
        )
        if rating:
            query = query.where(AnswerFeedback.rating == rating)
        return list(self.session.scalars(query.limit(limit)))
