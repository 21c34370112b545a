""" "Hỗ trợ trực tuyến": the live desk page, its event stream and its JSON actions.

Having the page open is what makes a staff member "online": its stream refreshes their
presence, and ``action_handoff`` queues citizens only while someone is. The page shows the
queue (channel, waiting time, the procedure or dossier in context) and, for the chosen
conversation, what was said before and since, masked as in the inbox. Taking is first come,
first served (a second taker gets a 409); only the taker writes and closes.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import datetime

from aiohttp import web

from assistant.catalog.service import CatalogService
from assistant.handoff.live import LiveDesk
from assistant.handoff.pump import DeskPump, for_staff
from assistant.handoff.rasa_api import RasaConversations, RasaUnavailable
from assistant.handoff.service import HandoffError
from assistant.web.admin.render import render
from assistant.web.admin.security import SESSION_COOKIE
from assistant.web.sse import stream

routes = web.RouteTableDef()
ID = r"{handoff_id:\d+}"
MAX_TEXT = 2000
_ONLINE = "desk_online"  # app key: open streams per staff member


@routes.get("/admin/live")
async def live_page(request: web.Request) -> web.Response:
    rasa: RasaConversations = request.app["desk_pump"].rasa
    history = await asyncio.to_thread(LiveDesk().history)
    for item in history:
        item["created"] = datetime.fromisoformat(item["created_at"].rstrip("Z"))
    return render(request, "live.html", history=history, usable=rasa.usable)


async def _still_logged_in(request: web.Request) -> bool:
    from assistant.db.session import session_scope
    from assistant.staff.repository import StaffRepository

    def check() -> bool:
        with session_scope() as session:
            token = request.cookies.get(SESSION_COOKIE, "")
            return StaffRepository(session).session_user(token) is not None

    return await asyncio.to_thread(check)


@routes.get("/admin/api/live/events")
async def events(request: web.Request) -> web.StreamResponse:
    """The queue and every new message, live; keeps the staff member online meanwhile."""
    pump: DeskPump = request.app["desk_pump"]
    username = request["user"]["username"]
    online: Counter = request.app.setdefault(_ONLINE, Counter())
    desk = LiveDesk()
    usable = pump.rasa.usable
    queue = pump.subscribe_staff()
    online[username] += 1

    async def heartbeat() -> bool:
        if not await _still_logged_in(request):
            return False
        if usable:
            await asyncio.to_thread(desk.touch, username)
        return True

    try:
        if usable:  # without Rasa's API no conversation could be answered: stay offline
            await asyncio.to_thread(desk.touch, username)
        first = [("queue", [for_staff(v) for v in await asyncio.to_thread(desk.queue)])]
        return await stream(request, queue, first, every_heartbeat=heartbeat)
    finally:
        pump.unsubscribe_staff(queue)
        online[username] -= 1
        if online[username] <= 0:
            del online[username]
            await asyncio.to_thread(desk.leave, username)


@routes.get(f"/admin/api/live/{ID}")
async def conversation(request: web.Request) -> web.Response:
    handoff_id = int(request.match_info["handoff_id"])
    desk = LiveDesk()
    try:
        view = await asyncio.to_thread(desk.conversation, handoff_id)
    except HandoffError as error:
        return web.json_response({"error": str(error)}, status=404)
    rasa: RasaConversations = request.app["desk_pump"].rasa
    try:
        before = await rasa.transcript(view["conversation_id"]) if rasa.usable else []
        view["transcript_error"] = ""
    except RasaUnavailable:
        before, view["transcript_error"] = [], "Chưa đọc được hội thoại trước đó từ Rasa."
    view["transcript"] = before
    code = view["context"].get("procedure_code")
    if code:
        record = await asyncio.to_thread(CatalogService().get, str(code))
        view["procedure_name"] = record.name if record is not None else ""
    return web.json_response(for_staff(view))


async def _act(request: web.Request, action) -> web.Response:
    handoff_id = int(request.match_info["handoff_id"])
    try:
        result = await asyncio.to_thread(action, handoff_id, request["user"]["username"])
    except HandoffError as error:
        return web.json_response({"error": str(error)}, status=409)
    request.app["desk_pump"].wake()
    return web.json_response(for_staff(result))


@routes.post(f"/admin/api/live/{ID}/take")
async def take(request: web.Request) -> web.Response:
    return await _act(request, LiveDesk().take)


@routes.post(f"/admin/api/live/{ID}/close")
async def close(request: web.Request) -> web.Response:
    return await _act(request, LiveDesk().close)


@routes.post(f"/admin/api/live/{ID}/send")
async def send(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        body = None
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not re.search(r"\S", text):
        return web.json_response({"error": "Hãy nhập nội dung tin nhắn."}, status=400)
    if len(text) > MAX_TEXT:
        return web.json_response({"error": "Tin nhắn quá dài (tối đa 2000 ký tự)."}, status=400)
    return await _act(request, lambda handoff_id, actor: LiveDesk().say(handoff_id, actor, text))
