"""One answer, three renderings: the same action output on the web (REST), Zalo and Messenger.

The answers are real ones (from the seed catalog, through the action), so every channel is
checked against what citizens actually receive: nothing lost, nothing over a channel's limit,
every choice still reachable.
"""

from __future__ import annotations

import re

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import feedback
from actions.procedures import ActionAnswerProcedure
from assistant.catalog.importer import import_catalog
from assistant.channels import facebook, zalo
from assistant.settings import get_settings


def tracker(text: str, intent: str) -> Tracker:
    return Tracker(
        "render",
        {"procedure_code": None, "pending_aspect": None},
        {"text": text, "intent": {"name": intent}, "entities": []},
        [],
        False,
        None,
        {},
        "action_listen",
    )


async def answers_for(questions):
    out = []
    for text, intent in questions:
        dispatcher = CollectingDispatcher()
        await ActionAnswerProcedure().run(dispatcher, tracker(text, intent), {})
        out.extend(dispatcher.messages)
    return out


def words(text: str) -> list:
    return re.findall(r"\w+", text)


@pytest.fixture
async def answers(seeded_database):
    import_catalog(get_settings().national_catalog, seeded_database)  # five passport procedures
    import_catalog(get_settings().seed_catalog, seeded_database)
    messages = await answers_for(
        [
            ("Làm giấy khai sinh cho con cần giấy tờ gì?", "ask_documents"),
            ("thủ tục làm sổ đỏ như thế nào", "ask_procedure_overview"),
            ("hộ chiếu cần giấy tờ gì", "ask_documents"),
        ]
    )
    # The direct answer is followed by its 👍/👎 prompt (actions/feedback.py).
    assert any(m.get("buttons") for m in messages) and len(messages) == 4
    assert sum(m["text"] == feedback.PROMPT for m in messages) == 1
    return messages


async def test_rest_keeps_the_answer_as_the_action_wrote_it(answers):
    # The web widget renders the REST JSON as is: text plus buttons with payloads.
    for message in answers:
        assert message["text"]
        for button in message.get("buttons") or []:
            assert button["title"]
            assert button["payload"].startswith(("/choose_procedure{", "/rate_answer{"))


async def test_zalo_rendering_loses_nothing_and_fits(answers):
    for message in answers:
        text, payloads = zalo.numbered_menu(message["text"], message.get("buttons") or [])
        chunks = zalo.split_text(text)
        assert all(len(chunk.encode("utf-16-le")) // 2 <= zalo.TEXT_LIMIT for chunk in chunks)
        assert words(" ".join(chunks)) == words(text)
        for number, button in enumerate(message.get("buttons") or [], start=1):
            assert f"{number}. {button['title']}" in text
            assert payloads[number - 1] == button["payload"]


async def test_messenger_rendering_loses_nothing_and_fits(answers):
    for message in answers:
        rendered, numbered = facebook.render_buttons(message["text"], message.get("buttons"))
        texts = [m.get("text") or m["attachment"]["payload"]["text"] for m in rendered]
        assert all(len(t) <= facebook.TEXT_LIMIT for t in texts)
        joined = " ".join(texts)
        assert words(message["text"]) == words(joined)[: len(words(message["text"]))]
        buttons = message.get("buttons") or []
        if buttons and message["text"] != feedback.PROMPT:  # the prompt: native buttons (below)
            # Long Vietnamese procedure names are never cut: they become a numbered list.
            assert numbered == [b["payload"] for b in buttons]
            for button in buttons:
                assert button["title"] in joined


def test_rating_prompts_are_native_buttons_on_messenger_and_numbered_on_zalo():
    for buttons in (feedback.rating_buttons("ab12cd34"), feedback.reason_buttons("ab12cd34")):
        rendered, numbered = facebook.render_buttons(feedback.ASK_WHY, buttons)
        assert numbered is None  # short titles: no numbered fallback needed
        [message] = rendered
        if len(buttons) <= 3:
            template = message["attachment"]["payload"]
            assert [b["payload"] for b in template["buttons"]] == [b["payload"] for b in buttons]
        else:
            quick = message["quick_replies"]
            assert [q["payload"] for q in quick] == [b["payload"] for b in buttons]
        text, payloads = zalo.numbered_menu(feedback.PROMPT, buttons)
        assert payloads == [b["payload"] for b in buttons]
        assert f"1. {buttons[0]['title']}" in text
