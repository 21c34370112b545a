"""The SQL tracker store outlives its database server's restart (assistant/tracker_store.py).

After a PostgreSQL restart every pooled connection is dead. Rasa's own engine lends one
anyway and the turn fails; ours pings it first and connects afresh. A restart is stood for by
ending every other connection to the database (``pg_terminate_backend``), which is what a
fast shutdown does to them. Needs PostgreSQL: ``make test-services``.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from assistant import tracker_store

pytestmark = pytest.mark.services


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


async def test_the_first_turn_after_a_database_restart_reads_the_conversation(postgres_url):
    tracker = await stored_then_restarted(postgres_url, "after-restart")
    assert tracker is not None and tracker.latest_message.text == "xin chào"


async def test_without_the_ping_that_turn_fails(postgres_url, monkeypatch):
    """What Rasa 3.6's own engine does (the fault the ping is there for)."""
    monkeypatch.setattr(tracker_store, "with_pre_ping", lambda store: store)
    with pytest.raises(sqlalchemy.exc.OperationalError):
        await stored_then_restarted(postgres_url, "without-ping")
