"""'Tin nhắn gửi lỗi' over real HTTP: a Zalo reply the fake platform keeps refusing is
dead-lettered, staff see it masked, and 'Gửi lại' sends it (tests/channels/fake_zalo.py)."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from assistant.channels.outbox import RetryPolicy, recipient_ref
from assistant.channels.outbox_repository import DEAD, PENDING, OutboxRepository
from assistant.channels.zalo import ZaloInput
from assistant.db.models import AuditEntry
from assistant.db.session import session_scope
from assistant.web.server import create_app
from tests.channels.fake_zalo import APP_SECRET, FakeZalo
from tests.web.staff_client import CSRF, PASSWORD, logged_in

APP_ID = "4381902311"
USER = "8475630011223344"
REPLY = "Hồ sơ của Anh/Chị đã nhận, số điện thoại 0987654321, CCCD 079203001234."


@pytest.fixture
async def client(database_url):
    from assistant.staff.repository import StaffRepository

    with session_scope() as session:
        StaffRepository(session).add_user("test", "editor1", PASSWORD, "editor")
    client = await logged_in("editor1")
    yield client
    await client.close()


@pytest.fixture
async def zalo(database_url):
    fake = await FakeZalo(APP_ID).start()
    channel = ZaloInput(
        APP_ID, "oa-secret", APP_SECRET, "access-0", "refresh-0", fake.url, fake.url,
        retry=RetryPolicy(max_attempts=3, base_delay=0.02, max_delay=0.05, poll=0.05),
    )  # fmt: skip
    yield fake, channel
    await channel.outbox.aclose()
    await fake.stop()


def dead_rows():
    with session_scope() as session:
        return OutboxRepository(session).dead()


async def until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_a_dead_reply_is_shown_masked_and_retry_sends_it(client, zalo):
    fake, channel = zalo
    fake.send_failures = 3  # every attempt the outbox makes
    await channel.get_output_channel().send_text_message(USER, REPLY)
    await until(lambda: len(dead_rows()) == 1)
    [row] = dead_rows()
    assert (row.attempts, row.last_error) == (3, "HTTP 500") and fake.delivered == []

    page = await client.get("/admin/outbox")
    html = await page.text()
    assert page.status == 200
    assert 'href="/admin/outbox" aria-current="page">Tin nhắn gửi lỗi</a>' in html
    assert f"#{row.id} · Zalo · người nhận {recipient_ref(USER)}" in html
    assert "Hồ sơ của Anh/Chị đã nhận, số điện thoại ***, CCCD ***." in html
    assert "3 lần gửi" in html and "HTTP 500" in html
    for leak in (USER, "0987654321", "079203001234"):
        assert leak not in html
    assert f'action="/admin/outbox/{row.id}/retry"' in html and "Gửi lại" in html

    token = CSRF.search(html).group(1)
    response = await client.post(
        f"/admin/outbox/{row.id}/retry", data={"csrf_token": token}, allow_redirects=False
    )
    assert response.status == 302 and response.headers["Location"] == "/admin/outbox"
    [reply] = await fake.wait_delivered(1)  # the channel's worker picks it up
    assert reply["text"] == REPLY and reply["user_id"] == USER
    with session_scope() as session:
        [entry] = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "outbox.retry")
        ).all()
        assert (entry.actor, entry.entity, entry.entity_id) == (
            "editor1",
            "reply_outbox",
            str(row.id),
        )
        assert entry.before["status"] == DEAD and entry.after["status"] == PENDING
        assert "0987654321" not in str(entry.before) + str(entry.after)
        assert OutboxRepository(session).count(DEAD) == 0

    await until(lambda: channel.outbox.pending() == 0)
    page = await client.get("/admin/outbox")
    html = await page.text()
    assert "Đã xếp tin nhắn" in html and "Không có tin nhắn nào gửi lỗi." in html
    await asyncio.sleep(0.2)
    assert len(fake.delivered) == 1


async def test_retry_needs_csrf_and_a_dead_row(client, zalo):
    fake, channel = zalo
    fake.send_failures = 3
    await channel.get_output_channel().send_text_message(USER, "Chào Anh/Chị")
    await until(lambda: len(dead_rows()) == 1)
    [row] = dead_rows()
    response = await client.post(f"/admin/outbox/{row.id}/retry", data={})
    assert response.status == 403 and len(dead_rows()) == 1
    token = CSRF.search(await (await client.get("/admin/outbox")).text()).group(1)
    response = await client.post("/admin/outbox/999/retry", data={"csrf_token": token})
    assert response.status == 200
    assert "không còn trong danh sách gửi lỗi" in await response.text()


async def test_the_page_needs_a_session(database_url):
    client = TestClient(TestServer(create_app(rasa_url="http://127.0.0.1:9")))
    await client.start_server()
    try:
        response = await client.get("/admin/outbox", allow_redirects=False)
        assert response.status == 302
        assert response.headers["Location"].startswith("/admin/login?next=")
        response = await client.post("/admin/outbox/1/retry", allow_redirects=False)
        assert response.status in (302, 401, 403)
    finally:
        await client.close()
