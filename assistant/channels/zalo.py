"""A Zalo Official Account channel: ``POST /webhooks/zalo/webhook``.

Shaped like ``rasa.core.channels.facebook``: an inbound parser, an ``OutputChannel`` with the
``send_*`` methods, an ``InputChannel`` with ``name()``, ``from_credentials()`` and a Sanic
``blueprint()``. What Zalo needs on top:

- every webhook is signed: ``X-ZEvent-Signature: mac=sha256(app_id + body + timestamp +
  oa_secret_key)``; no header is a 401, a wrong one a 403, checked before the body is parsed
  (the signed ``timestamp`` is read from the raw body); a signed timestamp further than
  ``ZALO_REPLAY_WINDOW`` seconds from now is a replay and gets a 403;
- Zalo retries webhooks that answer slowly and then disables them, so the webhook answers
  200 at once and the turn runs in a background task;
- Zalo redelivers events; ``zalo_seen_messages`` makes each one answered once, across
  restarts and processes;
- a photo (``user_send_image``, up to three per event) or a location (``user_send_location``)
  reaches Rasa as a payload for the petition form, one turn each, in order
  (``assistant.channels.attachments``); one refused is explained to the citizen instead;
- replies go through the OA customer-service API, at most 2000 characters a message (longer
  answers are split at lines, then words); buttons become a numbered list and a reply "2"
  reaches Rasa as the second button's payload;
- access tokens expire and refresh tokens are single-use (see ``assistant.channels.tokens``);
  replies go through the database outbox (``assistant.channels.outbox``), retried in order
  across restarts, and shown to staff if they cannot be sent.

Message text, tokens and secrets are never logged (replies may hold citizens' numbers).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Set, Tuple

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.channels import attachments
from assistant.channels.attachments import Attachment, read_attachments
from assistant.channels.outbox import Failure, Outbox, RetryPolicy
from assistant.channels.rest import APOLOGY, EMPTY_PROMPT, MAX_MESSAGE_CHARS
from assistant.channels.text import split_text as _split_text
from assistant.channels.text import utf16_length
from assistant.channels.tokens import (
    SeenMessages,
    TokenPair,
    TokenRefreshError,
    TokenRepository,
    ZaloTokenManager,
)
from assistant.handoff.relay import relay_to_staff, waiting_note
from assistant.metrics import series
from assistant.privacy import install_access_log_redaction
from assistant.settings import get_settings
from assistant.text.normalize import nfc

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-ZEvent-Signature"
TEXT_LIMIT = 2000  # characters per OA message
# Zalo answers HTTP 200 with one of these when the access token is expired or revoked.
TOKEN_EXPIRED_ERRORS = frozenset({-216, -124})
MEDIA_EVENTS = frozenset(
    {
        "user_send_image",
        "user_send_sticker",
        "user_send_gif",
        "user_send_file",
        "user_send_location",
        "user_send_audio",
        "user_send_video",
    }
)
TEXT_EVENT = "user_send_text"
# The attachments Zalo puts in ``message.attachments[] = {"type", "payload"}``: an image's
# ``payload.url``; a location's ``payload.coordinates.latitude/longitude`` (strings). Sources
# (Zalo's own reference was not in our search index): @warriorteam/redai-zalo-sdk
# docs/WEBHOOK_EVENTS.md (app.unpkg.com, 1.32.17) and a logged user_send_location body of a
# public Zalo integration. Other media events keep TEXT_ONLY_REPLY.
PAYLOAD_EVENTS = {"user_send_image": attachments.PHOTO, "user_send_location": attachments.LOCATION}
FOLLOW_EVENT = "follow"
ANSWERED_EVENTS = MEDIA_EVENTS | {TEXT_EVENT, FOLLOW_EVENT}

BUTTON_TTL = 30 * 60  # seconds a numbered menu can be answered by its number
SEEN_RETENTION_DAYS = 7  # Zalo redelivers within minutes; a week is plenty
PRUNE_EVERY = 3600  # seconds between pruning runs of zalo_seen_messages

TEXT_ONLY_REPLY = (
    "Xin lỗi Anh/Chị, tôi chưa đọc được nhãn dán, ảnh động, tệp, video hay tin nhắn thoại "
    "(ảnh chụp và vị trí tôi chỉ nhận kèm một phản ánh). Anh/Chị vui lòng gõ câu hỏi bằng chữ, "
    "ví dụ: “Làm căn cước cần giấy tờ gì?”"
)
WELCOME = (
    "Cảm ơn Anh/Chị đã quan tâm! Tôi là trợ lý ảo hướng dẫn thủ tục hành chính. "
    "Anh/Chị có thể hỏi tôi về giấy tờ, lệ phí, thời gian, nơi nộp hồ sơ của một thủ tục "
    "hoặc tra cứu tình trạng hồ sơ đã nộp."
)
MENU_HINT = "Anh/Chị trả lời bằng số thứ tự (ví dụ: 1) để chọn."

_CHOICE_RE = re.compile(r"(?:số\s*)?(\d{1,2})\s*[.)]?", re.IGNORECASE)
# Where the signed timestamp sits in a raw body, read before the body is parsed.
_TIMESTAMP_RE = re.compile(rb'"timestamp"\s*:\s*"?(\d{1,20})"?')


# --- inbound -------------------------------------------------------------------------------


def expected_signature(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    data = app_id.encode("utf-8") + body + timestamp.encode("utf-8") + oa_secret_key.encode()
    return hashlib.sha256(data).hexdigest()


def signature_matches(
    header: str, app_id: str, body: bytes, timestamp: str, oa_secret_key: str
) -> bool:
    """Zalo sends ``mac=<hex>``; a bare ``<hex>`` is accepted too. Constant-time compare."""
    if not oa_secret_key:
        return False
    given = header.strip()
    if given[:4].lower() == "mac=":
        given = given[4:].strip()
    expected = expected_signature(app_id, body, timestamp, oa_secret_key)
    return hmac.compare_digest(given.lower().encode("utf-8"), expected.encode("ascii"))


def signed_timestamp(header: str, app_id: str, body: bytes, oa_secret_key: str) -> str | None:
    """The timestamp the signature was made with, found in the raw body, or None if the
    signature matches none: an unsigned body is never parsed."""
    for match in list(_TIMESTAMP_RE.finditer(body))[:5]:
        timestamp = match.group(1).decode("ascii")
        if signature_matches(header, app_id, body, timestamp, oa_secret_key):
            return timestamp
    return None


def is_fresh(timestamp: str, window: float, now: float | None = None) -> bool:
    """Zalo timestamps are milliseconds; within ``window`` seconds of now, either way."""
    value = int(timestamp)
    seconds = value / 1000 if value > 10**11 else value
    return abs((time.time() if now is None else now) - seconds) <= window


def load_payload(body: bytes, signed: str) -> Dict[str, Any]:
    """The payload of a signed webhook body, or ValueError; its timestamp must be ``signed``."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("nội dung phải được mã hóa UTF-8") from None
    except ValueError:
        raise ValueError("nội dung không phải JSON hợp lệ") from None
    if not isinstance(payload, dict):
        raise ValueError("cần một đối tượng JSON")
    timestamp = payload.get("timestamp")
    if isinstance(timestamp, bool) or not isinstance(timestamp, (str, int)) or timestamp == "":
        raise ValueError("thiếu 'timestamp'")
    if str(timestamp) != signed:
        raise ValueError("'timestamp' không khớp với chữ ký")
    return payload


@dataclass(frozen=True)
class ZaloEvent:
    name: str
    timestamp: str
    user_id: str = ""
    msg_id: str | None = None
    text: str = ""
    attachments: Tuple[Attachment, ...] = ()

    @property
    def dedupe_key(self) -> str:
        """Zalo's msg_id; events without one (follow) are keyed by user and timestamp."""
        return self.msg_id or f"{self.name}:{self.user_id}:{self.timestamp}"


def _identifier(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value.strip() if isinstance(value, str) and value.strip() else None


def parse_event(payload: Mapping[str, Any], timestamp: str) -> ZaloEvent:
    """The fields the channel uses, or ValueError. Events it ignores need only a name."""
    name = payload.get("event_name")
    if not isinstance(name, str) or not name:
        raise ValueError("thiếu 'event_name'")
    if name not in ANSWERED_EVENTS:
        return ZaloEvent(name, timestamp)
    party = payload.get("follower" if name == FOLLOW_EVENT else "sender")
    user_id = _identifier(party.get("id")) if isinstance(party, Mapping) else None
    if user_id is None:
        raise ValueError("thiếu mã người dùng")
    if name == FOLLOW_EVENT:
        return ZaloEvent(name, timestamp, user_id)
    message = payload.get("message")
    if not isinstance(message, Mapping):
        raise ValueError("thiếu 'message'")
    text = message.get("text")
    if name == TEXT_EVENT and not isinstance(text, str):
        raise ValueError("'message.text' phải là chuỗi ký tự")
    msg_id = _identifier(message.get("msg_id"))
    text = text if isinstance(text, str) else ""
    return ZaloEvent(
        name, timestamp, user_id, msg_id, text, read_attachments(message.get("attachments"))
    )


# --- outbound text -------------------------------------------------------------------------


def split_text(text: str, limit: int = TEXT_LIMIT) -> List[str]:
    """Zalo messages of at most ``limit`` UTF-16 units, in order (see channels.text)."""
    return _split_text(text, limit, utf16_length)


def numbered_menu(text: str, buttons: List[Dict[str, Any]]) -> Tuple[str, List[str]]:
    """Zalo's button templates are fiddly; a numbered list works in every Zalo client.
    Returns the message and, per number, what is sent to Rasa when the user answers it."""
    lines, payloads = [], []
    for number, button in enumerate(buttons, start=1):
        title = str(button.get("title") or button.get("payload") or "").strip()
        url = button.get("url")
        lines.append(f"{number}. {title}: {url}" if url else f"{number}. {title}")
        payloads.append(str(button.get("payload") or title))
    if not lines:
        return text, []
    head = f"{text.rstrip()}\n\n" if text and text.strip() else ""
    return head + "\n".join(lines) + "\n\n" + MENU_HINT, payloads


class ButtonMemory:
    """The payloads of the last numbered menu sent to each user, answerable by the user's
    next message within ``ttl`` seconds. Kept in memory (bounded): after a restart, or in
    another Rasa process, a number simply reaches Rasa as typed."""

    def __init__(self, ttl: float = BUTTON_TTL, max_users: int = 10_000) -> None:
        self.ttl = ttl
        self.max_users = max_users
        self._menus: OrderedDict[str, Tuple[float, List[str]]] = OrderedDict()

    def remember(self, user_id: str, payloads: List[str]) -> None:
        self._menus.pop(user_id, None)
        self._menus[user_id] = (time.monotonic() + self.ttl, list(payloads))
        while len(self._menus) > self.max_users:
            self._menus.popitem(last=False)

    def forget(self, user_id: str) -> None:
        self._menus.pop(user_id, None)

    def choose(self, user_id: str, text: str) -> str | None:
        """The payload ``text`` picks, or None. Any message ends the menu: a "2" typed later
        answers whatever the bot asked then, not an old list."""
        entry = self._menus.pop(user_id, None)
        match = _CHOICE_RE.fullmatch(nfc(text).strip())
        if entry is None or match is None or entry[0] < time.monotonic():
            return None
        number = int(match.group(1))
        payloads = entry[1]
        return payloads[number - 1] if 1 <= number <= len(payloads) else None


def zalo_message(custom: Any) -> Dict[str, Any] | None:
    """A custom payload that already is a Zalo message object (``{"text": …}`` or
    ``{"attachment": …}``, optionally wrapped in ``{"message": …}``), else None."""
    if not isinstance(custom, Mapping):
        return None
    candidate = custom.get("message", custom)
    if not isinstance(candidate, Mapping):
        return None
    text, attachment = candidate.get("text"), candidate.get("attachment")
    if isinstance(attachment, Mapping) or (
        isinstance(text, str) and text.strip() and utf16_length(text) <= TEXT_LIMIT
    ):
        return dict(candidate)
    return None


# --- the OA API client ---------------------------------------------------------------------


class _Outcome(Enum):
    SENT = "sent"
    TOKEN_EXPIRED = "token_expired"
    FAILED = "failed"


class ZaloClient:
    """Sends one OA customer-service message; refreshes the token once when Zalo refuses it.
    Retries are the outbox's (``assistant.channels.outbox``)."""

    def __init__(self, api_base: str, tokens: ZaloTokenManager, timeout: float = 10.0) -> None:
        self.url = f"{api_base.rstrip('/')}/v3.0/oa/message/cs"
        self.tokens = tokens
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def deliver(self, user_id: str, message: Dict[str, Any]) -> Failure | None:
        try:
            token = await self.tokens.access_token()
            outcome, reason = await self._post(token, user_id, message)
            if outcome is _Outcome.TOKEN_EXPIRED:
                pair: TokenPair = await self.tokens.refresh(stale_access_token=token)
                outcome, reason = await self._post(pair.access_token, user_id, message)
        except TokenRefreshError as error:  # its text names no token or secret
            logger.warning("Zalo reply not sent: %s", error)
            return Failure("token refresh failed")
        except Exception as error:  # noqa: BLE001 - whatever broke, the reply waits in the outbox
            logger.error("Zalo reply not sent: %s", type(error).__name__)
            return Failure(type(error).__name__)
        if outcome is _Outcome.TOKEN_EXPIRED:
            logger.warning("Zalo refused a freshly refreshed access token")
            return Failure("access token refused")
        return None if outcome is _Outcome.SENT else Failure(reason)

    async def _post(
        self, token: str, user_id: str, message: Dict[str, Any]
    ) -> Tuple[_Outcome, str]:
        """The outcome and, for a failure, its reason (an error name or code, no content)."""
        body = {"recipient": {"user_id": user_id}, "message": message}
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as http:
                async with http.post(self.url, json=body, headers={"access_token": token}) as r:
                    status = r.status
                    answer = await r.json(content_type=None) if status == 200 else None
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            logger.warning("Zalo send failed: %s", type(error).__name__)
            return _Outcome.FAILED, type(error).__name__
        if status != 200 or not isinstance(answer, Mapping):
            logger.warning("Zalo send failed: HTTP %d", status)
            return _Outcome.FAILED, f"HTTP {status}"
        try:
            code = int(answer.get("error", 0))
        except (TypeError, ValueError):
            code = -1
        if code == 0:
            return _Outcome.SENT, ""
        if code in TOKEN_EXPIRED_ERRORS:
            return _Outcome.TOKEN_EXPIRED, f"Zalo error {code}"
        logger.warning("Zalo refused a reply: error %d", code)
        return _Outcome.FAILED, f"Zalo error {code}"


# --- Rasa channel classes ------------------------------------------------------------------


class ZaloOutput(OutputChannel):
    """Bot messages to a Zalo user. ``sent`` counts messages handed over (sent or queued)."""

    @classmethod
    def name(cls) -> str:
        return "zalo"

    def __init__(self, outbox: Outbox, buttons: ButtonMemory) -> None:
        self.outbox = outbox
        self.buttons = buttons
        self.sent = 0

    async def _send(self, recipient_id: str, messages: List[Dict[str, Any]]) -> None:
        if messages:
            self.sent += 1
            await self.outbox.send(recipient_id, messages)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, [{"text": chunk} for chunk in split_text(text)])

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        menu, payloads = numbered_menu(text, buttons)
        if payloads:
            self.buttons.remember(recipient_id, payloads)
        await self.send_text_message(recipient_id, menu)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, f"Hình ảnh: {image}")

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, f"Tệp đính kèm: {attachment}")

    async def send_custom_json(
        self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any
    ) -> None:
        message = zalo_message(json_message)
        if message is None:
            logger.debug("Custom bot message is not a Zalo message object; not sent")
            return
        await self._send(recipient_id, [message])


class ZaloInput(InputChannel):
    """Webhook of a Zalo Official Account; credentials fall back to the ZALO_* settings."""

    @classmethod
    def name(cls) -> str:
        return "zalo"

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> ZaloInput:
        credentials = credentials or {}
        settings = get_settings()

        def pick(key: str, default: str) -> str:
            value = credentials.get(key)
            return str(value).strip() if value not in (None, "") else default

        return cls(
            app_id=pick("app_id", settings.zalo_app_id),
            oa_secret_key=pick("oa_secret_key", settings.zalo_oa_secret_key),
            app_secret=pick("app_secret", settings.zalo_app_secret),
            access_token=pick("access_token", settings.zalo_access_token),
            refresh_token=pick("refresh_token", settings.zalo_refresh_token),
            api_base=pick("api_base", settings.zalo_api_base),
            oauth_base=pick("oauth_base", settings.zalo_oauth_base),
        )

    def __init__(
        self,
        app_id: str,
        oa_secret_key: str,
        app_secret: str = "",
        access_token: str = "",
        refresh_token: str = "",
        api_base: str = "https://openapi.zalo.me",
        oauth_base: str = "https://oauth.zaloapp.com",
        *,
        database_url: str | None = None,
        retry: RetryPolicy | None = None,
        refresh_backoff: float = 1.0,
        button_ttl: float = BUTTON_TTL,
        replay_window: float | None = None,
        allow_loopback_media: bool = False,
    ) -> None:
        self.app_id = app_id
        self.allow_loopback_media = allow_loopback_media  # the tests' fake CDN on http://127.0.0.1
        self.replay_window = (
            get_settings().zalo_replay_window if replay_window is None else replay_window
        )
        self.oa_secret_key = oa_secret_key
        initial = TokenPair(access_token, refresh_token) if access_token or refresh_token else None
        self.tokens = ZaloTokenManager(
            app_id=app_id,
            app_secret=app_secret,
            oauth_base=oauth_base,
            initial=initial,
            repository=TokenRepository(self.name(), database_url),
            backoff=refresh_backoff,
        )
        self.client = ZaloClient(api_base, self.tokens)
        self.outbox = Outbox(self.name(), self.client.deliver, database_url, retry, "Zalo")
        self.buttons = ButtonMemory(button_ttl)
        self.seen = SeenMessages(database_url)
        self._tasks: Set[asyncio.Task] = set()
        self._pruned_at = 0.0
        series.prepare(self.name(), series.ZALO_ERRORS)
        if not app_id or not oa_secret_key:
            logger.warning("Zalo channel has no app id or OA secret key: every webhook is refused")

    def get_output_channel(self) -> ZaloOutput:
        return ZaloOutput(self.outbox, self.buttons)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        install_access_log_redaction()  # the URL of a handshake or API call carries secrets
        blueprint = Blueprint("zalo_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = request.body or b""
            header = request.headers.get(SIGNATURE_HEADER)
            if not header:
                logger.warning("Zalo webhook refused: no signature")
                return response.json({"error": "unauthorized"}, status=401)
            timestamp = signed_timestamp(header, self.app_id, body, self.oa_secret_key)
            if timestamp is None:
                logger.warning("Zalo webhook refused: wrong signature")
                return response.json({"error": "forbidden"}, status=403)
            if not is_fresh(timestamp, self.replay_window):
                logger.warning("Zalo webhook refused: signed timestamp outside the replay window")
                return response.json({"error": "stale_event"}, status=403)
            try:
                event = parse_event(load_payload(body, timestamp), timestamp)
            except ValueError as error:
                return _bad_request(str(error))
            self._schedule(self._handle(event, on_new_message))
            return response.json({"status": "ok"})

        @blueprint.listener("after_server_start")
        async def start(*_: Any) -> None:
            self.outbox.start()  # what an earlier process left pending goes out now

        @blueprint.listener("before_server_stop")
        async def stop(*_: Any) -> None:
            await self.aclose()

        return blueprint

    async def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until the webhook events received so far are handled (or ``timeout``)."""
        deadline = time.monotonic() + timeout
        while self._tasks and time.monotonic() < deadline:
            await asyncio.wait(set(self._tasks), timeout=deadline - time.monotonic())

    async def aclose(self, wait: float = 5.0) -> None:
        """Give turns in progress a moment, then stop the outbox worker (rows stay stored)."""
        await self.wait_idle(wait)
        await self.outbox.aclose()

    def _schedule(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)  # a task nobody references can be garbage-collected mid-turn
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("Zalo event handling failed: %s", type(task.exception()).__name__)

    async def _handle(
        self, event: ZaloEvent, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        if event.name not in ANSWERED_EVENTS:
            logger.debug("Zalo event ignored: %s", event.name[:40])
            return
        if not await self._first_time(event):
            logger.info("Zalo redelivered an event already handled; ignored")
            return
        if event.name == TEXT_EVENT:
            await self._answer(event, on_new_message)
        elif event.name == FOLLOW_EVENT:
            await self.outbox.send(event.user_id, [{"text": WELCOME}])
        elif event.name in PAYLOAD_EVENTS:
            await self._media(event, on_new_message)
        else:
            await self.outbox.send(event.user_id, [{"text": TEXT_ONLY_REPLY}])

    async def _first_time(self, event: ZaloEvent) -> bool:
        try:
            first = await asyncio.to_thread(self.seen.first_time, event.dedupe_key)
        except Exception as error:  # noqa: BLE001 - better a rare double answer than none
            logger.warning("Zalo redelivery check failed (%s); answering", type(error).__name__)
            return True
        if time.monotonic() - self._pruned_at > PRUNE_EVERY:
            self._pruned_at = time.monotonic()
            try:
                await asyncio.to_thread(self.seen.prune, timedelta(days=SEEN_RETENTION_DAYS))
            except Exception as error:  # noqa: BLE001 - pruning can wait for the next hour
                logger.warning("Pruning zalo_seen_messages failed: %s", type(error).__name__)
        return first

    async def _answer(
        self, event: ZaloEvent, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        text = event.text.strip()
        if not text:
            await self.outbox.send(event.user_id, [{"text": EMPTY_PROMPT}])
            return
        chosen = self.buttons.choose(event.user_id, text)
        await self._turn(
            event.user_id, chosen or text[:MAX_MESSAGE_CHARS], text, event.msg_id, on_new_message
        )

    async def _media(
        self, event: ZaloEvent, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        """Each photo or the location of the event as a payload turn; refusals are told."""
        self.buttons.forget(event.user_id)  # a numbered menu answers only the next message

        async def refuse(reason: str) -> None:
            await self.outbox.send(event.user_id, [{"text": reason}])

        kind = PAYLOAD_EVENTS[event.name]
        items = [item for item in event.attachments if item.kind == kind]
        turns = attachments.payloads(
            items, event.user_id, refuse, allow_loopback=self.allow_loopback_media
        )
        message_id = event.msg_id  # the first turn has the event's id, Rasa makes up the rest
        async for text, note in turns:
            await self._turn(event.user_id, text, note, message_id, on_new_message)
            message_id = None

    async def _turn(
        self,
        user_id: str,
        text: str,
        staff_text: str,
        message_id: str | None,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        """One Rasa turn; when it says nothing, ``staff_text`` goes to a live conversation."""
        output = self.get_output_channel()
        message = UserMessage(
            text, output, user_id, input_channel=self.name(), message_id=message_id
        )
        series.message_received(self.name())
        failed = False
        try:
            with series.reply_timer(self.name()):
                await on_new_message(message)
        except Exception as error:  # noqa: BLE001 - the citizen gets an apology, not silence
            logger.error("Zalo message handling failed: %s", type(error).__name__)
            series.error("zalo_failed")
            failed = True
        if not output.sent:
            place = await relay_to_staff(user_id, staff_text)
            if place is None:
                if not failed:  # the bot said nothing (e.g. the action server was down)
                    series.error("zalo_no_reply")
                await self.outbox.send(user_id, [{"text": APOLOGY}])
            elif waiting_note(place):
                await self.outbox.send(user_id, [{"text": waiting_note(place)}])


def _bad_request(reason: str) -> HTTPResponse:
    return response.json(
        {"error": "bad_request", "message": f"Yêu cầu không hợp lệ: {reason}"}, status=400
    )
