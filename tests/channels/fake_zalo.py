"""A stand-in for Zalo's OA message API and OAuth token endpoint, on 127.0.0.1.

It keeps the rules the channel has to cope with: access tokens can be expired (``error``
-216 with HTTP 200), refresh tokens are single-use, the API can fail (HTTP 500) or be slow.
Every request is recorded with its headers and body.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Set

from aiohttp import web
from aiohttp.test_utils import TestServer

APP_SECRET = "fake-app-secret"


def _headers(request: web.Request) -> Dict[str, str]:
    return {name.lower(): value for name, value in request.headers.items()}


@dataclass
class Recorded:
    path: str
    headers: Dict[str, str]  # names lower-cased
    json: Any = None
    form: Dict[str, str] = field(default_factory=dict)


class FakeZalo:
    def __init__(self, app_id: str, access_token: str = "access-0", refresh: str = "refresh-0"):
        self.app_id = app_id
        self.requests: List[Recorded] = []
        self.delivered: List[Dict[str, Any]] = []  # accepted messages: user_id, text, token
        self.valid_access: Set[str] = {access_token}
        self.valid_refresh: Set[str] = {refresh}
        self.spent_refresh: Set[str] = set()
        self.reused_refresh: List[str] = []
        self.issued = 0
        self.send_failures = 0  # the next N sends answer HTTP 500
        self.refresh_failures = 0  # the next N refreshes answer HTTP 500
        self.send_delay = 0.0
        self.on_new_token: Callable[[str], None] | None = None  # first use of an access token
        self._seen_tokens: Set[str] = {access_token}
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_post("/v3.0/oa/message/cs", self._send)
        app.router.add_post("/v4/oa/access_token", self._refresh)
        self._server = TestServer(app, host="127.0.0.1")

    @property
    def url(self) -> str:
        return str(self._server.make_url("")).rstrip("/")

    async def start(self) -> FakeZalo:
        await self._server.start_server()
        return self

    async def stop(self) -> None:
        await self._server.close()

    def expire_access_tokens(self) -> None:
        self.valid_access.clear()

    def sends(self) -> List[Recorded]:
        return [r for r in self.requests if r.path.endswith("/message/cs")]

    def refreshes(self) -> List[Recorded]:
        return [r for r in self.requests if r.path.endswith("/access_token")]

    def texts(self, user_id: str | None = None) -> List[str]:
        return [m["text"] for m in self.delivered if user_id in (None, m["user_id"])]

    async def wait_delivered(self, count: int, timeout: float = 10.0) -> List[Dict[str, Any]]:
        async def enough() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.delivered) >= count)

        await asyncio.wait_for(enough(), timeout)
        return list(self.delivered)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(Recorded(request.path, _headers(request), json=body))
        if self.send_delay:
            await asyncio.sleep(self.send_delay)
        if self.send_failures > 0:
            self.send_failures -= 1
            return web.Response(status=500, text="internal error")
        token = request.headers.get("access_token", "")
        if token not in self.valid_access:
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        if token not in self._seen_tokens:
            self._seen_tokens.add(token)
            if self.on_new_token is not None:
                self.on_new_token(token)
        message = body.get("message") or {}
        self.delivered.append(
            {
                "user_id": body["recipient"]["user_id"],
                "text": message.get("text"),
                "message": message,
                "token": token,
            }
        )
        await self._notify()
        return web.json_response(
            {"error": 0, "message": "Success", "data": {"message_id": f"m{len(self.delivered)}"}}
        )

    async def _refresh(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.requests.append(Recorded(request.path, _headers(request), form=form))
        if self.refresh_failures > 0:
            self.refresh_failures -= 1
            return web.Response(status=500, text="internal error")
        if request.headers.get("secret_key") != APP_SECRET or form.get("app_id") != self.app_id:
            return web.json_response({"error": -14002, "error_name": "Invalid app"})
        token = form.get("refresh_token", "")
        if form.get("grant_type") != "refresh_token" or token not in self.valid_refresh:
            if token in self.spent_refresh:
                self.reused_refresh.append(token)
            return web.json_response({"error": -14014, "error_name": "Invalid refresh token"})
        self.valid_refresh.discard(token)
        self.spent_refresh.add(token)
        self.issued += 1
        access, refresh = f"access-{self.issued}", f"refresh-{self.issued}"
        self.valid_access.add(access)
        self.valid_refresh.add(refresh)
        return web.json_response(
            {"access_token": access, "refresh_token": refresh, "expires_in": "90000"}
        )
