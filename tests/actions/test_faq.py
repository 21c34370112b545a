"""The FAQ action against a real tracker, a CollectingDispatcher and a throw-away DB."""

from __future__ import annotations

import sys
import types
from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import SERVICE_APOLOGY
from actions.faq import ActionAnswerFaq
from actions.feedback import PROMPT
from assistant.answering.service import faq_key
from assistant.db.session import session_scope
from assistant.faq.repository import FaqRepository
from assistant.faq.seed import import_seed
from assistant.settings import get_settings


def tracker(text: str, **parse_data: Any) -> Tracker:
    message = {
        "text": text,
        "intent": {"name": "faq", "confidence": 0.91},
        "entities": [],
        **parse_data,
    }
    return Tracker(
        sender_id="citizen-42",
        slots={"procedure_code": None},
        latest_message=message,
        events=[{"event": "user", "text": text, "input_channel": "zalo", "parse_data": message}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def selector(key: str) -> Dict[str, Any]:
    return {
        "all_retrieval_intents": ["faq"],
        "faq": {
            "response": {
                "responses": [{"text": "trained text"}],
                "confidence": 0.8,
                "intent_response_key": f"faq/{key}",
                "utter_action": f"utter_faq/{key}",
            },
            "ranking": [],
        },
    }


async def run(t: Tracker):
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerFaq().run(dispatcher, t, {})
    return dispatcher.messages, events


@pytest.fixture
def seeded(database_url):
    with session_scope(database_url) as session:
        import_seed(session)
    return database_url


@pytest.fixture
def inbox(monkeypatch) -> List[tuple]:
    """Stands in for assistant.inbox.repository and records what the action files."""
    calls: List[tuple] = []

    class FakeInbox:
        def __init__(self, session) -> None:
            assert session is not None

        def record(self, sender_id, channel, text, intent, confidence, reason):
            calls.append((sender_id, channel, text, intent, confidence, reason))

    module = types.ModuleType("assistant.inbox.repository")
    module.InboxRepository = FakeInbox
    monkeypatch.setitem(sys.modules, "assistant.inbox", types.ModuleType("assistant.inbox"))
    monkeypatch.setitem(sys.modules, "assistant.inbox.repository", module)
    return calls


@pytest.mark.parametrize(
    "message, key",
    [
        ({"faq_match": {"id": 1, "key": "hotline", "score": 0.9}}, "hotline"),
        ({"response_selector": selector("privacy")}, "privacy"),
        (
            {"faq_match": {"key": "hotline"}, "response_selector": selector("privacy")},
            "hotline",
        ),
        ({"response_selector": {"faq": {"response": {"intent_response_key": "faq/"}}}}, None),
        ({"response_selector": {"faq": {"response": {"intent_response_key": "chitchat/x"}}}}, None),
        ({"faq_match": "garbage", "response_selector": None}, None),
        ({}, None),
    ],
)
def test_faq_key(message, key):
    assert faq_key(message) == key


def wording(key: str) -> str:
    """A question staff wrote for the entry: grounded in it by definition."""
    with session_scope() as session:
        return FaqRepository(session).by_key(key).question


async def test_the_answer_comes_from_the_database_and_follows_staff_edits(seeded, inbox):
    with session_scope() as session:
        answer = FaqRepository(session).by_key("hotline").answer
    asked = wording("hotline")
    messages, events = await run(
        tracker(asked, faq_match={"id": 1, "key": "hotline", "score": 0.9})
    )
    assert [m["text"] for m in messages] == [answer, PROMPT]  # then 👍/👎 (actions/feedback)
    assert events[0]["name"] == "answer_decision" and events[0]["value"]["faq"] == "hotline"
    assert events[1]["name"] == "last_answer" and events[1]["value"]["faq_key"] == "hotline"
    assert messages[1]["buttons"][0]["payload"].endswith(
        f'"answer_ref":"{events[1]["value"]["ref"]}"}}'
    )

    with session_scope() as session:
        repo = FaqRepository(session)
        repo.update("lan", repo.by_key("hotline").id, answer="Gọi 1900 1234 (giờ hành chính).")
    messages, _ = await run(tracker(asked, response_selector=selector("hotline")))
    assert [m["text"] for m in messages] == ["Gọi 1900 1234 (giờ hành chính).", PROMPT]
    assert inbox == []


async def test_an_faq_sharing_only_generic_words_is_not_given(seeded, inbox):
    """ "ngày làm việc" in a question about processing time is not the office-hours FAQ."""
    text = "trợ cấp tai nạn lao động được tính theo mức nào, mấy ngày làm việc thì có"
    messages, events = await run(tracker(text, faq_match={"key": "working_hours", "score": 0.8}))
    with session_scope() as session:
        office_hours = FaqRepository(session).by_key("working_hours").answer
    assert office_hours not in [m.get("text") for m in messages]
    assert events[0]["value"]["kind"] != "faq"
    assert inbox and inbox[0][-1] == "faq_ungrounded"


async def test_a_switched_off_entry_is_declined_and_goes_to_the_inbox(seeded, inbox):
    with session_scope() as session:
        repo = FaqRepository(session)
        repo.set_active("lan", repo.by_key("privacy").id, False)
    text = wording("privacy")
    messages, events = await run(tracker(text, response_selector=selector("privacy")))
    with session_scope() as session:
        switched_off = FaqRepository(session).by_key("privacy").answer
    assert messages[0]["text"] != switched_off and "dichvucong.gov.vn" in messages[0]["text"]
    assert inbox == [("citizen-42", "zalo", text, "faq", 0.91, "faq_ungrounded")]
    assert events[0]["value"]["kind"] == "decline"


@pytest.mark.parametrize(
    "parse_data",
    [
        {"faq_match": {"id": 99, "key": "no_such_key", "score": 0.8}},
        {"response_selector": selector("deleted_long_ago")},
        {},
    ],
)
async def test_an_unknown_or_missing_key_is_declined_and_filed(seeded, inbox, parse_data):
    messages, _ = await run(tracker("câu hỏi lạ", **parse_data))
    assert "không đoán" in messages[0]["text"]  # an honest decline, and where to ask
    assert "dichvucong.gov.vn" in messages[0]["text"]
    score = parse_data.get("faq_match", {}).get("score", 0.91)
    assert inbox == [("citizen-42", "zalo", "câu hỏi lạ", "faq", score, "faq_ungrounded")]


async def test_no_inbox_module_still_answers(seeded, monkeypatch):
    monkeypatch.setitem(sys.modules, "assistant.inbox.repository", None)  # import fails
    messages, _ = await run(tracker("câu hỏi lạ", faq_match={"key": "nope"}))
    assert "không đoán" in messages[0]["text"]


async def test_a_database_outage_gets_an_apology(tmp_path, monkeypatch, inbox):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}")  # a directory: never opens
    get_settings.cache_clear()
    messages, events = await run(tracker("số hotline", faq_match={"key": "hotline"}))
    get_settings.cache_clear()
    assert [m["text"] for m in messages] == [SERVICE_APOLOGY] and events == []
    assert inbox == []


async def test_the_real_inbox_stores_the_message_when_it_exists(seeded):
    pytest.importorskip("assistant.inbox.repository")
    from sqlalchemy import select

    from assistant.db.models import UnansweredMessage

    messages, _ = await run(tracker("câu hỏi lạ", faq_match={"key": "nope", "score": 0.6}))
    assert "không đoán" in messages[0]["text"]
    with session_scope() as session:
        rows = list(session.scalars(select(UnansweredMessage)))
    assert [(r.reason, r.intent) for r in rows] == [("faq_ungrounded", "faq")]
