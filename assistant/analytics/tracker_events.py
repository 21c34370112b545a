"""Rasa's conversation events, read (and pruned) where the SQL tracker store keeps them.

Rasa owns the ``events`` table (``rasa.core.tracker_store.SQLTrackerStore``); this repository
only reads it in id order for the roll-up, and deletes what is past the retention once it is
rolled up. The table is described here with Rasa's own columns rather than imported, so that
the portal needs no Rasa import to read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    func,
    inspect,
    select,
)
from sqlalchemy.engine import Engine

metadata = MetaData()
events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


@dataclass
class StoredEvent:
    id: int
    sender_id: str
    type_name: str
    timestamp: float
    action_name: str | None
    data: Dict[str, Any]


def engine_url(url: str) -> str:
    """A SQLAlchemy URL for a TRACKER_STORE_URL (postgres:// is spelt postgresql://)."""
    if url.startswith("postgres://"):
        return "postgresql://" + url[len("postgres://") :]
    return url


@lru_cache(maxsize=4)
def tracker_engine(url: str) -> Engine:
    return create_engine(engine_url(url), future=True, pool_pre_ping=True)


class TrackerEvents:
    """Reads the tracker store's events. ``url`` is TRACKER_STORE_URL."""

    def __init__(self, url: str) -> None:
        self.engine = tracker_engine(url)

    def exists(self) -> bool:
        """False before Rasa has stored any conversation (no table yet; a SQLite file that
        is not there is not created by asking)."""
        database = self.engine.url.database
        if self.engine.url.get_backend_name() == "sqlite" and database:
            if database != ":memory:" and not Path(database).exists():
                return False
        return inspect(self.engine).has_table("events")

    def create(self) -> None:
        """The table as Rasa creates it (for synthetic traffic before Rasa's first start)."""
        metadata.create_all(self.engine, tables=[events])

    def after(self, last_id: int, limit: int) -> List[StoredEvent]:
        """Up to ``limit`` events with ids above ``last_id``, in id order. Only the kinds the
        statistics read are decoded; others come back with empty data."""
        query = (
            select(
                events.c.id,
                events.c.sender_id,
                events.c.type_name,
                events.c.timestamp,
                events.c.action_name,
                events.c.data,
            )
            .where(events.c.id > last_id)
            .order_by(events.c.id)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            StoredEvent(
                id=row.id,
                sender_id=row.sender_id,
                type_name=row.type_name,
                timestamp=row.timestamp or 0.0,
                action_name=row.action_name,
                data=_decode(row.data) if row.type_name in ("user", "bot") else {},
            )
            for row in rows
        ]

    def last_id(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(select(func.max(events.c.id))).scalar() or 0

    def count(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(events)).scalar() or 0

    def prune(self, before_timestamp: float, up_to_id: int) -> int:
        """Delete events older than ``before_timestamp`` that the roll-up has read."""
        with self.engine.begin() as connection:
            result = connection.execute(
                delete(events).where(events.c.timestamp < before_timestamp, events.c.id <= up_to_id)
            )
        return result.rowcount or 0


def _decode(data: str | None) -> Dict[str, Any]:
    try:
        value = json.loads(data or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
