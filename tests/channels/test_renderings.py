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
    assert any(m.get("buttons") for m in messages) and len(messages) == 3
    return messages


async def test_rest_keeps_the_answer_as_the_action_wrote_it(answers):
    # The web widget renders the REST JSON as is: text plus buttons with payloads.
    for message in answers:
        assert message["text"]
        for button in message.get("buttons") or []:
            assert button["title"] and button["payload"].startswith("/choose_procedure{")


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
        if buttons:
            # Long Vietnamese procedure names are never cut: they become a numbered list.
            assert numbered == [b["payload"] for b in buttons]
            for button in buttons:
                assert button["title"] in joined
