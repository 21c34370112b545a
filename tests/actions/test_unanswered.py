"""action_unanswered: a polite answer always, the question filed for staff when possible."""

from __future__ import annotations

import logging
from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.unanswered import ActionUnanswered
from assistant.db.models import UnansweredMessage
from assistant.db.session import session_scope
from assistant.settings import get_settings


def tracker(
    text: str,
    intent: str,
    confidence: float = 0.9,
    ranking: List[Dict[str, Any]] | None = None,
    sender: str = "citizen-42",
    channel: str | None = "zalo",
) -> Tracker:
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
        "entities": [],
    }
    events = [{"event": "action", "name": "action_listen"}]
    if channel is not None:
        events.append(
            {"event": "user", "text": text, "parse_data": message, "input_channel": channel}
        )
    return Tracker(
        sender_id=sender,
        slots={},
        latest_message=message,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def run(t: Tracker):
    dispatcher = CollectingDispatcher()
    events = await ActionUnanswered().run(dispatcher, t, {})
    return dispatcher.messages, events


def stored() -> List[UnansweredMessage]:
    with session_scope() as s:
        return list(s.scalars(select(UnansweredMessage).order_by(UnansweredMessage.id)))


async def test_out_of_scope_is_answered_and_filed_masked(database_url):
    messages, events = await run(tracker("giá vàng hôm nay, gọi tôi 0912345678", "out_of_scope"))
    assert [m["response"] for m in messages] == ["utter_out_of_scope"] and events == []
    [row] = stored()
    assert (row.reason, row.intent, row.channel, row.status) == (
        "out_of_scope",
        "out_of_scope",
        "zalo",
        "open",
    )
    assert row.text.startswith("giá vàng hôm nay") and "0912345678" not in row.text
    assert row.confidence == pytest.approx(0.9)
    assert "citizen-42" not in row.sender_hash and len(row.sender_hash) == 64


async def test_fallback_files_the_nlu_best_guess(database_url):
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "ask_fee", "confidence": 0.31},
        {"name": "faq", "confidence": 0.2},
    ]
    messages, _ = await run(
        tracker("cái đó hết bao nhiêu", "nlu_fallback", 0.5, ranking, channel=None)
    )
    assert [m["response"] for m in messages] == ["utter_default"]
    [row] = stored()
    assert (row.reason, row.intent, row.channel) == ("fallback", "ask_fee", "")
    assert row.confidence == pytest.approx(0.31)


@pytest.mark.parametrize(
    "text, sender",
    [("xin chào", "__warmup__"), ("   ", "citizen-42"), ("/out_of_scope", "citizen-42")],
)
async def test_warm_up_empty_and_button_payloads_are_not_filed(database_url, text, sender):
    messages, _ = await run(tracker(text, "out_of_scope", sender=sender))
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]
    assert stored() == []


async def test_unreachable_database_still_answers(tmp_path, monkeypatch, caplog):
    # A directory is not a database file: every connection fails.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}")
    get_settings.cache_clear()
    try:
        with caplog.at_level(logging.ERROR, logger="actions.unanswered"):
            messages, events = await run(tracker("giá vàng, sđt 0912345678", "out_of_scope"))
    finally:
        get_settings.cache_clear()
    assert [m["response"] for m in messages] == ["utter_out_of_scope"] and events == []
    logs = [r.getMessage() for r in caplog.records if r.name == "actions.unanswered"]
    assert logs and all("OperationalError" in m for m in logs)
    assert "giá vàng" not in caplog.text and "0912345678" not in caplog.text


async def test_a_procedure_question_read_as_out_of_scope_is_answered_not_filed(seeded_database):
    """Long questions often read as out of scope; with the evidence to answer, it answers."""
    messages, events = await run(tracker("đăng ký kết hôn mất bao lâu", "out_of_scope"))
    assert messages[0]["text"].startswith("Thời gian giải quyết thủ tục Đăng ký kết hôn")
    assert events[0]["name"] == "answer_decision" and events[0]["value"]["kind"] == "answer"
    assert stored() == []
