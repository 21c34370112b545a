"""The portal's REST channel: Rasa's ``rest`` webhook, hardened for citizens' input.

Differences from ``rasa.core.channels.rest.RestInput`` (same URL, same reply format):

- malformed requests (invalid JSON, no ``sender``/``message``, wrong types) get a 400 with a
  Vietnamese explanation instead of a 500 or a silent empty reply;
- an empty message gets a polite prompt; an over-long one is cut to ``MAX_MESSAGE_CHARS``;
- if the bot produced nothing (action server or database down, an exception) or takes longer
  than ``REPLY_TIMEOUT`` seconds, the citizen gets an apology instead of silence; a slow turn
  keeps running in the background so nothing the citizen said is lost;
- message text is never written to logs (it may hold phone or ID numbers);
- while staff hold the conversation (Rasa paused it, the bot is silent), the message goes to
  the live desk (``assistant.handoff.relay``) and the reply carries the desk state in
  ``custom`` instead of an apology;
- the client's network address goes to the actions in the metadata (``client_address``), for
  the per-address verification limit: the socket's peer, ``X-Forwarded-For`` from a trusted
  proxy, or the address the portal read, believed only with the portal's bearer token.
- a call to the action server gives up after ``ACTION_TIMEOUT`` seconds (Rasa's own limit is
  5 minutes), so a hung action server costs the citizen seconds, and the whole reply wait
  (``REPLY_TIMEOUT``) stays for slow turns such as the first ones after a start.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import time
from typing import Any, Awaitable, Callable, Dict

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant import rasa_process
from assistant.channels.address import METADATA_KEY, client_address
from assistant.handoff.relay import relay_to_staff, waiting_note
from assistant.metrics import series
from assistant.metrics.server import serve as serve_metrics
from assistant.privacy import install_access_log_redaction, install_log_masking
from assistant.settings import get_settings

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 5000
MAX_SENDER_CHARS = 128

APOLOGY = (
    "Xin lỗi Anh/Chị, hệ thống đang gặp sự cố nên tôi chưa trả lời được ngay. "
    "Anh/Chị vui lòng thử lại sau ít phút."
)
EMPTY_PROMPT = (
    "Anh/Chị chưa nhập nội dung. Anh/Chị có thể hỏi tôi về giấy tờ, lệ phí, thời gian "
    "hoặc nơi nộp hồ sơ của một thủ tục hành chính."
)


def _bad_request(reason: str) -> HTTPResponse:
    return response.json(
        {"error": "bad_request", "message": f"Yêu cầu không hợp lệ: {reason}"}, status=400
    )


def parse_payload(body: bytes) -> tuple:
    """(sender, text, metadata) from a request body, or raise ValueError with the reason."""
    import json

    try:
        payload = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("nội dung phải được mã hóa UTF-8") from None
    except ValueError:
        raise ValueError("nội dung không phải JSON hợp lệ") from None
    if not isinstance(payload, dict):
        raise ValueError("cần một đối tượng JSON có 'sender' và 'message'")
    sender, text = payload.get("sender"), payload.get("message")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        raise ValueError("'sender' phải là chuỗi từ 1 đến 128 ký tự")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise ValueError("'message' phải là chuỗi ký tự")
    metadata = payload.get("metadata")
    return (
        sender.strip(),
        text[:MAX_MESSAGE_CHARS],
        metadata if isinstance(metadata, dict) else None,
    )


def request_address(request: Request, metadata: Dict[str, Any] | None) -> str:
    """The address the verification limit counts: what the client says only if the portal
    (holding ``RASA_API_TOKEN``) says it, else the peer or its trusted proxy's header."""
    token = get_settings().rasa_api_token
    given = request.headers.get("authorization", "")
    claimed = (metadata or {}).get(METADATA_KEY)
    if token and isinstance(claimed, str) and claimed:
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return claimed[:64]
    return client_address(request.ip, request.headers.get("x-forwarded-for"))


class PortalRestInput(InputChannel):
    """``POST /webhooks/rest/webhook`` with ``{"sender": …, "message": …}``."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> PortalRestInput:
        credentials = credentials or {}
        timeout = credentials.get("reply_timeout") or os.environ.get("REPLY_TIMEOUT") or 20
        rasa_process.tune(get_settings().action_timeout)
        serve_metrics(get_settings().metrics_port_rasa, "Rasa process")
        return cls(float(timeout))

    def __init__(self, reply_timeout: float = 20.0) -> None:
        self.reply_timeout = reply_timeout
        series.prepare(self.name(), series.REST_ERRORS)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        install_access_log_redaction()  # the URL of a handshake or API call carries secrets
        install_log_masking()  # Rasa's own debug lines quote the citizen's message
        blueprint = Blueprint("portal_rest_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text, metadata = parse_payload(request.body or b"")
            except ValueError as error:
                return _bad_request(str(error))
            if not text.strip():
                return response.json([{"recipient_id": sender, "text": EMPTY_PROMPT}])
            metadata = {**(metadata or {}), METADATA_KEY: request_address(request, metadata)}
            collector = CollectingOutputChannel()
            message = UserMessage(
                text, collector, sender, input_channel=self.name(), metadata=metadata
            )
            series.message_received(self.name())
            started = time.perf_counter()
            task = asyncio.ensure_future(on_new_message(message))
            done, _ = await asyncio.wait({task}, timeout=self.reply_timeout)
            series.observe_reply(self.name(), time.perf_counter() - started)
            failed = task not in done or task.exception() is not None
            if task in done and task.exception() is not None:
                logger.error("Message handling failed: %s", type(task.exception()).__name__)
                series.error("rest_failed")
            elif task not in done:
                logger.error(
                    "Reply took longer than %.0f s; answered with an apology", self.reply_timeout
                )
                series.error("rest_timeout")
                task.add_done_callback(lambda t: t.cancelled() or t.exception())
            messages = list(collector.messages)
            if not messages and task in done:  # a paused conversation: a person has it
                place = await relay_to_staff(sender, text)
                if place is not None:
                    note = waiting_note(place)
                    reply = {"recipient_id": sender, "custom": place.as_custom()}
                    messages = [{**reply, "text": note} if note else reply]
            if not messages:
                if not failed:  # the bot said nothing (e.g. the action server was down)
                    series.error("rest_no_reply")
                messages = [{"recipient_id": sender, "text": APOLOGY}]
            return response.json(messages)

        return blueprint
