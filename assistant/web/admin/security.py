"""Sessions, CSRF and headers for the staff app.

The session cookie carries a random token (only its hash is stored), is HttpOnly and
SameSite=Strict, and is Secure when ADMIN_COOKIE_SECURE=1 (behind HTTPS). Every POST carries
the session's CSRF token in a form field or the ``X-CSRF-Token`` header; the login form, which
has no session yet, uses a double-submit cookie. Without a session, pages redirect to the
login form and ``/admin/api/`` answers 401.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web

from assistant.settings import get_settings

logger = logging.getLogger(__name__)

SESSION_COOKIE = "admin_session"
LOGIN_CSRF_COOKIE = "admin_login_csrf"
PUBLIC_PATHS = {"/admin/login"}
# GET paths whose handler authorises the request itself (an IOC bearer token or a session).
SELF_AUTHORISED = {"/admin/api/stats"}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def set_cookie(response: web.StreamResponse, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/admin",
        httponly=True,
        samesite="Strict",
        secure=get_settings().admin_cookie_secure,
    )


def same_token(expected: str | None, given: str | None) -> bool:
    return bool(expected and given) and hmac.compare_digest(expected.encode(), given.encode())


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def client_ip(request: web.Request) -> str:
    # The direct peer: behind a reverse proxy this is the proxy (see the README).
    return (request.remote or "unknown")[:64]


async def _given_csrf(request: web.Request) -> str | None:
    header = request.headers.get("X-CSRF-Token")
    if header:
        return header
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


def _is_api(request: web.Request) -> bool:
    return request.path.startswith("/admin/api/")


def _self_authorised(request: web.Request) -> bool:
    return request.method == "GET" and request.path in SELF_AUTHORISED


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:
        response = error
        _headers(response)
        raise
    _headers(response)
    return response


def _headers(response: web.StreamResponse) -> None:
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("Cache-Control", "no-store")


@web.middleware
async def require_session(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Attach ``request['user']`` and ``request['csrf']``; refuse what needs a session."""
    if request.path.startswith("/admin/static/"):
        return await handler(request)
    token = request.cookies.get(SESSION_COOKIE)
    found = None
    if token:
        from assistant.db.session import session_scope
        from assistant.staff.repository import StaffRepository

        with session_scope() as session:
            found = StaffRepository(session).session_user(token)
    if found:
        user, staff_session = found
        request["user"] = {"id": user.id, "username": user.username, "role": user.role}
        request["csrf"] = staff_session.csrf_token
    elif request.path not in PUBLIC_PATHS and not _self_authorised(request):
        if _is_api(request):
            raise web.HTTPUnauthorized(
                text='{"error": "Cần đăng nhập."}', content_type="application/json"
            )
        target = request.path_qs if request.method == "GET" else "/admin"
        raise web.HTTPFound(f"/admin/login?next={quote(target, safe='')}")
    if request.method == "POST" and request.path not in PUBLIC_PATHS:
        if not same_token(request.get("csrf"), await _given_csrf(request)):
            logger.warning("Admin POST %s refused: bad CSRF token", request.path)
            raise web.HTTPForbidden(text="Phiên làm việc không hợp lệ, vui lòng tải lại trang.")
    return await handler(request)


def require_admin(request: web.Request) -> None:
    if request["user"]["role"] != "admin":
        raise web.HTTPForbidden(text="Chức năng này chỉ dành cho quản trị viên.")


def safe_next(value: str | None) -> str:
    """Only a path inside the staff app: never an open redirect."""
    if value and value.startswith("/admin") and not value.startswith("//"):
        return value
    return "/admin"
