"""The calls of Rasa's HTTP API the live desk makes (assistant/handoff/rasa_api.py), against a
fake Rasa on an aiohttp test server that records every request it gets."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from assistant.handoff import rasa_api
from assistant.handoff.rasa_api import RasaConversations, RasaUnavailable

TOKEN = "rasa-secret"


class FakeRasa:
    """Rasa's ``/conversations`` API: records requests, answers what the test sets."""

    def __init__(self) -> None:
        self.requests = []
        self.status = 200
        self.answer = {}
        self.body = None  # raw text instead of ``answer``
        self.delay = 0.0
        self.app = web.Application()
        self.app.router.add_route("*", "/conversations/{sender}/{tail:.+}", self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(
            {
                "method": request.method,
                "sender": request.match_info["sender"],
                "tail": request.match_info["tail"],
                "raw_path": request.raw_path,
                "query": dict(request.query),
                "json": await request.json() if request.body_exists else None,
            }
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.body is not None:
            return web.Response(text=self.body, status=self.status)
        return web.json_response(self.answer, status=self.status)


@pytest.fixture
async def rasa():
    fake = FakeRasa()
    server = TestServer(fake.app)
    await server.start_server()
    http = aiohttp.ClientSession()
    fake.api = RasaConversations(http, str(server.make_url("/")), TOKEN)
    yield fake
    await http.close()
    await server.close()


def test_the_api_is_usable_only_with_a_token():
    assert RasaConversations(None, "http://rasa", "t").usable is True
    assert RasaConversations(None, "http://rasa", "").usable is False
    assert RasaConversations(None, "http://rasa:5005///", "t").base_url == "http://rasa:5005"


async def test_a_staff_message_on_the_widget_is_only_recorded_in_the_tracker(rasa):
    metadata = {"staff": "lan", "desk": 4}
    await rasa.api.append_bot_message("web-1", "rest", "Chào Anh/Chị", metadata)
    [call] = rasa.requests
    assert call["method"] == "POST"
    assert (call["sender"], call["tail"]) == ("web-1", "tracker/events")
    assert call["query"] == {"include_events": "NONE", "token": TOKEN}
    assert call["json"] == [{"event": "bot", "text": "Chào Anh/Chị", "metadata": metadata}]


@pytest.mark.parametrize("channel", ["zalo", "facebook"])
async def test_on_zalo_and_messenger_rasa_also_sends_the_staff_message(rasa, channel):
    await rasa.api.append_bot_message("u-9", channel, "Xin chào", {"staff": "lan", "desk": 1})
    [call] = rasa.requests
    assert call["query"] == {
        "execute_side_effects": "true",
        "output_channel": channel,
        "include_events": "NONE",
        "token": TOKEN,
    }


@pytest.mark.parametrize("channel", ["rest", "", "telegram", "Zalo"])
async def test_other_channels_get_no_side_effects(rasa, channel):
    await rasa.api.append_bot_message("u-9", channel, "Xin chào", {})
    [call] = rasa.requests
    assert "execute_side_effects" not in call["query"]
    assert "output_channel" not in call["query"]


async def test_the_conversation_id_is_sent_as_one_path_segment(rasa):
    await rasa.api.append_bot_message("a/b c?#%", "rest", "x", {})
    [call] = rasa.requests
    assert call["sender"] == "a/b c?#%"
    assert call["raw_path"].startswith("/conversations/a%2Fb%20c%3F%23%25/tracker/events?")


async def test_running_an_action_returns_the_messages_of_a_rest_conversation(rasa):
    rasa.answer = {
        "tracker": {},
        "messages": [
            {"recipient_id": "web-1", "text": "Trợ lý ảo đã trở lại."},
            "not a message",
            {"recipient_id": "web-1", "text": "Đánh giá", "buttons": [{"title": "👍"}]},
        ],
    }
    messages = await rasa.api.run_action("web-1", "rest", "action_handoff_closed")
    assert messages == [
        {"recipient_id": "web-1", "text": "Trợ lý ảo đã trở lại."},
        {"recipient_id": "web-1", "text": "Đánh giá", "buttons": [{"title": "👍"}]},
    ]
    [call] = rasa.requests
    assert call["method"] == "POST"
    assert (call["sender"], call["tail"]) == ("web-1", "execute")
    assert call["query"] == {"output_channel": "rest", "include_events": "NONE", "token": TOKEN}
    assert call["json"] == {"name": "action_handoff_closed"}


async def test_an_action_without_a_known_channel_uses_the_latest_one(rasa):
    rasa.answer = {"messages": None}
    assert await rasa.api.run_action("web-1", "", "action_handoff_timeout") == []
    assert rasa.requests[0]["query"]["output_channel"] == "latest"


@pytest.mark.parametrize("answer", [{}, [], {"messages": "text"}, None])
async def test_an_action_answer_without_messages_gives_none(rasa, answer):
    rasa.answer = answer
    assert await rasa.api.run_action("zalo-1", "zalo", "action_handoff_closed") == []
    assert rasa.requests[0]["query"]["output_channel"] == "zalo"


async def test_the_transcript_keeps_what_the_citizen_saw(rasa):
    rasa.answer = {
        "events": [
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": "cho tôi hỏi về hộ chiếu"},
            {"event": "bot", "text": "Anh/Chị cần làm hộ chiếu lần đầu?", "metadata": {}},
            {"event": "user", "text": "/affirm"},  # a button's payload
            {"event": "user", "text": "   "},
            {"event": "bot", "text": None},
            {"event": "bot", "text": "Cán bộ đã tiếp nhận.", "metadata": {"staff": "lan"}},
            {"event": "bot", "text": "x" * 2500, "metadata": None},
            {"event": "slot", "name": "procedure", "value": "1.001"},
        ]
    }
    lines = await rasa.api.transcript("web-1")
    assert lines == [
        {"who": "user", "text": "cho tôi hỏi về hộ chiếu"},
        {"who": "bot", "text": "Anh/Chị cần làm hộ chiếu lần đầu?"},
        {"who": "staff", "text": "Cán bộ đã tiếp nhận."},
        {"who": "bot", "text": "x" * 2000},
    ]
    [call] = rasa.requests
    assert call["method"] == "GET" and call["tail"] == "tracker"
    assert call["query"] == {"include_events": "AFTER_RESTART", "token": TOKEN}


async def test_a_user_message_with_staff_metadata_is_still_the_citizens(rasa):
    rasa.answer = {"events": [{"event": "user", "text": "xin chào", "metadata": {"staff": "x"}}]}
    assert await rasa.api.transcript("web-1") == [{"who": "user", "text": "xin chào"}]


async def test_the_transcript_keeps_the_last_lines_only(rasa):
    rasa.answer = {"events": [{"event": "user", "text": f"câu {n}"} for n in range(40)]}
    lines = await rasa.api.transcript("web-1", limit=3)
    assert [line["text"] for line in lines] == ["câu 37", "câu 38", "câu 39"]
    assert len(await rasa.api.transcript("web-1")) == 30


@pytest.mark.parametrize("answer", [{}, [], {"events": None}])
async def test_a_tracker_without_events_gives_an_empty_transcript(rasa, answer):
    rasa.answer = answer
    assert await rasa.api.transcript("web-1") == []


@pytest.mark.parametrize("status", [400, 401, 403, 404, 500, 503])
async def test_an_http_error_means_rasa_is_unavailable(rasa, status):
    rasa.status = status
    with pytest.raises(RasaUnavailable, match=f"HTTP {status}"):
        await rasa.api.run_action("web-1", "rest", "action_handoff_closed")
    with pytest.raises(RasaUnavailable):
        await rasa.api.append_bot_message("web-1", "rest", "x", {})
    with pytest.raises(RasaUnavailable):
        await rasa.api.transcript("web-1")


async def test_a_reply_that_is_not_json_means_rasa_is_unavailable(rasa):
    rasa.body = "<html>Bad gateway</html>"
    with pytest.raises(RasaUnavailable, match="JSONDecodeError"):
        await rasa.api.transcript("web-1")


async def test_a_closed_port_means_rasa_is_unavailable(unused_tcp_port):
    async with aiohttp.ClientSession() as http:
        api = RasaConversations(http, f"http://127.0.0.1:{unused_tcp_port}", TOKEN)
        with pytest.raises(RasaUnavailable, match="ClientConnectorError"):
            await api.append_bot_message("web-1", "rest", "x", {})
        with pytest.raises(RasaUnavailable):
            await api.run_action("web-1", "rest", "action_handoff_closed")


async def test_a_rasa_that_does_not_answer_in_time_is_unavailable(rasa, monkeypatch):
    monkeypatch.setattr(rasa_api, "TIMEOUT", aiohttp.ClientTimeout(total=0.2))
    rasa.delay = 1.0
    with pytest.raises(RasaUnavailable):
        await rasa.api.transcript("web-1")
