"""The ``handoffs`` and ``holidays`` tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, List

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.db.models import Handoff, Holiday


class HandoffRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **fields: Any) -> Handoff:
        row = Handoff(**fields)
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, handoff_id: int) -> Handoff | None:
        return self.session.get(Handoff, handoff_id)

    def tickets(self, status: str | None = None, limit: int = 200) -> List[Handoff]:
        query = select(Handoff).where(Handoff.kind == "message")
        if status:
            query = query.where(Handoff.status == status)
        query = query.order_by(Handoff.created_at.desc(), Handoff.id.desc()).limit(limit)
        return list(self.session.scalars(query))

    def between(self, start: datetime, end: datetime, channel: str = "") -> List[tuple]:
        """(created_at, kind, status, taken_at) of the requests for a person in the period."""
        query = select(Handoff.created_at, Handoff.kind, Handoff.status, Handoff.taken_at).where(
            Handoff.created_at >= start, Handoff.created_at < end
        )
        if channel:
            query = query.where(Handoff.channel == channel)
        return [tuple(row) for row in self.session.execute(query)]

    def count(self, status: str) -> int:
        return (
            self.session.scalar(
                select(func.count(Handoff.id)).where(
                    Handoff.kind == "message", Handoff.status == status
                )
            )
            or 0
        )

    def count_since(self, conversation_id: str, since) -> int:
        return (
            self.session.scalar(
                select(func.count(Handoff.id)).where(
                    Handoff.conversation_id == conversation_id, Handoff.created_at >= since
                )
            )
            or 0
        )

    def holidays(self, start: date | None = None) -> List[Holiday]:
        query = select(Holiday).order_by(Holiday.day)
        if start is not None:
            query = query.where(Holiday.day >= start)
        return list(self.session.scalars(query))

    def holiday_on(self, day: date) -> Holiday | None:
        return self.session.scalar(select(Holiday).where(Holiday.day == day))

    def add_holiday(self, day: date, name: str) -> Holiday:
        row = Holiday(day=day, name=name)
        self.session.add(row)
        self.session.flush()
        return row

    def remove_holiday(self, holiday_id: int) -> Holiday | None:
        row = self.session.get(Holiday, holiday_id)
        if row is not None:
            self.session.delete(row)
        return row
