"""The statistics tables (``stats_daily``, ``stats_seen``, ``stats_state``): the only SQL on
them. Counts are added, never overwritten, so a roll-up run only adds what it read."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any, Dict, Iterable, List, Set, Tuple

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from assistant.audit import utcnow
from assistant.db.models import StatsDaily, StatsSeen, StatsState

ROLLUP_STATE = "rollup"


class StateConflict(RuntimeError):
    """Another roll-up moved the state on since this one read it (nothing is saved)."""


class StatsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # The roll-up's place in the tracker store
    def state(self) -> Tuple[Dict[str, Any], datetime | None]:
        row = self.session.get(StatsState, ROLLUP_STATE)
        if row is None:
            return {"last_id": 0, "open": {}}, None
        return dict(row.value or {}), row.updated_at

    def save_state(self, value: Dict[str, Any], read_at: datetime | None) -> None:
        """Saves the state if nobody else saved it since it was read (``read_at``)."""
        now = utcnow()
        if read_at is None:
            if self.session.get(StatsState, ROLLUP_STATE) is not None:
                raise StateConflict()
            self.session.add(StatsState(name=ROLLUP_STATE, value=value, updated_at=now))
            self.session.flush()
            return
        if now <= read_at:  # the clock must move for the check below
            now = read_at + timedelta(microseconds=1)
        result = self.session.execute(
            update(StatsState)
            .where(StatsState.name == ROLLUP_STATE, StatsState.updated_at == read_at)
            .values(value=value, updated_at=now)
        )
        if result.rowcount != 1:
            raise StateConflict()

    # Counts
    def add(self, counts: Counter) -> None:
        for (day, channel, metric, key), value in counts.items():
            if not value:
                continue
            result = self.session.execute(
                update(StatsDaily)
                .where(
                    StatsDaily.day == day,
                    StatsDaily.channel == channel,
                    StatsDaily.metric == metric,
                    StatsDaily.key == key,
                )
                .values(value=StatsDaily.value + value)
            )
            if result.rowcount == 0:
                self.session.add(
                    StatsDaily(day=day, channel=channel, metric=metric, key=key, value=value)
                )
                self.session.flush()

    def figures(
        self, start: date, end: date, channel: str = "", metrics: Iterable[str] = ()
    ) -> List[Tuple[date, str, str, str, int]]:
        """(day, channel, metric, key, value) for the days from ``start`` to ``end``."""
        query = select(
            StatsDaily.day, StatsDaily.channel, StatsDaily.metric, StatsDaily.key, StatsDaily.value
        ).where(StatsDaily.day >= start, StatsDaily.day <= end)
        metrics = list(metrics)
        if metrics:
            query = query.where(StatsDaily.metric.in_(metrics))
        if channel:
            query = query.where(StatsDaily.channel == channel)
        return [tuple(row) for row in self.session.execute(query)]

    def first_day(self) -> date | None:
        return self.session.scalar(select(func.min(StatsDaily.day)))

    # Conversations seen per day
    def seen(self, pairs: Set[Tuple[date, str]]) -> Dict[Tuple[date, str], bool]:
        """Of these (day, sender key) pairs, those already counted, with their handoff flag."""
        found: Dict[Tuple[date, str], bool] = {}
        if not pairs:
            return found
        days = sorted({day for day, _ in pairs})
        keys = sorted({key for _, key in pairs})
        for start in range(0, len(keys), 500):
            query = select(StatsSeen.day, StatsSeen.sender_hash, StatsSeen.handoff).where(
                StatsSeen.day.in_(days), StatsSeen.sender_hash.in_(keys[start : start + 500])
            )
            for day, key, handoff in self.session.execute(query):
                if (day, key) in pairs:
                    found[(day, key)] = bool(handoff)
        return found

    def mark_seen(self, new: Dict[Tuple[date, str], str], handoffs: Set[Tuple[date, str]]) -> None:
        for (day, key), channel in new.items():
            self.session.add(
                StatsSeen(day=day, sender_hash=key, channel=channel, handoff=(day, key) in handoffs)
            )
        self.session.flush()

    def set_handoff(self, pairs: Iterable[Tuple[date, str]]) -> None:
        for day, key in pairs:
            self.session.execute(
                update(StatsSeen)
                .where(StatsSeen.day == day, StatsSeen.sender_hash == key)
                .values(handoff=True)
            )

    def forget_seen_before(self, day: date) -> int:
        result = self.session.execute(delete(StatsSeen).where(StatsSeen.day < day))
        return result.rowcount or 0
