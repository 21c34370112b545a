"""A person, please: the desk sentence, the message form's checks, the ticket, the offer."""

from __future__ import annotations

import os
from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.support import (
    BAD_PHONE,
    CANCELLED,
    CANCELLED_TEXT,
    NO_PHONE,
    OFFER,
    ActionHandoff,
    ActionLeaveMessage,
    ValidateHandoffForm,
    declined_before,
)
from actions.unanswered import ActionUnanswered
from assistant.db.models import Handoff
from assistant.db.session import session_scope

# A dropped table stands for a database failure: OperationalError on SQLite, ProgrammingError on
# PostgreSQL (make test-services).
DB_ERROR = "ProgrammingError" if os.environ.get("TEST_SERVICES") else "OperationalError"


def tracker(events: List[dict] = (), active_loop: str | None = None, **slots: Any) -> Tracker:
    return Tracker(
        sender_id="fb-99",
        slots=slots,
        latest_message={"text": "x", "intent": {"name": "request_human"}, "entities": []},
        events=[*events, {"event": "user", "text": "x", "input_channel": "facebook"}],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


async def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return dispatcher.messages, events


async def test_a_person_please_gives_the_desk_then_the_form(database_url, monkeypatch):
    monkeypatch.setenv("ASSISTANT_HOTLINE", "1022")
    from assistant.settings import get_settings

    get_settings.cache_clear()
    messages, events = await run(ActionHandoff(), tracker())
    get_settings.cache_clear()
    text = messages[0]["text"]
    assert "để lại lời nhắn" in text and "1022" in text
    assert "ngoài giờ làm việc" in text or "chưa có cán bộ trực tuyến" in text
    assert events == [{"event": "followup", "timestamp": None, "name": "handoff_form"}]


async def test_inside_a_dossier_lookup_no_second_form_starts(database_url):
    messages, events = await run(ActionHandoff(), tracker(active_loop="dossier_form"))
    assert events == [] and "một cửa" in messages[0]["text"]


@pytest.mark.parametrize(
    "slot, typed, expected, reply",
    [
        (
            "handoff_message",
            "thôi",
            {"handoff_message": CANCELLED, "handoff_phone": NO_PHONE},
            None,
        ),
        ("handoff_message", "😀😀", {"handoff_message": None}, "nội dung"),
        ("handoff_message", "/rate_answer{}", {"handoff_message": None}, "nội dung"),
        ("handoff_message", "  Hồ sơ  trễ hẹn ", {"handoff_message": "Hồ sơ trễ hẹn"}, None),
        ("handoff_phone", "không", {"handoff_phone": NO_PHONE}, None),
        ("handoff_phone", "0912 345 678", {"handoff_phone": "0912345678"}, None),
        ("handoff_phone", "abc", {"handoff_phone": None}, BAD_PHONE),
    ],
)
def test_the_form_checks_what_is_typed(slot, typed, expected, reply):
    dispatcher = CollectingDispatcher()
    check = getattr(ValidateHandoffForm(), f"validate_{slot}")
    assert check(typed, dispatcher, tracker(), {}) == expected
    said = [m["text"] for m in dispatcher.messages]
    assert said == [] if reply is None else reply in said[0]


async def test_the_completed_form_becomes_a_ticket(database_url):
    t = tracker(
        handoff_message="hỏi về hồ sơ trễ hẹn", handoff_phone="0912345678",
        procedure_code="1.001193", dossier_code=None,
    )  # fmt: skip
    messages, events = await run(ActionLeaveMessage(), t)
    with session_scope() as s:
        row = s.scalars(select(Handoff)).one()
        assert (row.conversation_id, row.channel, row.phone) == ("fb-99", "facebook", "0912345678")
        assert row.context == {"procedure_code": "1.001193"}
    assert f"#{row.id}" in messages[0]["text"] and "gọi lại" in messages[0]["text"]
    assert [e["value"] for e in events] == [None, None]


async def test_a_cancelled_form_stores_nothing(database_url):
    t = tracker(handoff_message=CANCELLED, handoff_phone=NO_PHONE)
    messages, _ = await run(ActionLeaveMessage(), t)
    assert [m["text"] for m in messages] == [CANCELLED_TEXT]
    with session_scope() as s:
        assert s.scalars(select(Handoff)).all() == []


def _turn(user: str, *after: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [{"event": "user", "text": user}, *after]


def test_declined_before_reads_the_previous_turn():
    unanswered = {"event": "action", "name": "action_unanswered"}
    declined = {"event": "slot", "name": "answer_decision", "value": {"kind": "decline"}}
    answered = {"event": "slot", "name": "answer_decision", "value": {"kind": "answer"}}
    now = [{"event": "user", "text": "now"}]
    assert declined_before(_turn("a", unanswered) + now)
    assert declined_before(_turn("a", {"event": "action", "name": "x"}, declined) + now)
    assert not declined_before(_turn("a", unanswered, answered) + now)  # overruled: answered
    assert not declined_before(_turn("a", {"event": "action", "name": "utter_greet"}) + now)
    assert not declined_before(now)


async def test_a_second_unanswered_message_offers_a_person(database_url):
    t = tracker(_turn("giá vàng hôm nay", {"event": "action", "name": "action_unanswered"}))
    t.latest_message = {"text": "/greet", "intent": {"name": "out_of_scope"}, "entities": []}
    messages, _ = await run(ActionUnanswered(), t)
    assert messages[-1]["text"] == OFFER
    assert messages[-1]["buttons"][0]["payload"] == "/request_human"
    first = tracker()
    first.latest_message = {"text": "/greet", "intent": {"name": "out_of_scope"}, "entities": []}
    messages, _ = await run(ActionUnanswered(), first)
    assert all(m.get("text") != OFFER for m in messages)


# --- the live desk: queued and paused when the desk is open and staffed ----------------------


@pytest.fixture
def desk_open(database_url, monkeypatch):
    """The default working hours, a Monday at 9:00 local time (open); call it with another
    moment to move the clock."""
    from datetime import datetime

    from assistant.settings import get_settings

    monkeypatch.setenv("HANDOFF_HOURS", "T2-T6 07:30-11:30,13:30-17:00; T7 07:30-11:30")
    monkeypatch.setenv("ASSISTANT_HOTLINE", "")
    get_settings.cache_clear()

    def at(moment: datetime) -> None:
        monkeypatch.setattr("assistant.handoff.service.local_now", lambda: moment)
        monkeypatch.setattr("actions.support.local_now", lambda: moment)

    at(datetime(2026, 12, 7, 9, 0))
    yield at
    get_settings.cache_clear()


def _live_rows():
    with session_scope() as s:
        return list(s.scalars(select(Handoff).where(Handoff.kind == "live").order_by(Handoff.id)))


def _from_widget(**slots: Any) -> Tracker:
    """A citizen writing from the website widget (the REST channel)."""
    t = tracker(**slots)
    t.events[-1]["input_channel"] = "rest"
    return t


async def test_with_the_desk_open_and_staff_online_the_conversation_queues_and_pauses(desk_open):
    from rasa_sdk.events import ConversationPaused

    from actions.support import queued_text
    from assistant.handoff.live import LiveDesk, Place

    LiveDesk().touch("lan")
    messages, events = await run(ActionHandoff(), tracker(procedure_code="1.001193"))
    assert events == [ConversationPaused()] == [{"event": "pause", "timestamp": None}]
    [row] = _live_rows()
    assert (row.status, row.conversation_id, row.channel) == ("waiting", "fb-99", "facebook")
    assert row.context == {"procedure_code": "1.001193"}
    [said] = messages
    assert said["text"] == queued_text(Place(row.id, "waiting", 1, 2))
    assert "người tiếp theo" in said["text"] and "khoảng 2 phút" in said["text"]
    assert said["buttons"] == [] and "lời nhắn" not in said["text"]
    assert said["custom"] == {}  # Messenger would send a custom payload as a message


async def test_the_widget_gets_its_place_in_the_queue_to_open_its_stream(desk_open):
    from assistant.handoff.live import LiveDesk

    LiveDesk().touch("lan")
    messages, events = await run(ActionHandoff(), _from_widget())
    [row] = _live_rows()
    assert events == [{"event": "pause", "timestamp": None}] and row.channel == "rest"
    assert messages[0]["custom"] == {"handoff": {"id": row.id, "state": "waiting", "position": 1}}
    assert "người tiếp theo" in messages[0]["text"]


async def test_a_citizen_behind_another_is_told_their_place_and_a_longer_wait(desk_open):
    from assistant.handoff.live import LiveDesk

    LiveDesk().touch("lan")
    await run(ActionHandoff(), tracker())
    second = _from_widget()
    second.sender_id = "web-2"
    messages, _ = await run(ActionHandoff(), second)
    first_row, second_row = _live_rows()
    assert "vị trí số 2" in messages[0]["text"] and "khoảng 4 phút" in messages[0]["text"]
    assert messages[0]["custom"] == {
        "handoff": {"id": second_row.id, "state": "waiting", "position": 2}
    }
    assert second_row.conversation_id == "web-2" and first_row.conversation_id == "fb-99"


async def test_asking_again_while_queued_keeps_the_same_place(desk_open):
    from assistant.handoff.live import LiveDesk

    LiveDesk().touch("lan")
    first, _ = await run(ActionHandoff(), _from_widget())
    again, events = await run(ActionHandoff(), _from_widget())
    assert len(_live_rows()) == 1 and events[0]["event"] == "pause"
    assert again[0]["custom"] == first[0]["custom"]
    assert first[0]["custom"]["handoff"]["position"] == 1


async def test_with_nobody_online_the_citizen_leaves_a_message_instead(desk_open):
    messages, events = await run(ActionHandoff(), tracker())
    assert events == [{"event": "followup", "timestamp": None, "name": "handoff_form"}]
    [said] = messages
    assert "chưa có cán bộ trực tuyến" in said["text"] and "để lại lời nhắn" in said["text"]
    assert said["custom"] == {} and _live_rows() == []


async def test_outside_working_hours_staff_online_do_not_open_the_live_desk(desk_open):
    from datetime import datetime

    from assistant.handoff.live import LiveDesk

    desk_open(datetime(2026, 12, 7, 20, 0))  # Monday evening
    LiveDesk().touch("lan")
    messages, events = await run(ActionHandoff(), tracker())
    assert events[0]["name"] == "handoff_form" and "ngoài giờ làm việc" in messages[0]["text"]
    assert messages[0]["custom"] == {} and _live_rows() == []


async def test_after_waiting_in_vain_the_citizen_leaves_a_message(desk_open):
    from datetime import timedelta

    from assistant import audit
    from assistant.handoff.live import LiveDesk

    live = LiveDesk(wait_minutes=5)
    live.enqueue("fb-99", "facebook", now=audit.utcnow() - timedelta(minutes=10))
    assert len(live.expire()) == 1
    live.touch("lan")
    messages, events = await run(ActionHandoff(), tracker())
    assert events[0]["name"] == "handoff_form" and messages[0]["custom"] == {}
    assert [r.status for r in _live_rows()] == ["missed"]  # no second wait


async def test_inside_a_dossier_lookup_the_live_desk_is_not_offered(desk_open):
    from assistant.handoff.live import LiveDesk

    LiveDesk().touch("lan")
    messages, events = await run(ActionHandoff(), tracker(active_loop="dossier_form"))
    assert events == [] and messages[0]["custom"] == {} and _live_rows() == []


async def test_when_the_live_queue_fails_the_citizen_still_leaves_a_message(desk_open, caplog):
    from sqlalchemy import text

    from assistant.handoff.live import LiveDesk

    LiveDesk().touch("lan")
    with session_scope() as s:
        s.execute(text("DROP TABLE desk_presence"))
    messages, events = await run(ActionHandoff(), tracker())
    assert events == [{"event": "followup", "timestamp": None, "name": "handoff_form"}]
    assert "để lại lời nhắn" in messages[0]["text"] and messages[0]["custom"] == {}
    assert _live_rows() == []
    logged = [r.getMessage() for r in caplog.records if r.name == "actions.support"]
    assert logged == [f"action_handoff: live queue unavailable ({DB_ERROR})"]
