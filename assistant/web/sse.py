"""Server-sent events (``text/event-stream``) for the widget and the staff app.

Each event carries an ``id`` when it has one, so a browser's ``EventSource`` that reconnects
sends ``Last-Event-ID`` and the server can replay what it missed; a comment line every
``HEARTBEAT`` seconds keeps proxies from closing an idle stream.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Awaitable, Callable, Iterable, Tuple

from aiohttp import web

HEARTBEAT = 15.0
Event = Tuple[str, Any]  # (event name, JSON data)


def encode(name: str, data: Any) -> bytes:
    """One event; ``data`` may hold an ``id`` (used as the event id)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    event_id = data.get("id") if isinstance(data, dict) and name == "message" else None
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {body}\n\n".encode()


async def stream(
    request: web.Request,
    queue: asyncio.Queue,
    first: Iterable[Event] = (),
    every_heartbeat: Callable[[], Awaitable[bool]] | None = None,
    until: Callable[[Event], bool] | None = None,
    headers: dict | None = None,
) -> web.StreamResponse:
    """Send ``first``, then whatever arrives on ``queue``, until the client leaves, ``until``
    says an event was the last, or ``every_heartbeat`` returns False (e.g. logged out)."""
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",  # nginx: do not buffer the stream
            **(headers or {}),
        }
    )
    await response.prepare(request)
    await response.write(b"retry: 2000\n\n")
    try:
        for name, data in first:
            await response.write(encode(name, data))
            if until is not None and until((name, data)):
                return response
        while True:
            try:
                name, data = await asyncio.wait_for(queue.get(), HEARTBEAT)
            except asyncio.TimeoutError:
                if every_heartbeat is not None and not await every_heartbeat():
                    break
                await response.write(b": ping\n\n")
                continue
            await response.write(encode(name, data))
            if until is not None and until((name, data)):
                break
    except ConnectionResetError:  # the browser left
        pass
    return response
