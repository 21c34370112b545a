"""Server-sent events (assistant/web/sse.py): the wire format, and a stream served by a small
aiohttp app on a test server, read over real HTTP."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web_runner import AppRunner

from assistant.web import sse
from assistant.web.sse import encode, stream


def test_a_message_event_carries_its_id_and_compact_utf8_json():
    assert encode("message", {"id": 7, "text": "Xin chào"}) == (
        'id: 7\nevent: message\ndata: {"id":7,"text":"Xin chào"}\n\n'.encode()
    )


@pytest.mark.parametrize(
    "name, data",
    [
        ("queue", [{"id": 1}]),
        ("end", {"id": 3}),  # only messages are replayed by id
        ("message", {"text": "không có id"}),
        ("message", {"id": None, "text": "id rỗng"}),
        ("message", [1, 2]),
    ],
)
def test_other_events_have_no_id(name, data):
    raw = encode(name, data).decode()
    assert not raw.startswith("id:")
    assert (
        raw
        == f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"
    )


def test_line_breaks_in_the_data_stay_inside_one_data_line():
    raw = encode("message", {"id": 1, "text": "dòng 1\ndòng 2\r\n\n"}).decode()
    assert raw.count("\n") == 4  # id, event, data, blank line
    assert json.loads(raw.split("data: ", 1)[1]) == {"id": 1, "text": "dòng 1\ndòng 2\r\n\n"}


class PortalLikeServer(TestServer):
    """As ``web.run_app`` serves: a handler is not cancelled when its client leaves (aiohttp's
    test server cancels it), so the stream notices on its next write."""

    async def _make_runner(self, **kwargs):
        return AppRunner(self.app, **{**kwargs, "handler_cancellation": False})


@pytest.fixture
async def serve():
    """``serve(**stream_kwargs)`` → (client, queue, finished): one stream at GET /."""
    clients = []

    async def start(server=TestServer, **kwargs):
        queue: asyncio.Queue = asyncio.Queue()
        finished: asyncio.Future = asyncio.get_running_loop().create_future()

        async def handler(request: web.Request) -> web.StreamResponse:
            try:
                response = await stream(request, queue, **kwargs)
            except BaseException as error:
                finished.set_result(f"raised {type(error).__name__}")
                raise
            finished.set_result("returned")
            return response

        app = web.Application()
        app.router.add_get("/", handler)
        client = TestClient(server(app))
        await client.start_server()
        clients.append(client)
        return client, queue, finished

    yield start
    for client in clients:
        await client.close()


async def read_block(response) -> str:
    """One event or comment: lines up to the blank line that ends it."""
    lines = []
    while True:
        line = await asyncio.wait_for(response.content.readline(), 1.0)
        assert line, "the stream ended"
        if line == b"\n":
            return "".join(lines)
        lines.append(line.decode())


async def test_the_stream_has_event_stream_headers_and_a_retry_delay(serve):
    client, queue, _ = await serve(headers={"Access-Control-Allow-Origin": "https://x.gov.vn"})
    response = await client.get("/")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Accel-Buffering"] == "no"
    assert response.headers["Access-Control-Allow-Origin"] == "https://x.gov.vn"
    assert await read_block(response) == "retry: 2000\n"
    response.close()


async def test_the_first_events_come_before_the_queued_ones(serve):
    first = [("queue", []), ("message", {"id": 4, "text": "đã lỡ"})]
    client, queue, _ = await serve(first=first)
    response = await client.get("/")
    await read_block(response)
    assert await read_block(response) == "event: queue\ndata: []\n"
    assert await read_block(response) == 'id: 4\nevent: message\ndata: {"id":4,"text":"đã lỡ"}\n'
    queue.put_nowait(("message", {"id": 5, "text": "mới"}))
    assert await read_block(response) == 'id: 5\nevent: message\ndata: {"id":5,"text":"mới"}\n'
    response.close()


async def test_a_first_event_that_is_the_last_ends_the_stream_at_once(serve):
    client, queue, finished = await serve(
        first=[("message", {"id": 1}), ("end", {}), ("message", {"id": 2})],
        until=lambda event: event[0] == "end",
    )
    queue.put_nowait(("message", {"id": 3}))
    response = await client.get("/")
    body = await asyncio.wait_for(response.text(), 1.0)
    assert (
        body == 'retry: 2000\n\nid: 1\nevent: message\ndata: {"id":1}\n\nevent: end\ndata: {}\n\n'
    )
    assert await finished == "returned"


async def test_a_queued_event_that_is_the_last_ends_the_stream(serve):
    client, queue, finished = await serve(until=lambda event: event[1].get("end", False))
    response = await client.get("/")
    queue.put_nowait(("message", {"id": 1, "end": False}))
    queue.put_nowait(("message", {"id": 2, "end": True}))
    queue.put_nowait(("message", {"id": 3, "end": False}))
    body = await asyncio.wait_for(response.text(), 1.0)
    assert [line for line in body.split("\n") if line.startswith("id:")] == ["id: 1", "id: 2"]
    assert await finished == "returned"
    assert queue.qsize() == 1  # the event after the last is left alone


async def test_an_idle_stream_gets_a_heartbeat_comment(serve, monkeypatch):
    monkeypatch.setattr(sse, "HEARTBEAT", 0.05)
    client, queue, _ = await serve()
    response = await client.get("/")
    await read_block(response)
    assert await read_block(response) == ": ping\n"
    assert await read_block(response) == ": ping\n"
    queue.put_nowait(("end", {}))
    assert await read_block(response) == "event: end\ndata: {}\n"
    response.close()


async def test_each_heartbeat_asks_whether_to_go_on(serve, monkeypatch):
    monkeypatch.setattr(sse, "HEARTBEAT", 0.05)
    answers = [True, True, False]
    asked = []

    async def still_logged_in() -> bool:
        asked.append(True)
        return answers[len(asked) - 1]

    client, _, finished = await serve(every_heartbeat=still_logged_in)
    response = await client.get("/")
    body = await asyncio.wait_for(response.text(), 1.0)
    assert body == "retry: 2000\n\n: ping\n\n: ping\n\n"  # no ping after the refusal
    assert len(asked) == 3
    assert await finished == "returned"


async def test_a_client_that_leaves_ends_the_stream_at_the_next_write(serve, monkeypatch):
    monkeypatch.setattr(sse, "HEARTBEAT", 0.05)
    client, queue, finished = await serve(server=PortalLikeServer)
    response = await client.get("/")
    await read_block(response)
    response.close()
    assert await asyncio.wait_for(finished, 1.0) == "returned"  # not an error


async def test_a_client_that_leaves_while_events_flow_ends_the_stream(serve):
    client, queue, finished = await serve(server=PortalLikeServer)
    response = await client.get("/")
    await read_block(response)
    response.close()
    for number in range(200):
        queue.put_nowait(("message", {"id": number, "text": "x" * 1000}))
        await asyncio.sleep(0.005)
        if finished.done():
            break
    assert await asyncio.wait_for(finished, 1.0) == "returned"
