"""The demo portal page (aiohttp) with a chat box that talks to Rasa's REST channel.

The page calls ``/api/chat`` on this server, which forwards to Rasa; the browser therefore
needs no CORS on Rasa, and when Rasa is down the citizen still gets a polite apology. Pages of
the origins in PORTAL_ALLOWED_ORIGINS may embed the widget too (assistant/web/cors.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import aiohttp
from aiohttp import web

from assistant.channels.address import METADATA_KEY, client_address
from assistant.channels.rest import APOLOGY, MAX_MESSAGE_CHARS
from assistant.settings import get_settings
from assistant.web.uploads import read_at_most

logger = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
RASA_TIMEOUT = aiohttp.ClientTimeout(total=15)
CHAT_MAX_BYTES = 64 * 1024
# The staff app accepts FAQ spreadsheets up to 5 MB; the chat endpoint keeps its own limit.
MAX_REQUEST_BYTES = 6 * 1024 * 1024


async def index(_: web.Request) -> web.Response:
    return web.FileResponse(STATIC / "index.html")


async def chat(request: web.Request) -> web.Response:
    if (request.content_length or 0) > CHAT_MAX_BYTES:
        return web.json_response({"error": "Tin nhắn quá dài."}, status=413)
    try:
        raw = await read_at_most(request, CHAT_MAX_BYTES)
        if raw is None:
            return web.json_response({"error": "Tin nhắn quá dài."}, status=413)
        payload = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return web.json_response({"error": "Nội dung không phải JSON hợp lệ."}, status=400)
    if not isinstance(payload, dict) or not isinstance(payload.get("sender"), str):
        return web.json_response({"error": "Cần 'sender' và 'message'."}, status=400)
    message = payload.get("message")
    if not isinstance(message, str):
        return web.json_response({"error": "'message' phải là chuỗi ký tự."}, status=400)
    body = {"sender": payload["sender"][:128], "message": message[:MAX_MESSAGE_CHARS]}
    # The citizen's address, for the per-address verification limit; Rasa believes it only
    # with the API token (without one, every portal user counts as this server's address).
    address = client_address(request.remote, request.headers.get("X-Forwarded-For"))
    body["metadata"] = {METADATA_KEY: address}
    token = get_settings().rasa_api_token
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = f"{request.app['rasa_url']}/webhooks/rest/webhook"
    try:
        async with request.app["http"].post(
            url, json=body, headers=headers, timeout=RASA_TIMEOUT
        ) as reply:
            if reply.status == 200:
                return web.json_response(await reply.json())
            if 400 <= reply.status < 500:
                return web.json_response(await reply.json(), status=reply.status)
            logger.error("Rasa answered %s", reply.status)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        logger.error("Rasa unreachable: %s", type(error).__name__)
    return web.json_response([{"recipient_id": body["sender"], "text": APOLOGY}])


async def health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def housekeeping(app: web.Application):
    """Hourly pruning of the rate-limit tables (assistant/maintenance.py), the statistics'
    roll-up of new conversation events with the daily pruning of old ones
    (assistant/analytics/rollup.py), and with several Rasa replicas the check that each
    serves the live model (assistant/training/rollout.py)."""
    from assistant.analytics.rollup import roll_up_periodically
    from assistant.maintenance import prune_periodically
    from assistant.training.rollout import sync_periodically

    tasks = [
        asyncio.create_task(prune_periodically()),
        asyncio.create_task(roll_up_periodically()),
        asyncio.create_task(sync_periodically()),
    ]
    yield
    for task in tasks:
        task.cancel()


def create_app(rasa_url: str | None = None) -> web.Application:
    from assistant.web.admin.app import add_admin, middlewares
    from assistant.web.cors import add_cors
    from assistant.web.live import add_live_desk
    from assistant.web.metrics import add_metrics
    from assistant.web.notices import add_petition_notices
    from assistant.web.open311 import add_open311
    from assistant.web.uploads import add_uploads

    app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=middlewares)
    app["rasa_url"] = (rasa_url or get_settings().rasa_url).rstrip("/")
    add_cors(app, get_settings().portal_allowed_origins)

    async def client(app: web.Application):
        app["http"] = aiohttp.ClientSession()
        yield
        await app["http"].close()

    app.cleanup_ctx.append(client)
    app.cleanup_ctx.append(housekeeping)
    add_live_desk(app)  # after the HTTP client it uses
    add_petition_notices(app)
    app.router.add_get("/", index)
    app.router.add_get("/health", health)
    app.router.add_post("/api/chat", chat)
    app.router.add_static("/static/", STATIC)
    add_admin(app)
    add_open311(app)
    add_uploads(app, get_settings().portal_allowed_origins)
    add_metrics(app)
    return app


def serve() -> None:
    from assistant.privacy import install_log_masking

    install_log_masking()  # also when started without the CLI
    settings = get_settings()
    web.run_app(create_app(), host=settings.web_host, port=settings.web_port, print=None)
