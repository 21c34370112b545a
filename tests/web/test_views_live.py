"""'Hỗ trợ trực tuyến' over real HTTP (assistant/web/admin/views_live.py): login and CSRF, one
taker only, what staff may send, the conversation without the citizen's channel id, and the
event stream that makes a staff member "online" (only when Rasa's API can be used)."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from yarl import URL

from assistant import audit
from assistant.db.models import DeskPresence, HandoffMessage
from assistant.db.session import session_scope
from assistant.handoff.live import TAKEN, LiveDesk
from assistant.settings import get_settings
from assistant.web import sse
from assistant.web.server import create_app
from tests.web.staff_client import PASSWORD, logged_in

PAGE_CSRF = re.compile(r'data-csrf="([^"]+)"')
WARNING = "Chưa trò chuyện trực tuyến được"


def use_token(monkeypatch, token: str) -> None:
    if token:
        monkeypatch.setenv("RASA_API_TOKEN", token)
    else:
        monkeypatch.delenv("RASA_API_TOKEN", raising=False)
    get_settings.cache_clear()


async def staff_pair():
    from assistant.staff.repository import StaffRepository

    with session_scope() as session:
        repo = StaffRepository(session)
        repo.add_user("test", "lan", PASSWORD, "editor")
        repo.add_user("test", "minh", PASSWORD, "editor")
    lan, minh = await logged_in("lan"), await logged_in("minh")
    for client in (lan, minh):
        page = await (await client.get("/admin/live")).text()
        client.csrf = PAGE_CSRF.search(page).group(1)
    return lan, minh


@pytest.fixture
async def staff(database_url, monkeypatch):
    """lan and minh logged in, Rasa's API usable (its token set; nothing listens there)."""
    use_token(monkeypatch, "rasa-secret")
    lan, minh = await staff_pair()
    yield lan, minh
    await lan.close()
    await minh.close()
    get_settings.cache_clear()


@pytest.fixture
async def staff_without_rasa(database_url, monkeypatch):
    use_token(monkeypatch, "")
    lan, minh = await staff_pair()
    yield lan, minh
    await lan.close()
    await minh.close()
    get_settings.cache_clear()


@pytest.fixture
def desk(database_url):
    return LiveDesk()


def post(client, path: str, **kwargs):
    headers = {"X-CSRF-Token": client.csrf, **kwargs.pop("headers", {})}
    return client.post(path, headers=headers, **kwargs)


def present() -> dict:
    with session_scope() as session:
        return {row.username: row.seen_at for row in session.scalars(select(DeskPresence))}


async def eventually(check, seconds: float = 1.5) -> None:
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    assert check()


async def next_event(response, seconds: float = 2.0):
    """(name, data) of the next event; None when the stream ended."""
    name, data = "message", None
    while True:
        line = await asyncio.wait_for(response.content.readline(), seconds)
        if not line:
            return None
        line = line.decode().rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data = json.loads(line[6:])
        elif not line and data is not None:
            return name, data


# --- login and CSRF -------------------------------------------------------------------------


async def test_the_page_needs_a_login(database_url):
    client = TestClient(TestServer(create_app(rasa_url="http://127.0.0.1:9")))
    await client.start_server()
    try:
        response = await client.get("/admin/live", allow_redirects=False)
        assert response.status == 302
        location = URL(response.headers["Location"])
        assert location.path == "/admin/login" and location.query["next"] == "/admin/live"
        for method, path in [
            ("GET", "/admin/api/live/events"),
            ("GET", "/admin/api/live/1"),
            ("POST", "/admin/api/live/1/take"),
            ("POST", "/admin/api/live/1/send"),
            ("POST", "/admin/api/live/1/close"),
        ]:
            response = await client.request(method, path, json={"text": "x"})
            assert response.status == 401, path
            assert response.content_type == "application/json"
            assert await response.json() == {"error": "Cần đăng nhập."}
        assert present() == {}
    finally:
        await client.close()


async def test_a_post_without_the_sessions_csrf_token_is_refused(staff, desk):
    lan, minh = staff
    place = desk.enqueue("web-1", "rest")
    path = f"/admin/api/live/{place.handoff_id}/take"
    assert (await lan.post(path)).status == 403
    assert (await lan.post(path, headers={"X-CSRF-Token": "forged"})).status == 403
    assert (await lan.post(path, headers={"X-CSRF-Token": minh.csrf})).status == 403
    for action in ("send", "close"):
        refused = await lan.post(f"/admin/api/live/{place.handoff_id}/{action}", json={"text": "a"})
        assert refused.status == 403
    assert desk.conversation(place.handoff_id)["status"] == "waiting"
    assert (await post(lan, path)).status == 200


# --- the page -------------------------------------------------------------------------------


async def test_the_page_shows_the_desk_and_the_last_week(staff, desk):
    lan, _ = staff
    place = desk.enqueue("web-1", "rest")
    desk.take(place.handoff_id, "lan")
    desk.close(place.handoff_id, "lan")
    page = await (await lan.get("/admin/live")).text()
    assert "<h1>Hỗ trợ trực tuyến</h1>" in page
    assert WARNING not in page
    assert 'data-user="lan"' in page and f'data-csrf="{lan.csrf}"' in page
    assert f"<td>{place.handoff_id}</td><td>rest</td>" in page and "đã hỗ trợ" in page
    assert "web-1" not in page


async def test_without_a_rasa_token_the_page_warns(staff_without_rasa):
    lan, _ = staff_without_rasa
    page = await (await lan.get("/admin/live")).text()
    assert WARNING in page and "RASA_API_TOKEN" in page


# --- taking, sending, closing ---------------------------------------------------------------


async def test_a_conversation_is_taken_by_the_first_staff_member_only(staff, desk):
    lan, minh = staff
    place = desk.enqueue("zalo-1", "zalo", {"procedure_code": "1.001193"})
    path = f"/admin/api/live/{place.handoff_id}/take"
    taken = await post(lan, path)
    assert taken.status == 200
    view = await taken.json()
    assert (view["id"], view["status"], view["assigned_to"]) == (place.handoff_id, "active", "lan")
    assert view["channel"] == "zalo" and "conversation_id" not in view
    second = await post(minh, path)
    assert second.status == 409
    assert (await second.json())[
        "error"
    ] == f"Cuộc trò chuyện #{place.handoff_id} đã được lan tiếp nhận."
    again = await post(lan, path)
    assert again.status == 409
    assert desk.conversation(place.handoff_id)["assigned_to"] == "lan"


async def test_an_unknown_conversation_cannot_be_taken(staff):
    lan, _ = staff
    response = await post(lan, "/admin/api/live/999/take")
    assert response.status == 409
    assert await response.json() == {"error": "Không tìm thấy cuộc trò chuyện này."}


@pytest.mark.parametrize(
    "body, error",
    [
        (json.dumps({"text": ""}), "Hãy nhập nội dung tin nhắn."),
        (json.dumps({"text": " \n\t "}), "Hãy nhập nội dung tin nhắn."),
        (json.dumps({}), "Hãy nhập nội dung tin nhắn."),
        (json.dumps({"text": 42}), "Hãy nhập nội dung tin nhắn."),
        (json.dumps(["text"]), "Hãy nhập nội dung tin nhắn."),
        ("{not json", "Hãy nhập nội dung tin nhắn."),
        ("", "Hãy nhập nội dung tin nhắn."),
        (json.dumps({"text": "a" * 2001}), "Tin nhắn quá dài (tối đa 2000 ký tự)."),
    ],
)
async def test_a_message_must_have_some_text_and_not_too_much(staff, desk, body, error):
    lan, _ = staff
    place = desk.enqueue("web-1", "rest")
    await post(lan, f"/admin/api/live/{place.handoff_id}/take")
    response = await post(
        lan,
        f"/admin/api/live/{place.handoff_id}/send",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 400
    assert await response.json() == {"error": error}
    assert [m["text"] for m in desk.conversation(place.handoff_id)["desk_messages"]] == [TAKEN]


async def test_the_taker_sends_a_message_stored_masked_and_kept_as_typed_for_delivery(staff, desk):
    lan, minh = staff
    place = desk.enqueue("web-1", "rest")
    await post(lan, f"/admin/api/live/{place.handoff_id}/take")
    words = "Anh/Chị gọi 0292 3812 345 nhé"
    sent = await post(lan, f"/admin/api/live/{place.handoff_id}/send", json={"text": words})
    assert sent.status == 200
    message = await sent.json()
    assert message["direction"] == "out" and message["author"] == "lan"
    assert message["text"].startswith("Anh/Chị gọi ") and "3812" not in message["text"]
    assert "conversation_id" not in message and "deliver" not in message
    with session_scope() as session:
        row = session.get(HandoffMessage, message["id"])
        assert row.outgoing == words
    longest = await post(lan, f"/admin/api/live/{place.handoff_id}/send", json={"text": "á" * 2000})
    assert longest.status == 200
    other = await post(minh, f"/admin/api/live/{place.handoff_id}/send", json={"text": "chen"})
    assert other.status == 409
    assert "Chỉ cán bộ đang tiếp nhận" in (await other.json())["error"]


async def test_only_the_taker_closes_an_active_conversation(staff, desk):
    lan, minh = staff
    place = desk.enqueue("web-1", "rest")
    await post(lan, f"/admin/api/live/{place.handoff_id}/take")
    refused = await post(minh, f"/admin/api/live/{place.handoff_id}/close")
    assert refused.status == 409
    closed = await post(lan, f"/admin/api/live/{place.handoff_id}/close")
    assert closed.status == 200
    view = await closed.json()
    assert view["status"] == "closed" and view["duration_seconds"] is not None
    assert "conversation_id" not in view
    assert (await post(lan, f"/admin/api/live/{place.handoff_id}/close")).status == 409


async def test_anyone_closes_a_conversation_still_waiting(staff, desk):
    _, minh = staff
    place = desk.enqueue("web-1", "rest")
    closed = await post(minh, f"/admin/api/live/{place.handoff_id}/close")
    assert closed.status == 200 and (await closed.json())["status"] == "closed"


# --- one conversation -----------------------------------------------------------------------


async def test_a_conversation_is_shown_without_the_citizens_channel_id(staff_without_rasa, desk):
    lan, _ = staff_without_rasa
    place = desk.enqueue("zalo-8472", "zalo", {"dossier_code": "H13-240115-0001"})
    desk.relay("zalo-8472", "số tôi 0912345678")
    response = await lan.get(f"/admin/api/live/{place.handoff_id}")
    assert response.status == 200
    view = await response.json()
    assert "conversation_id" not in view and "zalo-8472" not in await response.text()
    assert view["context"] == {"dossier_code": "H13-240115-0001"}
    assert view["transcript"] == [] and view["transcript_error"] == ""
    [message] = view["desk_messages"]
    assert message["direction"] == "in" and "0912345678" not in message["text"]
    assert "procedure_name" not in view


async def test_an_unknown_conversation_is_not_found(staff):
    lan, _ = staff
    response = await lan.get("/admin/api/live/404")
    assert response.status == 404
    assert await response.json() == {"error": "Không tìm thấy cuộc trò chuyện này."}


async def test_the_conversation_before_the_handoff_comes_from_rasa(staff, desk):
    lan, _ = staff
    asked = []

    async def tracker(request: web.Request) -> web.Response:
        asked.append((request.match_info["sender"], dict(request.query)))
        events = [
            {"event": "user", "text": "cho tôi gặp cán bộ"},
            {"event": "bot", "text": "Anh/Chị chờ một chút."},
        ]
        return web.json_response({"events": events})

    fake = web.Application()
    fake.router.add_get("/conversations/{sender}/tracker", tracker)
    rasa = TestServer(fake)
    await rasa.start_server()
    try:
        lan.server.app["desk_pump"].rasa.base_url = str(rasa.make_url("")).rstrip("/")
        place = desk.enqueue("web-77", "rest")
        view = await (await lan.get(f"/admin/api/live/{place.handoff_id}")).json()
    finally:
        await rasa.close()
    assert asked == [("web-77", {"include_events": "AFTER_RESTART", "token": "rasa-secret"})]
    assert view["transcript"] == [
        {"who": "user", "text": "cho tôi gặp cán bộ"},
        {"who": "bot", "text": "Anh/Chị chờ một chút."},
    ]
    assert view["transcript_error"] == ""


async def test_an_unreachable_rasa_is_said_instead_of_the_transcript(staff, desk):
    lan, _ = staff  # Rasa's URL is a closed port
    place = desk.enqueue("web-1", "rest")
    response = await lan.get(f"/admin/api/live/{place.handoff_id}")
    assert response.status == 200
    view = await response.json()
    assert view["transcript"] == []
    assert view["transcript_error"] == "Chưa đọc được hội thoại trước đó từ Rasa."


async def test_the_procedure_in_context_is_named(seeded_database, monkeypatch, desk):
    use_token(monkeypatch, "")
    lan, minh = await staff_pair()
    try:
        known = desk.enqueue("web-1", "rest", {"procedure_code": "1.001193"})
        unknown = desk.enqueue("web-2", "rest", {"procedure_code": "9.999999"})
        view = await (await lan.get(f"/admin/api/live/{known.handoff_id}")).json()
        assert view["procedure_name"] == "Đăng ký khai sinh"
        view = await (await lan.get(f"/admin/api/live/{unknown.handoff_id}")).json()
        assert view["procedure_name"] == ""
    finally:
        await lan.close()
        await minh.close()


# --- the event stream and presence ----------------------------------------------------------


async def test_the_stream_starts_with_the_queue_and_marks_the_staff_member_online(staff, desk):
    lan, _ = staff
    place = desk.enqueue("web-1", "rest", {"procedure_code": "1.001193"})
    before = audit.utcnow()
    response = await lan.get("/admin/api/live/events")
    assert response.status == 200
    name, snapshot = await next_event(response)
    assert name == "queue"
    assert [entry["id"] for entry in snapshot] == [place.handoff_id]
    assert "conversation_id" not in snapshot[0]
    assert list(present()) == ["lan"] and present()["lan"] >= before.replace(microsecond=0)
    assert desk.online() == 1
    response.close()
    await eventually(lambda: present() == {})


async def test_the_stream_brings_new_messages_and_queue_changes(staff, desk):
    lan, _ = staff
    response = await lan.get("/admin/api/live/events")
    assert await next_event(response) == ("queue", [])
    place = desk.enqueue("web-1", "rest")
    desk.relay("web-1", "tôi cần hỏi 0912345678")
    lan.server.app["desk_pump"].wake()
    name, message = await next_event(response)
    assert name == "message" and message["direction"] == "in"
    assert "conversation_id" not in message and "0912345678" not in message["text"]
    name, snapshot = await next_event(response)
    assert name == "queue" and snapshot[0]["id"] == place.handoff_id
    assert snapshot[0]["messages"] == 1
    response.close()


async def test_presence_stays_while_another_page_of_the_same_member_is_open(staff):
    lan, minh = staff
    first = await lan.get("/admin/api/live/events")
    second = await lan.get("/admin/api/live/events")
    other = await minh.get("/admin/api/live/events")
    for response in (first, second, other):
        await next_event(response)
    assert sorted(present()) == ["lan", "minh"]
    first.close()
    await asyncio.sleep(0.2)
    assert sorted(present()) == ["lan", "minh"]
    second.close()
    await eventually(lambda: sorted(present()) == ["minh"])
    other.close()
    await eventually(lambda: present() == {})


async def test_the_heartbeat_keeps_presence_fresh(staff, monkeypatch):
    monkeypatch.setattr(sse, "HEARTBEAT", 0.05)
    lan, _ = staff
    response = await lan.get("/admin/api/live/events")
    await next_event(response)
    stale = audit.utcnow() - timedelta(minutes=10)
    with session_scope() as session:
        session.get(DeskPresence, "lan").seen_at = stale
    await eventually(lambda: present().get("lan", stale) > stale)
    response.close()


async def test_logging_out_ends_the_stream_and_the_presence(staff, monkeypatch):
    monkeypatch.setattr(sse, "HEARTBEAT", 0.05)
    lan, _ = staff
    response = await lan.get("/admin/api/live/events")
    await next_event(response)
    assert "lan" in present()
    logout = await post(lan, "/admin/logout", allow_redirects=False)
    assert logout.status == 302
    assert await next_event(response) is None  # the stream ended
    await eventually(lambda: present() == {})


async def test_without_a_rasa_token_the_stream_works_but_nobody_is_online(
    staff_without_rasa, desk, monkeypatch
):
    monkeypatch.setattr(sse, "HEARTBEAT", 0.05)
    lan, _ = staff_without_rasa
    place = desk.enqueue("web-1", "rest")
    response = await lan.get("/admin/api/live/events")
    name, snapshot = await next_event(response)
    assert name == "queue" and snapshot[0]["id"] == place.handoff_id
    await asyncio.sleep(0.2)  # a few heartbeats
    assert present() == {} and desk.online() == 0
    assert desk.available("web-2") is False
    response.close()
