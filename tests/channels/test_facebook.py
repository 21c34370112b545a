"""The Messenger channel over real HTTP: a Sanic app with the channel's blueprint on a loopback
port, a stub in place of Rasa that answers through the channel, and a fake Graph API."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
import logging
import re
import socket
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any, Dict, List

import aiohttp
import pytest
from PIL import Image
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from assistant.channels.attachments import BAD_LOCATION, LOCATION_NOTE, TOO_BIG
from assistant.channels.facebook import (
    NUMBERED_HINT,
    TEXT_ONLY_REPLY,
    ChoiceMemory,
    MessengerInput,
    render_buttons,
    split_text,
)
from assistant.channels.outbox import RetryPolicy
from assistant.settings import get_settings
from tests.channels.fake_cdn import FakeCDN, jpeg_with_gps
from tests.channels.fake_graph import FakeGraph

VERIFY = "verify-7f3a"
SECRET = "app-secret-91c2"
TOKEN = "EAAG-page-token-5d1e"
PSID = "6123456789012345"

SHORT = [("Tra cứu hồ sơ", "/check_dossier"), ("Hỏi thủ tục", "/ask_procedure")]
FIVE = [(f"Lĩnh vực {i}", f'/choose_field{{"field":"{i}"}}') for i in range(1, 6)]
FIFTEEN = [
    (f"Thủ tục {i}", f'/choose_procedure{{"procedure_code":"1.0011{i:02d}"}}') for i in range(1, 16)
]
LONG_NAMES = [
    ("Đăng ký khai sinh có yếu tố nước ngoài", '/choose_procedure{"procedure_code":"1.001193"}'),
    ("Đăng ký khai sinh lưu động", '/choose_procedure{"procedure_code":"1.000656"}'),
]
# 4,500 characters: 25 short lines (1,200), then a 3,300-character paragraph with no break.
_LINES = "\n".join(f"Dòng {i:02d}: hồ sơ gồm tờ khai và giấy tờ tùy thân." for i in range(25))
_WORDS = " ".join(f"bước{i:03d}" for i in range(420))
LONG_TEXT = (_LINES + "\n" + _WORDS)[:4500]
REPLIES: Dict[str, Dict[str, Any]] = {
    "hai nút": {"text": "Anh/Chị muốn làm gì?", "buttons": SHORT},
    "năm nút": {"text": "Anh/Chị hỏi về lĩnh vực nào?", "buttons": FIVE},
    "mười lăm nút": {"text": "Có 15 thủ tục phù hợp:", "buttons": FIFTEEN},
    "tên dài": {"text": "Anh/Chị muốn đăng ký loại nào?", "buttons": LONG_NAMES},
    "văn bản dài": {"text": LONG_TEXT},
}
DEFAULT_REPLY = "Tôi đã nhận câu hỏi của Anh/Chị."
FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, poll=0.05)


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def page(*messaging: Dict[str, Any]) -> Dict[str, Any]:
    return {"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": list(messaging)}]}


def text_event(text: str, mid: str = "mid.1", sender: str = PSID) -> Dict[str, Any]:
    return {
        "sender": {"id": sender},
        "recipient": {"id": "PAGE"},
        "timestamp": 1,
        "message": {"mid": mid, "text": text},
    }


@dataclass
class Webhook:
    url: str
    channel: MessengerInput
    graph: FakeGraph
    received: List[UserMessage]
    http: aiohttp.ClientSession

    async def post(self, body: Any, signature: str | None = "sign", **headers: str) -> tuple:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        if signature == "sign":
            headers["X-Hub-Signature-256"] = sign(raw)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        headers["Content-Type"] = "application/json"
        async with self.http.post(self.url, data=raw, headers=headers) as reply:
            return reply.status, await reply.text()

    async def settle(self) -> None:
        await self.channel.wait_idle()

    @property
    def texts(self) -> List[str]:
        return [m.text for m in self.received]


async def dead_lettered(outbox, count: int, timeout: float = 5.0) -> None:
    """Wait until ``count`` replies of this channel are dead-lettered."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while dead_count(outbox) < count:
        assert loop.time() < deadline, f"{dead_count(outbox)} of {count} replies dead-lettered"
        await asyncio.sleep(0.02)


def dead_count(outbox) -> int:
    from assistant.channels.outbox_repository import DEAD, OutboxRepository
    from assistant.db.session import session_scope

    with session_scope() as session:
        return OutboxRepository(session).count(DEAD, outbox.channel)


@pytest.fixture
async def graph(database_url):
    fake = await FakeGraph().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def webhook(graph: FakeGraph):
    channel = MessengerInput(VERIFY, SECRET, TOKEN, graph_base=graph.base_url, retry=FAST)
    received: List[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)
        reply = REPLIES.get(message.text, {"text": DEFAULT_REPLY})
        await message.output_channel.send_response(
            message.sender_id,
            {
                "text": reply["text"],
                "buttons": [{"title": t, "payload": p} for t, p in reply.get("buttons", [])],
            },
        )

    # Sanic 21.12 rewrites Sanic.handle_request at startup ("TouchUp") and cannot do it a
    # second time in one process unless in test mode; left on for any later in-process app.
    Sanic.test_mode = True
    app = Sanic(f"fb_test_{uuid.uuid4().hex}", configure_logging=False)
    app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/facebook")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # The access log on, as `rasa run` has it: the handshake's URL carries the verify token.
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=True)
    await server.startup()
    await server.before_start()
    await server.after_start()
    async with aiohttp.ClientSession() as http:
        yield Webhook(
            f"http://127.0.0.1:{port}/webhooks/facebook/webhook", channel, graph, received, http
        )
    await channel.wait_idle()
    await server.before_stop()
    server.close()
    await server.wait_closed()
    await server.after_stop()


# --- verification handshake -------------------------------------------------------------


async def test_handshake_answers_the_challenge(webhook: Webhook):
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
    async with webhook.http.get(webhook.url, params=params) as reply:
        assert reply.status == 200
        assert reply.content_type == "text/plain"
        assert await reply.text() == "1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY + "x", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY, "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
    ],
)
async def test_handshake_refuses_a_wrong_token(webhook: Webhook, params):
    async with webhook.http.get(webhook.url, params=params) as reply:
        assert reply.status == 403
        assert "1" not in await reply.text()


@pytest.mark.parametrize("configured", [None, ""])
async def test_handshake_refused_when_no_verify_token_is_configured(webhook: Webhook, configured):
    webhook.channel.verify_token = configured
    params = {"hub.mode": "subscribe", "hub.challenge": "1"}  # no token: "" == "" must not pass
    async with webhook.http.get(webhook.url, params=params) as reply:
        assert reply.status == 403


# --- signatures -------------------------------------------------------------------------


async def test_signed_post_is_acknowledged_and_answered(webhook: Webhook):
    status, body = await webhook.post(page(text_event("thủ tục khai sinh")))
    assert (status, body) == (200, "EVENT_RECEIVED")
    (delivered,) = await webhook.graph.wait_for(1)
    assert delivered == {"text": DEFAULT_REPLY}
    request = webhook.graph.requests[0]
    assert request.access_token == TOKEN
    assert request.json["recipient"] == {"id": PSID}
    assert request.json["messaging_type"] == "RESPONSE"
    (message,) = webhook.received
    assert (message.text, message.sender_id, message.input_channel) == (
        "thủ tục khai sinh",
        PSID,
        "facebook",
    )
    assert message.message_id == "mid.1"


async def test_missing_signature_is_401(webhook: Webhook):
    status, _ = await webhook.post(page(text_event("xin chào")), signature=None)
    assert status == 401
    await webhook.settle()
    assert webhook.received == [] and webhook.graph.requests == []


@pytest.mark.parametrize(
    "signature",
    [
        sign(json.dumps(page(text_event("xin chào"))).encode(), secret="another-secret"),
        "sha256=" + "0" * 64,
        "sha256=",
        "sha1=" + "0" * 40,
        "garbage",
        "sha256=đâylàchữ",
    ],
)
async def test_wrong_signature_is_403_and_nothing_is_processed(webhook: Webhook, signature):
    status, _ = await webhook.post(page(text_event("xin chào")), signature=signature)
    assert status == 403
    await webhook.settle()
    await asyncio.sleep(0.05)
    assert webhook.received == [] and webhook.graph.requests == []


async def test_sha1_header_alone_is_not_accepted(webhook: Webhook):
    raw = json.dumps(page(text_event("xin chào"))).encode()
    sha1 = "sha1=" + hmac.new(SECRET.encode(), raw, hashlib.sha1).hexdigest()
    status, _ = await webhook.post(raw, signature=None, **{"X-Hub-Signature": sha1})
    assert status in (401, 403)
    await webhook.settle()
    assert webhook.received == []


async def test_signature_over_a_tampered_body_is_403(webhook: Webhook):
    signature = sign(json.dumps(page(text_event("xin chào"))).encode())
    status, _ = await webhook.post(page(text_event("xin chào!")), signature=signature)
    assert status == 403


@pytest.mark.parametrize("configured", [None, ""])
async def test_post_refused_when_no_app_secret_is_configured(webhook: Webhook, configured):
    webhook.channel.app_secret = configured
    raw = json.dumps(page(text_event("xin chào"))).encode()
    status, _ = await webhook.post(raw, signature=sign(raw, secret=""))
    assert status == 403
    await webhook.settle()
    assert webhook.received == []


async def test_upper_case_hex_signature_is_accepted(webhook: Webhook):
    raw = json.dumps(page(text_event("xin chào"))).encode()
    status, _ = await webhook.post(raw, signature="sha256=" + sign(raw)[7:].upper())
    assert status == 200


# --- bodies -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"{oops",
        b"",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"object": "instagram", "entry": []}',
        b'{"object": "page", "entry": {"messaging": []}}',
        b'{"object": "page"}',
        b"[" * 100_000,
    ],
)
async def test_signed_but_invalid_body_is_400(webhook: Webhook, raw: bytes):
    status, _ = await webhook.post(raw)
    assert status == 400


async def test_quick_reply_payload_reaches_rasa(webhook: Webhook):
    payload = '/choose_procedure{"procedure_code":"1.001193"}'
    event = text_event("Khai sinh")
    event["message"]["quick_reply"] = {"payload": payload}
    assert (await webhook.post(page(event)))[0] == 200
    await webhook.graph.wait_for(1)
    assert webhook.texts == [payload]


async def test_postback_payload_reaches_rasa(webhook: Webhook):
    payload = '/choose_procedure{"procedure_code":"1.001193"}'
    event = {
        "sender": {"id": PSID},
        "recipient": {"id": "PAGE"},
        "timestamp": 1,
        "postback": {"mid": "mid.pb", "title": "Khai sinh", "payload": payload},
    }
    assert (await webhook.post(page(event)))[0] == 200
    await webhook.graph.wait_for(1)
    assert webhook.texts == [payload]


async def test_attachment_gets_a_polite_text_and_skips_rasa(webhook: Webhook):
    event = {
        "sender": {"id": PSID},
        "recipient": {"id": "PAGE"},
        "message": {
            "mid": "mid.file",
            "attachments": [{"type": "file", "payload": {"url": "https://x.test/a.pdf"}}],
        },
    }
    assert (await webhook.post(page(event)))[0] == 200
    (delivered,) = await webhook.graph.wait_for(1)
    assert delivered == {"text": TEXT_ONLY_REPLY}
    assert "Anh/Chị" in TEXT_ONLY_REPLY and "tôi" in TEXT_ONLY_REPLY
    assert webhook.received == []


async def test_echoes_and_receipts_are_ignored(webhook: Webhook):
    echo = text_event("Tôi đã nhận câu hỏi", mid="mid.echo")
    echo["message"]["is_echo"] = True
    delivery = {"sender": {"id": PSID}, "delivery": {"mids": ["mid.1"], "watermark": 1}}
    read = {"sender": {"id": PSID}, "read": {"watermark": 1}}
    reaction = {"sender": {"id": PSID}, "reaction": {"mid": "mid.1", "action": "react"}}
    status, _ = await webhook.post(page(echo, delivery, read, reaction))
    assert status == 200
    await webhook.settle()
    assert webhook.received == [] and webhook.graph.requests == []


async def test_a_message_delivered_twice_is_answered_once(webhook: Webhook):
    body = page(text_event("lệ phí cấp hộ chiếu", mid="mid.dup"))
    assert (await webhook.post(body))[0] == 200
    assert (await webhook.post(body))[0] == 200
    await webhook.settle()
    assert webhook.texts == ["lệ phí cấp hộ chiếu"]
    assert len(webhook.graph.delivered) == 1


async def test_batched_messages_are_handled_in_order(webhook: Webhook):
    body = page(text_event("một", mid="mid.a"), text_event("hai", mid="mid.b"))
    await webhook.post(body)
    await webhook.graph.wait_for(2)
    assert webhook.texts == ["một", "hai"]


# --- replies ----------------------------------------------------------------------------


async def test_two_short_buttons_become_a_button_template(webhook: Webhook):
    await webhook.post(page(text_event("hai nút")))
    (delivered,) = await webhook.graph.wait_for(1)
    assert delivered["attachment"]["type"] == "template"
    template = delivered["attachment"]["payload"]
    assert template["template_type"] == "button"
    assert template["text"] == "Anh/Chị muốn làm gì?"
    assert template["buttons"] == [
        {"type": "postback", "title": title, "payload": payload} for title, payload in SHORT
    ]


async def test_five_buttons_become_quick_replies(webhook: Webhook):
    await webhook.post(page(text_event("năm nút")))
    (delivered,) = await webhook.graph.wait_for(1)
    assert delivered["text"] == "Anh/Chị hỏi về lĩnh vực nào?"
    assert delivered["quick_replies"] == [
        {"content_type": "text", "title": title, "payload": payload} for title, payload in FIVE
    ]


async def test_fifteen_buttons_become_a_numbered_list_and_numbers_map(webhook: Webhook):
    await webhook.post(page(text_event("mười lăm nút", mid="mid.list")))
    (delivered,) = await webhook.graph.wait_for(1)
    assert set(delivered) == {"text"}
    lines = delivered["text"].split("\n")
    assert lines[0] == "Có 15 thủ tục phù hợp:"
    assert [f"{i}. Thủ tục {i}" for i in range(1, 16)] == [ln for ln in lines if ". Thủ" in ln]
    assert lines[-1] == NUMBERED_HINT

    await webhook.post(page(text_event(" 3 ", mid="mid.pick")))
    await webhook.graph.wait_for(2)
    assert webhook.texts[-1] == FIFTEEN[2][1]

    # The list answered one message: a later "3" is the number 3 again.
    await webhook.post(page(text_event("3", mid="mid.again")))
    await webhook.graph.wait_for(3)
    assert webhook.texts[-1] == "3"


async def test_out_of_range_number_is_passed_on_as_text(webhook: Webhook):
    await webhook.post(page(text_event("mười lăm nút", mid="mid.list")))
    await webhook.graph.wait_for(1)
    await webhook.post(page(text_event("16", mid="mid.pick")))
    await webhook.graph.wait_for(2)
    assert webhook.texts[-1] == "16"


async def test_long_vietnamese_titles_are_listed_whole_not_cut(webhook: Webhook):
    await webhook.post(page(text_event("tên dài", mid="mid.list")))
    (delivered,) = await webhook.graph.wait_for(1)
    assert "1. Đăng ký khai sinh có yếu tố nước ngoài" in delivered["text"]
    assert "2. Đăng ký khai sinh lưu động" in delivered["text"]
    await webhook.post(page(text_event("2", mid="mid.pick")))
    await webhook.graph.wait_for(2)
    assert webhook.texts[-1] == LONG_NAMES[1][1]


async def test_a_4500_character_text_is_split_in_order(webhook: Webhook):
    assert len(LONG_TEXT) == 4500
    await webhook.post(page(text_event("văn bản dài")))
    await webhook.settle()
    pieces = [m["text"] for m in webhook.graph.delivered]
    assert len(pieces) == 3
    assert all(len(piece) <= 2000 for piece in pieces)
    assert pieces[0].endswith("tùy thân.")  # the lines fill the first piece …
    assert pieces[1].startswith("bước000")  # … and the long paragraph is cut between words
    assert " ".join(pieces).split() == LONG_TEXT.split()


async def test_graph_failing_twice_then_succeeding_delivers(webhook: Webhook):
    webhook.graph.fail_next(2, status=500)
    await webhook.post(page(text_event("xin chào")))
    (delivered,) = await webhook.graph.wait_for(1)
    assert delivered == {"text": DEFAULT_REPLY}
    assert [r.status for r in webhook.graph.requests] == [500, 500, 200]


async def test_messenger_replies_wait_in_the_outbox_shared_with_zalo(webhook: Webhook):
    from assistant.channels.outbox import Outbox
    from assistant.channels.outbox_repository import OutboxRepository
    from assistant.channels.zalo import ZaloInput
    from assistant.db.session import session_scope

    assert type(webhook.channel.outbox) is type(ZaloInput("a", "b").outbox) is Outbox
    webhook.graph.fail_next(10_000, status=503)
    await webhook.post(page(text_event("xin chào")))
    await webhook.settle()
    with session_scope() as session:
        row = OutboxRepository(session).head("facebook", PSID)
    assert row.message == {"text": DEFAULT_REPLY} and row.attempts >= 1
    assert row.last_error.startswith("HTTP 503")
    webhook.graph.recover()
    assert await webhook.graph.wait_for(1) == [{"text": DEFAULT_REPLY}]


async def test_nothing_personal_or_secret_is_logged(webhook: Webhook, caplog):
    caplog.set_level(logging.DEBUG)
    secret_text = "CCCD của tôi là 001099012345, hồ sơ HS-2024-000123"
    webhook.graph.fail_next(2, status=503)
    async with webhook.http.get(webhook.url, params={"hub.verify_token": VERIFY}):
        pass
    await webhook.post(page(text_event(secret_text)))
    await webhook.post(page(text_event(secret_text, mid="mid.2")), signature="sha256=00")
    await webhook.post(page(text_event("năm nút", mid="mid.3")))
    await webhook.graph.wait_for(2)
    await webhook.settle()
    assert "Messenger send failed" in caplog.text  # the failures were logged …
    for leaked in (secret_text, "001099012345", DEFAULT_REPLY, "Lĩnh vực", TOKEN, SECRET, VERIFY):
        assert leaked not in caplog.text  # … without text, tokens or secrets
    # Sanic's access log keeps the request line in a field of its own, not in the message.
    handshakes = [
        r.request for r in caplog.records if r.name == "sanic.access" and "GET" in r.request
    ]
    assert handshakes and all("hub.verify_token=***" in line for line in handshakes)
    assert not any(VERIFY in line for line in handshakes)


# --- output channel alone, against the fake ---------------------------------------------


def output_of(graph: FakeGraph, token: str | None = TOKEN, **options: Any):
    channel = MessengerInput(
        VERIFY, SECRET, token, graph_base=graph.base_url, retry=FAST, **options
    )
    return channel.get_output_channel()


async def test_timeouts_are_retried(graph: FakeGraph):
    output = output_of(graph, timeout=0.3)
    graph.fail_next(1, delay=2)
    assert not await output.outbox.send(PSID, [{"text": "a"}])  # waits in the outbox …
    assert await graph.wait_for(1) == [{"text": "a"}]  # … and goes out on the retry
    assert len(graph.requests) == 2
    await output.outbox.aclose()


async def test_failures_up_to_the_last_attempt_dead_letter_the_reply(graph: FakeGraph, caplog):
    output = output_of(graph)
    graph.fail_next(3, status=502)
    assert not await output.outbox.send(PSID, [{"text": "a"}])
    await dead_lettered(output.outbox, 1)
    assert len(graph.requests) == 3 and graph.delivered == []
    assert "given up after 3 attempt(s) (HTTP 502, Graph error code 2)" in caplog.text
    await output.outbox.aclose()


async def test_an_invalid_token_is_not_retried(graph: FakeGraph):
    output = output_of(graph)
    graph.fail_next(1, status=400, code=190)
    assert not await output.outbox.send(PSID, [{"text": "a"}])
    await dead_lettered(output.outbox, 1)
    assert len(graph.requests) == 1
    await output.outbox.aclose()


async def test_image_and_custom_json(graph: FakeGraph):
    output = output_of(graph)
    await output.send_image_url(PSID, "https://x.test/so-do.png")
    custom = {"attachment": {"type": "template", "payload": {"template_type": "generic"}}}
    await output.send_custom_json(PSID, custom)
    assert graph.delivered == [
        {
            "attachment": {
                "type": "image",
                "payload": {"url": "https://x.test/so-do.png", "is_reusable": True},
            }
        },
        custom,
    ]
    await output.outbox.aclose()


async def test_no_page_token_sends_nothing_and_shows_the_reply_to_staff(graph: FakeGraph):
    output = output_of(graph, token=None)
    assert not await output.outbox.send(PSID, [{"text": "a"}])
    assert graph.requests == []
    await dead_lettered(output.outbox, 1)
    await output.outbox.aclose()


# --- pure functions ---------------------------------------------------------------------


def _kind(messages: List[Dict[str, Any]], numbered) -> str:
    if numbered is not None:
        return "numbered"
    if "attachment" in messages[-1]:
        return "template"
    return "quick_replies" if "quick_replies" in messages[-1] else "text"


@pytest.mark.parametrize(
    "count, title, text, expected",
    [
        (0, "", "Chào", "text"),
        (1, "Có", "Chào", "template"),
        (3, "Nộp trực tuyến ở đâu", "Chào", "template"),  # exactly 20 characters
        (3, "Có", "x" * 641, "quick_replies"),  # too long for a template's 640
        (4, "Có", "Chào", "quick_replies"),
        (13, "Có", "Chào", "quick_replies"),
        (14, "Có", "Chào", "numbered"),
        (2, "Nộp trực tuyến ở đâu?", "Chào", "numbered"),  # 21 characters: never cut
        (2, unicodedata.normalize("NFD", "Nộp trực tuyến ở đâu"), "Chào", "template"),
    ],
)
def test_rendering_rule(count, title, text, expected):
    buttons = [{"title": title, "payload": f"/p{i}"} for i in range(count)]
    messages, numbered = render_buttons(text, buttons)
    assert _kind(messages, numbered) == expected


def test_payloads_over_1000_characters_go_to_the_list():
    messages, numbered = render_buttons("Chọn", [{"title": "Có", "payload": "/" + "x" * 1000}])
    assert numbered == ["/" + "x" * 1000]


def test_quick_replies_under_a_long_text_ride_on_the_last_piece():
    messages, _ = render_buttons(
        "dòng\n" * 600, [{"title": f"M{i}", "payload": "/p"} for i in range(5)]
    )
    assert (
        len(messages) == 2 and "quick_replies" in messages[1] and "quick_replies" not in messages[0]
    )


@pytest.mark.parametrize(
    "text, limit, expected",
    [
        ("", 10, []),
        ("ngắn", 10, ["ngắn"]),
        ("một hai\nba bốn", 8, ["một hai", "ba bốn"]),
        ("một hai ba bốn năm", 8, ["một hai", "ba bốn", "năm"]),
        ("abcdefghijkl mn", 5, ["abcde", "fghij", "kl mn"]),
        ("a\n\nb", 10, ["a\n\nb"]),
    ],
)
def test_split_text(text, limit, expected):
    pieces = split_text(text, limit)
    assert pieces == expected
    assert all(len(p) <= limit for p in pieces)


def test_split_text_counts_composed_characters():
    decomposed = unicodedata.normalize("NFD", "Đăng ký khai sinh")
    assert split_text(decomposed, 17) == ["Đăng ký khai sinh"]


def test_choices_expire():
    memory = ChoiceMemory(ttl=-1)
    memory.remember(PSID, ["/a", "/b"])
    assert memory.resolve(PSID, "2") == "2"
    memory = ChoiceMemory()
    memory.remember(PSID, ["/a", "/b"])
    assert memory.resolve(PSID, "số 2") == "/b"


def test_from_credentials_reads_rasa_names_then_the_environment(monkeypatch):
    monkeypatch.setenv("FACEBOOK_VERIFY_TOKEN", "env-verify")
    monkeypatch.setenv("FACEBOOK_APP_SECRET", "env-secret")
    monkeypatch.setenv("FACEBOOK_PAGE_ACCESS_TOKEN", "env-token")
    monkeypatch.setenv("FACEBOOK_GRAPH_BASE", "http://127.0.0.1:9/v19.0")
    get_settings.cache_clear()
    try:
        channel = MessengerInput.from_credentials(None)
        assert (channel.verify_token, channel.app_secret, channel.page_access_token) == (
            "env-verify",
            "env-secret",
            "env-token",
        )
        assert channel.graph.graph_base == "http://127.0.0.1:9/v19.0"
        channel = MessengerInput.from_credentials(
            {"verify": "v", "secret": "s", "page-access-token": "t"}
        )
        assert (channel.verify_token, channel.app_secret, channel.page_access_token) == (
            "v",
            "s",
            "t",
        )
        assert MessengerInput.name() == channel.get_output_channel().name() == "facebook"
    finally:
        get_settings.cache_clear()


def test_from_credentials_works_with_nothing_configured(monkeypatch):
    for name in ("FACEBOOK_VERIFY_TOKEN", "FACEBOOK_APP_SECRET", "FACEBOOK_PAGE_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("FACEBOOK_GRAPH_BASE", raising=False)
    get_settings.cache_clear()
    try:
        channel = MessengerInput.from_credentials(None)
        assert channel.verify_token is channel.app_secret is channel.page_access_token is None
        assert channel.graph.graph_base == "https://graph.facebook.com/v19.0"
    finally:
        get_settings.cache_clear()


# --- a live conversation with staff (Rasa paused: the turn says nothing) --------------------

LIVE_PHONE = "0912345678"
LIVE_SAID = f"Hồ sơ của tôi bị trả lại, số điện thoại {LIVE_PHONE}"


def desk_messages(database_url: str) -> List[tuple]:
    """(handoff id, direction, text) of every message stored for the live desk."""
    from sqlalchemy import select

    from assistant.db.models import HandoffMessage
    from assistant.db.session import session_scope

    with session_scope(database_url) as session:
        rows = session.scalars(select(HandoffMessage).order_by(HandoffMessage.id))
        return [(row.handoff_id, row.direction, row.text) for row in rows]


@pytest.fixture
async def paused(graph: FakeGraph):
    """The webhook in front of Rasa with the conversation paused: every message is taken and
    nothing is said, except to "xin chào"."""
    channel = MessengerInput(VERIFY, SECRET, TOKEN, graph_base=graph.base_url, retry=FAST)
    received: List[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)
        if message.text == "xin chào":
            await message.output_channel.send_response(message.sender_id, {"text": "Chào"})

    Sanic.test_mode = True
    app = Sanic(f"fb_paused_{uuid.uuid4().hex}", configure_logging=False)
    app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/facebook")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    await server.startup()
    await server.before_start()
    await server.after_start()
    async with aiohttp.ClientSession() as http:
        yield Webhook(
            f"http://127.0.0.1:{port}/webhooks/facebook/webhook", channel, graph, received, http
        )
    await channel.wait_idle()
    await server.before_stop()
    server.close()
    await server.wait_closed()
    await server.after_stop()


async def test_while_waiting_a_message_goes_to_staff_masked_and_the_citizen_gets_a_note(
    paused: Webhook, database_url
):
    from assistant.handoff.live import LiveDesk
    from assistant.handoff.relay import waiting_note

    place = LiveDesk(database_url).enqueue(PSID, "facebook")
    assert (await paused.post(page(text_event(LIVE_SAID, mid="mid.live1"))))[0] == 200
    await paused.settle()
    assert await paused.graph.wait_for(1) == [{"text": waiting_note(place)}]
    assert "cán bộ đọc khi tiếp nhận" in waiting_note(place)
    [request] = paused.graph.requests
    assert request.json["messaging_type"] == "RESPONSE" and "tag" not in request.json
    assert paused.texts == [LIVE_SAID]
    [(handoff_id, direction, text)] = desk_messages(database_url)
    assert (handoff_id, direction) == (place.handoff_id, "in")
    assert text.startswith("Hồ sơ của tôi bị trả lại") and LIVE_PHONE not in text
    assert not any(digit in text for digit in "0123456789")


async def test_once_taken_a_message_goes_to_staff_and_nothing_is_sent(
    paused: Webhook, database_url
):
    from assistant.handoff.live import LiveDesk

    desk = LiveDesk(database_url)
    place = desk.enqueue(PSID, "facebook")
    desk.take(place.handoff_id, "canbo1")
    assert (await paused.post(page(text_event(LIVE_SAID, mid="mid.live2"))))[0] == 200
    await paused.settle()
    await asyncio.sleep(0.1)
    assert paused.graph.requests == [] and paused.channel.outbox.pending() == 0
    citizen = [m for m in desk_messages(database_url) if m[1] == "in"]
    assert len(citizen) == 1 and citizen[0][0] == place.handoff_id
    assert LIVE_PHONE not in citizen[0][2]


async def test_a_batch_while_waiting_is_relayed_in_order_with_a_note_each(
    paused: Webhook, database_url
):
    from assistant.handoff.live import LiveDesk
    from assistant.handoff.relay import waiting_note

    place = LiveDesk(database_url).enqueue(PSID, "facebook")
    body = page(text_event("một", mid="mid.b1"), text_event("hai", mid="mid.b2"))
    await paused.post(body)
    await paused.settle()
    assert await paused.graph.wait_for(2) == [{"text": waiting_note(place)}] * 2
    assert [m[2] for m in desk_messages(database_url)] == ["một", "hai"]


async def test_without_a_live_conversation_a_silent_turn_stays_silent(
    paused: Webhook, database_url
):
    from assistant.handoff.live import LiveDesk

    desk = LiveDesk(database_url)
    desk.enqueue("another-psid", "facebook")  # someone else's conversation
    ended = desk.enqueue(PSID, "facebook")
    desk.close(ended.handoff_id, "canbo1")  # this user's, but ended
    assert (await paused.post(page(text_event(LIVE_SAID, mid="mid.live3"))))[0] == 200
    await paused.settle()
    await asyncio.sleep(0.1)
    assert paused.texts == [LIVE_SAID]
    assert paused.graph.requests == [] and paused.channel.outbox.pending() == 0
    assert desk_messages(database_url) == []


async def test_a_turn_that_answered_is_not_relayed(paused: Webhook, database_url):
    from assistant.handoff.live import LiveDesk

    LiveDesk(database_url).enqueue(PSID, "facebook")
    await paused.post(page(text_event("xin chào", mid="mid.live4")))
    await paused.settle()
    assert await paused.graph.wait_for(1) == [{"text": "Chào"}]
    assert desk_messages(database_url) == []


# --- staff messages after the 24-hour window: the HUMAN_AGENT tag ---------------------------


async def test_a_staff_message_tagged_human_agent_is_sent_as_a_message_tag(graph: FakeGraph):
    from rasa.shared.core.events import BotUttered

    output = output_of(graph)
    staff = "Anh/Chị mang theo CCCD bản gốc nhé."
    metadata = {"staff": "canbo1", "desk": 7, "messaging_tag": "HUMAN_AGENT"}
    # What Rasa hands the output channel for a bot event appended with execute_side_effects:
    # the metadata's keys become send_text_message's keyword arguments.
    await output.send_response(PSID, BotUttered(staff, metadata=metadata).message())
    await output.send_response(PSID, BotUttered("Trợ lý trả lời.").message())
    await graph.wait_for(2)
    tagged, normal = (r.json for r in graph.requests)
    assert tagged == {
        "recipient": {"id": PSID},
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "message": {"text": staff},
    }
    assert normal == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {"text": "Trợ lý trả lời."},
    }
    assert output.sent == 2
    await output.outbox.aclose()


async def test_every_piece_of_a_long_tagged_staff_message_carries_the_tag(graph: FakeGraph):
    output = output_of(graph)
    await output.send_text_message(PSID, LONG_TEXT, messaging_tag="HUMAN_AGENT", staff="canbo1")
    await output.send_text_message(PSID, "Không gắn thẻ", messaging_tag="SOMETHING_ELSE")
    delivered = await graph.wait_for(4)
    tagged = [r.json for r in graph.requests[:3]]
    assert all((b["messaging_type"], b["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT") for b in tagged)
    assert all(set(m) == {"text"} for m in delivered)  # no "_tag" reaches Graph
    assert " ".join(m["text"] for m in delivered[:3]).split() == LONG_TEXT.split()
    last = graph.requests[3].json
    assert last["messaging_type"] == "RESPONSE" and "tag" not in last
    await output.outbox.aclose()


# --- photos and locations for a petition (assistant/channels/attachments.py) -----------------


def attachment_event(*attachments: Dict[str, Any], mid: str = "mid.att") -> Dict[str, Any]:
    return {
        "sender": {"id": PSID},
        "recipient": {"id": "PAGE"},
        "timestamp": 1,
        "message": {"mid": mid, "attachments": list(attachments)},
    }


def image(url: str) -> Dict[str, Any]:
    return {"type": "image", "payload": {"url": url}}


def location(lat: Any, long: Any) -> Dict[str, Any]:
    return {
        "type": "location",
        "title": "Vị trí của tôi",
        "payload": {"coordinates": {"lat": lat, "long": long}},
    }


PHOTO_PAYLOAD = re.compile(r'/send_photo\{"photo_token":"([A-Za-z0-9_-]{24})"\}')


@pytest.fixture
async def cdn():
    server = await FakeCDN().start()
    server.files["scene.jpg"] = (jpeg_with_gps(), "image/jpeg")
    server.files["doc.jpg"] = (b"bien ban hop to dan pho", "image/jpeg")
    yield server
    await server.stop()


@pytest.fixture
def media(webhook: Webhook) -> Webhook:
    webhook.channel.allow_loopback_media = True  # the fake CDN is plain http on 127.0.0.1
    return webhook


def stored_photo(token: str):
    from sqlalchemy import select

    from assistant.db.models import PetitionPhoto
    from assistant.db.session import session_scope

    with session_scope() as session:
        return session.scalar(select(PetitionPhoto).where(PetitionPhoto.token == token))


async def test_a_photo_becomes_a_send_photo_turn_stored_without_exif(media: Webhook, cdn):
    url = cdn.url("scene.jpg") + "?_nc_sig=abc&oh=token"
    assert (await media.post(page(attachment_event(image(url), mid="mid.photo"))))[0] == 200
    await media.graph.wait_for(1)
    [message] = media.received
    match = PHOTO_PAYLOAD.fullmatch(message.text)
    assert match, message.text
    assert (message.sender_id, message.message_id) == (PSID, "mid.photo")
    row = stored_photo(match.group(1))
    assert row is not None and row.petition_id is None
    clean = Image.open(io.BytesIO(row.data))
    assert dict(clean.getexif()) == {} and b"Exif" not in row.data
    assert media.graph.delivered == [{"text": DEFAULT_REPLY}]


async def test_a_text_file_as_a_photo_is_refused_with_the_reason(media: Webhook, cdn):
    await media.post(page(attachment_event(image(cdn.url("doc.jpg")))))
    await media.settle()
    [reply] = await media.graph.wait_for(1)
    assert "không phải ảnh JPEG, PNG hoặc WebP" in reply["text"]
    assert media.received == []


async def test_an_oversized_photo_is_refused(media: Webhook, cdn):
    await media.post(page(attachment_event(image(cdn.url("stream/5300000")))))
    await media.settle()
    assert await media.graph.wait_for(1) == [{"text": TOO_BIG}]
    assert media.received == []


async def test_photos_and_a_location_in_one_message_are_turns_in_order(media: Webhook, cdn):
    body = page(
        attachment_event(
            image(cdn.url("scene.jpg")), location(10.0312, 105.7801), image(cdn.url("doc.jpg"))
        )
    )
    await media.post(body)
    await media.settle()
    replies = await media.graph.wait_for(3)
    assert len(media.received) == 2
    assert PHOTO_PAYLOAD.fullmatch(media.received[0].text)
    assert media.received[1].text == '/send_location{"latitude":"10.0312","longitude":"105.7801"}'
    assert replies[:2] == [{"text": DEFAULT_REPLY}] * 2 and "không phải ảnh" in replies[2]["text"]


async def test_a_location_becomes_a_send_location_turn(webhook: Webhook):
    await webhook.post(page(attachment_event(location(10.03, 105.78), mid="mid.loc")))
    await webhook.graph.wait_for(1)
    assert webhook.texts == ['/send_location{"latitude":"10.03","longitude":"105.78"}']
    assert webhook.received[0].message_id == "mid.loc"


@pytest.mark.parametrize("lat, long", [(-91, 105.78), (10.03, 181), ("x", 1), (None, None)])
async def test_an_impossible_location_is_refused_politely(webhook: Webhook, lat, long):
    await webhook.post(page(attachment_event(location(lat, long))))
    await webhook.settle()
    assert await webhook.graph.wait_for(1) == [{"text": BAD_LOCATION}]
    assert webhook.received == []


@pytest.mark.parametrize(
    "message",
    [
        {"mid": "mid.like", "sticker_id": 369239263, "attachments": [image("https://x.test/s")]},
        {"mid": "mid.st", "attachments": [{"type": "image", "payload": {"sticker_id": 1}}]},
        {"mid": "mid.au", "attachments": [{"type": "audio", "payload": {"url": "https://x"}}]},
    ],
)
async def test_stickers_and_other_attachments_keep_the_text_only_reply(
    webhook: Webhook, cdn, message
):
    event = {"sender": {"id": PSID}, "recipient": {"id": "PAGE"}, "message": message}
    await webhook.post(page(event))
    await webhook.settle()
    assert await webhook.graph.wait_for(1) == [{"text": TEXT_ONLY_REPLY}]
    assert webhook.received == [] and cdn.requests == []


async def test_a_location_in_a_live_conversation_reaches_staff_as_a_note(
    paused: Webhook, database_url
):
    from assistant.handoff.live import LiveDesk

    LiveDesk(database_url).enqueue(PSID, "facebook")
    await paused.post(page(attachment_event(location(10.03, 105.78), mid="mid.live-loc")))
    await paused.settle()
    [(_, direction, text)] = desk_messages(database_url)
    assert (direction, text) == ("in", LOCATION_NOTE)
    assert paused.texts == ['/send_location{"latitude":"10.03","longitude":"105.78"}']


# --- operations metrics (assistant.metrics.series) --------------------------------------


def messenger_metrics() -> Dict[str, float]:
    from prometheus_client import REGISTRY

    def value(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    return {
        "messages": value("assistant_messages_total", channel="facebook"),
        "replies": value("assistant_reply_seconds_count", channel="facebook"),
        "facebook_failed": value("assistant_errors_total", where="facebook_failed"),
    }


def moved_since(before: Dict[str, float]) -> Dict[str, float]:
    after = messenger_metrics()
    return {key: after[key] - before[key] for key in before if after[key] != before[key]}


async def test_each_turn_is_counted_and_timed(webhook: Webhook):
    before = messenger_metrics()
    await webhook.post(page(text_event("thủ tục khai sinh", mid="mid.m1")))
    await webhook.settle()
    assert moved_since(before) == {"messages": 1, "replies": 1}


async def test_a_failed_turn_is_counted_and_still_timed(graph: FakeGraph):
    channel = MessengerInput(VERIFY, SECRET, TOKEN, graph_base=graph.base_url, retry=FAST)

    async def broken(message: UserMessage) -> None:
        raise RuntimeError("tracker store down")

    before = messenger_metrics()
    with pytest.raises(RuntimeError):
        await channel._turn(
            PSID, "xin chào", "xin chào", "mid.m2", channel.get_output_channel(), broken
        )
    assert moved_since(before) == {"messages": 1, "replies": 1, "facebook_failed": 1}
