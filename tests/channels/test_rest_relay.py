"""The REST channel during a live conversation with staff (real Sanic, real HTTP, a real
database): a turn Rasa leaves unanswered because the conversation is paused goes to the live
desk, with the desk state in ``custom`` and, while nobody has taken it, a waiting note; with no
live conversation open, a silent turn still gets the apology."""

from __future__ import annotations

import itertools
import socket
from typing import List

import aiohttp
import pytest
from sanic import Sanic
from sqlalchemy import select

from assistant.channels.rest import APOLOGY, PortalRestInput
from assistant.db.models import HandoffMessage
from assistant.db.session import session_scope
from assistant.handoff.live import LiveDesk
from assistant.handoff.relay import waiting_note

SENDER = "web-3f9a1c"
PHONE = "0912345678"
SAID = f"Hồ sơ của tôi bị trả lại, số điện thoại {PHONE}"

_names = itertools.count()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def post(database_url, monkeypatch):
    """POST to a real PortalRestInput whose bot says nothing (a paused conversation) unless
    the message is "xin chào"; returns the JSON reply."""
    monkeypatch.setattr(Sanic, "test_mode", True)

    async def on_new_message(message):
        if message.text == "xin chào":
            await message.output_channel.send_text_message(message.sender_id, "Chào Anh/Chị")

    app = Sanic(f"rest_relay_{next(_names)}")
    app.blueprint(PortalRestInput().blueprint(on_new_message), url_prefix="/webhooks/rest")
    port = _free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    await server.startup()
    await server.start_serving()

    async def send(text: str, sender: str = SENDER) -> list:
        url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json={"sender": sender, "message": text}) as reply:
                assert reply.status == 200, await reply.text()
                return await reply.json()

    yield send
    server.close()
    await server.wait_closed()


def stored(database_url: str) -> List[tuple]:
    """(handoff id, direction, text) of every desk message, oldest first."""
    with session_scope(database_url) as session:
        rows = session.scalars(select(HandoffMessage).order_by(HandoffMessage.id))
        return [(row.handoff_id, row.direction, row.text) for row in rows]


async def test_while_waiting_the_message_goes_to_staff_masked_with_a_waiting_note(
    post, database_url
):
    place = LiveDesk(database_url).enqueue(SENDER, "rest")
    reply = await post(SAID)
    expected_custom = {"handoff": {"id": place.handoff_id, "state": "waiting", "position": 1}}
    assert reply == [
        {"recipient_id": SENDER, "custom": expected_custom, "text": waiting_note(place)}
    ]
    assert "cán bộ đọc khi tiếp nhận" in reply[0]["text"] and APOLOGY not in reply[0]["text"]
    [(handoff_id, direction, text)] = stored(database_url)
    assert (handoff_id, direction) == (place.handoff_id, "in")
    assert text.startswith("Hồ sơ của tôi bị trả lại") and PHONE not in text
    assert not any(digit in text for digit in "0123456789")


async def test_once_taken_the_message_goes_to_staff_and_the_citizen_gets_no_text(
    post, database_url
):
    desk = LiveDesk(database_url)
    place = desk.enqueue(SENDER, "rest")
    desk.take(place.handoff_id, "canbo1")
    reply = await post(SAID)
    # Only the desk state (the widget keeps its stream open): no note, no apology.
    assert reply == [
        {
            "recipient_id": SENDER,
            "custom": {"handoff": {"id": place.handoff_id, "state": "active", "position": 0}},
        }
    ]
    citizen = [row for row in stored(database_url) if row[1] == "in"]
    assert len(citizen) == 1 and PHONE not in citizen[0][2]


async def test_the_second_in_the_queue_is_told_its_place(post, database_url):
    desk = LiveDesk(database_url)
    desk.enqueue("web-first", "rest")
    place = desk.enqueue(SENDER, "rest")
    [reply] = await post("vẫn đang chờ ạ")
    assert reply["custom"]["handoff"]["position"] == 2
    assert reply["text"] == waiting_note(place) and "vị trí số 2" in reply["text"]


async def test_without_a_live_conversation_a_silent_turn_gets_the_apology(post, database_url):
    assert await post(SAID) == [{"recipient_id": SENDER, "text": APOLOGY}]
    assert stored(database_url) == []


async def test_someone_elses_or_an_ended_live_conversation_changes_nothing(post, database_url):
    desk = LiveDesk(database_url)
    desk.enqueue("web-someone-else", "rest")
    ended = desk.enqueue(SENDER, "rest")
    desk.close(ended.handoff_id, "canbo1")
    assert await post(SAID) == [{"recipient_id": SENDER, "text": APOLOGY}]
    assert stored(database_url) == []


async def test_a_turn_with_an_answer_is_not_relayed(post, database_url):
    LiveDesk(database_url).enqueue(SENDER, "rest")
    assert await post("xin chào") == [{"recipient_id": SENDER, "text": "Chào Anh/Chị"}]
    assert stored(database_url) == []


async def test_an_unreachable_desk_database_falls_back_to_the_apology(post, monkeypatch):
    import assistant.handoff.relay as relay

    def broken(*_):
        raise RuntimeError("database is down")

    monkeypatch.setattr(relay.LiveDesk, "relay", broken)
    assert await post(SAID) == [{"recipient_id": SENDER, "text": APOLOGY}]
