"""Login, logout and the start page."""

from __future__ import annotations

from aiohttp import web

from assistant.db.session import session_scope
from assistant.settings import get_settings
from assistant.web.admin.render import form_text, redirect, render
from assistant.web.admin.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    client_ip,
    new_login_csrf,
    safe_next,
    same_token,
    set_cookie,
)

routes = web.RouteTableDef()


def _login_page(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    token = new_login_csrf()
    response = render(
        request,
        "login.html",
        http_status=status,
        error=error,
        login_csrf=token,
        next=safe_next(request.query.get("next")),
    )
    set_cookie(response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


@routes.get("/admin/login")
async def login_form(request: web.Request) -> web.Response:
    if request.get("user"):
        raise redirect("/admin")
    return _login_page(request)


@routes.post("/admin/login")
async def login(request: web.Request) -> web.Response:
    from assistant.staff.repository import StaffRepository

    form = await request.post()
    if not same_token(request.cookies.get(LOGIN_CSRF_COOKIE), form_text(form, "csrf_token")):
        return _login_page(request, "Phiên đăng nhập đã hết hạn, vui lòng thử lại.", 403)
    username = form_text(form, "username", 64).strip().lower()
    password = form_text(form, "password", 256)
    with session_scope() as session:
        result = StaffRepository(session).login(username, password, client_ip(request))
    if result.error == "locked":
        return _login_page(
            request, "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút.", 429
        )
    if result.error or not result.token:
        return _login_page(request, "Tên đăng nhập hoặc mật khẩu không đúng.", 401)
    response = web.HTTPFound(safe_next(form_text(form, "next", 500)))
    max_age = int(get_settings().admin_session_hours * 3600)
    set_cookie(response, SESSION_COOKIE, result.token, max_age)
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/admin")
    raise response


@routes.post("/admin/logout")
async def logout(request: web.Request) -> web.Response:
    from assistant.staff.repository import StaffRepository

    with session_scope() as session:
        StaffRepository(session).logout(request.cookies.get(SESSION_COOKIE, ""))
    response = web.HTTPFound("/admin/login")
    response.del_cookie(SESSION_COOKIE, path="/admin")
    raise response


@routes.get("/admin")
async def dashboard(request: web.Request) -> web.Response:
    from datetime import timedelta

    from assistant import audit
    from assistant.faq.repository import FaqRepository
    from assistant.feedback.repository import FeedbackRepository
    from assistant.handoff.repository import HandoffRepository
    from assistant.inbox.examples import TrainingExampleRepository
    from assistant.inbox.repository import InboxRepository
    from assistant.training.registry import ModelRegistry
    from assistant.training.runner import latest_run

    with session_scope() as session:
        ratings = FeedbackRepository(session).totals(since=audit.utcnow() - timedelta(days=7))
        return render(
            request,
            "dashboard.html",
            faq_active=FaqRepository(session).count(active=True),
            examples=TrainingExampleRepository(session).count(active=True),
            inbox_open=InboxRepository(session).count("open"),
            live=ModelRegistry(session).live(),
            run=latest_run(session),
            ratings=ratings,
            callbacks_open=HandoffRepository(session).count("open"),
        )


@routes.get("/admin/api/me")
async def me(request: web.Request) -> web.Response:
    return web.json_response(request["user"])
