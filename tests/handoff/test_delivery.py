"""The live desk's messages on their way (what the portal's pump reads and marks), against a
throw-away database and a fixed clock: new messages, staff words to hand to Rasa, ended
conversations to resume, and what a reconnecting widget missed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from assistant import audit
from assistant.db.models import Handoff, HandoffMessage
from assistant.db.session import session_scope
from assistant.handoff.delivery import DeskDelivery
from assistant.handoff.live import MAX_TEXT, TAKEN, LiveDesk
from assistant.handoff.live_repository import LiveRepository

NOW = datetime(2026, 12, 7, 2, 0)
MINUTE = timedelta(minutes=1)
TYPED = "Anh gọi 0912345678 giúp em"
MASKED = "Anh gọi *** giúp em"


@pytest.fixture
def clock(monkeypatch):
    """``audit.utcnow`` fixed at ``clock[0]`` (delivery takes its times from it)."""
    at = [NOW + 30 * MINUTE]
    monkeypatch.setattr(audit, "utcnow", lambda: at[0])
    return at


@pytest.fixture
def desk(database_url, clock):
    return LiveDesk(wait_minutes=5)


@pytest.fixture
def delivery(database_url, clock):
    return DeskDelivery()


def talk(desk: LiveDesk, conversation: str = "zalo-1", close: bool = False) -> int:
    """A conversation a citizen queued (with a message), lan took, then said TYPED in."""
    place = desk.enqueue(conversation, "zalo", now=NOW)
    desk.relay(conversation, "hồ sơ bị trả lại", now=NOW + MINUTE)
    desk.take(place.handoff_id, "lan", now=NOW + 2 * MINUTE)
    desk.say(place.handoff_id, "lan", TYPED, now=NOW + 3 * MINUTE)
    if close:
        desk.close(place.handoff_id, "lan", now=NOW + 10 * MINUTE)
    return place.handoff_id


def rows(handoff_id: int):
    with session_scope() as s:
        query = select(HandoffMessage).where(HandoffMessage.handoff_id == handoff_id)
        return list(s.scalars(query.order_by(HandoffMessage.id)))


def deliver_all(delivery: DeskDelivery) -> None:
    for message in delivery.undelivered():
        delivery.delivered(message["id"])


def test_the_signature_follows_the_queue(desk, delivery):
    assert delivery.signature() == ()
    place = desk.enqueue("zalo-1", "zalo", now=NOW)
    assert delivery.signature() == ((place.handoff_id, "waiting"),)
    desk.take(place.handoff_id, "lan", now=NOW)
    assert delivery.signature() == ((place.handoff_id, "active"),)
    desk.relay("zalo-1", "thêm một tin", now=NOW)
    assert delivery.signature() == ((place.handoff_id, "active"),)  # messages are not in it
    desk.close(place.handoff_id, "lan", now=NOW + MINUTE)
    assert delivery.signature() == ()


def test_ended_conversations_wait_to_be_resumed(desk, delivery):
    closed = talk(desk, "zalo-1", close=True)
    desk.enqueue("zalo-2", "zalo", now=NOW + 20 * MINUTE)  # still waiting: not ended
    talk(desk, "zalo-3")  # active: not ended
    missed = desk.enqueue("zalo-4", "facebook", now=NOW)
    desk.expire(NOW + 6 * MINUTE)
    views = delivery.unresumed()
    assert [(v["id"], v["status"]) for v in views] == [
        (closed, "closed"),
        (missed.handoff_id, "missed"),
    ]
    assert (views[0]["conversation_id"], views[0]["channel"], views[0]["duration_seconds"]) == (
        "zalo-1", "zalo", 480
    )  # fmt: skip
    assert views[1]["channel"] == "facebook"
    delivery.resumed(closed, [{"text": "Cán bộ đã kết thúc."}])
    assert [v["id"] for v in delivery.unresumed()] == [missed.handoff_id]


def test_resumed_keeps_the_assistants_closing_messages_the_last_one_flagged(desk, delivery, clock):
    handoff_id = talk(desk, close=True)
    deliver_all(delivery)
    clock[0] = NOW + 40 * MINUTE
    delivery.resumed(
        handoff_id,
        [
            {"text": "Cán bộ đã kết thúc, gọi 0987654321 nếu cần."},
            {"text": "", "buttons": []},  # nothing to show: left out
            {
                "text": "Anh/Chị thấy thế nào?",
                "buttons": [
                    {"title": "👍" + "x" * 100, "payload": "/rate_answer" + "y" * 300},
                    "not a button",
                    {"payload": "/down"},
                ],
            },
        ],
    )
    *_, first, second = rows(handoff_id)
    assert (first.direction, first.text, first.data) == (
        "bot", "Cán bộ đã kết thúc, gọi *** nếu cần.", {"buttons": [], "last": False}
    )  # fmt: skip
    assert (second.direction, second.text) == ("bot", "Anh/Chị thấy thế nào?")
    assert second.data == {
        "buttons": [
            {"title": ("👍" + "x" * 100)[:80], "payload": ("/rate_answer" + "y" * 300)[:200]},
            {"title": "", "payload": "/down"},
        ],
        "last": True,
    }
    for bot in (first, second):
        assert (bot.delivered_at, bot.created_at, bot.outgoing) == (clock[0], clock[0], None)
    assert len(rows(handoff_id)) == 5  # in, taken, said, and the two closing messages
    with session_scope() as s:
        assert s.get(Handoff, handoff_id).resumed_at == NOW + 40 * MINUTE


def test_resumed_forgets_the_typed_words_of_delivered_staff_messages(desk, delivery):
    handoff_id = talk(desk, close=True)
    other = talk(desk, "zalo-2")
    deliver_all(delivery)
    delivery.resumed(handoff_id, [{"text": "Chào lại Anh/Chị."}])
    outgoing = [m.outgoing for m in rows(handoff_id) if m.direction == "out"]
    assert outgoing == [None, None]
    said = [m for m in rows(handoff_id) if m.direction == "out"][-1]
    assert said.text == MASKED
    assert [m.outgoing for m in rows(other) if m.direction == "out"] == [TAKEN, TYPED]


def test_resumed_keeps_the_typed_words_of_staff_messages_not_yet_delivered(desk, delivery):
    handoff_id = talk(desk, close=True)
    delivery.resumed(handoff_id, [])
    assert [m.outgoing for m in rows(handoff_id) if m.direction == "out"] == [TAKEN, TYPED]
    assert [m["deliver"] for m in delivery.undelivered()] == [TAKEN, TYPED]


@pytest.mark.parametrize(
    "messages",
    [
        [],  # Rasa returned nothing (it sent them on Zalo or Messenger)
        [{"text": ""}, {"text": None, "buttons": []}, {}],
    ],
)
def test_resumed_with_nothing_to_show_still_ends_the_widgets_stream(desk, delivery, messages):
    handoff_id = talk(desk, close=True)
    delivery.resumed(handoff_id, messages)
    *_, end = rows(handoff_id)
    assert (end.direction, end.text, end.data) == ("bot", "", {"buttons": [], "last": True})
    assert [m.direction for m in rows(handoff_id)].count("bot") == 1


def test_a_bot_message_with_only_buttons_is_kept(desk, delivery):
    handoff_id = talk(desk, close=True)
    delivery.resumed(handoff_id, [{"buttons": [{"title": "Để lại lời nhắn", "payload": "/x"}]}])
    *_, end = rows(handoff_id)
    assert (end.text, end.data) == (
        "", {"buttons": [{"title": "Để lại lời nhắn", "payload": "/x"}], "last": True}
    )  # fmt: skip


def test_a_long_closing_message_is_cut(desk, delivery):
    handoff_id = talk(desk, close=True)
    delivery.resumed(handoff_id, [{"text": "z" * (MAX_TEXT + 10)}])
    assert len(rows(handoff_id)[-1].text) == MAX_TEXT


def test_resuming_an_unknown_conversation_stores_nothing(desk, delivery):
    delivery.resumed(999, [{"text": "x"}])
    with session_scope() as s:
        assert s.scalars(select(HandoffMessage)).all() == []


def test_messages_after_an_id_name_their_conversation(desk, delivery):
    assert delivery.messages_after(0) == []
    first = talk(desk, "zalo-1")
    desk.relay("zalo-2", "không có hàng chờ", now=NOW)  # stored nowhere
    second = desk.enqueue("fb-2", "facebook", now=NOW).handoff_id
    desk.relay("fb-2", "số 0912345678", now=NOW)
    views = delivery.messages_after(0)
    assert [(v["handoff_id"], v["direction"]) for v in views] == [
        (first, "in"),
        (first, "out"),
        (first, "out"),
        (second, "in"),
    ]
    said, citizen = views[2], views[3]
    assert (said["text"], said["deliver"], said["conversation_id"]) == (MASKED, TYPED, "zalo-1")
    assert (said["channel"], said["status"], said["author"]) == ("zalo", "active", "lan")
    assert "deliver" not in citizen and citizen["text"] == "số ***"
    assert (citizen["conversation_id"], citizen["status"]) == ("fb-2", "waiting")
    assert [v["id"] for v in delivery.messages_after(said["id"])] == [citizen["id"]]
    deliver_all(delivery)
    desk.close(first, "lan", now=NOW + 9 * MINUTE)
    delivery.resumed(first, [{"text": "Tôi trở lại."}])
    [bot] = delivery.messages_after(citizen["id"])
    assert (bot["direction"], bot["last"], bot["status"]) == ("bot", True, "closed")
    assert "deliver" not in delivery.messages_after(0)[2]  # delivered and ended: forgotten


def test_the_last_message_id(desk, delivery):
    assert delivery.last_message_id() == 0
    talk(desk)
    assert delivery.last_message_id() == max(v["id"] for v in delivery.messages_after(0))


def test_the_widget_gets_the_staff_and_assistant_messages_of_its_latest_conversation(
    desk, delivery
):
    assert delivery.citizen_messages("zalo-1") is None
    earlier = talk(desk, "zalo-1", close=True)
    delivery.resumed(earlier, [{"text": "Lần trước."}])
    latest = talk(desk, "zalo-1")
    talk(desk, "zalo-2")
    views = delivery.citizen_messages("zalo-1")
    assert [(v["handoff_id"], v["direction"], v["text"]) for v in views] == [
        (latest, "out", TAKEN),
        (latest, "out", MASKED),
    ]  # the citizen's own message and the earlier conversation are not sent back
    assert [v["deliver"] for v in views] == [TAKEN, TYPED]
    assert views[0]["conversation_id"] == "zalo-1" and views[0]["status"] == "active"
    assert delivery.citizen_messages("zalo-1", after=views[0]["id"]) == [views[1]]
    assert delivery.citizen_messages("zalo-1", after=views[1]["id"]) == []
    assert delivery.citizen_messages("fb-404", after=0) is None


def test_after_the_end_the_widget_gets_the_closing_messages_without_typed_words(desk, delivery):
    handoff_id = talk(desk, close=True)
    deliver_all(delivery)
    delivery.resumed(handoff_id, [{"text": "Tôi trở lại."}, {"text": "Đánh giá?"}])
    views = delivery.citizen_messages("zalo-1")
    assert [(v["direction"], v["text"], v["last"]) for v in views] == [
        ("out", TAKEN, False),
        ("out", MASKED, False),
        ("bot", "Tôi trở lại.", False),
        ("bot", "Đánh giá?", True),
    ]
    assert all("deliver" not in v for v in views)
    assert {v["status"] for v in views} == {"closed"}


def test_undelivered_staff_messages_carry_the_typed_words_and_the_citizens_silence(
    desk, delivery, clock
):
    handoff_id = talk(desk)  # the citizen last wrote at NOW + 1 min
    quiet = desk.enqueue("fb-9", "facebook", now=NOW - 10 * timedelta(hours=1))
    desk.take(quiet.handoff_id, "minh", now=NOW)  # the citizen never wrote
    clock[0] = NOW + MINUTE + timedelta(hours=30)
    views = delivery.undelivered()
    assert [(v["handoff_id"], v["deliver"]) for v in views] == [
        (handoff_id, TAKEN),
        (handoff_id, TYPED),
        (quiet.handoff_id, TAKEN),
    ]
    assert [v["citizen_silent_hours"] for v in views] == pytest.approx([30.0, 30.0, 40.0 + 1 / 60])
    first = views[1]
    assert (first["text"], first["author"], first["conversation_id"], first["channel"]) == (
        MASKED, "lan", "zalo-1", "zalo"
    )  # fmt: skip


def test_an_undelivered_message_without_typed_words_is_delivered_as_stored(desk, delivery):
    handoff_id = desk.enqueue("zalo-1", "zalo", now=NOW).handoff_id
    with session_scope() as s:
        LiveRepository(s).add_message(
            handoff_id=handoff_id, direction="out", author="lan", text="đã lưu", created_at=NOW
        )
    [view] = delivery.undelivered()
    assert view["deliver"] == "đã lưu"


def test_delivered_messages_are_not_delivered_again(desk, delivery, clock):
    talk(desk)
    taken, said = delivery.undelivered()
    clock[0] = NOW + 45 * MINUTE
    delivery.delivered(taken["id"])
    delivery.delivered(424242)  # unknown: nothing happens
    assert [v["id"] for v in delivery.undelivered()] == [said["id"]]
    with session_scope() as s:
        assert s.get(HandoffMessage, taken["id"]).delivered_at == NOW + 45 * MINUTE
        assert s.get(HandoffMessage, said["id"]).delivered_at is None


def test_a_staff_message_delivered_after_the_conversation_was_resumed_forgets_its_words(
    desk, delivery
):
    """The words as typed are kept only until the message is delivered and the conversation
    has ended: a delivery that failed once can arrive after Rasa resumed the conversation."""
    handoff_id = talk(desk, close=True)
    delivery.resumed(handoff_id, [{"text": "Tôi trở lại."}])
    deliver_all(delivery)
    assert delivery.undelivered() == []
    outgoing = [m.outgoing for m in rows(handoff_id) if m.direction == "out"]
    assert outgoing == [None, None]
