"""The procedure action against a real tracker, a CollectingDispatcher and a throw-away DB."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import SERVICE_APOLOGY
from actions.procedures import ASK_WHICH, WHICH_ONE, ActionAnswerProcedure
from assistant.catalog.service import get_service


def tracker(
    text: str,
    intent: str,
    entities: List[Dict[str, Any]] | None = None,
    slots: Dict[str, Any] | None = None,
) -> Tracker:
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": entities or [],
    }
    return Tracker(
        sender_id="test",
        slots={"procedure_code": None, "pending_aspect": None, **(slots or {})},
        latest_message=message,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def run(t: Tracker):
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerProcedure().run(dispatcher, t, {})
    return dispatcher.messages, events


def code_for(query: str) -> str:
    resolution = get_service().resolve(query)
    assert resolution.kind == "match", resolution
    return resolution.code


async def test_documents_come_from_the_database(seeded_database):
    code = code_for("làm giấy khai sinh")
    record = get_service().get(code)
    messages, events = await run(
        tracker("Làm giấy khai sinh cho con cần giấy tờ gì?", "ask_documents")
    )
    text = messages[0]["text"]
    assert text.splitlines()[1].startswith("1. ")
    for document in record.documents[:3]:
        assert document.name[:40] in text
    assert record.source_url in text
    assert SlotSet("procedure_code", code) in events


@pytest.mark.parametrize(
    "intent, fact",
    [
        ("ask_fee", lambda r: r.channels[0].fee_text[:30]),
        ("ask_processing_time", lambda r: r.channels[0].processing_time_text[:30]),
        ("ask_procedure_overview", lambda r: r.steps[0][:30]),
    ],
)
async def test_each_aspect_is_answered_from_the_record(seeded_database, intent, fact):
    code = code_for("phiếu lý lịch tư pháp")
    record = get_service().get(code)
    messages, _ = await run(tracker("Cấp phiếu lý lịch tư pháp thì sao?", intent))
    assert " ".join(fact(record).split()) in messages[0]["text"]


async def test_follow_up_uses_the_procedure_in_context(seeded_database):
    code = code_for("đăng ký kết hôn")
    record = get_service().get(code)
    messages, events = await run(
        tracker("còn lệ phí thì sao?", "ask_fee", slots={"procedure_code": code})
    )
    assert record.name in messages[0]["text"]
    assert SlotSet("procedure_code", code) in events


async def test_no_procedure_and_no_context_asks_which(seeded_database):
    messages, events = await run(tracker("mất bao lâu vậy", "ask_processing_time"))
    assert messages[0]["text"] == ASK_WHICH
    assert SlotSet("pending_aspect", "time") in events


async def test_pending_aspect_is_answered_once_the_name_arrives(seeded_database):
    code = code_for("đăng ký kết hôn")
    record = get_service().get(code)
    messages, events = await run(
        tracker("đăng ký kết hôn", "ask_procedure_overview", slots={"pending_aspect": "fee"})
    )
    assert messages[0]["text"].startswith(f"Lệ phí thủ tục {record.name}")
    assert SlotSet("pending_aspect", None) in events


async def test_ambiguous_name_offers_buttons_then_a_choice_answers(national_database, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", national_database)
    from assistant.catalog import service
    from assistant.settings import get_settings

    get_settings.cache_clear()
    service._services.clear()
    # Five passport procedures share the words (issue, re-issue, report a loss, the AB
    # stamp …); the domestic marriage now stands out enough to be confirmed instead.
    messages, events = await run(tracker("hộ chiếu cần giấy tờ gì", "ask_documents"))
    assert messages[0]["text"] == WHICH_ONE
    buttons = messages[0]["buttons"]
    assert 3 <= len(buttons) <= 5
    assert all(b["payload"].startswith("/choose_procedure{") for b in buttons)
    assert SlotSet("pending_aspect", "documents") in events

    chosen = buttons[0]["payload"].split('"procedure_code":"')[1].split('"')[0]
    record = get_service().get(chosen)
    assert "cấp xã" in record.level.lower()  # citizen-facing level first
    messages, events = await run(
        tracker(
            buttons[0]["payload"],
            "choose_procedure",
            entities=[{"entity": "procedure_code", "value": chosen}],
            slots={"pending_aspect": "documents"},
        )
    )
    assert messages[0]["text"].startswith(f"Hồ sơ thủ tục {record.name}")
    assert SlotSet("procedure_code", chosen) in events


async def test_unknown_procedure_is_said_so(seeded_database):
    messages, _ = await run(
        tracker(
            "thủ tục xin giấy phép lái tàu vũ trụ cần gì",
            "ask_documents",
            entities=[{"entity": "procedure", "value": "giấy phép lái tàu vũ trụ"}],
        )
    )
    # Not found, names "close to the question" offered as choices, or at most "is it the
    # driver's licence?" asked: never a driver's licence given as the answer. (Choices since
    # the refit of 2026-12-06, at 0.051 against a clarify threshold of 0.048; a confirmation
    # since the act variants "Cấp lại"/"Đổi giấy phép lái xe" weigh less beside "Cấp giấy
    # phép lái xe" when no act is asked, which leaves it further ahead: 0.062.)
    text, buttons = messages[0]["text"], messages[0].get("buttons") or []
    assert not text.startswith("Hồ sơ thủ tục")  # how an answer on the documents opens
    if "chưa tìm thấy" not in text and text != ASK_WHICH:
        if text.startswith("Có phải Anh/Chị hỏi về"):  # yes or no, the citizen decides
            payloads = [b["payload"] for b in buttons]
            assert payloads[0].startswith("/choose_procedure{") and payloads[1:] == ["/deny"]
        else:
            assert text == WHICH_ONE and len(buttons) >= 2
            assert all(b["payload"].startswith("/choose_procedure{") for b in buttons)


async def test_database_down_gives_an_apology(tmp_path, monkeypatch):
    from assistant.catalog import service
    from assistant.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    service._services.clear()
    messages, events = await run(tracker("đăng ký kết hôn mất bao lâu", "ask_processing_time"))
    assert messages[0]["text"] == SERVICE_APOLOGY
    assert events == []


async def test_a_typed_yes_after_a_confirmation_answers_the_proposed_procedure(seeded_database):
    from actions.procedures import ActionAffirm

    code = code_for("đăng ký kết hôn")
    record = get_service().get(code)
    proposed = {"kind": "confirm", "code": code, "aspect": "fee"}
    t = tracker("có", "affirm", slots={"answer_decision": proposed, "pending_aspect": "fee"})
    dispatcher = CollectingDispatcher()
    events = await ActionAffirm().run(dispatcher, t, {})
    assert dispatcher.messages[0]["text"].startswith(f"Lệ phí thủ tục {record.name}")
    assert SlotSet("procedure_code", code) in events

    dispatcher = CollectingDispatcher()
    await ActionAffirm().run(dispatcher, tracker("vâng", "affirm"), {})
    assert dispatcher.messages[0]["response"] == "utter_affirm_ack"  # nothing was proposed
