"""The widget's event stream during a live conversation (``GET /api/chat/stream``,
assistant/web/live.py), over real HTTP on the portal's app; Rasa's API is off (no token), so
the pump only dispatches and the tests play the desk's part themselves."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp.test_utils import TestClient, TestServer

from assistant.handoff.delivery import DeskDelivery
from assistant.handoff.live import TAKEN, LiveDesk
from assistant.settings import get_settings
from assistant.web.server import create_app

LISTED = "https://xa-an-binh.gov.vn"
STREAM = "/api/chat/stream"


@pytest.fixture
async def client(database_url, monkeypatch):
    monkeypatch.setenv("PORTAL_ALLOWED_ORIGINS", f"{LISTED}/")
    monkeypatch.delenv("RASA_API_TOKEN", raising=False)
    get_settings.cache_clear()
    client = TestClient(TestServer(create_app(rasa_url="http://127.0.0.1:9")))
    await client.start_server()
    yield client
    await client.close()
    get_settings.cache_clear()


@pytest.fixture
def desk(database_url):
    return LiveDesk()


def pump(client):
    return client.server.app["desk_pump"]


async def next_event(response, seconds: float = 2.0):
    """(name, data, id) of the next event, skipping comments and the retry line; None at the
    end of the stream."""
    name, data, event_id = "message", None, None
    while True:
        line = await asyncio.wait_for(response.content.readline(), seconds)
        if not line:
            return None
        line = line.decode().rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data = json.loads(line[6:])
        elif line.startswith("id: "):
            event_id = line[4:]
        elif not line and data is not None:
            return name, data, event_id


async def all_events(response) -> list:
    events = []
    while (event := await next_event(response)) is not None:
        events.append(event)
    return events


async def settled(client) -> None:
    """Let the pump dispatch what is stored, so that a stream opened now gets it by replay
    only (the widget ignores an id it has seen; these tests count events)."""
    last = DeskDelivery().last_message_id()
    for _ in range(100):
        if pump(client).last_id >= last:
            return
        pump(client).wake()
        await asyncio.sleep(0.02)
    raise AssertionError("the pump did not catch up")


def conversation(desk, sender="web-1"):
    """A taken conversation with two staff messages and a citizen's in between."""
    place = desk.enqueue(sender, "rest")
    desk.take(place.handoff_id, "lan")
    desk.relay(sender, "cảm ơn, số tôi 0912345678")
    desk.say(place.handoff_id, "lan", "Anh/Chị gọi 0292 3812 345 nhé")
    desk.say(place.handoff_id, "lan", "Còn gì nữa không ạ?")
    ids = [m["id"] for m in desk.conversation(place.handoff_id)["desk_messages"]]
    return place.handoff_id, ids


@pytest.mark.parametrize("query", [{}, {"sender": ""}, {"sender": "   "}, {"sender": "x" * 129}])
async def test_a_missing_or_over_long_sender_is_refused(client, query):
    response = await client.get(STREAM, params=query)
    assert response.status == 400
    assert await response.json() == {"error": "Cần 'sender' hợp lệ."}
    assert pump(client).citizens == {}


async def test_without_any_live_conversation_the_stream_ends_at_once(client):
    response = await client.get(STREAM, params={"sender": "x" * 128})
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert await all_events(response) == [("end", {}, None)]
    assert pump(client).citizens == {}


async def test_the_widget_gets_what_staff_said_as_typed_but_not_its_own_words(client, desk):
    _, (taken, citizen, first, second) = conversation(desk)
    desk.enqueue("web-2", "rest")  # someone else's conversation
    await settled(client)
    response = await client.get(STREAM, params={"sender": "web-1"})
    events = [await next_event(response) for _ in range(3)]
    assert [(name, event_id) for name, _, event_id in events] == [
        ("message", str(taken)),
        ("message", str(first)),
        ("message", str(second)),
    ]
    assert events[0][1] == {
        "id": taken,
        "who": "staff",
        "text": TAKEN,
        "buttons": [],
        "state": "active",
        "end": False,
    }
    assert events[1][1]["text"] == "Anh/Chị gọi 0292 3812 345 nhé"
    assert "conversation_id" not in events[1][1]
    assert citizen not in [data["id"] for _, data, _ in events]
    with pytest.raises(asyncio.TimeoutError):  # still open, waiting for more
        await next_event(response, 0.3)
    assert "web-1" in pump(client).citizens


async def test_a_reconnecting_widget_gets_only_what_it_missed(client, desk):
    _, (taken, _, first, second) = conversation(desk)
    await settled(client)
    response = await client.get(STREAM, params={"sender": "web-1", "after": str(taken)})
    assert [data["id"] for _, data, _ in [await next_event(response) for _ in range(2)]] == [
        first,
        second,
    ]
    response.close()
    response = await client.get(
        STREAM,
        params={"sender": "web-1", "after": str(taken)},
        headers={"Last-Event-ID": str(first)},  # the browser's own reconnection wins
    )
    assert (await next_event(response))[1]["id"] == second
    with pytest.raises(asyncio.TimeoutError):
        await next_event(response, 0.3)


@pytest.mark.parametrize("after", ["abc", "-1", "1e3", "9" * 12, ""])
async def test_an_unusable_position_replays_everything(client, desk, after):
    _, (taken, _, first, second) = conversation(desk)
    response = await client.get(STREAM, params={"sender": "web-1", "after": after})
    assert response.status == 200
    ids = [(await next_event(response))[1]["id"] for _ in range(3)]
    assert ids == [taken, first, second]


async def test_a_non_ascii_digit_as_position_replays_everything(client, desk):
    _, (taken, _, first, second) = conversation(desk)
    response = await client.get(STREAM, params={"sender": "web-1", "after": "²"})
    assert response.status == 200
    ids = [(await next_event(response))[1]["id"] for _ in range(3)]
    assert ids == [taken, first, second]


async def test_a_live_message_arrives_then_the_closing_messages_end_the_stream(client, desk):
    handoff_id, ids = conversation(desk)
    await settled(client)
    response = await client.get(STREAM, params={"sender": "web-1", "after": str(ids[-1])})
    await asyncio.sleep(0.05)
    desk.say(handoff_id, "lan", "Hẹn Anh/Chị thứ Hai, mang CCCD 079203001234")
    pump(client).wake()
    name, live, event_id = await next_event(response)
    assert (name, live["who"]) == ("message", "staff")
    assert live["text"] == "Hẹn Anh/Chị thứ Hai, mang CCCD 079203001234"
    assert event_id == str(live["id"]) and live["id"] > ids[-1]

    desk.close(handoff_id, "lan")
    buttons = [{"title": "Hài lòng", "payload": "/rate_up"}]
    DeskDelivery().resumed(
        handoff_id, [{"text": "Trợ lý ảo đã trở lại."}, {"text": "Đánh giá?", "buttons": buttons}]
    )
    pump(client).wake()
    rest = await all_events(response)
    assert [(data["who"], data["text"], data["end"]) for _, data, _ in rest] == [
        ("bot", "Trợ lý ảo đã trở lại.", False),
        ("bot", "Đánh giá?", True),
    ]
    assert rest[1][1]["buttons"] == buttons and rest[1][1]["state"] == "closed"
    await asyncio.sleep(0.05)
    assert pump(client).citizens == {}


async def test_after_the_end_a_new_stream_replays_the_ending_masked_and_stops(client, desk):
    handoff_id, (taken, _, first, second) = conversation(desk)
    for message_id in (taken, first, second):
        DeskDelivery().delivered(message_id)
    desk.close(handoff_id, "lan")
    DeskDelivery().resumed(handoff_id, [])  # the as-typed words are forgotten
    response = await client.get(STREAM, params={"sender": "web-1"})
    events = await all_events(response)
    texts = [data["text"] for _, data, _ in events]
    assert texts[0] == TAKEN and texts[2] == "Còn gì nữa không ạ?" and texts[3] == ""
    assert texts[1].startswith("Anh/Chị gọi ") and "3812" not in texts[1]
    assert len(events) == 4
    assert events[-1][1]["end"] is True and events[-1][1]["who"] == "bot"


async def test_only_a_listed_origin_may_read_the_stream(client):
    listed = await client.get(STREAM, params={"sender": "web-1"}, headers={"Origin": LISTED})
    assert listed.headers["Access-Control-Allow-Origin"] == LISTED
    assert listed.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in listed.headers
    other = await client.get(
        STREAM, params={"sender": "web-1"}, headers={"Origin": "https://evil.example"}
    )
    assert other.status == 200 and "Access-Control-Allow-Origin" not in other.headers
    same = await client.get(STREAM, params={"sender": "web-1"})
    assert "Access-Control-Allow-Origin" not in same.headers
