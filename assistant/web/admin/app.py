"""Mount the staff app on the portal server."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from assistant.web.admin import (
    views_admin,
    views_auth,
    views_content,
    views_faq,
    views_handoff,
    views_ioc,
    views_live,
    views_models,
    views_outbox,
    views_petitions,
    views_stats,
)
from assistant.web.admin.render import flash_messages
from assistant.web.admin.security import require_session, security_headers

STATIC = Path(__file__).resolve().parent / "static"
MIDDLEWARES = (security_headers, flash_messages, require_session)


def add_admin(app: web.Application) -> None:
    """Routes under /admin; the middlewares leave every other path alone."""
    modules = (
        views_auth,
        views_faq,
        views_content,
        views_handoff,
        views_ioc,
        views_live,
        views_models,
        views_outbox,
        views_petitions,
        views_stats,
    )
    for module in (*modules, views_admin):
        app.router.add_routes(module.routes)
    app.router.add_static("/admin/static/", STATIC)


def admin_only(middleware):
    """Run a middleware for /admin paths only (the public chat keeps its own behaviour)."""

    @web.middleware
    async def wrapped(request: web.Request, handler):
        if request.path == "/admin" or request.path.startswith("/admin/"):
            return await middleware(request, handler)
        return await handler(request)

    return wrapped


middlewares = [admin_only(m) for m in MIDDLEWARES]
