"""The end of a live conversation with staff through the actions: the bot is back (and asks
for a rating when a staff member talked with the citizen), or nobody took it in time."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, ConversationResumed, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from actions import desk as desk_actions
from actions.desk import BACK, NOBODY, RATE_DESK, ActionHandoffClosed, ActionHandoffTimeout
from actions.feedback import ANSWER_SLOT, THANKS_DESK, ActionRateAnswer
from actions.support import OFFER_BUTTON
from assistant import audit
from assistant.db.models import AnswerFeedback, UnansweredMessage
from assistant.db.session import session_scope
from assistant.handoff.live import LiveDesk
from assistant.settings import get_settings

SENDER = "zalo-555"
LISTEN = ActionExecuted("action_listen")


def tracker(events: List[dict] = (), message: Dict[str, Any] | None = None) -> Tracker:
    message = message or {"text": "", "intent": {}, "entities": []}
    return Tracker(
        sender_id=SENDER,
        slots={},
        latest_message=message,
        events=[*events, {"event": "user", "input_channel": "zalo", **message}],
        paused=True,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return dispatcher.messages, events


def ended_conversation(taken: bool = True) -> int:
    """A live conversation of SENDER that ended: after lan talked with the citizen, or
    closed while it still waited."""
    live = LiveDesk()
    start = audit.utcnow() - timedelta(minutes=20)
    place = live.enqueue(SENDER, "zalo", now=start)
    if taken:
        live.take(place.handoff_id, "lan", now=start + timedelta(minutes=1))
        live.say(place.handoff_id, "lan", "Hồ sơ đã được xử lý.", now=start + timedelta(minutes=2))
    live.close(place.handoff_id, "lan", now=start + timedelta(minutes=10))
    return place.handoff_id


def test_the_actions_names():
    assert ActionHandoffClosed().name() == "action_handoff_closed"
    assert ActionHandoffTimeout().name() == "action_handoff_timeout"


async def test_after_a_talk_with_staff_the_bot_is_back_and_asks_for_a_rating(database_url):
    handoff_id = ended_conversation()
    messages, events = await run(ActionHandoffClosed(), tracker())
    back, rate = messages
    assert (back["text"], back["buttons"]) == (BACK, [])
    assert rate["text"] == RATE_DESK
    resume, slot, listen = events
    assert resume == ConversationResumed() and listen == LISTEN
    ref = slot["value"]["ref"]
    assert slot == SlotSet(ANSWER_SLOT, {"ref": ref, "source": "handoff", "handoff_id": handoff_id})
    assert len(ref) == 8
    assert [b["payload"] for b in rate["buttons"]] == [
        f'/rate_answer{{"rating":"up","answer_ref":"{ref}"}}',
        f'/rate_answer{{"rating":"down","answer_ref":"{ref}"}}',
    ]


async def test_each_end_gets_its_own_rating_reference(database_url):
    ended_conversation()
    _, first = await run(ActionHandoffClosed(), tracker())
    _, second = await run(ActionHandoffClosed(), tracker())
    assert first[1]["value"]["ref"] != second[1]["value"]["ref"]


async def test_a_conversation_closed_before_anyone_took_it_is_not_rated(database_url):
    ended_conversation(taken=False)
    messages, events = await run(ActionHandoffClosed(), tracker())
    assert [m["text"] for m in messages] == [BACK]
    assert events == [ConversationResumed(), LISTEN]


async def test_a_citizen_who_stopped_waiting_is_resumed_without_a_word(database_url):
    """They were told at once by the channel ("Vâng, tôi đã hủy yêu cầu gặp cán bộ…")."""
    desk = LiveDesk()
    place = desk.enqueue(SENDER, "zalo")
    assert desk.relay(SENDER, "thôi").state == "cancelled"
    messages, events = await run(ActionHandoffClosed(), tracker())
    assert messages == []
    assert events == [ConversationResumed(), LISTEN]
    assert desk.latest(SENDER)["id"] == place.handoff_id


async def test_without_a_live_conversation_the_bot_is_back_without_a_rating(database_url):
    messages, events = await run(ActionHandoffClosed(), tracker())
    assert [m["text"] for m in messages] == [BACK]
    assert events == [ConversationResumed(), LISTEN]


async def test_only_this_conversations_handoff_is_rated(database_url):
    live = LiveDesk()
    start = audit.utcnow() - timedelta(minutes=20)
    other = live.enqueue("zalo-other", "zalo", now=start)
    live.take(other.handoff_id, "lan", now=start)
    live.close(other.handoff_id, "lan", now=start + timedelta(minutes=5))
    messages, events = await run(ActionHandoffClosed(), tracker())
    assert [m["text"] for m in messages] == [BACK] and len(events) == 2


async def test_with_the_database_down_the_bot_is_still_back(database_url, monkeypatch, caplog):
    ended_conversation()

    def down(self, conversation_id):
        raise OperationalError("SELECT 1", {}, Exception("database at 10.0.0.1 is down"))

    monkeypatch.setattr(desk_actions.LiveDesk, "latest", down)
    messages, events = await run(ActionHandoffClosed(), tracker())
    assert [m["text"] for m in messages] == [BACK]
    assert events == [ConversationResumed(), LISTEN]
    logged = [r.getMessage() for r in caplog.records if r.name == "actions.desk"]
    assert logged == ["action_handoff_closed: handoff unknown (OperationalError)"]


async def test_the_rating_of_a_talk_with_staff_is_stored_with_the_conversation(database_url):
    handoff_id = ended_conversation()
    dispatcher = CollectingDispatcher()
    resumed = await ActionHandoffClosed().run(dispatcher, tracker(), {})
    slot = next(e for e in resumed if e.get("event") == "slot")
    down = dispatcher.messages[1]["buttons"][1]["payload"]
    intent, _, body = down[1:].partition("{")
    entities = json.loads("{" + body)
    click = {
        "text": down,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": [{"entity": k, "value": v} for k, v in entities.items()],
    }
    history = [{"event": "bot", "text": BACK}, {"event": "slot", **slot}]
    messages, _ = await run(ActionRateAnswer(), tracker(history, click))
    assert [m["text"] for m in messages] == [THANKS_DESK]  # no reasons: it was not an answer
    with session_scope() as s:
        [row] = s.scalars(select(AnswerFeedback)).all()
        assert (row.source, row.handoff_id, row.rating, row.channel) == (
            "handoff", handoff_id, "down", "zalo"
        )  # fmt: skip
        assert s.scalars(select(UnansweredMessage)).all() == []  # not a question to fix


async def test_nobody_took_it_so_the_citizen_may_leave_a_message(database_url, monkeypatch):
    monkeypatch.setenv("ASSISTANT_HOTLINE", "1022")
    get_settings.cache_clear()
    messages, events = await run(ActionHandoffTimeout(), tracker())
    get_settings.cache_clear()
    [offer] = messages
    assert offer["text"].startswith(NOBODY) and "1022" in offer["text"]
    assert offer["buttons"] == [OFFER_BUTTON] and OFFER_BUTTON["payload"] == "/request_human"
    assert events == [ConversationResumed(), LISTEN]


async def test_without_a_hotline_the_timeout_says_only_nobody_is_free(database_url, monkeypatch):
    monkeypatch.setenv("ASSISTANT_HOTLINE", "")
    get_settings.cache_clear()
    messages, _ = await run(ActionHandoffTimeout(), tracker())
    get_settings.cache_clear()
    assert [m["text"] for m in messages] == [NOBODY]
