"""The SQL tracker store (assistant/tracker_store.py).

On SQLite (`assistant run`): connections kept between turns, WAL, every event stored once.
On PostgreSQL (``make test-services``): it outlives its database server's restart. After a
restart every pooled connection is dead; Rasa's own engine lends one anyway and the turn
fails, ours pings it first and connects afresh. A restart is stood for by ending every other
connection to the database (``pg_terminate_backend``), which is what a fast shutdown does to
them.
"""

from __future__ import annotations

import os
import sqlite3

import pytest
import sqlalchemy
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.pool import QueuePool

from assistant import tracker_store
from assistant.settings import PROJECT_ROOT
from assistant.tracker_store import MaskingTrackerStore


def _turn(tracker: DialogueStateTracker, text: str) -> None:
    tracker.update(UserUttered(text, {"name": "ask_fee", "confidence": 1.0}))
    tracker.update(ActionExecuted("action_answer_procedure"))
    tracker.update(BotUttered(f"trả lời: {text}"))
    tracker.update(ActionExecuted("action_listen"))


async def test_turns_are_stored_once_through_kept_connections(tmp_path):
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    path = tmp_path / "tracker.db"
    store = MaskingTrackerStore(domain, url=f"sqlite:///{path}")
    assert isinstance(store.inner.engine.pool, QueuePool)
    tracker = DialogueStateTracker("citizen", domain.slots)
    for text in ("lệ phí kết hôn", "bao lâu", "nộp ở đâu"):
        _turn(tracker, text)
        await store.save(tracker)
    assert store.inner.engine.pool.checkedin() >= 1  # open for the next turn

    # Another process (the statistics) reads the same file while Rasa keeps it open.
    other = MaskingTrackerStore(domain, url=f"sqlite:///{path}")
    stored = await other.retrieve("citizen")
    texts = [e.text for e in stored.events if isinstance(e, UserUttered)]
    assert texts == ["lệ phí kết hôn", "bao lâu", "nộp ở đâu"]
    assert len(stored.events) == len(tracker.events)
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        count = connection.execute("SELECT count(*) FROM events").fetchone()[0]
    assert count == len(tracker.events)


@pytest.fixture
def postgres_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_SERVICES=1, make test-services)")
    return url


def end_other_connections(url: str) -> int:
    engine = sqlalchemy.create_engine(url, future=True)
    try:
        with engine.begin() as connection:
            ended = connection.execute(
                sqlalchemy.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return ended


async def stored_then_restarted(url: str, sender: str):
    store = tracker_store.inner_store(Domain.empty(), url)
    try:
        await store.save(DialogueStateTracker.from_events(sender, [UserUttered("xin chào")]))
        assert end_other_connections(url) >= 1  # the store's pooled connection
        return await store.retrieve(sender)
    finally:
        store.engine.dispose()


@pytest.mark.services
async def test_the_first_turn_after_a_database_restart_reads_the_conversation(postgres_url):
    tracker = await stored_then_restarted(postgres_url, "after-restart")
    assert tracker is not None and tracker.latest_message.text == "xin chào"


@pytest.mark.services
async def test_without_the_ping_that_turn_fails(postgres_url, monkeypatch):
    """What Rasa 3.6's own engine does (the fault the ping is there for)."""
    monkeypatch.setattr(tracker_store, "with_pre_ping", lambda store: store)
    with pytest.raises(sqlalchemy.exc.OperationalError):
        await stored_then_restarted(postgres_url, "without-ping")
