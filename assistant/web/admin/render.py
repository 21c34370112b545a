"""Jinja2 (autoescaped) rendering and small helpers shared by the staff views."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import jinja2
from aiohttp import web

from assistant.localtime import LOCAL_OFFSET

TEMPLATES = Path(__file__).resolve().parent / "templates"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    autoescape=jinja2.select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def local_time(value: datetime | None) -> str:
    """Timestamps are stored in naive UTC; staff read Vietnam time."""
    return (value + LOCAL_OFFSET).strftime("%d/%m/%Y %H:%M") if value else ""


def decimal(value: Any, digits: int = 3) -> str:
    """0.912 → "0,912": the Vietnamese decimal comma."""
    if value is None:
        return "–"
    return f"{float(value):.{digits}f}".replace(".", ",")


RUN_STATUS = {
    "queued": "đang chờ",
    "training": "đang huấn luyện",
    "scoring": "đang chấm điểm",
    "accepted": "đã dùng mô hình mới",
    "rejected": "không dùng (kém hơn)",
    "failed": "lỗi",
    "interrupted": "bị dừng giữa chừng",
}

_env.filters["local_time"] = local_time
_env.filters["run_status"] = lambda status: RUN_STATUS.get(status, status)
_env.filters["decimal"] = decimal


def render(
    request: web.Request, template: str, http_status: int = 200, **context: Any
) -> web.Response:
    flash = request.get("flash")
    html = _env.get_template(template).render(
        user=request.get("user"),
        csrf=request.get("csrf", ""),
        path=request.path,
        flash=flash,
        **context,
    )
    return web.Response(text=html, status=http_status, content_type="text/html", charset="utf-8")


def redirect(location: str, message: str | None = None) -> web.HTTPFound:
    """A redirect after a POST, with a one-line notice shown on the next page."""
    response = web.HTTPFound(location)
    if message:
        response.set_cookie(
            "admin_flash", quote(message[:300]), path="/admin", httponly=True, samesite="Strict"
        )
    return response


@web.middleware
async def flash_messages(request: web.Request, handler) -> web.StreamResponse:
    raw = request.cookies.get("admin_flash")
    if raw:
        request["flash"] = unquote(raw)[:300]
    response = await handler(request)
    if raw and not isinstance(response, web.HTTPFound):
        response.del_cookie("admin_flash", path="/admin")
    return response


def form_text(form, name: str, limit: int = 10_000) -> str:
    value = form.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


def page_number(request: web.Request) -> int:
    try:
        return max(1, min(int(request.query.get("page", "1")), 10_000))
    except ValueError:
        return 1
