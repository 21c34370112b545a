"""The staff app over real HTTP (aiohttp test server) and a throw-away database."""

from __future__ import annotations

import io
import re

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from assistant.db.models import AuditEntry, FaqEntry, StaffUser
from assistant.db.session import session_scope
from assistant.web.server import create_app

PASSWORD = "mat-khau-du-dai-2026"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def accounts(seeded_database):
    from assistant.faq.seed import import_seed
    from assistant.staff.repository import StaffRepository

    with session_scope() as session:
        repo = StaffRepository(session)
        repo.add_user("test", "editor1", PASSWORD, "editor")
        repo.add_user("test", "admin1", PASSWORD, "admin")
        import_seed(session)
    return seeded_database


@pytest.fixture
async def client(accounts):
    client = TestClient(TestServer(create_app(rasa_url="http://127.0.0.1:9")))
    await client.start_server()
    yield client
    await client.close()


async def login(client, username="editor1", password=PASSWORD, expect=302):
    page = await client.get("/admin/login")
    token = CSRF.search(await page.text()).group(1)
    response = await client.post(
        "/admin/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/admin"},
        allow_redirects=False,
    )
    assert response.status == expect, await response.text()
    return response


async def csrf_of(client, path="/admin/faq") -> str:
    response = await client.get(path)
    assert response.status == 200
    return CSRF.search(await response.text()).group(1)


@pytest.mark.parametrize(
    "path", ["/admin", "/admin/faq", "/admin/inbox", "/admin/models", "/admin/audit", "/admin/x"]
)
async def test_pages_without_a_session_redirect_to_login(client, path):
    response = await client.get(path, allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"].startswith("/admin/login?next=")


@pytest.mark.parametrize("path", ["/admin/api/training", "/admin/api/me"])
async def test_api_without_a_session_is_401(client, path):
    response = await client.get(path)
    assert response.status == 401
    assert "đăng nhập" in (await response.json())["error"]


async def test_posts_without_a_session_change_nothing(client):
    response = await client.post(
        "/admin/faq/new", data={"question": "Có chỗ gửi xe không?", "answer": "Có."},
        allow_redirects=False,
    )  # fmt: skip
    assert response.status == 302
    with session_scope() as session:
        assert not session.scalars(select(FaqEntry).where(FaqEntry.source == "staff")).all()


async def test_login_sets_a_hardened_cookie_and_logout_ends_it(client):
    response = await login(client)
    cookie = response.headers["Set-Cookie"]
    assert "admin_session=" in cookie and "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie and "Path=/admin" in cookie
    assert (await client.get("/admin/api/me")).status == 200
    token = await csrf_of(client, "/admin")
    await client.post("/admin/logout", data={"csrf_token": token}, allow_redirects=False)
    assert (await client.get("/admin/api/me")).status == 401


async def test_login_form_needs_its_csrf_cookie(client):
    response = await client.post(
        "/admin/login", data={"username": "editor1", "password": PASSWORD, "csrf_token": "x"},
        allow_redirects=False,
    )  # fmt: skip
    assert response.status == 403
    assert (await client.get("/admin/api/me")).status == 401


async def test_wrong_password_then_lockout_even_with_the_right_one(client):
    for _ in range(5):
        response = await login(client, password="sai-mat-khau-123", expect=401)
        assert "không đúng" in await response.text()
    response = await login(client, expect=429)
    assert "quá nhiều lần" in await response.text()


async def test_open_redirect_after_login_is_refused(client):
    page = await client.get("/admin/login?next=//evil.example/")
    token = CSRF.search(await page.text()).group(1)
    response = await client.post(
        "/admin/login",
        data={"username": "editor1", "password": PASSWORD, "csrf_token": token,
              "next": "//evil.example/"},
        allow_redirects=False,
    )  # fmt: skip
    assert response.headers["Location"] == "/admin"


async def test_post_without_csrf_is_refused(client):
    await login(client)
    response = await client.post(
        "/admin/faq/new", data={"question": "Có chỗ gửi xe không?", "answer": "Có."}
    )
    assert response.status == 403
    with session_scope() as session:
        assert not session.scalars(select(FaqEntry).where(FaqEntry.source == "staff")).all()


async def test_add_a_faq_is_stored_audited_and_escaped(client):
    await login(client)
    token = await csrf_of(client)
    question = "Trung tâm có chỗ gửi xe <script>alert(1)</script> không?"
    response = await client.post(
        "/admin/faq/new",
        data={"csrf_token": token, "question": question, "answer": "Có, miễn phí.",
              "paraphrases": "gửi xe ở đâu\ncó bãi xe không", "tags": "cơ sở vật chất",
              "active": "1"},
    )  # fmt: skip
    assert response.status == 200
    assert "không cần huấn luyện lại" in await response.text()
    with session_scope() as session:
        entry = session.scalars(select(FaqEntry).where(FaqEntry.source == "staff")).one()
        assert entry.paraphrases == ["gửi xe ở đâu", "có bãi xe không"]
        assert entry.created_by == "editor1"
        audit = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "faq.create", AuditEntry.actor == "editor1"
            )
        ).one()
        assert audit.after["answer"] == "Có, miễn phí." and audit.before is None
    listing = await (await client.get("/admin/faq?q=gui xe")).text()
    assert "<script>alert(1)</script>" not in listing
    assert "&lt;script&gt;" in listing


async def test_invalid_faq_shows_the_problem_and_keeps_the_text(client):
    await login(client)
    token = await csrf_of(client)
    response = await client.post(
        "/admin/faq/new", data={"csrf_token": token, "question": "Hỏi gì đó?", "answer": "  "}
    )
    assert response.status == 400
    text = await response.text()
    assert 'class="error"' in text and "Hỏi gì đó?" in text


async def test_deactivate_a_faq(client):
    await login(client)
    with session_scope() as session:
        entry = session.scalars(select(FaqEntry).order_by(FaqEntry.id)).first()
        entry_id = entry.id
    token = await csrf_of(client)
    await client.post(f"/admin/faq/{entry_id}/active", data={"csrf_token": token, "active": "0"})
    with session_scope() as session:
        assert session.get(FaqEntry, entry_id).active is False


async def test_import_csv_reports_bad_rows_and_keeps_good_ones(client):
    await login(client)
    token = await csrf_of(client)
    body = "question,answer\nCó wifi miễn phí không?,Có.\n,Thiếu câu hỏi\n".encode()
    form = {"csrf_token": token, "file": io.BytesIO(body)}
    response = await client.post("/admin/faq/import", data=_multipart(form, "faq.csv"))
    text = await response.text()
    assert response.status == 200, text
    assert "Thêm mới 1" in text and "<td>3</td>" in text
    export = await client.get("/admin/faq/export.csv")
    assert export.status == 200 and "Có wifi miễn phí không?" in (await export.read()).decode()
    xlsx = await client.get("/admin/faq/export.xlsx")
    assert (await xlsx.read())[:2] == b"PK"


def _multipart(fields: dict, filename: str):
    from aiohttp import FormData

    data = FormData()
    for name, value in fields.items():
        if hasattr(value, "read"):
            data.add_field(name, value, filename=filename)
        else:
            data.add_field(name, value)
    return data


async def test_editors_cannot_see_accounts_or_the_audit_log(client):
    await login(client)
    assert (await client.get("/admin/audit")).status == 403
    assert (await client.get("/admin/staff")).status == 403


async def test_admin_adds_an_account_and_reads_the_audit_log(client):
    await login(client, "admin1")
    token = await csrf_of(client, "/admin/staff")
    response = await client.post(
        "/admin/staff",
        data={"csrf_token": token, "action": "add", "username": "canbo2", "role": "editor",
              "password": "mot-mat-khau-dai"},
    )  # fmt: skip
    assert response.status == 200
    with session_scope() as session:
        assert session.scalars(select(StaffUser).where(StaffUser.username == "canbo2")).one()
    audit = await (await client.get("/admin/audit")).text()
    assert "staff.create" in audit and "canbo2" in audit
    assert "scrypt$" not in audit


async def test_alias_added_in_the_app_resolves_at_once(client):
    from assistant.catalog.service import get_service

    await login(client)
    code = get_service().resolve("đăng ký khai sinh").code
    assert code
    token = await csrf_of(client, "/admin/aliases?q=khai sinh")
    response = await client.post(
        "/admin/aliases", data={"csrf_token": token, "code": code, "alias": "làm giấy chào đời"}
    )
    assert response.status == 200
    assert "Đã thêm tên gọi" in await response.text()
    assert get_service().resolve("làm giấy chào đời cần gì").code == code
    with session_scope() as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "alias.create"))
        assert (entry.actor, entry.entity_id) == ("editor1", code)
        assert entry.after == {"alias": "làm giấy chào đời"}


@pytest.mark.parametrize(
    "code, alias, problem",
    [("1.001193", "x", "ít nhất 2 ký tự"), ("9.999999", "làm sổ hồng", "Không có thủ tục")],
)
async def test_a_bad_alias_is_refused_with_the_reason(client, code, alias, problem):
    await login(client)
    token = await csrf_of(client, "/admin/aliases")
    response = await client.post(
        "/admin/aliases", data={"csrf_token": token, "code": code, "alias": alias}
    )
    assert response.status == 400 and problem in await response.text()
    with session_scope() as session:
        assert (
            session.scalars(select(AuditEntry).where(AuditEntry.entity == "procedure")).first()
            is None
        )


async def test_inbox_groups_and_turns_a_group_into_a_faq(client):
    from assistant.inbox.repository import InboxRepository

    with session_scope() as session:
        inbox = InboxRepository(session)
        for text in ("có chỗ gửi xe không", "co cho gui xe khong ad", "gọi 0912345678 giúp"):
            inbox.record("citizen", "rest", text, "nlu_fallback", 0.2, "fallback")
    await login(client)
    page = await (await client.get("/admin/inbox")).text()
    assert "0912345678" not in page
    ids = re.search(r'name="ids" value="([\d,]+)"', page).group(1)
    token = CSRF.search(page).group(1)
    response = await client.post(
        "/admin/inbox/resolve",
        data={"csrf_token": token, "ids": ids, "decision": "faq",
              "question": "Có chỗ gửi xe không?", "answer": "Có bãi gửi xe miễn phí."},
    )  # fmt: skip
    assert "trả lời ngay" in await response.text()
    with session_scope() as session:
        entry = session.scalars(select(FaqEntry).where(FaqEntry.source == "inbox")).one()
        assert entry.answer == "Có bãi gửi xe miễn phí."


async def test_a_thumbs_down_shows_in_the_inbox_with_what_was_answered_and_why(client):
    from assistant.faq.repository import FaqRepository
    from assistant.feedback.service import Answered, FeedbackService

    with session_scope() as session:
        question = FaqRepository(session).by_key("hotline").question
        entry_id = FaqRepository(session).by_key("hotline").id
    service = FeedbackService()
    faq = Answered("r1", "faq", faq_key="hotline")
    fee = Answered("r2", "procedure", procedure_code="1.001193", aspect="fee")
    service.rate("a", "zalo", faq, "down", "số tổng đài là gì, tôi là 0912345678")
    service.explain("a", "r1", "wrong_info")
    service.rate("b", "rest", fee, "down", "lệ phí làm giấy khai sinh")
    service.rate("c", "rest", fee, "up", "lệ phí khai sinh")
    await login(client)
    page = await (await client.get("/admin/inbox")).text()
    assert "0912345678" not in page and page.count("👎 Người dân chê câu trả lời") == 2
    assert f'<a href="/admin/faq/{entry_id}">câu hỏi thường gặp “{question}”</a> (1)' in page
    assert "Lý do: Thiếu/sai thông tin (1)" in page
    assert "Lệ phí của thủ tục “Đăng ký khai sinh” (1.001193) (1)" in page
    home = await (await client.get("/admin")).text()
    assert "👍 1 · 👎 2" in home


async def test_models_page_and_training_status(client, monkeypatch):
    await login(client)
    assert (await client.get("/admin/models")).status == 200
    status = await (await client.get("/admin/api/training")).json()
    assert status == {"run": None, "live": None}


async def test_every_admin_page_renders_for_an_admin(client):
    await login(client, "admin1")
    for path in ("/admin", "/admin/faq", "/admin/faq/new", "/admin/inbox", "/admin/aliases",
                 "/admin/aliases?q=kết hôn", "/admin/models", "/admin/staff", "/admin/audit",
                 "/admin/inbox?status=faq", "/admin/faq?page=999&q=%00"):  # fmt: skip
        response = await client.get(path)
        assert response.status == 200, path
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]


async def test_chat_keeps_its_own_size_limit(client):
    response = await client.post(
        "/api/chat", data=b'{"sender": "a", "message": "' + b"x" * 70_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert response.status == 413


async def test_models_page_shows_scores_and_offers_rollback_to_admins(client, tmp_path):
    from assistant.training.registry import ModelRegistry

    scores = {
        "heldout": {
            "as_written": {"n": 10, "correct": 9, "accuracy": 0.91},
            "stripped": {"n": 10, "correct": 8, "accuracy": 0.893},
            "informal": {"n": 10, "correct": 9, "accuracy": 0.939},
        },
        "stories": {"passed": 7, "failed": 1, "total": 8},
    }
    old, new = tmp_path / "model-old.tar.gz", tmp_path / "model-new.tar.gz"
    old.write_bytes(b"x")
    new.write_bytes(b"y")
    with session_scope() as session:
        registry = ModelRegistry(session)
        first = registry.adopt(old)
        first.scores = scores
        registry.register(new, "fp", scores, "rejected", "Độ chính xác giảm.", "editor1")
    await login(client, "admin1")
    page = await (await client.get("/admin/models")).text()
    assert "0,910 / 0,893 / 0,939" in page and "7/8" in page
    assert "Độ chính xác giảm." in page and "bị loại" in page
    assert "Quay lại mô hình này" not in page  # nothing archived yet
