"""Messages citizens left for staff ("Lời nhắn cần gọi lại") and the desk's holidays.

A ticket's phone is masked until a staff member takes the ticket; taking and closing are
audited, and two staff members cannot take the same ticket."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from assistant.channels.names import CHANNEL_NAMES
from assistant.handoff.service import HandoffError, HandoffService
from assistant.localtime import local_now, local_today
from assistant.web.admin.render import form_text, redirect, render

routes = web.RouteTableDef()
TABS = (("open", "Chưa ai nhận"), ("assigned", "Đang xử lý"), ("done", "Đã xong"))


@routes.get("/admin/callbacks")
async def callbacks(request: web.Request) -> web.Response:
    status = request.query.get("status", "open")
    if status not in dict(TABS):
        status = "open"
    service = HandoffService()
    return render(
        request,
        "callbacks.html",
        tickets=service.tickets(status, viewer=request["user"]["username"]),
        counts=service.counts(),
        status=status,
        tabs=TABS,
        channels=CHANNEL_NAMES,
        desk=service.desk(local_now()),
    )


@routes.post(r"/admin/callbacks/{ticket_id:\d+}/take")
async def take(request: web.Request) -> web.Response:
    ticket_id = int(request.match_info["ticket_id"])
    try:
        HandoffService().take(ticket_id, request["user"]["username"])
    except HandoffError as error:
        raise redirect("/admin/callbacks", str(error)) from None
    raise redirect("/admin/callbacks?status=assigned", f"Anh/Chị đã nhận lời nhắn #{ticket_id}.")


@routes.post(r"/admin/callbacks/{ticket_id:\d+}/done")
async def done(request: web.Request) -> web.Response:
    ticket_id = int(request.match_info["ticket_id"])
    form = await request.post()
    try:
        HandoffService().finish(
            ticket_id, request["user"]["username"], form_text(form, "note", 2000)
        )
    except HandoffError as error:
        raise redirect("/admin/callbacks?status=assigned", str(error)) from None
    raise redirect("/admin/callbacks?status=done", f"Đã đóng lời nhắn #{ticket_id}.")


@routes.get("/admin/holidays")
async def holidays(request: web.Request) -> web.Response:
    service = HandoffService()
    today = local_today()
    return render(
        request,
        "holidays.html",
        holidays=service.holidays(today.replace(month=1, day=1)),
        desk=service.desk(local_now()),
        today=today,
    )


@routes.post("/admin/holidays")
async def add_holiday(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        day = date.fromisoformat(form_text(form, "day", 10))
    except ValueError:
        raise redirect("/admin/holidays", "Ngày không hợp lệ (chọn ngày trên lịch).") from None
    try:
        HandoffService().add_holiday(request["user"]["username"], day, form_text(form, "name", 200))
    except HandoffError as error:
        raise redirect("/admin/holidays", str(error)) from None
    raise redirect("/admin/holidays", f"Đã thêm ngày nghỉ {day:%d/%m/%Y}.")


@routes.post(r"/admin/holidays/{holiday_id:\d+}/delete")
async def remove_holiday(request: web.Request) -> web.Response:
    try:
        HandoffService().remove_holiday(
            request["user"]["username"], int(request.match_info["holiday_id"])
        )
    except HandoffError as error:
        raise redirect("/admin/holidays", str(error)) from None
    raise redirect("/admin/holidays", "Đã xoá ngày nghỉ.")
