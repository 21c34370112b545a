"""A stand-in for the Graph Send API on 127.0.0.1, so channel tests make no live calls.

``FakeGraph.base_url`` replaces ``FACEBOOK_GRAPH_BASE``. Every ``POST /v19.0/me/messages`` is
recorded (query ``access_token`` and JSON body); ``fail_next`` makes the next requests fail
with an HTTP error or hang past the client's timeout, then the fake succeeds again.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Any, Deque, Dict, List

from aiohttp import web

VERSION = "v19.0"


@dataclass
class Recorded:
    access_token: str | None
    json: Dict[str, Any]
    status: int


@dataclass
class _Failure:
    status: int
    code: int
    delay: float


class FakeGraph:
    def __init__(self) -> None:
        self.requests: List[Recorded] = []
        self._failures: Deque[_Failure] = deque()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self) -> FakeGraph:
        app = web.Application()
        app.router.add_post(f"/{VERSION}/me/messages", self._messages)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/{VERSION}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(self, times: int, status: int = 500, code: int = 2, delay: float = 0) -> None:
        """The next ``times`` requests get ``status`` with Graph error ``code`` (after
        ``delay`` seconds: longer than the client's timeout, it is a timeout)."""
        self._failures.extend(_Failure(status, code, delay) for _ in range(times))

    def recover(self) -> None:
        """Forget the failures still queued: the next request succeeds."""
        self._failures.clear()

    @property
    def delivered(self) -> List[Dict[str, Any]]:
        """The ``message`` objects of the requests that succeeded, in arrival order."""
        return [r.json["message"] for r in self.requests if r.status == 200]

    async def wait_for(self, count: int, timeout: float = 5.0) -> List[Dict[str, Any]]:
        """Wait until ``count`` messages were delivered; return them all."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.delivered) < count:
            if loop.time() > deadline:
                raise AssertionError(f"{len(self.delivered)} of {count} messages delivered")
            await asyncio.sleep(0.01)
        return self.delivered

    async def _messages(self, request: web.Request) -> web.Response:
        body = await request.json()
        failure = self._failures.popleft() if self._failures else None
        status = failure.status if failure else 200
        self.requests.append(Recorded(request.query.get("access_token"), body, status))
        if failure is None:
            return web.json_response(
                {"recipient_id": body["recipient"]["id"], "message_id": f"m{len(self.requests)}"}
            )
        await asyncio.sleep(failure.delay)
        error = {"message": "fake failure", "type": "OAuthException", "code": failure.code}
        return web.json_response({"error": error}, status=failure.status)
