"""Facebook Messenger channel: Rasa's ``facebook`` webhook, made safe for a public page.

Same URL (``/webhooks/facebook/webhook``) and credential names (``verify``, ``secret``,
``page-access-token``) as ``rasa.core.channels.facebook.FacebookInput``. The differences:

- every POST must carry ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with the app
  secret), compared in constant time: missing → 401, wrong → 403, and nothing is processed.
  Rasa's channel checks the legacy SHA-1 header with ``==`` and answers 200 either way;
- the verify-token handshake answers 403 on a wrong token (Rasa answers 200 "failure");
- a body that is not a Messenger ``page`` event gets a 400, never a 500;
- the webhook answers at once and the turn runs in the background: Messenger redelivers a
  POST it does not see acknowledged within seconds, and a Rasa turn can take longer;
- a message Messenger delivers twice (same ``mid``) is answered once;
- a shared photo (``image`` attachment, the first three) or location reaches Rasa as a payload
  for the petition form, one turn each, in order (``assistant.channels.attachments``, shared
  with Zalo); a refused one is explained instead; other attachments get TEXT_ONLY_REPLY;
- replies go to the Graph Send API over aiohttp (``fbmessenger`` blocks the event loop) through
  the outbox shared with Zalo (``assistant.channels.outbox``: kept in the database, retried in
  order across restarts), laid out to Messenger's limits (:func:`render_buttons`);
- neither message text nor tokens are logged (see ``assistant/privacy.py``).

The duplicate ``mid`` memory and the numbered-choice memory live in this process (bounded, in
memory): behind several Rasa workers a redelivery reaching another worker is answered twice,
and a "2" reaching another worker goes to Rasa as the text "2".
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Set, Tuple

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.channels import attachments
from assistant.channels.attachments import Attachment, read_attachments
from assistant.channels.outbox import Failure, Outbox, RetryPolicy
from assistant.channels.rest import MAX_MESSAGE_CHARS
from assistant.channels.text import split_text as _split_text
from assistant.handoff.relay import HUMAN_AGENT, relay_to_staff, waiting_note
from assistant.metrics import series
from assistant.privacy import install_access_log_redaction
from assistant.settings import get_settings

logger = logging.getLogger(__name__)

# Messenger Platform limits (Send API reference, "text", "button template", "quick replies").
TEXT_LIMIT = 2000
# A staff message outside the 24-hour window: the Send API's human-agent tag (7 days, see
# assistant.handoff.relay). The outbox keeps it in the stored message under TAG_KEY, which the
# sender turns into the body's ``messaging_type``/``tag``.
TAG_KEY = "_tag"
TEMPLATE_TEXT_LIMIT = 640
TITLE_LIMIT = 20
PAYLOAD_LIMIT = 1000
MAX_TEMPLATE_BUTTONS = 3
MAX_QUICK_REPLIES = 13

SEND_TIMEOUT_SECONDS = 10.0
# Graph error codes that no retry can fix: bad parameter, permissions, invalid token,
# the person cannot be messaged.
PERMANENT_GRAPH_ERRORS = {10, 100, 190, 200, 551}

SEEN_MESSAGE_IDS = 10_000
CHOICE_TTL_SECONDS = 30 * 60
CHOICE_USERS = 10_000

TEXT_ONLY_REPLY = (
    "Xin lỗi Anh/Chị, tôi chưa đọc được loại tin nhắn này (ảnh chụp và vị trí tôi chỉ nhận kèm "
    "một phản ánh). Anh/Chị vui lòng gõ câu hỏi, "
    "ví dụ: “Đăng ký khai sinh cần giấy tờ gì?”"
)
CHOOSE_PROMPT = "Anh/Chị vui lòng chọn một mục:"
NUMBERED_HINT = "Anh/Chị trả lời bằng số thứ tự (ví dụ: 1) để chọn."

_NUMBER_RE = re.compile(r"^\s*(?:số\s*)?(\d{1,2})\s*[.)]?\s*$", re.IGNORECASE)


def _nfc(text: str) -> str:
    # Messenger counts characters; decomposed Vietnamese (NFD) would count each accent.
    return unicodedata.normalize("NFC", text or "")


def split_text(text: str, limit: int = TEXT_LIMIT) -> List[str]:
    """Messenger messages of at most ``limit`` characters, in order (see channels.text)."""
    return _split_text(_nfc(text), limit)


@dataclass(frozen=True)
class Choice:
    title: str
    payload: str | None
    url: str | None = None


def _choices(buttons: Any) -> List[Choice]:
    out = []
    for button in buttons or []:
        if not isinstance(button, dict):
            continue
        title = " ".join(_nfc(str(button.get("title") or "")).split())
        url = button.get("url") if isinstance(button.get("url"), str) else None
        payload = button.get("payload")
        payload = payload if isinstance(payload, str) and payload else None
        if payload is None and url is None:
            payload = title or None
        title = title or payload or url or ""
        if title:
            out.append(Choice(title, payload, url))
    return out


def render_buttons(text: str, buttons: Any) -> Tuple[List[Dict[str, Any]], List[str | None] | None]:
    """Messenger messages for a text with choices, and the payloads behind the numbers if the
    choices became a numbered list.

    The rule, first match wins:

    1. 1–3 choices, every title ≤ 20 characters, text ≤ 640 → a button template;
    2. 1–13 choices, every title ≤ 20 characters, no link → quick replies under the text;
    3. anything else → the text, a numbered list of the whole titles, and a hint to answer
       with the number.

    Titles are never cut. Vietnamese procedure names share long openings ("Cấp giấy chứng
    nhận…", "Đăng ký thay đổi nội dung…"), so cutting them at 20 characters yields identical or
    meaningless buttons. Payloads over 1,000 characters also go to the list, where they stay
    on our side.
    """
    choices = _choices(buttons)
    text = _nfc(text).strip()
    if not choices:
        return [{"text": piece} for piece in split_text(text)], None
    fits = all(
        len(c.title) <= TITLE_LIMIT and len(c.payload or "") <= PAYLOAD_LIMIT for c in choices
    )
    if fits and len(choices) <= MAX_TEMPLATE_BUTTONS and len(text) <= TEMPLATE_TEXT_LIMIT:
        template_buttons = [
            {"type": "web_url", "url": c.url, "title": c.title}
            if c.url and not c.payload
            else {"type": "postback", "title": c.title, "payload": c.payload}
            for c in choices
        ]
        template = {"template_type": "button", "text": text or CHOOSE_PROMPT}
        template["buttons"] = template_buttons
        return [{"attachment": {"type": "template", "payload": template}}], None
    if fits and len(choices) <= MAX_QUICK_REPLIES and all(c.payload for c in choices):
        pieces = split_text(text) or [CHOOSE_PROMPT]
        quick_replies = [
            {"content_type": "text", "title": c.title, "payload": c.payload} for c in choices
        ]
        messages: List[Dict[str, Any]] = [{"text": piece} for piece in pieces[:-1]]
        messages.append({"text": pieces[-1], "quick_replies": quick_replies})
        return messages, None
    listing = "\n".join(
        f"{number}. {c.title}" + (f": {c.url}" if c.url else "")
        for number, c in enumerate(choices, start=1)
    )
    numbered = f"{text or CHOOSE_PROMPT}\n\n{listing}\n\n{NUMBERED_HINT}"
    return [{"text": piece} for piece in split_text(numbered)], [c.payload for c in choices]


class ChoiceMemory:
    """The payloads behind the numbers of the last numbered list each user was sent.

    In memory, per process, bounded to ``max_users`` and ``ttl`` seconds. A list answers only
    the user's next message: after any other reply, a bare "2" is a number again.
    """

    def __init__(self, ttl: float = CHOICE_TTL_SECONDS, max_users: int = CHOICE_USERS) -> None:
        self.ttl, self.max_users = ttl, max_users
        self._items: OrderedDict[str, Tuple[float, List[str | None]]] = OrderedDict()

    def remember(self, user: str, payloads: List[str | None]) -> None:
        self._items.pop(user, None)
        self._items[user] = (time.monotonic() + self.ttl, list(payloads))
        while len(self._items) > self.max_users:
            self._items.popitem(last=False)

    def forget(self, user: str) -> None:
        self._items.pop(user, None)

    def resolve(self, user: str, text: str) -> str:
        """The payload a bare number picks from the user's pending list, else ``text``."""
        expires, payloads = self._items.pop(user, (0.0, []))
        match = _NUMBER_RE.match(text)
        if not match or time.monotonic() > expires:
            return text
        number = int(match.group(1))
        if 1 <= number <= len(payloads) and payloads[number - 1]:
            return payloads[number - 1]
        return text


class _RecentIds:
    """The last ``size`` message ids seen (an LRU set), to answer a redelivery only once."""

    def __init__(self, size: int = SEEN_MESSAGE_IDS) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def first_time(self, message_id: str) -> bool:
        if message_id in self._ids:
            self._ids.move_to_end(message_id)
            return False
        self._ids[message_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True


def signature_matches(app_secret: str | None, body: bytes, header: str) -> bool:
    """``header`` is ``sha256=<hex HMAC-SHA256 of body keyed with the app secret>``."""
    if not app_secret:
        return False
    scheme, _, received = header.strip().partition("=")
    if scheme.lower() != "sha256" or not received:
        return False
    expected = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), received.lower().encode("utf-8", "replace"))


def parse_events(body: bytes) -> List[Dict[str, Any]]:
    """The ``messaging`` events of a page webhook body, or ValueError if it is not one."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        raise ValueError("body is not UTF-8 JSON") from None
    if not isinstance(payload, dict) or payload.get("object") != "page":
        raise ValueError("not a Messenger page event")
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise ValueError("'entry' must be a list")
    events: List[Dict[str, Any]] = []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("messaging"), list):
            events.extend(event for event in entry["messaging"] if isinstance(event, dict))
    return events


@dataclass(frozen=True)
class Incoming:
    sender: str
    kind: str  # "text", "payload" (quick reply or postback) or "attachment"
    text: str
    message_id: str | None
    attachments: Tuple[Attachment, ...] = ()


def read_event(event: Dict[str, Any]) -> Incoming | None:
    """What a citizen sent in one ``messaging`` event, or None for what is not answered:
    echoes of the page's own messages, delivery and read receipts, reactions, referrals."""
    sender = event.get("sender")
    sender_id = sender.get("id") if isinstance(sender, dict) else None
    if isinstance(sender_id, int) and not isinstance(sender_id, bool):
        sender_id = str(sender_id)
    if not isinstance(sender_id, str) or not sender_id:
        return None
    message, postback = event.get("message"), event.get("postback")
    if isinstance(message, dict):
        if message.get("is_echo"):
            return None
        mid = message.get("mid") if isinstance(message.get("mid"), str) else None
        quick_reply = message.get("quick_reply")
        payload = quick_reply.get("payload") if isinstance(quick_reply, dict) else None
        if isinstance(payload, str) and payload.strip():
            return Incoming(sender_id, "payload", payload, mid)
        text = message.get("text")
        if isinstance(text, str) and text.strip():
            return Incoming(sender_id, "text", text[:MAX_MESSAGE_CHARS], mid)
        if message.get("attachments") or message.get("sticker_id"):
            found = (
                () if message.get("sticker_id") else read_attachments(message.get("attachments"))
            )
            return Incoming(sender_id, "attachment", "", mid, found)
        return None
    if isinstance(postback, dict):
        payload = postback.get("payload")
        mid = postback.get("mid") if isinstance(postback.get("mid"), str) else None
        if isinstance(payload, str) and payload.strip():
            return Incoming(sender_id, "payload", payload[:MAX_MESSAGE_CHARS], mid)
    return None


async def _graph_error_code(reply: aiohttp.ClientResponse) -> int | None:
    try:
        body = await reply.json(content_type=None)
        code = body["error"]["code"]
    except Exception:  # noqa: BLE001 - any unreadable error body is just "unknown"
        return None
    return code if isinstance(code, int) else None


class GraphClient:
    """Sends one message through the Graph Send API; the outbox retries."""

    def __init__(
        self,
        page_access_token: str | None,
        graph_base: str | None = None,
        timeout: float = SEND_TIMEOUT_SECONDS,
    ) -> None:
        self.page_access_token = page_access_token
        self.graph_base = (graph_base or get_settings().facebook_graph_base).rstrip("/")
        self.timeout = timeout

    async def deliver(self, recipient_id: str, message: Dict[str, Any]) -> Failure | None:
        """None once Graph took it; a failure is logged (status, Graph code), never raised."""
        if not self.page_access_token:
            logger.error("Messenger reply not sent: FACEBOOK_PAGE_ACCESS_TOKEN is not set")
            return Failure("FACEBOOK_PAGE_ACCESS_TOKEN is not set", permanent=True)
        message = dict(message)
        tag = message.pop(TAG_KEY, None)
        body = {"recipient": {"id": recipient_id}, "messaging_type": "RESPONSE", "message": message}
        if tag == HUMAN_AGENT:
            body.update(messaging_type="MESSAGE_TAG", tag=HUMAN_AGENT)
        try:
            # One short session per message: aiohttp sessions are bound to a loop.
            timeout = aiohttp.ClientTimeout(total=self.timeout)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.post(
                    f"{self.graph_base}/me/messages",
                    params={"access_token": self.page_access_token},
                    json=body,
                ) as reply:
                    if reply.status < 400:
                        return None
                    code = await _graph_error_code(reply)
                    failure = Failure(
                        f"HTTP {reply.status}, Graph error code {code}",
                        permanent=code in PERMANENT_GRAPH_ERRORS,
                    )
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            # str(error) may hold the URL, and with it the access token.
            failure = Failure(type(error).__name__)
        logger.warning("Messenger send failed: %s", failure.reason)
        return failure


class MessengerOutput(OutputChannel):
    """Replies through the outbox to the Graph Send API, laid out to Messenger's limits."""

    @classmethod
    def name(cls) -> str:
        return "facebook"

    def __init__(self, outbox: Outbox, choices: ChoiceMemory | None = None) -> None:
        self.outbox = outbox
        self.choices = choices if choices is not None else ChoiceMemory()
        self.sent = 0  # messages handed to the outbox (a silent turn is a paused conversation)

    async def _send(self, recipient_id: str, messages: List[Dict[str, Any]]) -> None:
        if messages:
            self.sent += 1
            await self.outbox.send(recipient_id, messages)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        # A staff member's message after Messenger's 24-hour window carries the human-agent
        # tag (the live desk sets ``messaging_tag`` in the message's metadata).
        tag = {TAG_KEY: HUMAN_AGENT} if kwargs.get("messaging_tag") == HUMAN_AGENT else {}
        await self._send(recipient_id, [{"text": piece, **tag} for piece in split_text(text)])

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        messages, numbered = render_buttons(text, buttons)
        if numbered is None:
            self.choices.forget(recipient_id)
        else:
            self.choices.remember(recipient_id, numbered)
        await self._send(recipient_id, messages)

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        attachment = {"type": "image", "payload": {"url": image, "is_reusable": True}}
        await self._send(recipient_id, [{"attachment": attachment}])

    async def send_custom_json(self, recipient_id: str, json_message: Any, **kwargs: Any) -> None:
        """Each dict (or each dict of a list) is sent as it is, as the Send API's ``message``."""
        messages = json_message if isinstance(json_message, list) else [json_message]
        await self._send(recipient_id, [m for m in messages if isinstance(m, dict)])


class MessengerInput(InputChannel):
    """``GET/POST /webhooks/facebook/webhook``: the Messenger webhook of one Facebook page."""

    @classmethod
    def name(cls) -> str:
        return "facebook"

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> MessengerInput:
        """Rasa's credential names first, then the environment (``assistant.settings``)."""
        credentials = credentials or {}
        settings = get_settings()
        return cls(
            credentials.get("verify") or settings.facebook_verify_token or None,
            credentials.get("secret") or settings.facebook_app_secret or None,
            credentials.get("page-access-token") or settings.facebook_page_access_token or None,
            graph_base=credentials.get("graph-base") or settings.facebook_graph_base,
        )

    def __init__(
        self,
        verify_token: str | None,
        app_secret: str | None,
        page_access_token: str | None,
        graph_base: str | None = None,
        *,
        database_url: str | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = SEND_TIMEOUT_SECONDS,
        allow_loopback_media: bool = False,
    ) -> None:
        self.verify_token = verify_token
        self.allow_loopback_media = allow_loopback_media  # the tests' fake CDN on http://127.0.0.1
        self.app_secret = app_secret
        self.page_access_token = page_access_token
        self.graph = GraphClient(page_access_token, graph_base, timeout)
        self.outbox = Outbox(self.name(), self.graph.deliver, database_url, retry, "Messenger")
        self.choices = ChoiceMemory()
        self._seen = _RecentIds()
        self._tasks: Set[asyncio.Future] = set()
        series.prepare(self.name(), series.MESSENGER_ERRORS)
        if not (verify_token and app_secret and page_access_token):
            logger.warning(
                "Messenger channel is missing FACEBOOK_VERIFY_TOKEN, FACEBOOK_APP_SECRET or "
                "FACEBOOK_PAGE_ACCESS_TOKEN; it will refuse the webhook until they are set"
            )

    def get_output_channel(self) -> MessengerOutput:
        return MessengerOutput(self.outbox, self.choices)

    async def wait_idle(self) -> None:
        """Wait for the events accepted so far to be handled (tests, graceful shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        install_access_log_redaction()  # the URL of a handshake or API call carries secrets
        blueprint = Blueprint("messenger_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["GET"])
        async def handshake(request: Request) -> HTTPResponse:
            token = request.args.get("hub.verify_token") or ""
            if (
                request.args.get("hub.mode") == "subscribe"
                and self.verify_token
                and hmac.compare_digest(token.encode(), self.verify_token.encode())
            ):
                challenge = request.args.get("hub.challenge")
                if not challenge:
                    return response.text("missing hub.challenge", status=400)
                return response.text(challenge)
            logger.warning("Messenger webhook verification refused (mode or verify token)")
            return response.text("forbidden", status=403)

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            header = request.headers.get("X-Hub-Signature-256")
            if not header:
                logger.warning("Messenger POST refused: no X-Hub-Signature-256 header")
                return response.text("missing X-Hub-Signature-256", status=401)
            body = request.body or b""
            if not signature_matches(self.app_secret, body, header):
                if not self.app_secret:
                    logger.error("Messenger POST refused: FACEBOOK_APP_SECRET is not set")
                else:
                    logger.warning("Messenger POST refused: signature does not match")
                return response.text("invalid signature", status=403)
            try:
                events = parse_events(body)
            except ValueError as error:
                return response.text(f"bad request: {error}", status=400)
            if events:
                task = asyncio.ensure_future(self._handle(events, on_new_message))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            return response.text("EVENT_RECEIVED")

        @blueprint.listener("after_server_start")
        async def start(*_: Any) -> None:
            self.outbox.start()  # what an earlier process left pending goes out now

        @blueprint.listener("before_server_stop")
        async def stop(*_: Any) -> None:
            await self.outbox.aclose()

        return blueprint

    async def _handle(
        self, events: List[Dict[str, Any]], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        output = self.get_output_channel()
        for event in events:  # in order: one POST may batch several messages of a user
            try:
                await self._handle_event(event, output, on_new_message)
            except Exception as error:  # noqa: BLE001 - one bad turn must not drop the others
                logger.error("Messenger message handling failed: %s", type(error).__name__)

    async def _handle_event(
        self,
        event: Dict[str, Any],
        output: MessengerOutput,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        incoming = read_event(event)
        if incoming is None:
            return
        if incoming.message_id and not self._seen.first_time(incoming.message_id):
            logger.info("Messenger redelivered a message already answered; ignored")
            return
        if incoming.kind == "attachment":
            await self._media(incoming, output, on_new_message)
            return
        if incoming.kind == "text":
            text = self.choices.resolve(incoming.sender, incoming.text)
        else:  # a button tapped: any pending numbered list is stale
            self.choices.forget(incoming.sender)
            text = incoming.text
        await self._turn(incoming.sender, text, text, incoming.message_id, output, on_new_message)

    async def _media(
        self,
        incoming: Incoming,
        output: MessengerOutput,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        """Each photo and location as a payload turn; other attachments get TEXT_ONLY_REPLY."""
        kinds = (attachments.PHOTO, attachments.LOCATION)
        items = [item for item in incoming.attachments if item.kind in kinds]
        if not items:
            await output.send_text_message(incoming.sender, TEXT_ONLY_REPLY)
            return
        self.choices.forget(incoming.sender)

        async def refuse(reason: str) -> None:
            await output.send_text_message(incoming.sender, reason)

        turns = attachments.payloads(
            items, incoming.sender, refuse, allow_loopback=self.allow_loopback_media
        )
        message_id = incoming.message_id  # the first turn has the mid, Rasa makes up the rest
        async for text, note in turns:
            await self._turn(incoming.sender, text, note, message_id, output, on_new_message)
            message_id = None

    async def _turn(
        self,
        sender: str,
        text: str,
        staff_text: str,
        message_id: str | None,
        output: MessengerOutput,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        """One Rasa turn; when it says nothing, ``staff_text`` goes to a live conversation."""
        message = UserMessage(
            text, output, sender, input_channel=self.name(), message_id=message_id
        )
        before = output.sent
        series.message_received(self.name())
        try:
            with series.reply_timer(self.name()):
                await on_new_message(message)
        except Exception:
            series.error("facebook_failed")
            raise  # logged by _handle, which goes on with the next event
        if output.sent == before:  # nothing said: a person has the conversation (paused)
            place = await relay_to_staff(sender, staff_text)
            note = waiting_note(place) if place is not None else None
            if note:
                await output.send_text_message(sender, note)
