"""For administrators: staff accounts and the audit log."""

from __future__ import annotations

import json

from aiohttp import web

from assistant import audit
from assistant.db.session import session_scope
from assistant.web.admin.render import form_text, page_number, redirect, render
from assistant.web.admin.security import require_admin

routes = web.RouteTableDef()
AUDIT_PAGE = 100


@routes.get("/admin/audit")
async def audit_log(request: web.Request) -> web.Response:
    require_admin(request)
    page = page_number(request)
    with session_scope() as session:
        rows = [
            {
                "at": entry.at,
                "actor": entry.actor,
                "action": entry.action,
                "entity": entry.entity,
                "entity_id": entry.entity_id,
                "before": _compact(entry.before),
                "after": _compact(entry.after),
            }
            for entry in audit.entries(session, limit=AUDIT_PAGE, offset=(page - 1) * AUDIT_PAGE)
        ]
        total = audit.count(session)
    return render(
        request,
        "audit.html",
        rows=rows,
        page=page,
        pages=max(1, -(-total // AUDIT_PAGE)),
    )


def _compact(value) -> str:
    if value is None:
        return ""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 600 else text[:600] + "…"


@routes.get("/admin/staff")
async def staff(request: web.Request) -> web.Response:
    from assistant.staff.repository import ROLES, StaffRepository

    require_admin(request)
    with session_scope() as session:
        users = StaffRepository(session).list_users()
        return render(request, "staff.html", users=users, roles=ROLES, error="")


@routes.post("/admin/staff")
async def staff_change(request: web.Request) -> web.Response:
    from assistant.staff.repository import ROLES, StaffError, StaffRepository

    require_admin(request)
    form = await request.post()
    actor = request["user"]["username"]
    action = form_text(form, "action", 16)
    username = form_text(form, "username", 64).strip().lower()
    try:
        with session_scope() as session:
            repo = StaffRepository(session)
            if action == "add":
                repo.add_user(
                    actor, username, form_text(form, "password", 256), form_text(form, "role", 16)
                )
                message = f"Đã tạo tài khoản {username}."
            elif action in ("disable", "enable"):
                if username == actor:
                    raise StaffError("Không thể tự khoá tài khoản đang dùng.")
                repo.set_active(actor, username, action == "enable")
                message = f"Đã {'mở' if action == 'enable' else 'khoá'} tài khoản {username}."
            elif action == "role":
                repo.set_role(actor, username, form_text(form, "role", 16))
                message = f"Đã đổi vai trò của {username}."
            elif action == "password":
                repo.set_password(actor, username, form_text(form, "password", 256))
                message = f"Đã đặt lại mật khẩu cho {username}."
            else:
                raise StaffError("Thao tác không hợp lệ.")
    except (StaffError, KeyError) as error:
        with session_scope() as session:
            users = StaffRepository(session).list_users()
            return render(
                request,
                "staff.html",
                http_status=400,
                users=users,
                roles=ROLES,
                error=str(error).strip("'\""),
            )
    raise redirect("/admin/staff", message)
