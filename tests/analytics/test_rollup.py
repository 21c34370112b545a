"""The roll-up reads each tracker event once, whatever the batches, and survives a rival."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from assistant.analytics.fold import local_day
from assistant.analytics.repository import StateConflict, StatsRepository
from assistant.analytics.rollup import Rollup, prune
from assistant.db.session import session_scope
from assistant.settings import get_settings
from tests.analytics.events import Store, at

DAY = "2026-11-30"


@pytest.fixture
def store(tmp_path, database_url):
    return Store(f"sqlite:///{tmp_path / 'tracker.db'}")


def figures(metric=None):
    day = local_day(at(DAY, 12))
    with session_scope() as session:
        rows = StatsRepository(session).figures(day, day)
    out = Counter()
    for _, channel, name, key, value in rows:
        if metric is None or name == metric:
            out[(channel, name, key)] += value
    return out


def traffic(store):
    store.turn("anna", at(DAY, 8), "zalo", "answer", procedure="1.1", aspect="fee")
    store.turn("anna", at(DAY, 8, 1), "zalo", "handoff")
    store.turn("binh", at(DAY, 9), "rest", "decline")
    store.turn("binh", at(DAY, 9, 5), "rest", None)  # a greeting: other
    store.turn("chi", at(DAY, 10), "facebook", "dossier", lookup="verified", latency=1.5)


def test_figures_of_a_day(store):
    traffic(store)
    assert Rollup(store.url).run() == {"events": 20, "turns": 5}
    got = figures()
    assert got[("zalo", "conversations", "")] == 1
    assert got[("rest", "conversations", "")] == 1
    assert got[("facebook", "conversations", "")] == 1
    assert got[("zalo", "handoff_conversations", "")] == 1
    assert got[("rest", "messages", "")] == 2
    assert got[("zalo", "procedure", "1.1|fee")] == 1
    assert got[("facebook", "dossier", "verified")] == 1
    assert got[("facebook", "latency", "2000")] == 1
    assert sum(v for (_, m, _), v in got.items() if m == "turns") == 5


def test_batches_and_reruns_give_the_same_figures(store, tmp_path):
    traffic(store)
    Rollup(store.url).run(batch=3)  # turns cut in the middle, resumed from the open state
    small = figures()
    assert Rollup(store.url).run() == {"events": 0, "turns": 0}
    assert figures() == small
    # Against one big batch in a second database
    with session_scope() as session:
        state, _ = StatsRepository(session).state()
    assert state["last_id"] == 20 and state["open"] == {}
    assert sum(v for (_, m, _), v in small.items() if m == "turns") == 5
    assert small[("zalo", "conversations", "")] == 1


def test_later_events_add_and_a_conversation_counts_once_a_day(store):
    traffic(store)
    Rollup(store.url).run()
    store.turn("anna", at(DAY, 15), "zalo", "faq")
    store.turn("anna", at(DAY, 15, 2), "zalo", "handoff")  # a second handoff, same day
    Rollup(store.url).run()
    got = figures()
    assert got[("zalo", "conversations", "")] == 1
    assert got[("zalo", "handoff_conversations", "")] == 1
    assert got[("zalo", "turns", "faq")] == 1
    assert got[("zalo", "messages", "")] == 4


def test_a_rival_roll_up_that_moved_on_makes_this_one_save_nothing(store):
    traffic(store)
    with session_scope() as session:
        repository = StatsRepository(session)
        _, read_at = repository.state()
        repository.save_state({"last_id": 3, "open": {}}, read_at)
    with pytest.raises(StateConflict):
        with session_scope() as session:
            StatsRepository(session).save_state({"last_id": 9, "open": {}}, None)
    with session_scope() as session:
        repository = StatsRepository(session)
        state, read_at = repository.state()
        repository.save_state({"last_id": 4, "open": {}}, read_at)
    with pytest.raises(StateConflict):
        with session_scope() as session:
            StatsRepository(session).save_state({"last_id": 9, "open": {}}, read_at)
    with session_scope() as session:
        assert StatsRepository(session).state()[0]["last_id"] == 4


def test_prune_keeps_the_figures_and_what_is_not_rolled_up(store, monkeypatch):
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "1")
    get_settings.cache_clear()
    old = time.time() - 3 * 86400
    store.turn("old", old, "rest", "faq")
    Rollup(store.url).run()
    store.turn("older-but-unread", old - 10, "rest", "faq")
    store.turn("new", time.time(), "rest", "faq")
    assert prune(tracker_url=store.url) == 4  # the rolled-up old turn only
    assert store.source.count() == 8
    day = local_day(old)
    with session_scope() as session:
        kept = StatsRepository(session).figures(day, day, metrics=["turns"])
    assert sum(row[-1] for row in kept) == 1


def test_no_tracker_store_yet_is_nothing_to_do(tmp_path, database_url):
    assert Rollup(f"sqlite:///{tmp_path / 'none.db'}").run() == {"events": 0, "turns": 0}
