"""The Zalo channel over real HTTP: a Sanic app on loopback with the channel registered the
way Rasa registers it, and a fake Zalo API (tests/channels/fake_zalo.py) on another port."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import re
import socket
import time
import uuid
from datetime import timedelta
from typing import Any, Dict, List

import aiohttp
import pytest
from PIL import Image
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from assistant.channels.attachments import (
    BAD_LOCATION,
    NOT_DOWNLOADED,
    PHOTO_NOTE,
    TOO_BIG,
    TOO_MANY,
)
from assistant.channels.outbox import RetryPolicy
from assistant.channels.rest import APOLOGY
from assistant.channels.tokens import TokenPair, TokenRepository, utcnow
from assistant.channels.zalo import (
    MENU_HINT,
    TEXT_LIMIT,
    TEXT_ONLY_REPLY,
    WELCOME,
    ButtonMemory,
    ZaloInput,
    expected_signature,
    numbered_menu,
    parse_event,
    signature_matches,
    split_text,
    zalo_message,
)
from assistant.settings import get_settings
from tests.channels.fake_cdn import FakeCDN, jpeg_with_gps
from tests.channels.fake_zalo import APP_SECRET, FakeZalo

APP_ID = "4381902311"
OA_SECRET = "oa-secret-key-for-tests"
TIMESTAMP = "1732770000123"
USER = "8475630011223344"
BUTTONS = [
    {"title": "Đăng ký khai sinh", "payload": '/choose_procedure{"procedure_code":"1.001193"}'},
    {"title": "Đăng ký kết hôn", "payload": '/choose_procedure{"procedure_code":"1.000894"}'},
    {"title": "Cấp căn cước", "payload": '/choose_procedure{"procedure_code":"2.001255"}'},
]
LINES = [
    f"Bước {i}: nộp tờ khai và bản sao giấy tờ tại Bộ phận Một cửa UBND xã." for i in range(35)
]
PARAGRAPH = " ".join(f"giấy-tờ-{i}" for i in range(190))  # one line over 2000 characters
# About 4,600 characters: 25 lines that fit one message, the long line, 10 more lines.
LONG_TEXT = "\n".join(LINES[:25]) + "\n" + PARAGRAPH + "\n" + "\n".join(LINES[25:])
FAST_RETRIES = RetryPolicy(max_attempts=6, base_delay=0.05, max_delay=0.2, poll=0.05)


def now_ms(shift: float = 0.0) -> str:
    """A Zalo timestamp (milliseconds) ``shift`` seconds from now: events must be fresh."""
    return str(int((time.time() + shift) * 1000))


def text_event(text: str, msg_id: str, user: str = USER, timestamp: str | None = None) -> Dict:
    timestamp = timestamp or now_ms()
    return {
        "app_id": APP_ID,
        "user_id_by_app": "5521",
        "event_name": "user_send_text",
        "timestamp": timestamp,
        "sender": {"id": user},
        "recipient": {"id": "579745863508352884"},
        "message": {"text": text, "msg_id": msg_id},
    }


def media_event(name: str, msg_id: str) -> Dict:
    kind = name.removeprefix("user_send_")
    return {
        "app_id": APP_ID,
        "event_name": name,
        "timestamp": now_ms(),
        "sender": {"id": USER},
        "recipient": {"id": "579745863508352884"},
        "message": {
            "msg_id": msg_id,
            "attachments": [{"type": kind, "payload": {"url": "https://zalo.example/a"}}],
        },
    }


def follow_event(name: str = "follow", user: str = USER) -> Dict:
    return {
        "app_id": APP_ID,
        "oa_id": "579745863508352884",
        "event_name": name,
        "timestamp": now_ms(),
        "follower": {"id": user},
        "source": "oa_profile",
    }


async def drained(outbox, timeout: float = 10.0) -> None:
    """Wait until the outbox holds nothing pending (a reply is deleted just after it is sent)."""
    deadline = time.monotonic() + timeout
    while outbox.pending():
        assert time.monotonic() < deadline, f"{outbox.pending()} reply(ies) still pending"
        await asyncio.sleep(0.02)


class Bot:
    """Stands in for Rasa's agent: records messages, answers through the output channel."""

    def __init__(self) -> None:
        self.messages: List[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        out, sender = message.output_channel, message.sender_id
        if message.text == "dài":
            await out.send_text_message(sender, LONG_TEXT)
        elif message.text == "nút":
            await out.send_text_with_buttons(sender, "Anh/Chị muốn làm thủ tục nào?", BUTTONS)
        elif message.text == "lỗi":
            raise RuntimeError("the action server is down")
        elif message.text != "im lặng":
            await out.send_text_message(sender, f"Trả lời: {message.text}")

    @property
    def texts(self) -> List[str]:
        return [m.text for m in self.messages]


class Webhook:
    """A ZaloInput served by Sanic on a loopback port, registered as Rasa registers it."""

    def __init__(self, channel: ZaloInput, bot: Bot) -> None:
        self.channel, self.bot = channel, bot
        # Sanic 21.12 rewrites its HTTP methods on every app start; outside test mode the
        # second app in a process fails (KeyError 'http1_request_header'). Left on, as Rasa's
        # own test suite does: turning it off again would break the next module's apps.
        Sanic.test_mode = True
        self.app = Sanic(f"zalo_test_{uuid.uuid4().hex[:12]}", configure_logging=False)
        self.app.ctx.agent = bot
        register([channel], self.app, route="/webhooks/")
        self.server = None
        self.base = ""

    async def start(self) -> Webhook:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{sock.getsockname()[1]}/webhooks/zalo"
        self.server = await self.app.create_server(
            sock=sock, return_asyncio_server=True, access_log=False
        )
        await self.server.startup()
        await self.server.after_start()
        return self

    async def stop(self) -> None:
        await self.server.before_stop()
        await self.server.close()
        await self.server.after_stop()

    async def post(
        self, payload: Any = None, signature: str | None = "valid", raw: bytes | None = None
    ) -> tuple:
        body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "valid":
            mac = expected_signature(APP_ID, body, str(payload["timestamp"]), OA_SECRET)
            headers["X-ZEvent-Signature"] = f"mac={mac}"
        elif signature is not None:
            headers["X-ZEvent-Signature"] = signature
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{self.base}/webhook", data=body, headers=headers) as answer:
                return answer.status, await answer.json()

    async def settle(self) -> None:
        await self.channel.wait_idle()


def make_channel(fake: FakeZalo, **overrides: Any) -> ZaloInput:
    options = dict(
        app_id=APP_ID,
        oa_secret_key=OA_SECRET,
        app_secret=APP_SECRET,
        access_token="access-0",
        refresh_token="refresh-0",
        api_base=fake.url,
        oauth_base=fake.url,
        retry=FAST_RETRIES,
        refresh_backoff=0.01,
    )
    options.update(overrides)
    return ZaloInput(**options)


@pytest.fixture
async def fake():
    server = await FakeZalo(APP_ID).start()
    yield server
    await server.stop()


@pytest.fixture
async def hook(database_url, fake):
    webhook = await Webhook(make_channel(fake), Bot()).start()
    yield webhook
    await webhook.stop()


# --- over HTTP ------------------------------------------------------------------------------


async def test_signed_message_is_acknowledged_before_the_reply_is_sent(hook, fake):
    fake.send_delay = 0.5
    status, body = await hook.post(text_event("Xin chào", "msg-1"))
    assert (status, body) == (200, {"status": "ok"})
    assert fake.delivered == []  # the answer did not wait for the (slow) reply
    [reply] = await fake.wait_delivered(1)
    assert reply["user_id"] == USER and reply["text"] == "Trả lời: Xin chào"
    [send] = fake.sends()
    assert send.headers["access_token"] == "access-0"
    assert send.json == {"recipient": {"user_id": USER}, "message": {"text": "Trả lời: Xin chào"}}
    [message] = hook.bot.messages
    assert (message.sender_id, message.input_channel, message.message_id) == (
        USER,
        "zalo",
        "msg-1",
    )


async def test_health(hook):
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{hook.base}/") as answer:
            assert (answer.status, await answer.json()) == (200, {"status": "ok"})


async def test_signature_without_mac_prefix_is_accepted(hook, fake):
    payload = text_event("Chào", "msg-bare")
    body = json.dumps(payload, ensure_ascii=False).encode()
    status, _ = await hook.post(
        raw=body,
        signature=expected_signature(APP_ID, body, payload["timestamp"], OA_SECRET).upper(),
    )
    assert status == 200
    await fake.wait_delivered(1)
    assert hook.bot.texts == ["Chào"]


def _signed_elsewhere(payload: Dict, secret: str = OA_SECRET, timestamp: str = TIMESTAMP) -> str:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return "mac=" + expected_signature(APP_ID, body, timestamp, secret)


@pytest.mark.parametrize(
    "signature, status",
    [
        (None, 401),
        ("", 401),
        ("mac=" + "0" * 64, 403),
        ("mac=not-hex", 403),
        ("mac=" + "é" * 64, 403),
        (_signed_elsewhere(text_event("Xin chào", "msg-x"), secret="another-oa"), 403),
        (_signed_elsewhere(text_event("Xin chào", "msg-x"), timestamp="1"), 403),
        (_signed_elsewhere(text_event("Xin chào (sửa)", "msg-x")), 403),  # tampered body
    ],
)
async def test_unsigned_or_badly_signed_calls_are_refused(hook, fake, signature, status):
    answer, _ = await hook.post(text_event("Xin chào", "msg-x"), signature=signature)
    assert answer == status
    await hook.settle()
    await asyncio.sleep(0.05)
    assert hook.bot.messages == [] and fake.requests == []


@pytest.mark.parametrize(
    "body, signed, status",
    [
        # Badly signed: refused before the body is parsed, whatever the body is.
        ("{oops", False, 403),
        (b"\xff\xfe{}", False, 403),
        ("[1, 2]", False, 403),
        ("", False, 403),
        ('{"timestamp": "{ts}", "event_name": oops', False, 403),
        ('{"event_name": "user_send_text"}', False, 403),  # no timestamp to sign with
        ('{"timestamp": "{ts}"}', False, 403),
        # Well signed but malformed: a 400 that says why.
        ('{"timestamp": "{ts}", "event_name": oops', True, 400),
        ('{"timestamp": "{ts}"}', True, 400),  # no event name
        ('{"event_name": "user_send_text", "timestamp": "{ts}"}', True, 400),  # no sender
        ('{"timestamp": "{ts}", "timestamp": "1"}', True, 400),  # the parsed one is unsigned
        (
            '{"timestamp": "{ts}", "event_name": "user_send_text", "message": {"text": 5}}',
            True,
            400,
        ),
    ],
)
async def test_bad_signatures_403_before_parsing_and_malformed_signed_bodies_400(
    hook, fake, body, signed, status
):
    timestamp = now_ms()
    raw = body if isinstance(body, bytes) else body.replace("{ts}", timestamp).encode()
    signature = "mac=" + "1" * 64
    if signed:
        signature = "mac=" + expected_signature(APP_ID, raw, timestamp, OA_SECRET)
    answer, body = await hook.post(raw=raw, signature=signature)
    assert answer == status
    if status == 400:
        assert body["error"] == "bad_request"
    await hook.settle()
    assert hook.bot.messages == [] and fake.requests == []


async def test_a_redelivered_message_is_answered_once_even_after_a_restart(hook, fake):
    payload = text_event("Làm căn cước ở đâu?", "msg-dup")
    answers = await asyncio.gather(*(hook.post(payload) for _ in range(3)))
    assert [status for status, _ in answers] == [200, 200, 200]
    await hook.settle()
    await fake.wait_delivered(1)
    restarted = await Webhook(make_channel(fake), Bot()).start()
    try:
        assert (await restarted.post(payload))[0] == 200
        await restarted.settle()
    finally:
        await restarted.stop()
    assert len(hook.bot.messages) + len(restarted.bot.messages) == 1
    assert fake.texts() == ["Trả lời: Làm căn cước ở đâu?"]


@pytest.mark.parametrize(
    "event",
    [
        "user_send_sticker",
        "user_send_gif",
        "user_send_file",
        "user_send_audio",
        "user_send_video",
    ],
)
async def test_media_gets_a_polite_text_only_reply(hook, fake, event):
    assert (await hook.post(media_event(event, f"{event}-1")))[0] == 200
    [reply] = await fake.wait_delivered(1)
    assert reply["text"] == TEXT_ONLY_REPLY and reply["user_id"] == USER
    assert "Anh/Chị" in TEXT_ONLY_REPLY and "tôi" in TEXT_ONLY_REPLY
    assert hook.bot.messages == []


async def test_follow_gets_the_welcome_once(hook, fake):
    payload = follow_event()
    for _ in range(2):  # Zalo redelivers
        assert (await hook.post(payload))[0] == 200
    await hook.settle()
    assert fake.texts() == [WELCOME]


@pytest.mark.parametrize("name", ["unfollow", "user_seen_message", "oa_send_text", "new_thing"])
async def test_other_events_are_ignored(hook, fake, name):
    payload = (
        follow_event(name) if name == "unfollow" else {"event_name": name, "timestamp": now_ms()}
    )
    assert await hook.post(payload) == (200, {"status": "ok"})
    await hook.settle()
    assert hook.bot.messages == [] and fake.requests == []


async def test_long_answers_are_split_in_order_under_the_limit(hook, fake):
    await hook.post(text_event("dài", "msg-long"))
    await hook.settle()
    texts = fake.texts()
    assert len(LONG_TEXT) > 4000 and len(texts) >= 3
    assert all(0 < len(text) <= TEXT_LIMIT for text in texts)
    assert " ".join(texts).split() == LONG_TEXT.split()
    # cut after a line, then inside the long line between words
    assert texts[0].endswith(LINES[24]) and texts[1].startswith("giấy-tờ-0 ")
    assert texts[-1].endswith(LINES[-1])


async def test_buttons_become_a_numbered_list_and_a_number_sends_the_payload(hook, fake):
    await hook.post(text_event("nút", "msg-b1"))
    await hook.settle()
    [menu] = fake.texts()
    assert "1. Đăng ký khai sinh\n2. Đăng ký kết hôn\n3. Cấp căn cước" in menu
    assert menu.startswith("Anh/Chị muốn làm thủ tục nào?") and menu.endswith(MENU_HINT)
    await hook.post(text_event("2", "msg-b2"))
    await hook.post(text_event("2", "msg-b3"))  # the menu was answered: now just "2"
    await hook.settle()
    assert hook.bot.texts == ["nút", BUTTONS[1]["payload"], "2"]


async def test_an_expired_token_is_refreshed_stored_before_use_and_never_reused(hook, fake):
    stored_at_first_use: Dict[str, TokenPair | None] = {}
    fake.on_new_token = lambda token: stored_at_first_use.setdefault(
        token, TokenRepository("zalo").load()
    )
    fake.expire_access_tokens()
    await hook.post(text_event("Lệ phí bao nhiêu?", "msg-t1"))
    [reply] = await fake.wait_delivered(1)
    assert reply["token"] == "access-1" and reply["text"] == "Trả lời: Lệ phí bao nhiêu?"
    [refresh] = fake.refreshes()
    assert refresh.headers["secret_key"] == APP_SECRET
    assert refresh.form == {
        "app_id": APP_ID,
        "grant_type": "refresh_token",
        "refresh_token": "refresh-0",
    }
    stored = stored_at_first_use["access-1"]
    assert (stored.access_token, stored.refresh_token) == ("access-1", "refresh-1")
    assert stored.expires_at > utcnow() + timedelta(hours=24)

    fake.expire_access_tokens()
    await hook.post(text_event("Nộp ở đâu?", "msg-t2"))
    await fake.wait_delivered(2)
    assert [r.form["refresh_token"] for r in fake.refreshes()] == ["refresh-0", "refresh-1"]
    assert fake.reused_refresh == []
    assert fake.delivered[-1]["token"] == "access-2"
    assert TokenRepository("zalo").load().refresh_token == "refresh-2"


async def test_concurrent_expiries_lead_to_one_refresh(hook, fake):
    fake.expire_access_tokens()
    users = [f"user-{i}" for i in range(4)]
    await asyncio.gather(
        *(hook.post(text_event("Chào", f"msg-c{i}", user=u)) for i, u in enumerate(users))
    )
    await fake.wait_delivered(4)
    assert len(fake.refreshes()) == 1 and fake.reused_refresh == []
    assert sorted(m["user_id"] for m in fake.delivered) == users


async def test_a_failing_refresh_is_retried_and_the_reply_delivered_later(hook, fake, caplog):
    caplog.set_level(logging.INFO, logger="assistant.channels")
    fake.expire_access_tokens()
    fake.refresh_failures = 4  # all three tries of the first round, one of the next
    await hook.post(text_event("Thời hạn giải quyết?", "msg-r1"))
    await hook.settle()
    assert fake.delivered == [] and hook.channel.outbox.pending() == 1
    assert "pending" in caplog.text
    [reply] = await fake.wait_delivered(1)
    assert reply["text"] == "Trả lời: Thời hạn giải quyết?" and reply["token"] == "access-1"
    assert len(fake.refreshes()) == 5 and fake.reused_refresh == []
    await drained(hook.channel.outbox)


async def test_replies_waiting_for_retry_keep_their_order(hook, fake):
    fake.send_failures = 2
    await hook.post(text_event("một", "msg-o1"))
    await hook.settle()
    await hook.post(text_event("hai", "msg-o2"))  # sent behind "một", not before it
    await fake.wait_delivered(2)
    assert fake.texts() == ["Trả lời: một", "Trả lời: hai"]


async def test_tokens_in_the_database_win_over_the_environment(hook, fake):
    TokenRepository("zalo").save(
        TokenPair("access-db", "refresh-db", utcnow() + timedelta(hours=20))
    )
    fake.valid_access.add("access-db")
    await hook.post(text_event("Chào", "msg-db"))
    [reply] = await fake.wait_delivered(1)
    assert reply["token"] == "access-db" and fake.refreshes() == []


async def test_a_token_about_to_expire_is_refreshed_before_sending(hook, fake):
    fake.valid_refresh.add("refresh-db")
    TokenRepository("zalo").save(
        TokenPair("access-0", "refresh-db", utcnow() + timedelta(minutes=1))
    )
    await hook.post(text_event("Chào", "msg-soon"))
    [reply] = await fake.wait_delivered(1)
    assert reply["token"] == "access-1" and len(fake.sends()) == 1
    assert [r.form["refresh_token"] for r in fake.refreshes()] == ["refresh-db"]


@pytest.mark.parametrize("text", ["lỗi", "im lặng"])
async def test_a_failed_or_silent_turn_gets_an_apology(hook, fake, text):
    await hook.post(text_event(text, f"msg-{text}"))
    await hook.settle()
    assert fake.texts() == [APOLOGY]


async def test_no_message_text_token_or_secret_is_logged(hook, fake, caplog):
    caplog.set_level(logging.DEBUG)
    secret_text = "Số điện thoại của tôi là 0987654321, CCCD 079203001234"
    fake.expire_access_tokens()
    fake.refresh_failures = 3
    fake.send_failures = 1
    await hook.post(text_event(secret_text, "msg-log1"))
    await hook.post(text_event("nút", "msg-log2"))
    await hook.post(text_event("1", "msg-log3"))
    await hook.post(raw=b"{oops", signature="mac=" + "0" * 64)
    await hook.post(text_event(secret_text, "msg-log4"), signature="mac=" + "0" * 64)
    await fake.wait_delivered(3)
    await hook.settle()
    assert "pending" in caplog.text  # the log does say what happened
    for leak in [
        secret_text,
        "0987654321",
        "079203001234",
        "Đăng ký khai sinh",
        "procedure_code",
        OA_SECRET,
        APP_SECRET,
        "access-0",
        "refresh-0",
        "access-1",
        "refresh-1",
        USER,
    ]:
        assert leak not in caplog.text


async def test_output_channel_sends_images_as_text_and_only_zalo_shaped_custom_json(
    database_url, fake
):
    out = make_channel(fake).get_output_channel()
    await out.send_response(USER, {"image": "https://example.vn/mau-to-khai.png"})
    await out.send_response(USER, {"custom": {"message": {"text": "Tin nhắn tùy chỉnh"}}})
    await out.send_response(USER, {"custom": {"blocks": [{"type": "section"}]}})
    assert fake.texts() == ["Hình ảnh: https://example.vn/mau-to-khai.png", "Tin nhắn tùy chỉnh"]


async def test_a_channel_without_secret_refuses_everything(database_url, fake):
    webhook = await Webhook(make_channel(fake, oa_secret_key=""), Bot()).start()
    try:
        payload = text_event("Chào", "msg-nosecret")
        body = json.dumps(payload, ensure_ascii=False).encode()
        signature = "mac=" + expected_signature(APP_ID, body, payload["timestamp"], "")
        assert (await webhook.post(raw=body, signature=signature))[0] == 403
    finally:
        await webhook.stop()


# --- pure functions and configuration ---------------------------------------------------------


def test_signature_is_sha256_of_app_id_body_timestamp_and_secret():
    body = b'{"event_name":"user_send_text","timestamp":"1732770000123"}'
    digest = hashlib.sha256(APP_ID.encode() + body + TIMESTAMP.encode() + OA_SECRET.encode())
    assert expected_signature(APP_ID, body, TIMESTAMP, OA_SECRET) == digest.hexdigest()
    for header in (f"mac={digest.hexdigest()}", digest.hexdigest(), f" MAC={digest.hexdigest()}"):
        assert signature_matches(header, APP_ID, body, TIMESTAMP, OA_SECRET)
    assert not signature_matches(f"mac={digest.hexdigest()}", APP_ID, body, TIMESTAMP, "")


@pytest.mark.parametrize(
    "text, limit, expected",
    [
        ("", 10, []),
        ("  \n ", 10, []),
        ("ngắn", 10, ["ngắn"]),
        ("dòng một\ndòng hai\ndòng ba", 18, ["dòng một\ndòng hai", "dòng ba"]),
        ("một hai ba bốn năm", 8, ["một hai", "ba bốn", "năm"]),
        ("abcdefghij", 4, ["abcd", "efgh", "ij"]),
        ("a\n" + "x y z w" + "\nb", 4, ["a", "x y", "z w", "b"]),
        ("😀😀😀", 4, ["😀😀", "😀"]),  # emoji count as two UTF-16 units
    ],
)
def test_split_text(text, limit, expected):
    assert split_text(text, limit) == expected


def test_split_text_keeps_everything_in_order_under_the_limit():
    chunks = split_text(LONG_TEXT)
    assert all(len(chunk) <= TEXT_LIMIT for chunk in chunks)
    assert " ".join(chunks).split() == LONG_TEXT.split()


def test_numbered_menu_and_button_memory():
    text, payloads = numbered_menu("Chọn:", BUTTONS + [{"title": "Cổng DVC", "url": "https://x"}])
    assert "4. Cổng DVC: https://x" in text and payloads[3] == "Cổng DVC"
    memory = ButtonMemory(ttl=60)
    memory.remember("u", payloads)
    assert memory.choose("u", "5") is None  # out of range: the digit goes to Rasa as typed
    memory.remember("u", payloads)
    assert memory.choose("u", " số 1 ") == BUTTONS[0]["payload"]
    memory.remember("u", payloads)
    assert memory.choose("u", "khai sinh") is None and memory.choose("u", "1") is None
    expired = ButtonMemory(ttl=-1)
    expired.remember("u", payloads)
    assert expired.choose("u", "1") is None


def test_parse_event():
    event = parse_event(text_event("Chào", "m1", user=12345), TIMESTAMP)
    assert (event.user_id, event.text, event.msg_id, event.dedupe_key) == (
        "12345",
        "Chào",
        "m1",
        "m1",
    )
    follow = parse_event(follow_event(), TIMESTAMP)
    assert follow.dedupe_key == f"follow:{USER}:{TIMESTAMP}"
    for bad in [
        {"event_name": "user_send_text", "sender": {}, "message": {"text": "x"}},
        {"event_name": "user_send_image", "sender": {"id": "1"}},
        {"event_name": "follow", "follower": {"id": ""}},
        {"event_name": 7},
    ]:
        with pytest.raises(ValueError):
            parse_event(bad, TIMESTAMP)


def test_zalo_message_shapes():
    assert zalo_message({"text": "a"}) == {"text": "a"}
    assert zalo_message({"message": {"attachment": {"type": "template"}}}) is not None
    assert zalo_message({"text": "x" * (TEXT_LIMIT + 1)}) is None
    assert zalo_message(["text"]) is None and zalo_message({"foo": 1}) is None


def test_from_credentials_falls_back_to_the_environment(monkeypatch):
    for name, value in {
        "ZALO_APP_ID": "env-app",
        "ZALO_OA_SECRET_KEY": "env-oa-secret",
        "ZALO_API_BASE": "http://127.0.0.1:9/api",
        "ZALO_OAUTH_BASE": "http://127.0.0.1:9/oauth",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        channel = ZaloInput.from_credentials(None)
        assert (channel.app_id, channel.oa_secret_key) == ("env-app", "env-oa-secret")
        assert channel.client.url == "http://127.0.0.1:9/api/v3.0/oa/message/cs"
        assert channel.tokens.oauth_base == "http://127.0.0.1:9/oauth"
        channel = ZaloInput.from_credentials({"app_id": "yaml-app", "oa_secret_key": ""})
        assert (channel.app_id, channel.oa_secret_key) == ("yaml-app", "env-oa-secret")
        assert ZaloInput.name() == "zalo" and channel.get_output_channel().name() == "zalo"
    finally:
        get_settings.cache_clear()


# --- signature before parsing, replays, the outbox across a restart -------------------------


async def test_a_malformed_body_with_a_bad_signature_is_refused_before_parsing(
    hook, fake, monkeypatch
):
    import assistant.channels.zalo as zalo

    parsed: List[bytes] = []
    monkeypatch.setattr(zalo, "load_payload", lambda body, signed: parsed.append(body))
    raw = ('{"timestamp": "' + now_ms() + '", "event_name": "user_send_text", oops').encode()
    status, body = await hook.post(raw=raw, signature="mac=" + "0" * 64)
    assert (status, body) == (403, {"error": "forbidden"})  # not 400: nothing was parsed
    assert parsed == [] and hook.bot.messages == [] and fake.requests == []


@pytest.mark.parametrize("shift, status", [(-301, 403), (301, 403), (-3600, 403), (-250, 200)])
async def test_events_signed_outside_the_replay_window_are_refused(
    hook, fake, caplog, shift, status
):
    caplog.set_level(logging.DEBUG)
    text = "CCCD của tôi 079203001234"
    payload = text_event(text, f"msg-replay{shift}", timestamp=now_ms(shift))
    answer, body = await hook.post(payload)  # correctly signed, timestamp included
    assert answer == status
    await hook.settle()
    if status == 403:
        assert body == {"error": "stale_event"}
        assert hook.bot.messages == [] and fake.requests == []
        assert "replay window" in caplog.text
    else:
        assert hook.bot.texts == [text]
    for leak in (text, "079203001234", USER):
        assert leak not in caplog.text


async def test_the_replay_window_is_a_setting(database_url, fake, monkeypatch):
    monkeypatch.setenv("ZALO_REPLAY_WINDOW", "60")
    get_settings.cache_clear()
    webhook = await Webhook(make_channel(fake), Bot()).start()
    try:
        assert webhook.channel.replay_window == 60
        old = text_event("Chào", "msg-w1", timestamp=now_ms(-120))
        assert (await webhook.post(old))[0] == 403
        fresh = text_event("Chào", "msg-w2", timestamp=now_ms(-30))
        assert (await webhook.post(fresh))[0] == 200
    finally:
        await webhook.stop()


async def test_replies_pending_when_the_server_stops_are_sent_after_it_restarts(database_url, fake):
    slow = RetryPolicy(max_attempts=8, base_delay=0.3, max_delay=0.3, poll=0.05)
    first = await Webhook(make_channel(fake, retry=slow), Bot()).start()
    fake.send_failures = 10**6
    await first.post(text_event("một", "msg-s1"))
    await first.settle()  # one turn at a time: two concurrent turns may answer in any order
    await first.post(text_event("hai", "msg-s2"))
    await first.settle()
    await first.stop()  # the process ends with both replies unsent
    assert first.channel.outbox.pending() == 2 and fake.delivered == []
    fake.send_failures = 0
    second = await Webhook(make_channel(fake), Bot()).start()  # no new message needed
    try:
        await fake.wait_delivered(2)
        await drained(second.channel.outbox)
        await asyncio.sleep(0.2)
        assert fake.texts() == ["Trả lời: một", "Trả lời: hai"]
    finally:
        await second.stop()


# --- a live conversation with staff (Rasa paused: the turn says nothing) --------------------


class PausedBot(Bot):
    """Rasa with the conversation paused: the message is taken, nothing is said."""

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)


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
async def paused(database_url, fake):
    webhook = await Webhook(make_channel(fake), PausedBot()).start()
    yield webhook
    await webhook.stop()


async def test_while_waiting_a_message_goes_to_staff_masked_and_the_citizen_gets_a_note(
    paused, fake, database_url
):
    from assistant.handoff.live import LiveDesk
    from assistant.handoff.relay import waiting_note

    place = LiveDesk(database_url).enqueue(USER, "zalo")
    assert (await paused.post(text_event(LIVE_SAID, "msg-live-1")))[0] == 200
    await paused.settle()
    await drained(paused.channel.outbox)
    assert fake.texts() == [waiting_note(place)]
    assert "cán bộ đọc khi tiếp nhận" in fake.texts()[0] and APOLOGY not in fake.texts()
    assert paused.bot.texts == [LIVE_SAID]  # Rasa still logged it (in its paused tracker)
    [(handoff_id, direction, text)] = desk_messages(database_url)
    assert (handoff_id, direction) == (place.handoff_id, "in")
    assert text.startswith("Hồ sơ của tôi bị trả lại") and LIVE_PHONE not in text
    assert not any(digit in text for digit in "0123456789")


async def test_once_taken_a_message_goes_to_staff_and_nothing_is_sent(paused, fake, database_url):
    from assistant.handoff.live import LiveDesk

    desk = LiveDesk(database_url)
    place = desk.enqueue(USER, "zalo")
    desk.take(place.handoff_id, "canbo1")
    assert (await paused.post(text_event(LIVE_SAID, "msg-live-2")))[0] == 200
    await paused.settle()
    await asyncio.sleep(0.1)
    assert fake.requests == [] and paused.channel.outbox.pending() == 0
    citizen = [m for m in desk_messages(database_url) if m[1] == "in"]
    assert len(citizen) == 1 and citizen[0][0] == place.handoff_id
    assert LIVE_PHONE not in citizen[0][2]


async def test_waiting_then_taken_only_the_first_message_gets_a_note(paused, fake, database_url):
    from assistant.handoff.live import LiveDesk
    from assistant.handoff.relay import waiting_note

    desk = LiveDesk(database_url)
    place = desk.enqueue(USER, "zalo")
    await paused.post(text_event("Tôi cần hỏi về hồ sơ đất đai", "msg-live-3"))
    await paused.settle()
    desk.take(place.handoff_id, "canbo1")
    await paused.post(text_event("Vâng, tôi vẫn đang chờ", "msg-live-4"))
    await paused.settle()
    await drained(paused.channel.outbox)
    assert fake.texts() == [waiting_note(place)]
    assert [m[2] for m in desk_messages(database_url) if m[1] == "in"] == [
        "Tôi cần hỏi về hồ sơ đất đai",
        "Vâng, tôi vẫn đang chờ",
    ]


async def test_without_a_live_conversation_a_silent_turn_still_gets_the_apology(
    paused, fake, database_url
):
    from assistant.handoff.live import LiveDesk

    desk = LiveDesk(database_url)
    desk.enqueue("another-zalo-user", "zalo")  # someone else's conversation
    ended = desk.enqueue(USER, "zalo")
    desk.close(ended.handoff_id, "canbo1")  # this user's, but ended
    assert (await paused.post(text_event(LIVE_SAID, "msg-live-5")))[0] == 200
    await paused.settle()
    await drained(paused.channel.outbox)
    assert fake.texts() == [APOLOGY]
    assert desk_messages(database_url) == []


async def test_a_turn_that_answered_is_not_relayed(hook, fake, database_url):
    from assistant.handoff.live import LiveDesk

    LiveDesk(database_url).enqueue(USER, "zalo")
    await hook.post(text_event("Xin chào", "msg-live-6"))
    await hook.settle()
    await drained(hook.channel.outbox)
    assert fake.texts() == ["Trả lời: Xin chào"]
    assert desk_messages(database_url) == []


# --- photos and locations for a petition (assistant/channels/attachments.py) -----------------


def image_event(urls: List[str], msg_id: str, user: str = USER) -> Dict:
    """Zalo's user_send_image: one attachment per photo, ``payload.url`` and a thumbnail."""
    items = [{"type": "image", "payload": {"url": u, "thumbnail": u}} for u in urls]
    return {
        "app_id": APP_ID,
        "event_name": "user_send_image",
        "timestamp": now_ms(),
        "sender": {"id": user},
        "recipient": {"id": "579745863508352884"},
        "message": {"msg_id": msg_id, "text": "", "attachments": items},
    }


def location_event(latitude: Any, longitude: Any, msg_id: str) -> Dict:
    """Zalo's user_send_location: the coordinates are strings."""
    coordinates = {"latitude": latitude, "longitude": longitude}
    return {
        "app_id": APP_ID,
        "event_name": "user_send_location",
        "timestamp": now_ms(),
        "sender": {"id": USER},
        "recipient": {"id": "579745863508352884"},
        "message": {
            "msg_id": msg_id,
            "text": "Bến Ninh Kiều",
            "attachments": [{"type": "location", "payload": {"coordinates": coordinates}}],
        },
    }


@pytest.fixture
async def cdn():
    server = await FakeCDN().start()
    server.files["a.jpg"] = (jpeg_with_gps(color=(10, 120, 200)), "image/jpeg")
    server.files["b.jpg"] = (jpeg_with_gps(size=(200, 300)), "image/jpeg")
    server.files["note.jpg"] = (b"CCCD 079203001234", "image/jpeg")
    server.files["big.jpg"] = (b"\xff\xd8\xff" + b"\0" * (5 * 1024 * 1024), "image/jpeg")
    yield server
    await server.stop()


@pytest.fixture
async def media(hook):
    hook.channel.allow_loopback_media = True  # the fake CDN is plain http on 127.0.0.1
    return hook


def stored_photo(token: str):
    from sqlalchemy import select

    from assistant.db.models import PetitionPhoto
    from assistant.db.session import session_scope

    with session_scope() as session:
        return session.scalar(select(PetitionPhoto).where(PetitionPhoto.token == token))


PHOTO_PAYLOAD = re.compile(r'/send_photo\{"photo_token":"([A-Za-z0-9_-]{24})"\}')


async def test_photos_become_send_photo_turns_in_order_and_are_stored_clean(media, fake, cdn):
    status, _ = await media.post(image_event([cdn.url("a.jpg"), cdn.url("b.jpg")], "msg-img1"))
    assert status == 200
    await media.settle()
    assert len(media.bot.messages) == 2 and cdn.requests == ["a.jpg", "b.jpg"]
    sizes = []
    for message in media.bot.messages:
        match = PHOTO_PAYLOAD.fullmatch(message.text)
        assert match, message.text
        assert (message.sender_id, message.input_channel) == (USER, "zalo")
        row = stored_photo(match.group(1))
        assert row is not None and row.petition_id is None
        clean = Image.open(io.BytesIO(row.data))
        assert dict(clean.getexif()) == {} and b"Exif" not in row.data
        assert b"PhoneMaker" not in row.data
        sizes.append(clean.size)
    assert sizes == [(320, 240), (200, 300)]  # a.jpg first, then b.jpg
    assert media.bot.messages[0].message_id == "msg-img1"
    await fake.wait_delivered(2)
    assert fake.texts() == [f"Trả lời: {m.text}" for m in media.bot.messages]


async def test_a_redelivered_photo_event_is_handled_once(media, fake, cdn):
    payload = image_event([cdn.url("a.jpg")], "msg-img-dup")
    for _ in range(2):
        assert (await media.post(payload))[0] == 200
        await media.settle()
    assert len(media.bot.messages) == 1 and cdn.requests == ["a.jpg"]


async def test_a_text_file_sent_as_a_photo_is_refused_with_the_reason(media, fake, cdn, caplog):
    caplog.set_level(logging.DEBUG)
    url = cdn.url("note.jpg") + "?sig=secret-cdn-token"
    assert (await media.post(image_event([url], "msg-img2")))[0] == 200
    await media.settle()
    [reply] = await fake.wait_delivered(1)
    assert "không phải ảnh JPEG, PNG hoặc WebP" in reply["text"] and reply["user_id"] == USER
    assert media.bot.messages == []
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("assistant"))
    assert "refused" in ours
    for leak in ("secret-cdn-token", "note.jpg", "079203001234", USER):
        assert leak not in ours


@pytest.mark.parametrize("path", ["big.jpg", "stream/5400000"])
async def test_an_oversized_photo_is_refused(media, fake, cdn, path):
    assert (await media.post(image_event([cdn.url(path)], f"msg-big-{path[:3]}")))[0] == 200
    await media.settle()
    await drained(media.channel.outbox)
    assert fake.texts() == [TOO_BIG] and media.bot.messages == []


async def test_a_good_and_a_bad_photo_answer_in_the_order_sent(media, fake, cdn):
    urls = [cdn.url("note.jpg"), cdn.url("a.jpg")]
    await media.post(image_event(urls, "msg-img3"))
    await media.settle()
    await drained(media.channel.outbox)
    [message] = media.bot.messages
    texts = fake.texts()
    assert len(texts) == 2 and "không phải ảnh" in texts[0]
    assert texts[1] == f"Trả lời: {message.text}"


async def test_more_than_three_photos_in_one_event(media, fake, cdn):
    await media.post(image_event([cdn.url("a.jpg")] * 4, "msg-img4"))
    await media.settle()
    await drained(media.channel.outbox)
    assert len(media.bot.messages) == 3 and len(cdn.requests) == 3
    assert fake.texts()[-1] == TOO_MANY


async def test_photos_are_only_fetched_over_https_in_production(hook, fake, cdn):
    assert hook.channel.allow_loopback_media is False
    await hook.post(image_event([cdn.url("a.jpg")], "msg-img5"))
    await hook.settle()
    [reply] = await fake.wait_delivered(1)
    assert reply["text"] == NOT_DOWNLOADED
    assert cdn.requests == [] and hook.bot.messages == []


async def test_a_location_becomes_a_send_location_turn(hook, fake):
    assert (await hook.post(location_event("10.0312", "105.7801", "msg-loc1")))[0] == 200
    await hook.settle()
    assert hook.bot.texts == ['/send_location{"latitude":"10.0312","longitude":"105.7801"}']
    assert hook.bot.messages[0].message_id == "msg-loc1"


@pytest.mark.parametrize("latitude, longitude", [("95.1", "105.78"), ("10.03", "lệch"), (None, 1)])
async def test_an_impossible_location_is_refused_politely(hook, fake, latitude, longitude):
    await hook.post(location_event(latitude, longitude, f"msg-loc-{latitude}"))
    await hook.settle()
    [reply] = await fake.wait_delivered(1)
    assert reply["text"] == BAD_LOCATION and "Anh/Chị" in BAD_LOCATION
    assert hook.bot.messages == []


async def test_a_photo_in_a_live_conversation_reaches_staff_as_a_note(
    paused, fake, cdn, database_url
):
    from assistant.handoff.live import LiveDesk

    paused.channel.allow_loopback_media = True
    LiveDesk(database_url).enqueue(USER, "zalo")
    await paused.post(image_event([cdn.url("a.jpg")], "msg-live-img"))
    await paused.settle()
    [(_, direction, text)] = desk_messages(database_url)
    assert (direction, text) == ("in", PHOTO_NOTE)
    assert PHOTO_PAYLOAD.fullmatch(paused.bot.texts[0])  # Rasa still got the photo


async def test_a_menu_is_not_answered_by_a_number_after_a_photo(media, fake, cdn):
    await media.post(text_event("nút", "msg-menu1"))
    await media.settle()
    await media.post(image_event([cdn.url("a.jpg")], "msg-menu2"))
    await media.settle()
    await media.post(text_event("2", "msg-menu3"))
    await media.settle()
    assert media.bot.texts[-1] == "2"


# --- operations metrics (assistant.metrics.series) ------------------------------------------


def zalo_metrics() -> Dict[str, float]:
    from prometheus_client import REGISTRY

    def value(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    return {
        "messages": value("assistant_messages_total", channel="zalo"),
        "replies": value("assistant_reply_seconds_count", channel="zalo"),
        "zalo_failed": value("assistant_errors_total", where="zalo_failed"),
        "zalo_no_reply": value("assistant_errors_total", where="zalo_no_reply"),
    }


@pytest.mark.parametrize(
    "text, error", [("Xin chào", None), ("lỗi", "zalo_failed"), ("im lặng", "zalo_no_reply")]
)
async def test_each_turn_is_counted_and_timed_and_an_apology_counted_by_its_cause(
    hook, fake, text, error
):
    before = zalo_metrics()
    await hook.post(text_event(text, f"msg-metrics-{text}"))
    await hook.settle()
    after = zalo_metrics()
    moved = {key: after[key] - before[key] for key in before if after[key] != before[key]}
    assert moved == {"messages": 1, "replies": 1, **({error: 1} if error else {})}
