"""Citizens' petitions ("Phản ánh, kiến nghị") for staff: the list with filters, one petition
with its photos and history, assignment, status changes and public replies.

The reporter's name and phone are masked until a staff member presses the button that shows
them (a POST, audited as "view_personal"; the page that answers is not cached). Photos are
served only here, behind the staff session."""

from __future__ import annotations

from typing import Any, Dict
from urllib.parse import urlencode

from aiohttp import web

from assistant.channels.names import CHANNEL_NAMES
from assistant.petitions import config
from assistant.petitions.errors import PetitionError
from assistant.petitions.service import PetitionService
from assistant.petitions.statuses import LABELS
from assistant.web.admin.render import form_text, page_number, redirect, render

routes = web.RouteTableDef()
CODE = r"{code:PA-\d{4}-\d{6}}"
OVERDUE = {"1": True, "0": False}
FILTERS = ("status", "category", "unit", "commune", "q", "overdue")


def _filters(request: web.Request) -> Dict[str, str]:
    return {name: request.query.get(name, "").strip()[:100] for name in FILTERS}


def _choices() -> Dict[str, Any]:
    return {
        "statuses": LABELS,
        "categories": {c.key: c.name for c in config.categories()},
        "units": {u.key: u.name for u in config.units()},
        "channels": CHANNEL_NAMES,
    }


@routes.get("/admin/petitions")
async def petitions(request: web.Request) -> web.Response:
    filters = _filters(request)
    service = PetitionService()
    found = service.search(
        status=filters["status"] or None,
        category=filters["category"] or None,
        unit=filters["unit"] or None,
        commune=filters["commune"] or None,
        text=filters["q"] or None,
        overdue=OVERDUE.get(filters["overdue"]),
        page=page_number(request),
    )
    chosen = {name: value for name, value in filters.items() if value}
    return render(
        request,
        "petitions.html",
        found=found,
        filters=filters,
        query=urlencode(chosen),
        communes=service.communes(),
        **_choices(),
    )


def _detail(request: web.Request, code: str, personal: Dict[str, str] | None = None):
    petition = PetitionService().get_for_staff(code)
    if petition is None:
        raise web.HTTPNotFound(text="Không tìm thấy phản ánh này.")
    if personal is not None:
        petition.update(personal)
    return render(request, "petition.html", p=petition, revealed=personal is not None, **_choices())


@routes.get(f"/admin/petitions/{CODE}")
async def petition(request: web.Request) -> web.Response:
    return _detail(request, request.match_info["code"])


@routes.post(f"/admin/petitions/{CODE}/reveal")
async def reveal(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    try:
        personal = PetitionService().reveal_personal(code, request["user"]["username"])
    except PetitionError as error:
        raise redirect("/admin/petitions", str(error)) from None
    return _detail(request, code, personal)


async def _act(request: web.Request, action, done: str) -> web.Response:
    """Run a staff change, then back to the petition with what happened."""
    code = request.match_info["code"]
    form = await request.post()
    try:
        action(code, form, request["user"]["username"])
    except PetitionError as error:
        raise redirect(f"/admin/petitions/{code}", str(error)) from None
    raise redirect(f"/admin/petitions/{code}", done.format(code=code))


@routes.post(f"/admin/petitions/{CODE}/assign")
async def assign(request: web.Request) -> web.Response:
    return await _act(
        request,
        lambda code, form, actor: PetitionService().assign(
            code, form_text(form, "unit", 32), actor
        ),
        "Đã giao phản ánh {code} cho đơn vị mới.",
    )


@routes.post(f"/admin/petitions/{CODE}/status")
async def change_status(request: web.Request) -> web.Response:
    return await _act(
        request,
        lambda code, form, actor: PetitionService().change_status(
            code, form_text(form, "status", 32), actor, form_text(form, "reason", 1000)
        ),
        "Đã chuyển trạng thái phản ánh {code}; người phản ánh và người theo dõi sẽ được báo.",
    )


@routes.post(f"/admin/petitions/{CODE}/reply")
async def reply(request: web.Request) -> web.Response:
    return await _act(
        request,
        lambda code, form, actor: PetitionService().reply(
            code, form_text(form, "text", 3000), actor
        ),
        "Đã đăng trả lời phản ánh {code}; người phản ánh và người theo dõi sẽ được báo.",
    )


@routes.get(r"/admin/petitions/photos/{token:[A-Za-z0-9_-]{8,64}}")
async def photo(request: web.Request) -> web.Response:
    found = PetitionService().photo(request.match_info["token"])
    if found is None:
        raise web.HTTPNotFound(text="Không tìm thấy ảnh.")
    data, content_type = found
    return web.Response(body=data, content_type=content_type)
