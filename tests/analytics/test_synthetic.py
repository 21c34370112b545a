"""Synthetic traffic: what it writes is what Rasa writes and reads back, and its expected
figures are the stored conversations' own."""

from __future__ import annotations

import asyncio
import json
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, Event, UserUttered
from sqlalchemy import create_engine, func, select

from assistant.analytics.outcomes import OUTCOMES
from assistant.analytics.synthetic import (
    CHANNELS,
    generate,
    generate_desk_rows,
    local_day_bounds,
    sender_id,
)
from assistant.analytics.tracker_events import events
from assistant.settings import PROJECT_ROOT

DAY = date(2026, 3, 2)
SEED = 7
CONVERSATIONS = 300


def rows(url: str):
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            return connection.execute(select(events).order_by(events.c.id)).all()
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    path = tmp_path_factory.mktemp("synthetic") / "tracker.db"
    url = f"sqlite:///{path}"
    calls = []
    expected = generate(url, DAY, CONVERSATIONS, seed=SEED, progress=lambda *a: calls.append(a))
    return path, url, expected, calls, rows(url)


def test_every_row_is_an_event_rasa_reads_back_unchanged(day):
    _, _, expected, calls, stored = day
    assert len(stored) == expected.events > CONVERSATIONS * 10
    assert calls[-1] == (expected.events, expected.events)
    kinds = Counter()
    for row in stored:
        data = json.loads(row.data)
        event = Event.from_parameters(data)
        assert event is not None, data
        assert event.as_dict() == data
        assert (row.type_name, row.timestamp) == (event.type_name, data["timestamp"])
        # The columns SQLTrackerStore.save fills besides the data.
        assert row.action_name == data.get("name")
        assert row.intent_name == (event.intent_name if isinstance(event, UserUttered) else None)
        kinds[row.type_name] += 1
    assert {"session_started", "action", "user", "user_featurization", "bot", "slot"} <= set(kinds)
    assert kinds["session_started"] == CONVERSATIONS
    assert kinds["user"] == expected.messages


def test_rasa_sql_tracker_store_loads_a_conversation(day):
    path, _, _, _, stored = day
    # A conversation with an answer: its tag and the slots it set must survive.
    sender = next(
        r.sender_id
        for r in stored
        if r.type_name == "bot" and '"outcome": "answer"' in r.data and "rate_answer" not in r.data
    )
    store = SQLTrackerStore(
        Domain.load(PROJECT_ROOT / "domain.yml"), dialect="sqlite", db=str(path)
    )
    try:
        tracker = asyncio.run(store.retrieve_full_tracker(sender))
    finally:
        store.engine.dispose()
    assert tracker is not None
    mine = [json.loads(r.data) for r in stored if r.sender_id == sender]
    assert [e.as_dict() for e in tracker.events] == mine
    tags = [e.metadata["turn"] for e in tracker.events if isinstance(e, BotUttered) and e.metadata]
    answer = next(t for t in tags if t.get("outcome") == "answer")
    assert tracker.get_slot("procedure_code") is not None
    assert answer["procedure"] and answer["aspect"]
    assert tracker.latest_message.input_channel in CHANNELS
    assert tracker.events[0].as_dict()["name"] == "action_session_start"


def walk(stored):
    """Per sender: its channel and its turns as (user timestamp, last bot timestamp, tag)."""
    conversations = defaultdict(lambda: {"channel": None, "turns": []})
    open_turns = {}
    for row in stored:
        data = json.loads(row.data)
        conversation = conversations[row.sender_id]
        if row.type_name == "user":
            assert row.sender_id not in open_turns, "a user event inside a turn"
            conversation["channel"] = data["input_channel"]
            open_turns[row.sender_id] = {"at": row.timestamp, "bot": None, "tag": None}
        elif row.type_name == "bot":
            turn = open_turns[row.sender_id]
            turn["bot"] = row.timestamp
            tag = (data.get("metadata") or {}).get("turn")
            if tag:
                assert turn["tag"] is None, "two tagged messages in one turn"
                turn["tag"] = tag
        elif row.action_name == "action_listen" and row.sender_id in open_turns:
            turn = open_turns.pop(row.sender_id)
            assert turn["bot"] is not None, "a turn without a reply"
            conversation["turns"].append((turn["at"], turn["bot"], turn["tag"]))
    assert not open_turns
    return conversations


def test_expected_figures_are_the_stored_conversations(day):
    _, _, expected, _, stored = day
    conversations = walk(stored)
    assert len(conversations) == expected.conversations == CONVERSATIONS
    assert set(conversations) == {sender_id(DAY, SEED, n) for n in range(CONVERSATIONS)}
    by_channel = defaultdict(Counter)
    procedures, lookups, latencies = Counter(), Counter(), []
    for conversation in conversations.values():
        figures = by_channel[conversation["channel"]]
        figures["conversations"] += 1
        assert 1 <= len(conversation["turns"]) <= 8
        handoff = False
        for at, bot, tag in conversation["turns"]:
            outcome = (tag or {}).get("outcome", "other")
            figures["messages"] += 1
            figures[outcome] += 1
            handoff = handoff or outcome == "handoff"
            if outcome == "answer":
                procedures[(tag["procedure"], tag["aspect"])] += 1
            if outcome == "dossier":
                lookups[tag["lookup"]] += 1
            latencies.append((bot - at) * 1000.0)
        figures["handoff_conversations"] += handoff
    for channel, mine in expected.channels.items():
        found = by_channel[channel]
        assert mine.conversations == found["conversations"] > 0
        assert mine.messages == found["messages"]
        assert mine.handoff_conversations == found["handoff_conversations"]
        for outcome in OUTCOMES:
            assert mine.turns[outcome] == found[outcome], (channel, outcome)
    assert expected.procedures == procedures
    assert expected.lookups == lookups
    assert sorted(expected.latencies_ms) == sorted(latencies)


def test_expected_totals_add_up(day):
    _, _, expected, _, _ = day
    total = expected.total()
    assert sum(expected.turns.values()) == expected.messages == total.messages
    assert set(expected.turns) <= set(OUTCOMES)
    assert all(expected.turns[o] > 0 for o in OUTCOMES if o != "petition")
    assert sum(expected.procedures.values()) == expected.turns["answer"]
    assert sum(expected.lookups.values()) == expected.turns["dossier"]
    assert 0 < expected.handoff_conversations <= expected.turns["handoff"]
    assert len(expected.latencies_ms) == expected.messages
    assert sum(c.conversations for c in expected.channels.values()) == CONVERSATIONS
    # Procedures are skewed: the most asked one far ahead of the twentieth.
    counts = Counter(code for code, _ in expected.procedures.elements()).most_common()
    assert len(counts) > 20 and counts[0][1] > 4 * counts[19][1]
    # Mostly quick replies around 50 ms, a few slow ones.
    ordered = sorted(expected.latencies_ms)
    assert 20 < ordered[len(ordered) // 2] < 100
    assert any(1000 <= ms <= 3000 for ms in ordered)
    figures = json.loads(json.dumps(expected.as_dict()))
    assert figures["total"]["messages"] == expected.messages
    assert figures["total"]["latency_ms"]["count"] == expected.messages


def test_timestamps_are_inside_the_local_day(day):
    _, _, _, _, stored = day
    start, end = local_day_bounds(DAY)
    first, last = min(r.timestamp for r in stored), max(r.timestamp for r in stored)
    assert start + 7 * 3600 <= first and last < end
    assert datetime.utcfromtimestamp(start) == datetime(2026, 3, 1, 17, 0)


def test_the_same_seed_gives_the_same_rows(tmp_path: Path):
    first, second, other = (f"sqlite:///{tmp_path / n}.db" for n in ("a", "b", "c"))
    a = generate(first, DAY, 40, seed=3)
    b = generate(second, DAY, 40, seed=3)
    generate(other, DAY, 40, seed=4)
    assert rows(first) == rows(second)
    assert a.as_dict(latencies=True) == b.as_dict(latencies=True)
    assert [r.data for r in rows(first)] != [r.data for r in rows(other)]


def test_desk_rows_match_the_conversations(database_url, tmp_path: Path):
    from assistant.db.models import AnswerFeedback, Handoff, Petition, UnansweredMessage
    from assistant.db.session import session_scope
    from assistant.petitions import statuses

    now = datetime(2026, 3, 20, 3, 0)
    expected = generate(f"sqlite:///{tmp_path / 'tracker.db'}", DAY, 600, seed=SEED)
    assert expected.ratings and expected.tickets and expected.reports and expected.unanswered
    with session_scope() as session:
        counts = generate_desk_rows(session, DAY, expected, seed=SEED, now=now)
    with session_scope() as session:
        feedback = session.scalars(select(AnswerFeedback)).all()
        handoffs = session.scalars(select(Handoff)).all()
        petitions = session.scalars(select(Petition)).all()
        inbox = session.scalars(select(UnansweredMessage)).all()

        answers = [f for f in feedback if f.source != "handoff"]
        assert Counter(f.rating for f in answers) == counts.feedback
        assert sum(counts.feedback.values()) == len(expected.ratings)
        assert Counter(f.reason for f in answers if f.reason) == counts.reasons
        desk = [f for f in feedback if f.source == "handoff"]
        assert Counter(f.rating for f in desk) == counts.desk_feedback
        assert all(f.handoff_id in {h.id for h in handoffs} for f in desk)
        downs = [f for f in answers if f.rating == "down"]
        assert downs and all(f.inbox_message_id for f in downs)

        assert len(handoffs) == len(expected.tickets)
        assert Counter((h.kind, h.status) for h in handoffs) == counts.handoffs
        waits = [(h.taken_at - h.created_at).total_seconds() for h in handoffs if h.taken_at]
        assert sorted(waits) == sorted(counts.waits_s) and waits
        assert all(h.resumed_at for h in handoffs if h.kind == "live")
        assert {h.conversation_id for h in handoffs} <= {
            sender_id(DAY, SEED, n) for n in range(600)
        }

        assert len(petitions) == len(expected.reports)
        assert Counter(p.category for p in petitions) == counts.petitions_by_category
        assert Counter(p.status for p in petitions) == counts.petitions_by_status
        assert Counter(p.commune_code for p in petitions) == counts.petitions_by_commune
        overdue = [p for p in petitions if p.status in statuses.OPEN and p.due_at < now]
        assert len(overdue) == counts.overdue
        assert all(p.code.startswith("PA-2026-9") for p in petitions)
        assert all(p.closed_at for p in petitions if p.status in statuses.CLOSED)

        assert Counter(m.reason for m in inbox) == counts.unanswered
        assert counts.unanswered["thumbs_down"] == len(downs)
        # A few clusters of similar questions, each asked several times.
        texts = Counter(m.text for m in inbox if m.reason != "thumbs_down")
        assert len(texts) <= 25 and texts.most_common(1)[0][1] >= 3

    # Another day's petitions take the next codes.
    more = generate(f"sqlite:///{tmp_path / 'tracker.db'}", date(2026, 3, 3), 600, seed=SEED)
    with session_scope() as session:
        generate_desk_rows(session, date(2026, 3, 3), more, seed=SEED, now=now)
    with session_scope() as session:
        codes = session.scalars(select(Petition.code)).all()
        assert len(codes) == len(set(codes)) == len(expected.reports) + len(more.reports)
        assert session.scalar(select(func.count()).select_from(Handoff)) == len(
            expected.tickets
        ) + len(more.tickets)


def test_desk_rows_refuse_another_days_figures(database_url, tmp_path: Path):
    from assistant.db.session import session_scope

    expected = generate(f"sqlite:///{tmp_path / 'tracker.db'}", DAY, 5)
    with session_scope() as session, pytest.raises(ValueError):
        generate_desk_rows(session, date(2026, 3, 3), expected)


def test_a_day_is_written_once(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    generate(url, DAY, 3, seed=1)
    with pytest.raises(ValueError):
        generate(url, DAY, 3, seed=1)
    generate(url, DAY, 3, seed=2)  # another seed is other conversations
    assert len({r.sender_id for r in rows(url)}) == 6


def test_procedures_can_come_from_the_catalog(seeded_database, tmp_path: Path):
    from assistant.analytics.synthetic import catalog_procedures

    procedures = catalog_procedures(limit=5)
    assert len(procedures) == 5 and all(code and name for code, name in procedures)
    expected = generate(f"sqlite:///{tmp_path / 'tracker.db'}", DAY, 80, procedures=procedures)
    assert {code for code, _ in expected.procedures} == {code for code, _ in procedures}


def test_no_catalog_no_procedures(tmp_path: Path):
    from assistant.analytics.synthetic import catalog_procedures

    assert catalog_procedures(f"sqlite:///{tmp_path / 'empty.db'}") == []
