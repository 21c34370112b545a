"""The widget's side of a live conversation with staff: ``GET /api/chat/stream``.

The widget opens this event stream when a reply says a person has the conversation
(``custom.handoff``). It gets the staff members' messages and, at the end, the assistant's
closing messages, then the stream ends. ``Last-Event-ID`` (or ``after``) replays what a
reconnecting widget has not seen, so a portal restart loses nothing.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from assistant.handoff.delivery import DeskDelivery
from assistant.handoff.pump import DeskPump, for_citizen
from assistant.handoff.rasa_api import RasaConversations
from assistant.settings import get_settings
from assistant.web.cors import allowed_origin
from assistant.web.sse import Event, stream

MAX_SENDER = 128


def _last_seen(request: web.Request) -> int:
    raw = request.headers.get("Last-Event-ID") or request.query.get("after") or "0"
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else 0


def _over(event: Event) -> bool:
    name, data = event
    return name == "end" or bool(data.get("end"))


async def citizen_stream(request: web.Request) -> web.StreamResponse:
    sender = request.query.get("sender", "")
    if not sender.strip() or len(sender) > MAX_SENDER:
        return web.json_response({"error": "Cần 'sender' hợp lệ."}, status=400)
    pump: DeskPump = request.app["desk_pump"]
    queue = pump.subscribe_citizen(sender)
    try:
        missed = await asyncio.to_thread(
            DeskDelivery().citizen_messages, sender, _last_seen(request)
        )
        first = [("end", {})] if missed is None else [("message", for_citizen(m)) for m in missed]
        origin = allowed_origin(request)
        headers = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin else {}
        return await stream(request, queue, first, until=_over, headers=headers)
    finally:
        pump.unsubscribe_citizen(sender, queue)


def add_live_desk(app: web.Application) -> None:
    """The pump (started with the app, sharing its HTTP client) and the widget's stream."""

    async def pump(app: web.Application):
        settings = get_settings()
        rasa = RasaConversations(app["http"], app["rasa_url"], settings.rasa_api_token)
        app["desk_pump"] = DeskPump(rasa)
        task = asyncio.create_task(app["desk_pump"].run())
        yield
        task.cancel()

    app.cleanup_ctx.append(pump)
    app.router.add_get("/api/chat/stream", citizen_stream)
