"""Replies to citizens that Zalo or Messenger did not accept after every retry ("Tin nhắn gửi
lỗi"), with a button that queues one again. Phone and ID numbers are masked on the page."""

from __future__ import annotations

from typing import Any, Dict

from aiohttp import web

from assistant.channels.names import CHANNEL_NAMES
from assistant.channels.outbox import recipient_ref
from assistant.channels.outbox_repository import OutboxRepository, OutboxRow
from assistant.db.session import session_scope
from assistant.privacy import mask_personal_numbers
from assistant.web.admin.render import page_number, redirect, render

routes = web.RouteTableDef()
PAGE = 50
PREVIEW_CHARS = 300


def _preview(message: Dict[str, Any]) -> str:
    """What the citizen would have read, masked and cut; attachments named, not shown."""
    text = message.get("text")
    if not isinstance(text, str):
        payload = (message.get("attachment") or {}).get("payload")
        text = payload.get("text") if isinstance(payload, dict) else None
    if not isinstance(text, str) or not text.strip():
        return "(tệp đính kèm hoặc mẫu tin nhắn, không có chữ)"
    text = mask_personal_numbers(" ".join(text.split()))
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "…"


def _view(row: OutboxRow) -> Dict[str, Any]:
    return {
        "id": row.id,
        "channel": CHANNEL_NAMES.get(row.channel, row.channel),
        "recipient": recipient_ref(row.recipient),
        "preview": _preview(row.message),
        "attempts": row.attempts,
        "error": mask_personal_numbers(row.last_error),
        "created_at": row.created_at,
        "dead_at": row.dead_at,
    }


@routes.get("/admin/outbox")
async def failed_replies(request: web.Request) -> web.Response:
    page = page_number(request)
    with session_scope() as session:
        repo = OutboxRepository(session)
        rows = [_view(row) for row in repo.dead(limit=PAGE, offset=(page - 1) * PAGE)]
        total, pending = repo.count("dead"), repo.count("pending")
    return render(
        request,
        "outbox.html",
        rows=rows,
        total=total,
        pending=pending,
        page=page,
        pages=max(1, -(-total // PAGE)),
    )


@routes.post(r"/admin/outbox/{row_id:\d+}/retry")
async def retry(request: web.Request) -> web.Response:
    row_id = int(request.match_info["row_id"])
    try:
        with session_scope() as session:
            OutboxRepository(session).requeue(request["user"]["username"], row_id)
    except KeyError:
        raise redirect(
            "/admin/outbox", f"Tin nhắn #{row_id} không còn trong danh sách gửi lỗi."
        ) from None
    raise redirect(
        "/admin/outbox",
        f"Đã xếp tin nhắn #{row_id} vào hàng chờ gửi lại; trợ lý sẽ gửi trong vài giây.",
    )
