"""The live desk against a throw-away database: the queue and its expected wait, staff
presence, taking, talking, closing and expiring conversations, the audit and the history."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from assistant import audit
from assistant.db.models import AuditEntry, DeskPresence, Handoff, HandoffMessage
from assistant.db.session import session_scope
from assistant.handoff.live import (
    MAX_TEXT,
    TAKEN,
    LiveDesk,
    Place,
    handoff_view,
    message_view,
)
from assistant.handoff.live_repository import LiveRepository
from assistant.handoff.service import HandoffError, HandoffService
from assistant.settings import get_settings

NOW = datetime(2026, 12, 7, 2, 0)  # naive UTC, as the schema keeps it (9:00 in Hà Nội)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def desk(database_url):
    return LiveDesk(wait_minutes=5)


def online_at(at: datetime, *usernames: str) -> None:
    """Staff pages last heard from at ``at``."""
    with session_scope() as s:
        repo = LiveRepository(s)
        for username in usernames:
            repo.touch(username, at)


def stored_messages(handoff_id: int | None = None):
    with session_scope() as s:
        query = select(HandoffMessage).order_by(HandoffMessage.id)
        if handoff_id is not None:
            query = query.where(HandoffMessage.handoff_id == handoff_id)
        return list(s.scalars(query))


def audits():
    with session_scope() as s:
        return [
            (a.actor, a.action, a.entity, a.entity_id, a.before, a.after)
            for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def handoff(handoff_id: int) -> Handoff:
    with session_scope() as s:
        return s.get(Handoff, handoff_id)


# --- Place, message_view, handoff_view -------------------------------------------------------


def test_the_widget_reads_only_the_id_state_and_position_of_a_place():
    place = Place(handoff_id=7, state="waiting", position=2, wait_minutes=4)
    assert place.as_custom() == {"handoff": {"id": 7, "state": "waiting", "position": 2}}


def test_a_message_view_shows_buttons_and_the_end_of_the_conversation():
    row = HandoffMessage(
        id=3, handoff_id=1, direction="bot", author="", text="Đánh giá?",
        data={"buttons": [{"title": "👍", "payload": "/up"}], "last": True},
        created_at=datetime(2026, 12, 7, 2, 0, 5, 123456),
    )  # fmt: skip
    assert message_view(row) == {
        "id": 3,
        "handoff_id": 1,
        "direction": "bot",
        "author": "",
        "text": "Đánh giá?",
        "buttons": [{"title": "👍", "payload": "/up"}],
        "last": True,
        "at": "2026-12-07T02:00:05Z",
    }
    plain = HandoffMessage(
        id=4, handoff_id=1, direction="in", author="", text="hi", data=None, created_at=NOW
    )
    view = message_view(plain)
    assert (view["buttons"], view["last"]) == ([], False)
    assert "conversation_id" not in view


def test_a_message_view_with_its_conversation_names_the_channel_and_status():
    conversation = Handoff(id=1, conversation_id="zalo-1", channel="zalo", status="active")
    row = HandoffMessage(
        id=5, handoff_id=1, direction="out", author="lan", text="x", created_at=NOW
    )
    view = message_view(row, conversation)
    assert (view["conversation_id"], view["channel"], view["status"]) == (
        "zalo-1", "zalo", "active"
    )  # fmt: skip


@pytest.mark.parametrize(
    "taken, done, now, waited, duration",
    [
        (None, None, NOW + 3 * MINUTE, 180, None),  # still waiting: until now
        (NOW + MINUTE, None, NOW + 9 * MINUTE, 60, None),  # taken: until taken
        (NOW + MINUTE, NOW + 11 * MINUTE, NOW + 60 * MINUTE, 60, 600),  # closed after talking
        (None, NOW + 5 * MINUTE, NOW + 60 * MINUTE, 300, None),  # missed or closed waiting
        (None, None, NOW - MINUTE, 0, None),  # a clock behind: never negative
    ],
)
def test_a_conversation_view_gives_the_wait_and_the_duration(taken, done, now, waited, duration):
    row = Handoff(
        id=9, status="x", channel="rest", conversation_id="c", context=None, trigger="asked",
        assigned_to=None, created_at=NOW, taken_at=taken, done_at=done,
    )  # fmt: skip
    view = handoff_view(row, now)
    assert (view["waited_seconds"], view["duration_seconds"]) == (waited, duration)
    assert view["created_at"] == "2026-12-07T02:00:00Z" and view["context"] == {}


# --- availability ------------------------------------------------------------------------------


def test_with_nobody_online_the_desk_is_not_available(desk):
    assert not desk.available("zalo-1", NOW)


@pytest.mark.parametrize("seconds_ago, available", [(0, True), (59, True), (61, False)])
def test_the_desk_is_available_while_a_staff_page_was_heard_from_within_a_minute(
    desk, seconds_ago, available
):
    online_at(NOW - timedelta(seconds=seconds_ago), "lan")
    assert desk.available("zalo-1", NOW) is available


def test_after_a_missed_wait_the_desk_is_not_offered_again_for_half_an_hour(desk):
    desk.enqueue("zalo-1", "zalo", now=NOW)
    missed_at = NOW + 6 * MINUTE
    assert [v["conversation_id"] for v in desk.expire(missed_at)] == ["zalo-1"]
    soon = missed_at + 29 * MINUTE
    online_at(soon, "lan")
    assert not desk.available("zalo-1", soon)
    assert desk.available("zalo-2", soon)  # only the conversation that waited in vain
    later = missed_at + 31 * MINUTE
    online_at(later, "lan")
    assert desk.available("zalo-1", later)


def test_an_open_conversation_is_available_even_with_nobody_online(desk):
    desk.enqueue("zalo-1", "zalo", now=NOW)
    assert desk.available("zalo-1", NOW + 10 * MINUTE)
    assert not desk.available("zalo-2", NOW + 10 * MINUTE)


def test_an_open_conversation_is_available_even_just_after_a_missed_wait(desk):
    desk.enqueue("zalo-1", "zalo", now=NOW)
    desk.expire(NOW + 6 * MINUTE)
    desk.enqueue("zalo-1", "zalo", now=NOW + 7 * MINUTE)
    assert desk.available("zalo-1", NOW + 8 * MINUTE)


# --- the queue and the expected wait ----------------------------------------------------------


def test_enqueue_stores_a_waiting_live_conversation(desk):
    context = {"procedure_code": "1.001193"}
    place = desk.enqueue("fb-1", "facebook", context, trigger="fallbacks", now=NOW)
    row = handoff(place.handoff_id)
    assert (row.kind, row.status, row.channel, row.conversation_id, row.trigger) == (
        "live", "waiting", "facebook", "fb-1", "fallbacks"
    )  # fmt: skip
    assert (row.context, row.created_at, row.assigned_to, row.taken_at) == (
        context, NOW, None, None
    )  # fmt: skip
    assert handoff(desk.enqueue("fb-2", "x" * 40, {}, now=NOW).handoff_id).context is None
    assert handoff(desk.enqueue("fb-3", "x" * 40, now=NOW).handoff_id).channel == "x" * 32


def test_enqueue_is_idempotent_per_conversation(desk):
    online_at(NOW, "lan")
    first = desk.enqueue("zalo-1", "zalo", now=NOW)
    assert first == Place(first.handoff_id, "waiting", 1, 2)
    again = desk.enqueue("zalo-1", "zalo", now=NOW + MINUTE)
    assert again == first
    other = desk.enqueue("zalo-2", "zalo", now=NOW + MINUTE)
    assert other.handoff_id != first.handoff_id and other.position == 2
    with session_scope() as s:
        count = s.scalar(select(func.count(Handoff.id)).where(Handoff.conversation_id == "zalo-1"))
    assert count == 1


@pytest.mark.parametrize(
    "staff, minutes",
    [
        (0, [2, 4, 6]),  # nobody online counts as one
        (1, [2, 4, 6]),  # two minutes a person ahead, before there is any history
        (2, [1, 2, 3]),
        (3, [1, 2, 2]),  # rounded up: 80 s and 120 s
    ],
)
def test_the_wait_is_two_minutes_a_person_divided_by_the_staff_online(desk, staff, minutes):
    online_at(NOW, *[f"staff{i}" for i in range(staff)])
    places = [desk.enqueue(f"c{i}", "rest", now=NOW) for i in range(3)]
    assert [p.position for p in places] == [1, 2, 3]
    assert [p.wait_minutes for p in places] == minutes


def test_the_wait_follows_the_median_of_recent_waits(desk):
    online_at(NOW + 30 * MINUTE, "lan")
    for index, seconds in enumerate([60, 240, 600]):  # median 4 min, mean 5 min
        place = desk.enqueue(f"past{index}", "rest", now=NOW)
        desk.take(place.handoff_id, "lan", now=NOW + timedelta(seconds=seconds))
    first = desk.enqueue("c1", "rest", now=NOW + 30 * MINUTE)
    second = desk.enqueue("c2", "rest", now=NOW + 30 * MINUTE)
    assert (first.position, first.wait_minutes) == (1, 4)
    assert (second.position, second.wait_minutes) == (2, 8)


def test_the_expected_wait_is_at_least_a_minute(desk):
    online_at(NOW, "lan")
    place = desk.enqueue("past", "rest", now=NOW)
    desk.take(place.handoff_id, "lan", now=NOW)  # taken at once: a median of 0 s
    assert desk.enqueue("c1", "rest", now=NOW).wait_minutes == 1


def test_only_waiting_conversations_queued_earlier_count_as_ahead(desk):
    online_at(NOW, "lan")
    taken = desk.enqueue("c0", "rest", now=NOW)
    closed = desk.enqueue("c1", "rest", now=NOW)
    waiting = desk.enqueue("c2", "rest", now=NOW)
    desk.take(taken.handoff_id, "lan", now=NOW)
    desk.close(closed.handoff_id, "lan", now=NOW)
    assert desk.enqueue("c2", "rest", now=NOW).position == 1
    assert desk.enqueue("c3", "rest", now=NOW).position == 2
    assert waiting.position == 3  # before the others left the queue


def test_a_taken_conversation_has_no_place_in_the_queue(desk):
    place = desk.enqueue("c1", "rest", now=NOW)
    desk.take(place.handoff_id, "lan", now=NOW + MINUTE)
    assert desk.enqueue("c1", "rest", now=NOW + 2 * MINUTE) == Place(
        place.handoff_id, "active", 0, 0
    )


# --- the citizen's messages -----------------------------------------------------------------


def test_relay_stores_the_citizens_words_masked(desk):
    online_at(NOW, "lan")
    queued = desk.enqueue("zalo-1", "zalo", now=NOW)
    place = desk.relay("zalo-1", "  hồ sơ   của tôi,\n gọi 0912345678 giúp ", now=NOW + MINUTE)
    assert place == Place(queued.handoff_id, "waiting", 1, 2)
    [row] = stored_messages()
    assert (row.handoff_id, row.direction, row.author, row.created_at) == (
        queued.handoff_id, "in", "", NOW + MINUTE
    )  # fmt: skip
    assert row.text == "hồ sơ của tôi, gọi *** giúp"
    assert row.outgoing is None and row.delivered_at is None


def test_relay_keeps_at_most_the_longest_text(desk):
    desk.enqueue("zalo-1", "zalo", now=NOW)
    desk.relay("zalo-1", "a" * (MAX_TEXT + 50), now=NOW)
    assert len(stored_messages()[0].text) == MAX_TEXT


def test_relay_while_a_staff_member_has_the_conversation_gives_no_place(desk):
    place = desk.enqueue("zalo-1", "zalo", now=NOW)
    desk.take(place.handoff_id, "lan", now=NOW + MINUTE)
    assert desk.relay("zalo-1", "chào", now=NOW + 2 * MINUTE) == Place(
        place.handoff_id, "active", 0, 0
    )


@pytest.mark.parametrize("text", ["thôi", "Hủy", "không chờ nữa", "thoi khong cho nua"])
def test_giving_up_while_waiting_leaves_the_queue(desk, text):
    place = desk.enqueue("zalo-1", "zalo", now=NOW)
    assert desk.relay("zalo-1", text, now=NOW + MINUTE) == Place(
        place.handoff_id, "cancelled", 0, 0
    )
    with session_scope() as session:
        row = session.get(Handoff, place.handoff_id)
        assert (row.status, row.done_at, row.resumed_at) == ("cancelled", NOW + MINUTE, None)
    assert [m.text for m in stored_messages()] == [text]  # staff still see why
    assert desk.open_for("zalo-1") is None


def test_thoi_to_a_staff_member_is_only_words(desk):
    place = desk.enqueue("zalo-1", "zalo", now=NOW)
    desk.take(place.handoff_id, "lan", now=NOW + MINUTE)
    assert desk.relay("zalo-1", "thôi", now=NOW + 2 * MINUTE).state == "active"
    assert desk.open_for("zalo-1")["status"] == "active"


def test_relay_without_an_open_conversation_stores_nothing(desk):
    assert desk.relay("zalo-1", "gọi 0912345678", now=NOW) is None
    place = desk.enqueue("zalo-1", "zalo", now=NOW)
    desk.close(place.handoff_id, "lan", now=NOW + MINUTE)
    assert desk.relay("zalo-1", "còn ai không?", now=NOW + 2 * MINUTE) is None
    assert stored_messages() == []


# --- taking, talking, closing ---------------------------------------------------------------


def test_only_one_staff_member_takes_a_conversation_and_it_is_audited(desk):
    place = desk.enqueue("zalo-1", "zalo", now=NOW)
    view = desk.take(place.handoff_id, "lan", now=NOW + timedelta(seconds=90))
    assert (view["id"], view["status"], view["assigned_to"]) == (place.handoff_id, "active", "lan")
    assert (view["waited_seconds"], view["duration_seconds"]) == (90, None)
    with pytest.raises(HandoffError, match="lan"):
        desk.take(place.handoff_id, "minh", now=NOW + 2 * MINUTE)
    row = handoff(place.handoff_id)
    assert (row.assigned_to, row.taken_at) == ("lan", NOW + timedelta(seconds=90))
    [greeting] = stored_messages()
    assert (greeting.direction, greeting.author, greeting.text, greeting.outgoing) == (
        "out", "lan", TAKEN, TAKEN
    )  # fmt: skip
    assert greeting.created_at == NOW + timedelta(seconds=90) and greeting.delivered_at is None
    assert audits() == [
        (
            "lan", "take", "live_handoff", str(place.handoff_id), {"status": "waiting"},
            {"status": "active", "waited_seconds": 90},
        )
    ]  # fmt: skip


def test_an_ended_or_unknown_conversation_cannot_be_taken(desk):
    closed = desk.enqueue("zalo-1", "zalo", now=NOW)
    desk.close(closed.handoff_id, "minh", now=NOW + MINUTE)
    with pytest.raises(HandoffError, match="kết thúc"):
        desk.take(closed.handoff_id, "lan", now=NOW + 2 * MINUTE)
    missed = desk.enqueue("zalo-2", "zalo", now=NOW)
    desk.expire(NOW + 10 * MINUTE)
    with pytest.raises(HandoffError, match="kết thúc"):
        desk.take(missed.handoff_id, "lan", now=NOW + 11 * MINUTE)
    with pytest.raises(HandoffError, match="Không tìm thấy"):
        desk.take(999, "lan")
    ticket = HandoffService().leave_message("zalo-3", "zalo", "gọi lại giúp tôi", None)
    with pytest.raises(HandoffError, match="Không tìm thấy"):
        desk.take(ticket, "lan")  # a message left for a call-back is not a live conversation
    assert stored_messages() == [] and [a[1] for a in audits()] == ["close"]


def test_only_the_taker_speaks_and_the_record_is_masked(desk):
    place = desk.enqueue("zalo-1", "zalo", now=NOW)
    with pytest.raises(HandoffError):
        desk.say(place.handoff_id, "lan", "chào anh", now=NOW)  # nobody took it yet
    desk.take(place.handoff_id, "lan", now=NOW + MINUTE)
    view = desk.say(place.handoff_id, "lan", " Anh  gọi 0912345678\n nhé ", now=NOW + 2 * MINUTE)
    assert view["text"] == "Anh gọi *** nhé"
    assert (view["direction"], view["author"], view["last"]) == ("out", "lan", False)
    assert (view["conversation_id"], view["channel"], view["status"]) == (
        "zalo-1", "zalo", "active"
    )  # fmt: skip
    assert view["at"] == "2026-12-07T02:02:00Z"
    with pytest.raises(HandoffError):
        desk.say(place.handoff_id, "minh", "tôi nữa", now=NOW + 3 * MINUTE)
    _, said = stored_messages()
    assert (said.id, said.text, said.outgoing) == (
        view["id"],
        "Anh gọi *** nhé",
        "Anh gọi 0912345678 nhé",
    )
    assert said.delivered_at is None and said.created_at == NOW + 2 * MINUTE


@pytest.mark.parametrize("text", ["", "   \n\t ", None])
def test_an_empty_staff_message_is_refused(desk, text):
    place = desk.enqueue("zalo-1", "zalo", now=NOW)
    desk.take(place.handoff_id, "lan", now=NOW)
    with pytest.raises(HandoffError, match="trống"):
        desk.say(place.handoff_id, "lan", text, now=NOW)
    assert [m.text for m in stored_messages()] == [TAKEN]


def test_a_staff_message_is_cut_to_the_longest_text(desk):
    place = desk.enqueue("zalo-1", "zalo", now=NOW)
    desk.take(place.handoff_id, "lan", now=NOW)
    view = desk.say(place.handoff_id, "lan", "b" * (MAX_TEXT + 1), now=NOW)
    assert len(view["text"]) == MAX_TEXT


def test_nobody_speaks_in_a_closed_conversation(desk):
    place = desk.enqueue("zalo-1", "zalo", now=NOW)
    desk.take(place.handoff_id, "lan", now=NOW)
    desk.close(place.handoff_id, "lan", now=NOW + MINUTE)
    with pytest.raises(HandoffError):
        desk.say(place.handoff_id, "lan", "còn đây không?", now=NOW + 2 * MINUTE)


def test_the_taker_closes_and_the_duration_is_audited(desk):
    place = desk.enqueue("zalo-1", "zalo", now=NOW)
    desk.take(place.handoff_id, "lan", now=NOW + MINUTE)
    with pytest.raises(HandoffError):
        desk.close(place.handoff_id, "minh", now=NOW + 5 * MINUTE)
    assert handoff(place.handoff_id).status == "active"
    view = desk.close(place.handoff_id, "lan", now=NOW + 11 * MINUTE)
    assert (view["status"], view["waited_seconds"], view["duration_seconds"]) == ("closed", 60, 600)
    row = handoff(place.handoff_id)
    assert (row.status, row.done_at, row.resumed_at) == ("closed", NOW + 11 * MINUTE, None)
    with pytest.raises(HandoffError, match="kết thúc"):
        desk.close(place.handoff_id, "lan", now=NOW + 12 * MINUTE)
    assert audits()[-1] == (
        "lan", "close", "live_handoff", str(place.handoff_id), {"status": "active"},
        {"status": "closed", "duration_seconds": 600},
    )  # fmt: skip
    assert [a[1] for a in audits()] == ["take", "close"]


def test_anyone_may_close_a_conversation_still_waiting(desk):
    place = desk.enqueue("zalo-1", "zalo", now=NOW)
    view = desk.close(place.handoff_id, "minh", now=NOW + 3 * MINUTE)
    assert (view["status"], view["assigned_to"]) == ("closed", None)
    assert (view["waited_seconds"], view["duration_seconds"]) == (180, None)
    assert audits() == [
        (
            "minh", "close", "live_handoff", str(place.handoff_id), {"status": "waiting"},
            {"status": "closed", "duration_seconds": None},
        )
    ]  # fmt: skip
    with pytest.raises(HandoffError, match="Không tìm thấy"):
        desk.close(12345, "minh")


# --- expiry ----------------------------------------------------------------------------------


def test_expire_turns_waits_older_than_the_configured_minutes_into_missed(desk):
    old = desk.enqueue("c-old", "zalo", now=NOW)
    fresh = desk.enqueue("c-fresh", "zalo", now=NOW + 3 * MINUTE)
    taken = desk.enqueue("c-taken", "zalo", now=NOW)
    desk.take(taken.handoff_id, "lan", now=NOW + MINUTE)
    assert desk.expire(NOW + 5 * MINUTE) == []  # exactly five minutes: not yet
    later = NOW + 5 * MINUTE + timedelta(seconds=1)
    [missed] = desk.expire(later)
    assert (missed["id"], missed["status"], missed["conversation_id"]) == (
        old.handoff_id, "missed", "c-old"
    )  # fmt: skip
    assert (missed["waited_seconds"], missed["duration_seconds"]) == (301, None)
    assert (handoff(old.handoff_id).status, handoff(old.handoff_id).done_at) == ("missed", later)
    assert handoff(fresh.handoff_id).status == "waiting"
    assert handoff(taken.handoff_id).status == "active"
    assert desk.expire(later) == []  # only once
    assert [v["id"] for v in desk.expire(NOW + 9 * MINUTE)] == [fresh.handoff_id]


def test_the_wait_before_expiry_comes_from_the_settings(database_url, monkeypatch):
    monkeypatch.setenv("HANDOFF_WAIT_MINUTES", "2")
    get_settings.cache_clear()
    desk = LiveDesk()
    get_settings.cache_clear()
    desk.enqueue("c1", "rest", now=NOW)
    assert desk.expire(NOW + 2 * MINUTE) == []
    assert len(desk.expire(NOW + 2 * MINUTE + timedelta(seconds=1))) == 1


def test_the_wait_before_expiry_is_at_least_half_a_minute(database_url):
    desk = LiveDesk(wait_minutes=0)
    desk.enqueue("c1", "rest", now=NOW)
    assert desk.expire(NOW + timedelta(seconds=29)) == []
    assert len(desk.expire(NOW + timedelta(seconds=31))) == 1


# --- what staff see -------------------------------------------------------------------------


def test_the_queue_lists_open_conversations_oldest_first_with_their_last_message(desk):
    first = desk.enqueue("c1", "zalo", {"dossier_code": "H13-1"}, now=NOW)
    second = desk.enqueue("c2", "facebook", now=NOW + MINUTE)
    closed = desk.enqueue("c3", "rest", now=NOW)
    silent = desk.enqueue("c4", "rest", now=NOW + 2 * MINUTE)
    desk.relay("c1", "câu một", now=NOW + MINUTE)
    desk.relay("c1", "câu hai 0912345678", now=NOW + 2 * MINUTE)
    desk.take(second.handoff_id, "lan", now=NOW + 3 * MINUTE)
    desk.close(closed.handoff_id, "lan", now=NOW + MINUTE)
    queue = desk.queue(NOW + 10 * MINUTE)
    assert [v["id"] for v in queue] == [first.handoff_id, second.handoff_id, silent.handoff_id]
    one, two, four = queue
    assert (one["status"], one["messages"], one["waited_seconds"]) == ("waiting", 2, 600)
    assert one["context"] == {"dossier_code": "H13-1"}
    assert (one["last"]["text"], one["last"]["direction"]) == ("câu hai ***", "in")
    assert (two["status"], two["assigned_to"], two["messages"]) == ("active", "lan", 1)
    assert (two["last"]["text"], two["waited_seconds"]) == (TAKEN, 120)
    assert (four["messages"], four["last"]) == (0, None)


def test_a_conversation_shows_all_its_messages_in_order(desk):
    place = desk.enqueue("c1", "zalo", now=NOW)
    other = desk.enqueue("c2", "zalo", now=NOW)
    desk.relay("c1", "xin chào", now=NOW)
    desk.relay("c2", "khác", now=NOW)
    desk.take(place.handoff_id, "lan", now=NOW + MINUTE)
    desk.say(place.handoff_id, "lan", "chào anh", now=NOW + 2 * MINUTE)
    view = desk.conversation(place.handoff_id, NOW + 3 * MINUTE)
    assert (view["id"], view["status"], view["waited_seconds"]) == (place.handoff_id, "active", 60)
    assert [(m["direction"], m["text"]) for m in view["desk_messages"]] == [
        ("in", "xin chào"),
        ("out", TAKEN),
        ("out", "chào anh"),
    ]
    assert desk.conversation(other.handoff_id)["desk_messages"][0]["text"] == "khác"
    with pytest.raises(HandoffError):
        desk.conversation(999)


def test_open_for_and_latest_give_the_conversations_live_handoff(desk):
    assert desk.open_for("c1") is None and desk.latest("c1") is None
    place = desk.enqueue("c1", "zalo", now=NOW)
    assert (desk.open_for("c1")["id"], desk.open_for("c1")["status"]) == (
        place.handoff_id, "waiting"
    )  # fmt: skip
    desk.take(place.handoff_id, "lan", now=NOW + MINUTE)
    assert desk.open_for("c1")["status"] == "active"
    desk.close(place.handoff_id, "lan", now=NOW + 2 * MINUTE)
    assert desk.open_for("c1") is None
    latest = desk.latest("c1")
    assert (latest["id"], latest["status"], latest["duration_seconds"]) == (
        place.handoff_id, "closed", 60
    )  # fmt: skip
    again = desk.enqueue("c1", "zalo", now=NOW + 3 * MINUTE)
    assert again.handoff_id != place.handoff_id
    assert desk.latest("c1")["id"] == again.handoff_id
    assert desk.latest("c2") is None


def test_staff_pages_come_and_go(desk):
    desk.touch("lan")
    desk.touch("minh")
    desk.touch("lan")  # heard from again: still one row
    with session_scope() as s:
        LiveRepository(s).touch("stale", audit.utcnow() - timedelta(minutes=2))
    assert desk.online() == 2
    desk.leave("lan")
    assert desk.online() == 1
    desk.leave("nobody")
    with session_scope() as s:
        assert sorted(s.scalars(select(DeskPresence.username))) == ["minh", "stale"]


def test_the_history_lists_ended_conversations_with_their_wait_and_duration(desk):
    start = audit.utcnow() - timedelta(hours=2)
    old = desk.enqueue("c0", "zalo", now=start - timedelta(days=8))
    desk.close(old.handoff_id, "minh", now=start - timedelta(days=8) + MINUTE)
    talked = desk.enqueue("c1", "zalo", now=start)
    desk.take(talked.handoff_id, "lan", now=start + timedelta(seconds=30))
    desk.close(talked.handoff_id, "lan", now=start + 5 * MINUTE)
    missed = desk.enqueue("c2", "zalo", now=start)
    taken = desk.enqueue("c3", "zalo", now=start)
    desk.take(taken.handoff_id, "lan", now=start)  # still active
    desk.expire(start + 6 * MINUTE)
    desk.enqueue("c4", "zalo", now=start + 10 * MINUTE)  # still waiting
    history = desk.history()
    assert [v["id"] for v in history] == [missed.handoff_id, talked.handoff_id]  # newest first
    assert [(v["status"], v["waited_seconds"], v["duration_seconds"]) for v in history] == [
        ("missed", 360, None),
        ("closed", 30, 270),
    ]
    assert [v["id"] for v in desk.history(days=10)] == [
        missed.handoff_id,
        talked.handoff_id,
        old.handoff_id,
    ]
