"""The IOC's statistics API and, for administrators, the tokens that open it.

``GET /admin/api/stats`` answers the same report as the staff statistics page, as JSON. It is
authorised by an ``Authorization: Bearer`` IOC token (each use audited) or by a staff session;
a token anywhere else (the query string, a cookie) is ignored. The session middleware lets this
one path through without a session so that the handler can check the token and answer 401
with ``WWW-Authenticate: Bearer`` itself.

A new token is shown once, in the page that answers the creating POST: never in a redirect,
a cookie or a log line.
"""

from __future__ import annotations

import asyncio
import functools
import json

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from assistant.analytics.period import QueryError, period_query
from assistant.analytics.tokens import NAME_MAX, IocTokenService, TokenError
from assistant.localtime import local_today
from assistant.settings import get_settings
from assistant.web.admin.render import form_text, redirect, render
from assistant.web.admin.security import require_admin

routes = web.RouteTableDef()
PARAMS = ("from", "to", "channel")
STAFF_ROLES = ("editor", "admin")
_dumps = functools.partial(json.dumps, ensure_ascii=False, default=str)


def bearer_token(request: web.Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header ("" if empty), or None without one."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def _error(status: int, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers, dumps=_dumps)


def _unauthorised(message: str) -> web.Response:
    return _error(401, message, **{"WWW-Authenticate": 'Bearer realm="ioc"'})


@routes.get("/admin/api/stats")
async def stats(request: web.Request) -> web.Response:
    presented = bearer_token(request)
    try:
        if presented is not None:
            given = {name: request.query.get(name, "")[:32] for name in PARAMS}
            token = await asyncio.to_thread(IocTokenService().use, presented, given)
            if token is None:
                return _unauthorised("Mã truy cập không hợp lệ hoặc đã bị thu hồi.")
        elif (request.get("user") or {}).get("role") not in STAFF_ROLES:
            return _unauthorised("Cần mã truy cập IOC (Authorization: Bearer) hoặc đăng nhập.")
        try:
            start, end, channel = period_query(request.query)
        except QueryError as error:
            return _error(400, str(error))
        from assistant.analytics.report import build_report  # looked up per call (tests swap it)

        report = await asyncio.to_thread(build_report, start, end, channel)
    except SQLAlchemyError:
        return _error(503, "Hệ thống thống kê tạm thời không phản hồi, vui lòng thử lại sau.")
    return web.json_response(report.as_dict(), dumps=_dumps)


# --- tokens, for administrators ----------------------------------------------------------


def _page(request: web.Request, http_status: int = 200, **context) -> web.Response:
    tokens = IocTokenService().listing()
    today = local_today()
    settings = get_settings()
    scheme = "https" if settings.admin_cookie_secure else request.scheme
    context.setdefault("created", None)
    context.setdefault("error", "")
    context.setdefault("name", "")
    return render(
        request,
        "ioc_tokens.html",
        http_status=http_status,
        tokens=tokens,
        name_max=NAME_MAX,
        example_url=(
            f"{scheme}://{request.host}/admin/api/stats"
            f"?from={today.replace(day=1).isoformat()}&to={today.isoformat()}"
        ),
        **context,
    )


@routes.get("/admin/ioc-tokens")
async def tokens(request: web.Request) -> web.Response:
    require_admin(request)
    return _page(request)


@routes.post("/admin/ioc-tokens")
async def create_token(request: web.Request) -> web.Response:
    require_admin(request)
    form = await request.post()
    name = form_text(form, "name", 1000)
    try:
        plaintext, token = IocTokenService().create(name, request["user"]["username"])
    except TokenError as error:
        return _page(request, 400, error=str(error), name=name[:NAME_MAX])
    # Answered here, not redirected: the token must not travel in a URL or a cookie.
    return _page(request, created={"token": plaintext, "name": token.name})


@routes.post(r"/admin/ioc-tokens/{token_id:\d{1,9}}/revoke")
async def revoke_token(request: web.Request) -> web.Response:
    require_admin(request)
    revoked = IocTokenService().revoke(
        int(request.match_info["token_id"]), request["user"]["username"]
    )
    message = (
        "Đã thu hồi mã truy cập: mọi yêu cầu dùng mã này sẽ bị từ chối."
        if revoked
        else "Mã truy cập này không còn hiệu lực (đã thu hồi hoặc không tồn tại)."
    )
    raise redirect("/admin/ioc-tokens", message)
