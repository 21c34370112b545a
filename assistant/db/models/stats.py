"""Statistics rolled up by day, and the IOC's access tokens (assistant/analytics). Changes go
through Alembic migrations.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    UniqueConstraint,
)

from assistant.db.models.base import Base


class StatsDaily(Base):
    """One figure of one local day (Vietnam time) and channel, rolled up from Rasa's tracker
    events by ``assistant/analytics/rollup.py``: ``metric`` names what is counted and ``key``
    its breakdown (an outcome, a procedure code and aspect, a latency bucket). Counts only
    grow while raw events are read; they outlive the raw events (CONVERSATION_RETENTION_DAYS)."""

    __tablename__ = "stats_daily"
    __table_args__ = (
        UniqueConstraint("day", "channel", "metric", "key", name="uq_stats_daily_figure"),
        Index("ix_stats_daily_metric_day", "metric", "day"),
    )

    id = Column(Integer, primary_key=True)
    day = Column(Date, nullable=False)
    channel = Column(String(32), nullable=False, default="")
    metric = Column(String(32), nullable=False)
    key = Column(String(160), nullable=False, default="")
    value = Column(BigInteger, nullable=False, default=0)


class StatsSeen(Base):
    """A conversation seen on a day (its sender as a keyed hash), so the roll-up counts each
    conversation once per day and knows whether it reached a person. Kept a few days only."""

    __tablename__ = "stats_seen"

    day = Column(Date, primary_key=True)
    sender_hash = Column(String(64), primary_key=True)
    channel = Column(String(32), nullable=False, default="")
    handoff = Column(Boolean, nullable=False, default=False)


class StatsState(Base):
    """The roll-up's place in the tracker store: the last event id read, and the turns still
    open at that point (JSON), so a run never counts an event twice or half a turn."""

    __tablename__ = "stats_state"

    name = Column(String(64), primary_key=True)
    value = Column(JSON, nullable=True)
    updated_at = Column(DateTime, nullable=False)


class IocToken(Base):
    """A read-only token for the IOC's statistics API: only its SHA-256 is stored; an admin
    creates it (the token is shown once) and revokes it. ``last_used_at`` and the audit log
    record its use."""

    __tablename__ = "ioc_tokens"

    id = Column(Integer, primary_key=True)
    name = Column(String(128), nullable=False)
    token_hash = Column(String(64), nullable=False, unique=True)
    prefix = Column(String(12), nullable=False)  # the first characters, to recognise it
    created_by = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False)
    last_used_at: datetime | None = Column(DateTime, nullable=True)
    revoked_at: datetime | None = Column(DateTime, nullable=True)
