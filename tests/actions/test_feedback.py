"""Rating answers through the actions: real trackers, a CollectingDispatcher, a throw-away DB."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from actions import feedback
from actions.feedback import (
    ASK_WHY,
    NOT_SAVED,
    NOTHING_TO_RATE,
    PROMPT,
    THANKS_REASON,
    THANKS_UP,
    WHICH_WAY,
    ActionRateAnswer,
    ActionSaveFeedbackComment,
    ask_for_rating,
)
from assistant.db.models import AnswerFeedback, UnansweredMessage
from assistant.db.session import session_scope


def answered_events(question: str, **about: Any) -> tuple:
    """A citizen's question and an answer with its rating prompt, as the tracker has them."""
    dispatcher = CollectingDispatcher()
    slot = ask_for_rating(dispatcher, **about)
    events = [
        {"event": "user", "text": question, "metadata": {"model_id": "m-123"}},
        {"event": "bot", "text": "…"},
        {"event": "slot", "name": slot["name"], "value": slot["value"]},
    ]
    return events, dispatcher.messages[0], slot["value"]["ref"]


def payload_message(payload: str) -> Dict[str, Any]:
    intent, _, body = payload[1:].partition("{")
    entities = json.loads("{" + body)
    return {
        "text": payload,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": [{"entity": k, "value": v} for k, v in entities.items()],
    }


def tracker(events: List[dict], message: Dict[str, Any], **slots: Any) -> Tracker:
    return Tracker(
        sender_id="zalo-777",
        slots=slots,
        latest_message=message,
        events=[*events, {"event": "user", "input_channel": "zalo", **message}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return dispatcher.messages, events


def stored():
    with session_scope() as s:
        return [
            (r.answer_ref, r.rating, r.reason, r.comment, r.procedure_code, r.question, r.model_id)
            for r in s.scalars(select(AnswerFeedback).order_by(AnswerFeedback.id))
        ]


def test_the_prompt_offers_both_ratings_for_this_answer():
    events, prompt, ref = answered_events("q", source="procedure", procedure_code="1.1")
    assert prompt["text"] == PROMPT
    payloads = [b["payload"] for b in prompt["buttons"]]
    assert payloads == [
        f'/rate_answer{{"rating":"up","answer_ref":"{ref}"}}',
        f'/rate_answer{{"rating":"down","answer_ref":"{ref}"}}',
    ]
    assert len(ref) == 8 and events[-1]["value"]["procedure_code"] == "1.1"


async def test_a_thumbs_up_is_stored_with_the_question_it_answered(database_url):
    events, prompt, ref = answered_events(
        "lệ phí khai sinh, sđt 0912345678", source="procedure", procedure_code="1.1", aspect="fee"
    )
    messages, out = await run(
        ActionRateAnswer(), tracker(events, payload_message(prompt["buttons"][0]["payload"]))
    )
    assert [m["text"] for m in messages] == [THANKS_UP] and out == []
    assert stored() == [(ref, "up", None, None, "1.1", "lệ phí khai sinh, sđt ***", "m-123")]


async def test_a_thumbs_down_asks_why_then_files_the_reason(database_url):
    events, prompt, ref = answered_events("giờ làm việc", source="faq", faq_key="office_hours")
    down = payload_message(prompt["buttons"][1]["payload"])
    messages, _ = await run(ActionRateAnswer(), tracker(events, down))
    assert messages[0]["text"] == ASK_WHY
    *reasons, person = [b["payload"] for b in messages[0]["buttons"]]
    assert len(reasons) == 4 and all(f'"answer_ref":"{ref}"' in p for p in reasons)
    assert person == "/request_human"  # a 👎 can lead to a person
    messages, _ = await run(ActionRateAnswer(), tracker(events, payload_message(reasons[0])))
    assert [m["text"] for m in messages] == [THANKS_REASON]
    assert [r[:3] for r in stored()] == [(ref, "down", "wrong_procedure")]
    with session_scope() as s:
        entry = s.scalar(select(UnansweredMessage))
        assert (entry.reason, entry.text) == ("thumbs_down", "giờ làm việc")
        assert entry.answered["faq_key"] == "office_hours"
        assert entry.answered["reason"] == "wrong_procedure"


async def test_other_opens_the_comment_form_and_the_comment_is_stored_masked(database_url):
    events, prompt, ref = answered_events("hỏi gì đó", source="procedure", procedure_code="2.2")
    await run(ActionRateAnswer(), tracker(events, payload_message(prompt["buttons"][1]["payload"])))
    other = payload_message(f'/rate_answer{{"feedback_reason":"other","answer_ref":"{ref}"}}')
    messages, out = await run(ActionRateAnswer(), tracker(events, other))
    assert messages == []  # the form asks (utter_ask_feedback_form_feedback_comment)
    assert out == [
        {"event": "slot", "timestamp": None, "name": "feedback_ref", "value": ref},
        {"event": "followup", "timestamp": None, "name": "feedback_form"},
    ]
    comment = tracker(events, {"text": "sai địa chỉ, gọi 0987654321"})
    comment.slots.update(feedback_ref=ref, feedback_comment="sai địa chỉ, gọi 0987654321")
    messages, out = await run(ActionSaveFeedbackComment(), comment)
    assert [m["text"] for m in messages] == [THANKS_REASON]
    assert [e["value"] for e in out] == [None, None]
    assert [r[:4] for r in stored()] == [(ref, "down", "other", "sai địa chỉ, gọi ***")]


async def test_an_older_answer_is_rated_as_itself(database_url):
    first, prompt, ref = answered_events("câu đầu", source="procedure", procedure_code="1.1")
    second, _, _ = answered_events("câu sau", source="faq", faq_key="hotline")
    t = tracker(first + second, payload_message(prompt["buttons"][0]["payload"]))
    await run(ActionRateAnswer(), t)
    assert [(r[0], r[4], r[5]) for r in stored()] == [(ref, "1.1", "câu đầu")]


async def test_a_reference_not_in_this_conversation_rates_nothing(database_url):
    events, _, _ = answered_events("q", source="procedure", procedure_code="1.1")
    forged = payload_message('/rate_answer{"rating":"down","answer_ref":"deadbeef"}')
    messages, _ = await run(ActionRateAnswer(), tracker(events, forged))
    assert [m["text"] for m in messages] == [NOTHING_TO_RATE] and stored() == []
    typed = {"text": "câu trả lời sai rồi", "intent": {"name": "rate_answer"}, "entities": []}
    messages, _ = await run(ActionRateAnswer(), tracker([], typed))
    assert [m["text"] for m in messages] == [NOTHING_TO_RATE]


async def test_typed_feedback_gets_the_buttons_of_the_last_answer(database_url):
    events, _, ref = answered_events("q", source="procedure", procedure_code="1.1")
    typed = {"text": "câu trả lời sai rồi", "intent": {"name": "rate_answer"}, "entities": []}
    messages, _ = await run(ActionRateAnswer(), tracker(events, typed))
    assert messages[0]["text"] == WHICH_WAY
    assert all(f'"answer_ref":"{ref}"' in b["payload"] for b in messages[0]["buttons"])
    assert stored() == []


async def test_a_database_failure_costs_the_rating_not_the_conversation(database_url, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("database is down"))

    monkeypatch.setattr(feedback.FeedbackService, "rate", down)
    events, prompt, _ = answered_events("q", source="procedure", procedure_code="1.1")
    messages, out = await run(
        ActionRateAnswer(), tracker(events, payload_message(prompt["buttons"][0]["payload"]))
    )
    assert [m["text"] for m in messages] == [NOT_SAVED] and out == []
