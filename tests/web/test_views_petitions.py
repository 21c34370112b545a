"""'Phản ánh, kiến nghị' over real HTTP: the list and its filters, one petition, revealing
the reporter (audited), assignment, status, reply, photos behind the staff session, CSRF."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image
from sqlalchemy import select

from assistant.audit import utcnow
from assistant.db.models import AuditEntry, Petition
from assistant.db.session import session_scope
from assistant.petitions.photos import store_photo
from assistant.petitions.service import PetitionService
from assistant.web.server import create_app
from tests.petitions.factory import NAME, PHONE, submit
from tests.web.staff_client import CSRF, PASSWORD, logged_in


@pytest.fixture
async def lan(database_url):
    from assistant.staff.repository import StaffRepository

    with session_scope() as session:
        StaffRepository(session).add_user("test", "lan", PASSWORD, "editor")
    client = await logged_in("lan")
    yield client
    await client.close()


@pytest.fixture
def petition(database_url) -> str:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (250, 200, 0)).save(out, format="JPEG")
    token = store_photo(out.getvalue(), "image/jpeg", "zalo-100")
    return submit(reporter_name=NAME, phone=PHONE, consent=True, photo_tokens=[token])["code"]


async def page(client, path: str) -> str:
    response = await client.get(path)
    assert response.status == 200
    return await response.text()


async def post(client, code: str, action: str, **data):
    data["csrf_token"] = CSRF.search(await page(client, f"/admin/petitions/{code}")).group(1)
    return await client.post(f"/admin/petitions/{code}/{action}", data=data)


def actions(code: str):
    with session_scope() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.entity_id == code))
        return [(a.actor, a.action) for a in rows]


async def test_the_list_filters_and_highlights_overdue_petitions(lan, petition):
    late = submit(
        sender_id="b",
        category_key="giao_thong",
        description="Ổ gà sâu đường Trần Phú",
        now=utcnow() - timedelta(days=8),
    )["code"]
    html = await page(lan, "/admin/petitions")
    assert 'href="/admin/petitions" aria-current="page">Phản ánh, kiến nghị</a>' in html
    assert petition in html and late in html and "2 phản ánh" in html
    assert PHONE not in html and NAME not in html
    [overdue_row] = re.findall(r'<tr class="overdue">.*?</tr>', html, re.S)
    assert late in overdue_row and petition not in overdue_row
    html = await page(lan, "/admin/petitions?overdue=1")
    assert late in html and petition not in html
    html = await page(lan, "/admin/petitions?category=chieu_sang&status=moi&commune=31135")
    assert petition in html and late not in html
    html = await page(lan, "/admin/petitions?q=tran+phu")
    assert late in html and petition not in html
    html = await page(lan, "/admin/petitions?unit=cong_an")
    assert "Không có phản ánh nào phù hợp" in html


async def test_pages_keep_the_filters(lan, database_url):
    for i in range(31):
        submit(sender_id=f"s{i}")
    html = await page(lan, "/admin/petitions?status=moi")
    assert "Trang 1/2" in html and 'href="?status=moi&amp;page=2"' in html
    html = await page(lan, "/admin/petitions?status=moi&page=2")
    assert "Trang 2/2" in html and "PA-" in html


async def test_the_reporter_is_shown_only_on_request_and_that_is_audited(lan, petition):
    html = await page(lan, f"/admin/petitions/{petition}")
    assert "Nguyễn V*** A" in html and "091****678" in html
    assert PHONE not in html and NAME not in html
    assert "Đèn đường trước số 12 Lê Lợi" in html  # the description, for staff
    response = await post(lan, petition, "reveal")
    html = await response.text()
    assert response.status == 200 and PHONE in html and NAME in html
    assert "Hiện họ tên, số điện thoại</button>" not in html
    assert actions(petition) == [("lan", "view_personal")]
    assert "Xem họ tên, số điện thoại người phản ánh" in await page(
        lan, f"/admin/petitions/{petition}"
    )  # in the history


async def test_assign_change_status_and_reply(lan, petition):
    response = await post(lan, petition, "assign", unit="ubnd_phuong_xa")
    assert "Đã giao phản ánh" in await response.text()
    response = await post(lan, petition, "status", status="dang_xu_ly", reason="")
    assert "Không chuyển được" in await response.text()
    response = await post(lan, petition, "status", status="khong_thuoc_tham_quyen", reason="")
    assert "vui lòng ghi lý do" in await response.text()
    response = await post(lan, petition, "status", status="da_tiep_nhan", reason="")
    assert "Đã chuyển trạng thái" in await response.text()
    response = await post(lan, petition, "reply", text="Đã cử người kiểm tra, gọi 0987654321.")
    html = await response.text()
    assert "Đã đăng trả lời" in html and "Đã cử người kiểm tra, gọi ***." in html
    assert "UBND phường, xã nơi xảy ra sự việc" in html and "Mới → Đã tiếp nhận" in html
    with session_scope() as session:
        row = session.scalar(select(Petition).where(Petition.code == petition))
        assert (row.unit, row.status) == ("ubnd_phuong_xa", "da_tiep_nhan")
    assert actions(petition) == [("lan", "assign"), ("lan", "status"), ("lan", "reply")]
    assert len(PetitionService().pending_notifications("zalo-100")) == 2


async def test_posts_need_the_csrf_token(lan, petition):
    response = await lan.post(f"/admin/petitions/{petition}/reveal", data={"csrf_token": "x"})
    assert response.status == 403
    assert actions(petition) == []


async def test_photos_are_for_logged_in_staff_only(lan, petition):
    html = await page(lan, f"/admin/petitions/{petition}")
    [token] = re.findall(r'<img src="/admin/petitions/photos/([^"]+)"', html)
    response = await lan.get(f"/admin/petitions/photos/{token}")
    assert response.status == 200 and response.content_type == "image/jpeg"
    assert (await response.read())[:3] == b"\xff\xd8\xff"
    assert (await lan.get("/admin/petitions/photos/unknown-token-123")).status == 404
    anonymous = TestClient(TestServer(create_app(rasa_url="http://127.0.0.1:9")))
    await anonymous.start_server()
    try:
        response = await anonymous.get(f"/admin/petitions/photos/{token}", allow_redirects=False)
        assert response.status == 302 and response.headers["Location"].startswith("/admin/login")
        response = await anonymous.get(f"/admin/petitions/{petition}", allow_redirects=False)
        assert response.status == 302
    finally:
        await anonymous.close()


async def test_an_unknown_petition_is_not_found(lan, database_url):
    assert (await lan.get("/admin/petitions/PA-2026-999999")).status == 404
