"""'Lời nhắn cần gọi lại' and 'Ngày nghỉ' over real HTTP: the phone masked until a staff
member takes the ticket, one taker only, notes, holidays, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from assistant.db.models import AuditEntry, Holiday
from assistant.db.session import session_scope
from assistant.handoff.service import HandoffService
from assistant.localtime import local_now
from tests.web.staff_client import CSRF, PASSWORD, logged_in


@pytest.fixture
async def staff(database_url):
    from assistant.staff.repository import StaffRepository

    with session_scope() as session:
        repo = StaffRepository(session)
        repo.add_user("test", "lan", PASSWORD, "editor")
        repo.add_user("test", "minh", PASSWORD, "editor")
    lan, minh = await logged_in("lan"), await logged_in("minh")
    yield lan, minh
    await lan.close()
    await minh.close()


async def post(client, path: str, **data):
    page = await (await client.get("/admin/callbacks")).text()
    data["csrf_token"] = CSRF.search(page).group(1)
    return await client.post(path, data=data)


async def test_a_ticket_is_taken_once_and_closed_with_a_note(staff):
    lan, minh = staff
    ticket = HandoffService().leave_message(
        "zalo-1", "zalo", "Tôi cần hỏi về hồ sơ, CCCD 079203001234", "0987654321"
    )
    page = await (await lan.get("/admin/callbacks")).text()
    assert f"#{ticket}" in page and "098****321" in page
    assert "0987654321" not in page and "079203001234" not in page
    response = await post(lan, f"/admin/callbacks/{ticket}/take")
    page = await response.text()
    assert "Anh/Chị đã nhận lời nhắn" in page and "0987654321" in page  # shown to the taker
    response = await post(minh, f"/admin/callbacks/{ticket}/take")
    assert "đã được lan nhận xử lý" in await response.text()
    page = await (await minh.get("/admin/callbacks?status=assigned")).text()
    assert "0987654321" not in page  # not minh's ticket: masked, and no way to close it
    assert f"/admin/callbacks/{ticket}/done" not in page
    response = await post(lan, f"/admin/callbacks/{ticket}/done", note="Đã gọi, hẹn nộp bổ sung")
    page = await response.text()
    assert "Đã đóng lời nhắn" in page and "Đã gọi, hẹn nộp bổ sung" in page
    with session_scope() as s:
        changes = select(AuditEntry).where(AuditEntry.entity == "handoff")
        audit = [(a.actor, a.action, a.entity) for a in s.scalars(changes)]
    assert audit == [("lan", "take", "handoff"), ("lan", "finish", "handoff")]
    home = await (await lan.get("/admin")).text()
    assert "lời nhắn công dân để lại" in home


async def test_holidays_are_added_refused_when_doubled_and_removed(staff):
    lan, _ = staff
    day = (local_now() + timedelta(days=30)).date()
    page = await (await lan.get("/admin/holidays")).text()
    assert "Thứ Hai–Thứ Sáu 7:30–11:30, 13:30–17:00" in page
    response = await post(lan, "/admin/holidays", day=day.isoformat(), name="Nghỉ bù")
    assert f"Đã thêm ngày nghỉ {day:%d/%m/%Y}" in await response.text()
    response = await post(lan, "/admin/holidays", day=day.isoformat(), name="Lặp")
    assert "đã có trong danh sách" in await response.text()
    response = await post(lan, "/admin/holidays", day="31/12", name="Sai")
    assert "Ngày không hợp lệ" in await response.text()
    with session_scope() as s:
        [holiday] = s.scalars(select(Holiday)).all()
    response = await post(lan, f"/admin/holidays/{holiday.id}/delete")
    assert "Đã xoá ngày nghỉ" in await response.text()
    with session_scope() as s:
        assert s.scalars(select(Holiday)).all() == []
