"""End to end for the live desk: real servers on loopback, Rasa with its HTTP API.

A citizen on the portal asks for a person while a staff member has "Hỗ trợ trực tuyến" open:
queued with a place, paused, messages both ways (the widget's event stream, the staff
page's), one taker only, close → the bot is back and asks for a rating; a conversation nobody
takes is offered the message path. The browser test at the end does the same with Chromium.
"""

from __future__ import annotations

import json
import secrets
import time

import pytest
import requests
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from actions.desk import BACK, NOBODY, RATE_DESK
from actions.feedback import THANKS_UP
from assistant.db.models import AnswerFeedback, AuditEntry, Handoff
from assistant.db.session import session_scope
from assistant.handoff.live import TAKEN
from assistant.handoff.relay import STOPPED_WAITING
from assistant.settings import PROJECT_ROOT
from tests.e2e.desk_client import Stream, chat, desk_login, seeded_database, stack_of, tracker
from tests.e2e.launch import launch
from tests.e2e.test_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.e2e
SEED = PROJECT_ROOT / "data" / "catalog" / "seed.yml"
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
PASSWORD = "mat-khau-can-bo-2026"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("live")
    database_url = seeded_database(workdir / "live.db", SEED, PASSWORD, "canbo1", "canbo2")
    env = {"HANDOFF_HOURS": "T2-CN 00:00-24:00", "HANDOFF_WAIT_MINUTES": "0.5"}
    token = secrets.token_urlsafe(16)
    with launch(workdir, database_url, extra_env=env, rasa_api_token=token) as running:
        yield stack_of(running, database_url, token=token)


def test_a_citizen_and_a_staff_member_talk_then_the_bot_is_back_and_asks_for_a_rating(stack):
    desk = desk_login(stack["web"], "canbo1", PASSWORD)
    other = desk_login(stack["web"], "canbo2", PASSWORD)
    staff_events = Stream(desk, f"{stack['web']}/admin/api/live/events")
    staff_events.next(lambda name, data: name == "queue")
    sender = "web-" + secrets.token_hex(8)

    queued = chat(stack["web"], sender, "cho tôi gặp cán bộ")
    handoff = [m["custom"]["handoff"] for m in queued if m.get("custom")][0]
    assert handoff["state"] == "waiting" and handoff["position"] == 1
    assert any(
        "vị trí" in m.get("text", "") or "người tiếp theo" in m.get("text", "") for m in queued
    )
    assert tracker(stack["rasa"], stack["token"], sender)["paused"] is True

    # While waiting: no bot answer, a note with the place; staff see the message, masked.
    note = chat(stack["web"], sender, "hồ sơ của tôi bị trả lại, số điện thoại 0912345678")
    assert "cán bộ đọc khi tiếp nhận" in note[0]["text"] and note[0]["custom"]["handoff"]
    _, seen, _ = staff_events.next(
        lambda name, data: name == "message" and data["direction"] == "in"
    )
    assert "0912345678" not in seen["text"] and "hồ sơ của tôi bị trả lại" in seen["text"]
    assert "conversation_id" not in seen
    _, snapshot, _ = staff_events.next(lambda n, d: n == "queue" and d and d[0]["messages"] == 1)
    assert snapshot[0]["status"] == "waiting" and "conversation_id" not in snapshot[0]

    widget = Stream(
        requests.Session(), f"{stack['web']}/api/chat/stream", params={"sender": sender}
    )
    number = handoff["id"]
    taken = desk.post(f"{stack['web']}/admin/api/live/{number}/take", timeout=10)
    assert taken.status_code == 200 and taken.json()["status"] == "active"
    second = other.post(f"{stack['web']}/admin/api/live/{number}/take", timeout=10)
    assert second.status_code == 409 and "canbo1" in second.json()["error"]
    refused = other.post(
        f"{stack['web']}/admin/api/live/{number}/send", json={"text": "chen ngang"}, timeout=10
    )
    assert refused.status_code == 409
    _, greeting, _ = widget.next(lambda name, data: name == "message")
    assert greeting["who"] == "staff" and greeting["text"] == TAKEN

    words = "Anh/Chị mang theo CCCD bản gốc, gọi 0292 3812 345 nếu cần nhé."
    sent_at = time.monotonic()
    sent = desk.post(
        f"{stack['web']}/admin/api/live/{number}/send", json={"text": words}, timeout=10
    )
    assert sent.status_code == 200 and "3812" not in sent.json()["text"]  # the record is masked
    _, message, arrived = widget.next(lambda name, data: name == "message")
    assert message["text"] == words and arrived - sent_at < 1.0  # as typed, at once

    during = chat(stack["web"], sender, "vâng cảm ơn, tôi cần mang thêm gì không")
    assert during == [
        {
            "recipient_id": sender,
            "custom": {"handoff": {**handoff, "state": "active", "position": 0}},
        }
    ]
    staff_events.next(lambda n, d: n == "message" and d["text"].startswith("vâng cảm ơn"))
    events = tracker(stack["rasa"], stack["token"], sender)["events"]
    staff_said = [
        e for e in events if e["event"] == "bot" and (e.get("metadata") or {}).get("staff")
    ]
    assert [e["metadata"]["staff"] for e in staff_said] == ["canbo1", "canbo1"]
    assert "0912345678" not in json.dumps(events, ensure_ascii=False)

    closed = desk.post(f"{stack['web']}/admin/api/live/{number}/close", timeout=10)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    _, back, _ = widget.next(lambda name, data: name == "message" and data["who"] == "bot")
    assert back["text"] == BACK
    _, rate, _ = widget.next(lambda name, data: name == "message" and data["who"] == "bot")
    assert rate["text"] == RATE_DESK and len(rate["buttons"]) == 2
    assert widget.next()[0] == "closed"  # the stream ends with the conversation
    assert tracker(stack["rasa"], stack["token"], sender)["paused"] is False

    thanks = chat(stack["web"], sender, rate["buttons"][0]["payload"])
    assert thanks[0]["text"] == THANKS_UP
    answer = chat(stack["web"], sender, "đăng ký khai sinh cần giấy tờ gì")
    assert "khai sinh" in answer[0]["text"].lower()  # the bot answers again

    with session_scope(stack["db"]) as session:
        row = session.get(Handoff, number)
        assert (row.kind, row.status, row.assigned_to) == ("live", "closed", "canbo1")
        assert row.taken_at >= row.created_at and row.done_at >= row.taken_at
        assert row.resumed_at is not None
        rating = session.scalar(select(AnswerFeedback).where(AnswerFeedback.handoff_id == number))
        assert (rating.source, rating.rating) == ("handoff", "up")
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity == "live_handoff")
        ).all()
        assert sorted(actions) == ["close", "take"]
    widget.close()
    staff_events.close()


def test_nobody_takes_it_in_time_so_the_citizen_may_leave_a_message(stack):
    desk = desk_login(stack["web"], "canbo2", PASSWORD)
    staff_events = Stream(desk, f"{stack['web']}/admin/api/live/events")
    staff_events.next(lambda name, data: name == "queue")
    sender = "web-" + secrets.token_hex(8)
    queued = chat(stack["web"], sender, "cho tôi gặp nhân viên")
    assert any(m.get("custom") for m in queued)
    widget = Stream(
        requests.Session(), f"{stack['web']}/api/chat/stream", params={"sender": sender}
    )
    _, offer, _ = widget.next(lambda name, data: name == "message", seconds=60)
    assert offer["text"].startswith(NOBODY) and offer["state"] == "missed"
    assert offer["buttons"][0]["payload"] == "/request_human"
    assert tracker(stack["rasa"], stack["token"], sender)["paused"] is False
    # The same button now leads to the message form, not back into the queue.
    form = chat(stack["web"], sender, offer["buttons"][0]["payload"])
    assert not any(m.get("custom") for m in form)
    assert any("lời nhắn" in m.get("text", "") for m in form)
    widget.close()
    staff_events.close()


def test_a_citizen_who_says_thoi_while_waiting_leaves_the_queue_and_the_bot_answers_again(
    stack,
):
    desk = desk_login(stack["web"], "canbo2", PASSWORD)
    staff_events = Stream(desk, f"{stack['web']}/admin/api/live/events")
    staff_events.next(lambda name, data: name == "queue")
    sender = "web-" + secrets.token_hex(8)
    assert any(m.get("custom") for m in chat(stack["web"], sender, "cho tôi gặp cán bộ"))
    [reply] = chat(stack["web"], sender, "thôi")
    assert reply["text"] == STOPPED_WAITING and reply["custom"]["handoff"]["state"] == "cancelled"
    deadline = time.monotonic() + 10
    while tracker(stack["rasa"], stack["token"], sender)["paused"]:
        assert time.monotonic() < deadline, "the conversation was not resumed"
        time.sleep(0.2)
    answer = chat(stack["web"], sender, "đăng ký khai sinh cần giấy tờ gì")
    assert "khai sinh" in answer[0]["text"].lower()  # the bot again, no apology
    staff_events.close()


def test_in_chromium_a_citizen_and_a_staff_member_talk_and_the_citizen_rates_the_help(stack):
    """Two browsers: the citizen's widget (phone size) and the staff page (tablet size)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        staff_view = browser.new_context(viewport={"width": 1024, "height": 768}, locale="vi-VN")
        desk = staff_view.new_page()
        desk.goto(f"{stack['web']}/admin/live")
        desk.get_by_label("Tên đăng nhập").fill("canbo1")
        desk.get_by_label("Mật khẩu").fill(PASSWORD)
        desk.get_by_role("button", name="Đăng nhập").click()
        expect(desk.get_by_role("heading", name="Hỗ trợ trực tuyến")).to_be_visible()
        expect(desk.locator("#live-status")).to_contain_text("đang trực tuyến")

        phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
        widget = phone.new_page()
        widget.goto(f"{stack['web']}/")
        expect(widget.locator(".panel")).to_be_visible()
        widget.locator(".composer input").fill("cho tôi gặp cán bộ")
        widget.locator(".composer input").press("Enter")
        expect(widget.locator(".log .msg.bot").last).to_contain_text("hỗ trợ trực tuyến")
        expect(widget.locator(".live")).to_be_visible()

        entry = desk.locator("#queue li").filter(has_text="đang chờ")
        expect(entry).to_contain_text("Cổng (widget)")
        entry.get_by_role("button").click()
        desk.get_by_role("button", name="Tiếp nhận").click()
        expect(desk.locator("#composer")).to_be_visible()
        expect(widget.locator(".log .msg.staff").last).to_contain_text(TAKEN)

        words = "Chào Anh/Chị, tôi là cán bộ một cửa. Anh/Chị cần hỗ trợ thủ tục nào ạ?"
        desk.get_by_label("Tin nhắn gửi công dân").fill(words)
        desk.get_by_label("Tin nhắn gửi công dân").press("Enter")
        expect(widget.locator(".log .msg.staff").last).to_contain_text(words)
        question = "Tôi muốn hỏi về giấy khai sinh cho con"
        widget.locator(".composer input").fill(question)
        widget.locator(".composer input").press("Enter")
        expect(desk.locator("#lines .line.in").last).to_contain_text(question)
        expect(widget.locator(".log .msg.error")).to_have_count(0)  # no apology while live
        desk.screenshot(path=str(ARTIFACTS / "staff-live-desk.png"), full_page=True)
        widget.screenshot(path=str(ARTIFACTS / "widget-live-desk.png"))

        desk.get_by_role("button", name="Kết thúc").click()
        prompt = widget.locator(".log .msg.bot").filter(has_text=RATE_DESK)
        expect(prompt).to_have_count(1)
        expect(widget.locator(".live")).to_be_hidden()
        prompt.locator(".choice", has_text="Hữu ích").click()
        expect(widget.locator(".log .msg.bot").last).to_contain_text(THANKS_UP)
        expect(desk.locator("#queue")).to_contain_text("Chưa có ai chờ")
        browser.close()
