"""CORS for the chat API, so that the widget can sit on pages of other origins.

Only origins listed in PORTAL_ALLOWED_ORIGINS may call ``/api/chat`` from a browser: their
preflight (OPTIONS) is answered and their replies carry ``Access-Control-Allow-Origin``. Any
other origin gets a 403 on the preflight and no such header, so the browser refuses the call
(the widget then shows its apology). Credentials are never allowed: the chat needs no cookie,
and the staff app's session cookie must never ride along. The portal's own page is same-origin
and needs none of this.
"""

from __future__ import annotations

from typing import Iterable

from aiohttp import web

CHAT_PATH = "/api/chat"
PREFLIGHT_MAX_AGE = "600"  # seconds a browser may cache a granted preflight


def normalise(origin: str) -> str:
    return origin.strip().rstrip("/").lower()


def allowed_origin(request: web.Request) -> str | None:
    """The request's Origin when PORTAL_ALLOWED_ORIGINS lists it (for responses the
    middleware cannot mark, such as event streams)."""
    from assistant.settings import get_settings

    origin = request.headers.get("Origin")
    allowed = {normalise(o) for o in get_settings().portal_allowed_origins}
    return origin if origin is not None and normalise(origin) in allowed else None


def add_cors(app: web.Application, origins: Iterable[str], path: str = CHAT_PATH) -> None:
    """Answer preflights for ``path`` and mark its replies for the allowed ``origins``."""
    allowed = frozenset(normalise(o) for o in origins if o.strip())

    def granted(request: web.Request) -> str | None:
        origin = request.headers.get("Origin")
        return origin if origin is not None and normalise(origin) in allowed else None

    async def preflight(request: web.Request) -> web.Response:
        origin = granted(request)
        method = request.headers.get("Access-Control-Request-Method", "")
        if origin is None or method.upper() != "POST":
            return web.json_response(
                {"error": "Trang này không được phép gọi trợ lý ảo."},
                status=403,
                headers={"Vary": "Origin"},
            )
        return web.Response(
            status=204,
            headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Headers": "Content-Type",
                "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
                "Vary": "Origin",
            },
        )

    @web.middleware
    async def cors(request: web.Request, handler):
        if request.path != path or request.method == "OPTIONS":
            return await handler(request)
        try:
            response = await handler(request)
        except web.HTTPException as error:
            response = error
        response.headers["Vary"] = "Origin"
        origin = granted(request)
        if origin is not None:
            response.headers["Access-Control-Allow-Origin"] = origin
        if isinstance(response, web.HTTPException):
            raise response
        return response

    app.router.add_route("OPTIONS", path, preflight)
    app.middlewares.append(cors)
