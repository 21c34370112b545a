"""Photos from the widget: ``POST /api/chat/photo?sender=…`` with the image as the body.

The photo is checked, re-encoded without metadata and stored for the citizen's petition
(``assistant.petitions.photos``); the answer is its token, which the widget then sends to
Rasa as ``/send_photo{"photo_token": …}``. A refused photo gets a 4xx with the reason in
Vietnamese, shown to the citizen as is.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from assistant.petitions.photos import MAX_BYTES, PhotoError, store_photo
from assistant.web.cors import add_cors

logger = logging.getLogger(__name__)
PATH = "/api/chat/photo"
NOT_STORED = "Xin lỗi Anh/Chị, tôi chưa lưu được ảnh lúc này. Anh/Chị vui lòng thử lại sau."
TOO_LARGE = "Ảnh Anh/Chị gửi lớn hơn 5 MB. Anh/Chị vui lòng gửi ảnh nhỏ hơn."


async def read_at_most(request: web.Request, limit: int) -> bytes | None:
    """The whole body, or None once it passes ``limit`` (a read returns what has arrived so
    far, so a photo comes in many reads)."""
    chunks, size = [], 0
    while True:
        chunk = await request.content.read(64 * 1024)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)


async def upload_photo(request: web.Request) -> web.Response:
    sender = request.query.get("sender", "")
    if not sender.strip() or len(sender) > 128:
        return web.json_response({"error": "Cần 'sender' hợp lệ."}, status=400)
    if (request.content_length or 0) > MAX_BYTES:
        return web.json_response({"error": TOO_LARGE}, status=413)
    data = await read_at_most(request, MAX_BYTES)
    if data is None:
        return web.json_response({"error": TOO_LARGE}, status=413)
    try:
        token = await asyncio.to_thread(
            store_photo, data, request.headers.get("Content-Type", ""), sender
        )
    except PhotoError as error:
        return web.json_response({"error": str(error)}, status=422)
    except Exception as error:  # noqa: BLE001 - the database is down: say so, politely
        logger.error("Photo not stored: %s", type(error).__name__)
        return web.json_response({"error": NOT_STORED}, status=503)
    return web.json_response({"photo_token": token})


def add_uploads(app: web.Application, origins) -> None:
    add_cors(app, origins, PATH)
    app.router.add_post(PATH, upload_photo)
