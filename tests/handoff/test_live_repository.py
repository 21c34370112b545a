"""The live desk's queries against a throw-away database: only live handoffs, the conditional
status change that lets one staff member take a conversation, messages and presence; and
the migration that adds the tables."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, inspect

from assistant.db.migrate import downgrade, upgrade
from assistant.db.models import DeskPresence, Handoff, HandoffMessage
from assistant.db.session import session_scope
from assistant.handoff.live_repository import LIVE, OPEN, LiveRepository

NOW = datetime(2026, 12, 7, 2, 0)
MINUTE = timedelta(minutes=1)


def live(repo: LiveRepository, conversation: str, status: str = "waiting", **fields) -> Handoff:
    fields.setdefault("created_at", NOW)
    return repo.add(status=status, conversation_id=conversation, channel="zalo", **fields)


def ticket(repo: LiveRepository, conversation: str, status: str = "open") -> Handoff:
    """A message left for a call-back: a handoff, but not a live one."""
    row = Handoff(kind="message", status=status, conversation_id=conversation, created_at=NOW)
    repo.session.add(row)
    repo.session.flush()
    return row


def message(repo: LiveRepository, row: Handoff, direction: str, **fields) -> HandoffMessage:
    fields.setdefault("created_at", NOW)
    fields.setdefault("text", direction)
    return repo.add_message(handoff_id=row.id, direction=direction, **fields)


@pytest.fixture
def repo(database_url):
    with session_scope() as session:
        yield LiveRepository(session)


def test_added_handoffs_are_live(repo):
    row = live(repo, "c1")
    assert row.kind == LIVE == "live" and row.id is not None
    assert repo.session.get(Handoff, row.id).kind == "live"


def test_get_finds_only_live_handoffs(repo):
    row = live(repo, "c1")
    other = ticket(repo, "c1")
    assert repo.get(row.id) is row
    assert repo.get(other.id) is None and repo.get(999) is None


def test_open_for_is_the_newest_open_live_handoff_of_that_conversation(repo):
    assert repo.open_for("c1") is None
    live(repo, "c1", "closed")
    ticket(repo, "c1")
    live(repo, "c2")
    assert repo.open_for("c1") is None
    waiting = live(repo, "c1")
    assert repo.open_for("c1") is waiting
    active = live(repo, "c1", "active")
    assert repo.open_for("c1") is active
    live(repo, "c1", "missed")
    assert repo.open_for("c1") is active


def test_latest_for_is_the_newest_live_handoff_whatever_its_status(repo):
    assert repo.latest_for("c1") is None
    live(repo, "c1")
    closed = live(repo, "c1", "closed")
    ticket(repo, "c1")
    live(repo, "c2")
    assert repo.latest_for("c1") is closed


def test_missed_since_reads_the_end_of_missed_waits_only(repo):
    live(repo, "c1", "missed", done_at=NOW)
    live(repo, "c2", "closed", done_at=NOW)
    assert repo.missed_since("c1", NOW)
    assert not repo.missed_since("c1", NOW + timedelta(seconds=1))
    assert not repo.missed_since("c2", NOW - MINUTE)
    assert not repo.missed_since("c3", NOW - MINUTE)


def test_waiting_before_counts_waiting_live_conversations_queued_earlier(repo):
    live(repo, "a")
    live(repo, "b", "active")
    live(repo, "c", "closed")
    ticket(repo, "d")
    live(repo, "e")
    row = live(repo, "f")
    live(repo, "g")
    assert repo.waiting_before(row) == 2


def test_waiting_older_than_is_strict_and_ignores_other_statuses(repo):
    old = live(repo, "a", created_at=NOW - 10 * MINUTE)
    live(repo, "b", "active", created_at=NOW - 10 * MINUTE)
    live(repo, "c", created_at=NOW)
    ticket(repo, "d")
    assert repo.waiting_older_than(NOW) == [old]
    assert repo.waiting_older_than(NOW - 10 * MINUTE) == []
    assert [r.conversation_id for r in repo.waiting_older_than(NOW + MINUTE)] == ["a", "c"]


def test_recent_waits_are_the_latest_taken_conversations(repo):
    assert repo.recent_waits() == []
    for index, seconds in enumerate([30, 90, 300]):  # taken one hour after the other
        queued = NOW + index * timedelta(hours=1)
        live(
            repo, f"c{index}", "closed", created_at=queued,
            taken_at=queued + timedelta(seconds=seconds),
        )  # fmt: skip
    live(repo, "waiting")
    live(repo, "missed", "missed", done_at=NOW + MINUTE)
    assert repo.recent_waits() == [300.0, 90.0, 30.0]
    assert repo.recent_waits(limit=2) == [300.0, 90.0]


def test_a_status_change_happens_only_from_the_expected_status(repo):
    row = live(repo, "c1")
    other = ticket(repo, "c2", status="waiting")
    assert repo.change_status(row.id, ("waiting",), status="active", assigned_to="lan")
    assert not repo.change_status(row.id, ("waiting",), status="active", assigned_to="minh")
    assert not repo.change_status(other.id, ("waiting",), status="active")
    assert not repo.change_status(999, OPEN, status="closed")
    repo.session.refresh(row)
    repo.session.refresh(other)
    assert (row.status, row.assigned_to) == ("active", "lan")
    assert other.status == "waiting"


def test_unresumed_are_ended_conversations_not_yet_resumed_oldest_first(repo):
    closed = live(repo, "a", "closed")
    live(repo, "b", "closed", resumed_at=NOW)
    live(repo, "c")
    live(repo, "d", "active")
    missed = live(repo, "e", "missed")
    ticket(repo, "f", "done")
    assert repo.unresumed() == [closed, missed]
    assert repo.unresumed(limit=1) == [closed]


def test_the_signature_changes_when_the_queue_changes(repo):
    assert repo.signature() == ()
    row = live(repo, "a")
    live(repo, "b", "closed")
    ticket(repo, "c")
    assert repo.signature() == ((row.id, "waiting"),)
    repo.change_status(row.id, ("waiting",), status="active")
    assert repo.signature() == ((row.id, "active"),)
    repo.change_status(row.id, OPEN, status="closed")
    assert repo.signature() == ()


def test_message_stats_count_and_name_the_last_message(repo):
    assert repo.message_stats([]) == {}
    one, two, silent = live(repo, "a"), live(repo, "b"), live(repo, "c")
    message(repo, one, "in")
    last = message(repo, one, "out")
    only = message(repo, two, "in")
    assert repo.message_stats([one.id, two.id, silent.id]) == {
        one.id: (2, last.id),
        two.id: (1, only.id),
    }
    assert repo.message_stats([two.id]) == {two.id: (1, only.id)}


def test_history_lists_ended_live_conversations_since_newest_first(repo):
    old = live(repo, "a", "closed", created_at=NOW - timedelta(days=8))
    closed = live(repo, "b", "closed")
    missed = live(repo, "c", "missed")
    live(repo, "d")
    live(repo, "e", "active")
    ticket(repo, "f", "done")
    assert repo.history(NOW - timedelta(days=7)) == [missed, closed]
    assert repo.history(NOW - timedelta(days=9)) == [missed, closed, old]
    assert repo.history(NOW - timedelta(days=9), limit=1) == [missed]


def test_messages_of_a_conversation_after_an_id_in_order(repo):
    one, two = live(repo, "a"), live(repo, "b")
    first = message(repo, one, "in")
    message(repo, two, "in")
    second = message(repo, one, "out")
    assert repo.messages(one.id) == [first, second]
    assert repo.messages(one.id, after=first.id) == [second]
    assert repo.messages(one.id, after=second.id) == []


def test_messages_after_an_id_of_every_conversation(repo):
    assert repo.last_message_id() == 0
    one, two = live(repo, "a"), live(repo, "b")
    first = message(repo, one, "in")
    second = message(repo, two, "out")
    third = message(repo, one, "bot")
    assert repo.messages_after(0) == [first, second, third]
    assert repo.messages_after(first.id) == [second, third]
    assert repo.messages_after(0, limit=2) == [first, second]
    assert repo.last_message_id() == third.id


def test_undelivered_are_staff_messages_not_yet_delivered(repo):
    row = live(repo, "a", "active")
    message(repo, row, "in")
    message(repo, row, "bot")
    message(repo, row, "out", delivered_at=NOW)
    waiting = message(repo, row, "out", outgoing="x")
    later = message(repo, row, "out", outgoing="y")
    assert repo.undelivered() == [waiting, later]
    assert repo.undelivered(limit=1) == [waiting]


def test_the_citizens_last_message_time(repo):
    row, other = live(repo, "a", "active"), live(repo, "b", "active")
    assert repo.last_citizen_message_at(row.id) is None
    message(repo, row, "in", created_at=NOW)
    message(repo, row, "in", created_at=NOW + 2 * MINUTE)
    message(repo, row, "out", created_at=NOW + 5 * MINUTE)
    message(repo, other, "in", created_at=NOW + 9 * MINUTE)
    assert repo.last_citizen_message_at(row.id) == NOW + 2 * MINUTE


def test_forget_outgoing_drops_the_typed_words_of_delivered_messages_only(repo):
    row, other = live(repo, "a", "closed"), live(repo, "b", "active")
    delivered = message(repo, row, "out", outgoing="gọi 0912345678", delivered_at=NOW)
    pending = message(repo, row, "out", outgoing="chưa gửi")
    elsewhere = message(repo, other, "out", outgoing="khác", delivered_at=NOW)
    repo.forget_outgoing(row.id)
    for item in (delivered, pending, elsewhere):
        repo.session.refresh(item)
    assert (delivered.outgoing, pending.outgoing, elsewhere.outgoing) == (None, "chưa gửi", "khác")


def test_presence_is_one_row_a_staff_member_counted_while_recent(repo):
    assert repo.online(NOW - MINUTE) == 0
    repo.touch("lan", NOW - 5 * MINUTE)
    repo.session.flush()
    repo.touch("lan", NOW)
    repo.touch("minh", NOW - 2 * MINUTE)
    repo.session.flush()
    assert repo.session.get(DeskPresence, "lan").seen_at == NOW
    assert repo.online(NOW - MINUTE) == 1
    assert repo.online(NOW - 2 * MINUTE) == 2
    repo.leave("lan")
    assert repo.online(NOW - 2 * MINUTE) == 1
    repo.leave("nobody")
    assert repo.online(NOW - 2 * MINUTE) == 1


def test_the_migration_adds_and_removes_the_live_desk_schema(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    engine = create_engine(url)

    def schema():
        found = inspect(engine)
        tables = set(found.get_table_names())
        columns = {
            table: {c["name"] for c in found.get_columns(table)}
            for table in ("handoffs", "answer_feedback")
        }
        return tables, columns

    upgrade(url, "0008")
    tables, columns = schema()
    assert "handoffs" in tables and not {"handoff_messages", "desk_presence"} & tables
    assert not {"taken_at", "resumed_at"} & columns["handoffs"]
    assert "handoff_id" not in columns["answer_feedback"]
    upgrade(url, "0009")
    tables, columns = schema()
    assert {"handoff_messages", "desk_presence"} <= tables
    assert {"taken_at", "resumed_at"} <= columns["handoffs"]
    assert "handoff_id" in columns["answer_feedback"]
    downgrade(url, "0008")
    tables, columns = schema()
    assert "handoffs" in tables and not {"handoff_messages", "desk_presence"} & tables
    assert not {"taken_at", "resumed_at"} & columns["handoffs"]
    assert "handoff_id" not in columns["answer_feedback"]
    engine.dispose()


def test_a_delivered_message_keeps_its_typed_words_until_the_conversation_ends(repo):
    row = live(repo, "web-a", status="taken")
    sent = message(repo, row, "out", outgoing="Chị gửi giúp em số 0912 345 678")
    assert repo.message(sent.id) is sent and repo.owner(sent) is row
    repo.mark_delivered(sent.id, NOW + MINUTE)
    assert sent.delivered_at == NOW + MINUTE and sent.outgoing  # still needed by the desk
    row.resumed_at = NOW + 2 * MINUTE
    later = message(repo, row, "out", outgoing="Cảm ơn Chị")
    repo.mark_delivered(later.id, NOW + 3 * MINUTE)
    assert later.delivered_at == NOW + 3 * MINUTE and later.outgoing is None
    repo.mark_delivered(99999, NOW)  # gone: nothing to do
    assert repo.message(99999) is None
