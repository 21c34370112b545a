"""The IOC's statistics API and its tokens over real HTTP: a token is created and shown once,
works only in the Authorization header, is audited on each use and refused once revoked;
staff sessions read the same JSON; bad queries get a 400 in Vietnamese, never a 5xx."""

from __future__ import annotations

import re
import sys
import types
from datetime import date, datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, text

from assistant.analytics.sections import Chart, Report, Section
from assistant.db.models import AuditEntry, IocToken
from assistant.db.session import session_scope
from assistant.web.server import create_app
from tests.web.staff_client import CSRF, PASSWORD, logged_in

TOKEN = re.compile(r'id="new-token" readonly value="(ioc_[^"]+)"')
QUERY = "/admin/api/stats?from=2026-03-01&to=2026-03-31"


@pytest.fixture
def accounts(database_url):
    from assistant.staff.repository import StaffRepository

    with session_scope() as session:
        repo = StaffRepository(session)
        repo.add_user("test", "lan", PASSWORD, "editor")
        repo.add_user("test", "minh", PASSWORD, "admin")
    return database_url


@pytest.fixture
async def admin(accounts):
    client = await logged_in("minh")
    yield client
    await client.close()


@pytest.fixture
async def editor(accounts):
    client = await logged_in("lan")
    yield client
    await client.close()


@pytest.fixture
async def ioc(accounts):
    """A client with no staff session: the IOC's server."""
    client = TestClient(TestServer(create_app(rasa_url="http://127.0.0.1:9")))
    await client.start_server()
    yield client
    await client.close()


@pytest.fixture
def reports(monkeypatch):
    """A fake ``build_report`` (the real one reads the roll-up tables); returns its calls."""
    calls = []

    def build_report(start: date, end: date, channel: str = "") -> Report:
        calls.append((start, end, channel))
        section = Section(
            key="traffic",
            title="Lượt hỏi theo ngày",
            columns=["Ngày", "Lượt hỏi"],
            rows=[[start.isoformat(), 12]],
            chart=Chart(kind="bar"),
            summary={"Tổng": 12},
        )
        return Report(start, end, channel, datetime(2026, 4, 1, 2, 30), [section])

    try:
        import assistant.analytics.report as module
    except ImportError:  # written alongside; the handler imports it only when asked
        module = types.ModuleType("assistant.analytics.report")
        monkeypatch.setitem(sys.modules, "assistant.analytics.report", module)
    monkeypatch.setattr(module, "build_report", build_report, raising=False)
    return calls


async def csrf_of(client, path="/admin/ioc-tokens") -> str:
    response = await client.get(path)
    assert response.status == 200
    return CSRF.search(await response.text()).group(1)


async def create_token(admin, name="IOC thành phố") -> str:
    response = await admin.post(
        "/admin/ioc-tokens", data={"csrf_token": await csrf_of(admin), "name": name}
    )
    assert response.status == 200
    html = await response.text()
    assert "chỉ hiển thị một lần" in html
    return TOKEN.search(html).group(1)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def audit_actions():
    with session_scope() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.entity == "ioc_token"))
        return [(a.actor, a.action, a.entity_id, a.after) for a in rows]


async def assert_401(response):
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await response.json())["error"]


# --- the tokens page -------------------------------------------------------------------------


async def test_a_new_token_is_shown_once_and_stored_only_hashed(admin):
    token = await create_token(admin)
    assert len(token) > 40
    page = await admin.get("/admin/ioc-tokens")
    html = await page.text()
    assert token not in html
    assert "IOC thành phố" in html and f"{token[:8]}…" in html and "chưa dùng" in html
    assert 'href="/admin/ioc-tokens" aria-current="page">Mã truy cập IOC</a>' in html
    with session_scope() as session:
        dumped = " ".join(
            str(value)
            for table in ("ioc_tokens", "audit_log")
            for row in session.execute(text(f"SELECT * FROM {table}")).all()
            for value in row
        )
    assert token not in dumped
    assert [(actor, action) for actor, action, *_ in audit_actions()] == [
        ("minh", "ioc_token.create")
    ]


async def test_the_creation_page_shows_how_to_use_the_token(admin):
    response = await admin.post(
        "/admin/ioc-tokens", data={"csrf_token": await csrf_of(admin), "name": "IOC"}
    )
    html = await response.text()
    token = TOKEN.search(html).group(1)
    assert f'curl -H "Authorization: Bearer {token}" "http://127.0.0.1:' in html
    assert "/admin/api/stats?from=" in html
    assert response.headers["Cache-Control"] == "no-store"
    assert "Location" not in response.headers and "admin_flash" not in response.cookies


async def test_a_bad_name_is_refused_with_the_reason(admin):
    token = await csrf_of(admin)
    response = await admin.post("/admin/ioc-tokens", data={"csrf_token": token, "name": "   "})
    assert response.status == 400
    assert "Hãy đặt tên" in await response.text()
    response = await admin.post("/admin/ioc-tokens", data={"csrf_token": token, "name": "x" * 200})
    assert response.status == 400
    assert "tối đa 128 ký tự" in await response.text()
    with session_scope() as session:
        assert session.scalars(select(IocToken)).all() == []


async def test_the_posts_need_the_csrf_token(admin, ioc, reports):
    token = await create_token(admin)
    response = await admin.post("/admin/ioc-tokens", data={"name": "Không có CSRF"})
    assert response.status == 403
    response = await admin.post("/admin/ioc-tokens", data={"name": "Sai CSRF", "csrf_token": "sai"})
    assert response.status == 403
    with session_scope() as session:
        [only] = session.scalars(select(IocToken)).all()
    response = await admin.post(f"/admin/ioc-tokens/{only.id}/revoke", data={})
    assert response.status == 403
    with session_scope() as session:
        assert session.get(IocToken, only.id).revoked_at is None
    assert (await ioc.get(QUERY, headers=bearer(token))).status == 200


async def test_editors_cannot_open_or_change_the_tokens(admin, editor):
    await create_token(admin)
    assert (await editor.get("/admin/ioc-tokens")).status == 403
    csrf = CSRF.search(await (await editor.get("/admin")).text()).group(1)
    response = await editor.post("/admin/ioc-tokens", data={"csrf_token": csrf, "name": "Lén"})
    assert response.status == 403
    with session_scope() as session:
        [only] = session.scalars(select(IocToken)).all()
    response = await editor.post(f"/admin/ioc-tokens/{only.id}/revoke", data={"csrf_token": csrf})
    assert response.status == 403
    assert "/admin/ioc-tokens" not in await (await editor.get("/admin")).text()


async def test_without_a_session_the_page_goes_to_the_login(ioc):
    response = await ioc.get("/admin/ioc-tokens", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"].startswith("/admin/login?next=")


# --- the API ---------------------------------------------------------------------------------


async def test_a_valid_token_reads_the_report_and_each_use_is_audited(admin, ioc, reports):
    token = await create_token(admin)
    response = await ioc.get(QUERY + "&channel=zalo", headers=bearer(token))
    assert response.status == 200, await response.text()
    assert response.content_type == "application/json"
    body = await response.json()
    assert body["from"] == "2026-03-01" and body["to"] == "2026-03-31"
    assert body["channel"] == "zalo"
    assert body["sections"][0]["title"] == "Lượt hỏi theo ngày"
    assert body["sections"][0]["rows"] == [["2026-03-01", 12]]
    assert reports == [(date(2026, 3, 1), date(2026, 3, 31), "zalo")]
    with session_scope() as session:
        [stored] = session.scalars(select(IocToken)).all()
    assert stored.last_used_at is not None
    assert audit_actions()[-1] == (
        "ioc:IOC thành phố",
        "ioc_token.use",
        str(stored.id),
        {"from": "2026-03-01", "to": "2026-03-31", "channel": "zalo"},
    )
    html = await (await admin.get("/admin/ioc-tokens")).text()
    assert "chưa dùng" not in html


async def test_a_revoked_token_is_refused(admin, ioc, reports):
    token = await create_token(admin)
    assert (await ioc.get(QUERY, headers=bearer(token))).status == 200
    with session_scope() as session:
        [stored] = session.scalars(select(IocToken)).all()
    response = await admin.post(
        f"/admin/ioc-tokens/{stored.id}/revoke",
        data={"csrf_token": await csrf_of(admin)},
        allow_redirects=False,
    )
    assert response.status == 302 and response.headers["Location"] == "/admin/ioc-tokens"
    html = await (await admin.get("/admin/ioc-tokens")).text()
    assert "Đã thu hồi mã truy cập" in html and "đã thu hồi" in html
    assert f"/admin/ioc-tokens/{stored.id}/revoke" not in html
    await assert_401(await ioc.get(QUERY, headers=bearer(token)))
    assert len(reports) == 1
    actions = [action for _, action, *_ in audit_actions()]
    assert actions == ["ioc_token.create", "ioc_token.use", "ioc_token.revoke"]
    response = await admin.post(
        f"/admin/ioc-tokens/{stored.id}/revoke",
        data={"csrf_token": await csrf_of(admin)},
    )
    assert response.status == 200 and "không còn hiệu lực" in await response.text()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer ioc_khong-phai-ma-that"},
        {"Authorization": "Basic bWluaDptYXQta2hhdQ=="},
    ],
)
async def test_no_or_a_wrong_token_and_no_session_is_401(ioc, reports, headers):
    await assert_401(await ioc.get(QUERY, headers=headers))
    assert reports == []
    assert audit_actions() == []


async def test_a_token_in_the_query_string_or_a_cookie_is_not_accepted(admin, ioc, reports):
    token = await create_token(admin)
    for name in ("token", "access_token", "bearer"):
        await assert_401(await ioc.get(f"{QUERY}&{name}={token}"))
    await assert_401(await ioc.get(QUERY, headers={"Cookie": f"admin_session={token}"}))
    assert reports == []
    with session_scope() as session:
        assert session.scalars(select(IocToken)).one().last_used_at is None


async def test_staff_sessions_read_the_report_without_a_token(admin, editor, reports):
    for client in (editor, admin):
        response = await client.get(QUERY)
        assert response.status == 200
        assert (await response.json())["channel"] is None
    assert reports == [(date(2026, 3, 1), date(2026, 3, 31), "")] * 2
    assert audit_actions() == []


async def test_a_wrong_token_is_refused_even_beside_a_session(editor, reports):
    await assert_401(await editor.get(QUERY, headers=bearer("ioc_sai")))
    assert reports == []


async def test_other_api_paths_still_want_a_session_even_with_a_token(admin, ioc):
    token = await create_token(admin)
    response = await ioc.get("/admin/api/me", headers=bearer(token))
    assert response.status == 401
    assert "đăng nhập" in (await response.json())["error"]
    response = await ioc.get("/admin/ioc-tokens", headers=bearer(token), allow_redirects=False)
    assert response.status == 302


@pytest.mark.parametrize(
    "query, problem",
    [
        ("", "Thiếu tham số from"),
        ("?from=2026-03-01", "Thiếu tham số to"),
        ("?to=2026-03-01", "Thiếu tham số from"),
        ("?from=01/03/2026&to=2026-03-31", "from không phải một ngày hợp lệ"),
        ("?from=2026-02-30&to=2026-03-31", "from không phải một ngày hợp lệ"),
        ("?from=2026-03-01&to=20260331", "to không phải một ngày hợp lệ"),
        ("?from=2026-03-01T00:00&to=2026-03-31", "from không phải một ngày hợp lệ"),
        ("?from=%00&to=2026-03-31", "from không phải một ngày hợp lệ"),
        ("?from=2026-03-31&to=2026-03-01", "phải trước hoặc trùng"),
        ("?from=2025-01-01&to=2026-01-02", "tối đa 366 ngày"),
        ("?from=2026-03-01&to=2026-03-31&channel=sms", "channel phải là"),
        ("?from=2026-03-01&to=2026-03-31&channel=ZALO", "channel phải là"),
    ],
)
async def test_bad_queries_are_400_in_vietnamese(admin, ioc, reports, query, problem):
    token = await create_token(admin)
    for client, headers in ((ioc, bearer(token)), (admin, {})):
        response = await client.get("/admin/api/stats" + query, headers=headers)
        assert response.status == 400
        assert problem in (await response.json())["error"]
    assert reports == []


async def test_a_database_failure_is_a_503_in_json(admin, ioc, monkeypatch):
    from sqlalchemy.exc import OperationalError

    token = await create_token(admin)

    def broken(*_args, **_kwargs):
        raise OperationalError("SELECT", {}, Exception("database is down"))

    monkeypatch.setattr("assistant.analytics.tokens.IocTokenService.use", broken)
    response = await ioc.get(QUERY, headers=bearer(token))
    assert response.status == 503
    assert "thử lại" in (await response.json())["error"]
