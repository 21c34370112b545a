"""A person, please: the desk sentence, the message form's checks, the ticket, the offer."""

from __future__ import annotations

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
