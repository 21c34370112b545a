"""The portal's database gauges against a throw-away database: the live desk queue,
petitions, the outbox, revisions and the live model; and a database that fails or hangs
leaves the gauges out and says so, without failing the scrape."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Dict, FrozenSet, Tuple

from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import text

from assistant.audit import utcnow
from assistant.catalog.repository import CatalogRepository
from assistant.channels.outbox_repository import OutboxRepository
from assistant.db import state
from assistant.db.session import session_scope
from assistant.handoff.live import LiveDesk
from assistant.metrics.database import READERS, DatabaseCollector
from assistant.petitions.service import PetitionService
from assistant.training.registry import ModelRegistry
from tests.petitions.factory import submit

Samples = Dict[Tuple[str, FrozenSet], float]


def scrape(collector: DatabaseCollector) -> Samples:
    """One scrape: {(sample name, labels): value}."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in collector.collect()
        for sample in family.samples
    }


def names(samples: Samples) -> set:
    return {name for name, _ in samples}


def test_an_empty_database_reads_as_zeros_and_up(database_url):
    samples = scrape(DatabaseCollector(database_url))
    assert samples[("assistant_handoff_queue", frozenset({("status", "waiting")}))] == 0
    assert samples[("assistant_handoff_queue", frozenset({("status", "active")}))] == 0
    assert samples[("assistant_petitions_open", frozenset())] == 0
    assert samples[("assistant_outbox_pending", frozenset({("channel", "zalo")}))] == 0
    assert samples[("assistant_database_up", frozenset())] == 1
    # never changed: a revision of 0 and no age; no live model registered yet
    assert samples[("assistant_catalog_revision", frozenset())] == 0
    assert "assistant_catalog_revision_age_seconds" not in names(samples)
    assert "assistant_model_info" not in names(samples)


def test_queue_petitions_and_outbox_are_counted(database_url):
    desk = LiveDesk(database_url)
    desk.enqueue("zalo-1", "zalo")
    desk.enqueue("web-2", "rest")
    taken = desk.enqueue("fb-3", "facebook")
    desk.take(taken.handoff_id, "canbo")
    service = PetitionService(database_url)
    submit(service, sender_id="zalo-10", now=utcnow() - timedelta(days=10))  # due 5 days ago
    submit(service, sender_id="zalo-11")
    with session_scope(database_url) as session:
        outbox = OutboxRepository(session)
        outbox.add("zalo", "user-1", [{"text": "một"}, {"text": "hai"}])
        (dead,) = outbox.add("facebook", "psid-1", [{"text": "ba"}])
        outbox.failed(dead, 8, "HTTP 500", None)

    samples = scrape(DatabaseCollector(database_url))

    assert samples[("assistant_handoff_queue", frozenset({("status", "waiting")}))] == 2
    assert samples[("assistant_handoff_queue", frozenset({("status", "active")}))] == 1
    assert samples[("assistant_petitions_open", frozenset())] == 2
    assert samples[("assistant_petitions_overdue", frozenset())] == 1
    assert samples[("assistant_outbox_pending", frozenset({("channel", "zalo")}))] == 2
    assert samples[("assistant_outbox_pending", frozenset({("channel", "facebook")}))] == 0
    assert samples[("assistant_outbox_dead", frozenset({("channel", "facebook")}))] == 1
    assert samples[("assistant_outbox_dead", frozenset({("channel", "zalo")}))] == 0


def test_revision_ages_and_the_live_model(database_url, tmp_path):
    model = tmp_path / "model-0123abcd.tar.gz"
    model.write_bytes(b"model")
    with session_scope(database_url) as session:
        CatalogRepository(session).bump_revision()
        CatalogRepository(session).bump_revision()
        state.bump(session, "faq")
        ModelRegistry(session).register(model, "0123abcd", None, "live", "test", "admin")
    with session_scope(database_url) as session:
        _, catalog_changed = CatalogRepository(session).revision_state()
        _, faq_changed = state.revision_state(session, "faq")
    later = max(catalog_changed, faq_changed) + timedelta(seconds=90)

    samples = scrape(DatabaseCollector(database_url, clock=lambda: later))

    assert samples[("assistant_catalog_revision", frozenset())] == 2
    assert samples[("assistant_faq_revision", frozenset())] == 1
    catalog_age = samples[("assistant_catalog_revision_age_seconds", frozenset())]
    faq_age = samples[("assistant_faq_revision_age_seconds", frozenset())]
    assert catalog_age == (later - catalog_changed).total_seconds() >= 90
    assert faq_age == (later - faq_changed).total_seconds() >= 90
    labels = frozenset({("model_id", "model-0123abcd.tar.gz"), ("fingerprint", "0123abcd")})
    assert samples[("assistant_model_info", labels)] == 1


def test_a_broken_table_leaves_out_only_its_own_gauges(database_url):
    with session_scope(database_url) as session:
        session.execute(text("DROP TABLE reply_outbox"))
    collector = DatabaseCollector(database_url)

    samples = scrape(collector)

    assert not {"assistant_outbox_pending", "assistant_outbox_dead"} & names(samples)
    assert samples[("assistant_petitions_open", frozenset())] == 0  # the others still read
    assert samples[("assistant_database_up", frozenset())] == 0
    assert samples[("assistant_scrape_errors_total", frozenset({("source", "outbox")}))] == 1
    assert samples[("assistant_scrape_errors_total", frozenset({("source", "faq")}))] == 0
    assert (
        scrape(collector)[("assistant_scrape_errors_total", frozenset({("source", "outbox")}))] == 2
    )


def test_an_unreachable_database_still_gives_a_scrape_that_says_so(tmp_path):
    collector = DatabaseCollector(f"sqlite:///{tmp_path / 'missing' / 'no.db'}")
    registry = CollectorRegistry()
    registry.register(collector)

    body = generate_latest(registry).decode()

    assert "assistant_database_up 0.0" in body
    assert 'assistant_scrape_errors_total{source="handoff"} 1.0' in body
    samples = [line for line in body.splitlines() if not line.startswith("#")]
    assert not [line for line in samples if line.startswith("assistant_petitions_open")]


def test_a_hung_database_costs_the_scrape_its_timeout_and_no_second_reader(database_url):
    release = threading.Event()
    calls = []

    def hung(url, now):
        calls.append(now)
        release.wait(10)
        return {"waiting": 1, "active": 0}

    readers = {**READERS, "handoff": hung}
    collector = DatabaseCollector(database_url, timeout=0.2, readers=readers)
    try:
        started = time.monotonic()
        first = scrape(collector)
        assert time.monotonic() - started < 2
        second = scrape(collector)  # the first read still hangs: nothing new is started
    finally:
        release.set()
    assert len(calls) == 1
    for samples in (first, second):
        assert "assistant_handoff_queue" not in names(samples)
        assert samples[("assistant_database_up", frozenset())] == 0
    assert second[("assistant_scrape_errors_total", frozenset({("source", "handoff")}))] == 2
    # the second scrape read nothing at all: the sources after the hung one are missing too
    assert "assistant_petitions_open" not in names(second)


def test_describe_names_every_family_without_touching_the_database():
    collector = DatabaseCollector("postgresql://nobody@127.0.0.1:1/none", readers={})
    described = {family.name for family in collector.describe()}
    assert {"assistant_handoff_queue", "assistant_petitions_overdue", "assistant_model"} <= (
        described
    )
    assert collector.errors == {}
