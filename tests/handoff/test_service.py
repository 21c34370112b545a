"""Messages left for staff and holidays against a throw-away database."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from assistant.db.models import AuditEntry, Handoff
from assistant.db.session import session_scope
from assistant.handoff.hours import DEFAULT_HOURS, WorkingHours
from assistant.handoff.service import (
    MAX_PER_DAY,
    HandoffError,
    HandoffService,
    masked_phone,
    phone_number,
)

MONDAY_NIGHT = datetime(2026, 12, 7, 20, 0)


@pytest.fixture
def service(database_url):
    return HandoffService(hours=WorkingHours.parse(DEFAULT_HOURS))


@pytest.mark.parametrize(
    "typed, phone",
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("091.234.5678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("84912345678", "0912345678"),
        ("12345", None),
        ("số tôi là 0912345678", None),  # the form asks for the number alone
        ("", None),
    ],
)
def test_phone_numbers(typed, phone):
    assert phone_number(typed) == phone


def test_a_message_is_stored_masked_with_its_phone(service):
    ticket = service.leave_message(
        "zalo-42", "zalo", "hồ sơ của tôi, CCCD 001203004567, bị trễ", "0912 345 678",
        {"dossier_code": "000.00.27.H13-240115-0001"},
    )  # fmt: skip
    with session_scope() as s:
        row = s.get(Handoff, ticket)
        assert "001203004567" not in row.message and row.message.startswith("hồ sơ của tôi")
        assert (row.phone, row.status, row.kind, row.channel) == (
            "0912345678", "open", "message", "zalo"
        )  # fmt: skip
    [listed] = service.tickets("open", viewer="lan")
    assert listed["phone"] == "091****678" == masked_phone("0912345678")
    assert listed["context"]["dossier_code"] == "000.00.27.H13-240115-0001"


def test_taking_reveals_the_phone_to_the_taker_only_and_is_audited(service):
    ticket = service.leave_message("u1", "rest", "gọi lại giúp tôi", "0912345678")
    assert service.take(ticket, "lan")["phone"] == "0912345678"
    assert service.tickets("assigned", viewer="lan")[0]["phone"] == "0912345678"
    assert service.tickets("assigned", viewer="minh")[0]["phone"] == "091****678"
    with pytest.raises(HandoffError, match="lan"):
        service.take(ticket, "minh")  # two staff members cannot take the same ticket
    with pytest.raises(HandoffError):
        service.finish(ticket, "minh", "đã gọi")
    service.finish(ticket, "lan", "Đã gọi lại số 0912345678, hướng dẫn nộp bổ sung")
    [done] = service.tickets("done")
    assert done["note"] == "Đã gọi lại số ***, hướng dẫn nộp bổ sung" and done["done_at"]
    with session_scope() as s:
        actions = [
            (a.actor, a.action) for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
    assert actions == [("lan", "take"), ("lan", "finish")]
    assert service.counts() == {"open": 0, "assigned": 0, "done": 1}


def test_a_conversation_may_leave_a_few_messages_a_day(service):
    now = datetime(2026, 12, 7, 9, 0)
    for _ in range(MAX_PER_DAY):
        assert service.leave_message("spam", "rest", "xin gọi lại", None, now=now) is not None
    assert service.leave_message("spam", "rest", "xin gọi lại", None, now=now) is None
    assert service.leave_message("other", "rest", "xin gọi lại", None, now=now) is not None
    later = now + timedelta(days=1, minutes=1)
    assert service.leave_message("spam", "rest", "xin gọi lại", None, now=later) is not None


def test_holidays_close_the_desk_and_are_audited(service):
    new_year = date(2027, 1, 1)
    assert service.desk(datetime(2027, 1, 1, 9, 0)).open
    service.add_holiday("lan", new_year, "  Tết   Dương lịch ")
    desk = service.desk(datetime(2027, 1, 1, 9, 0))
    assert not desk.open and desk.next_open == datetime(2027, 1, 2, 7, 30)
    with pytest.raises(HandoffError, match="01/01/2027"):
        service.add_holiday("lan", new_year, "lặp")
    with pytest.raises(HandoffError):
        service.add_holiday("lan", date(2027, 4, 30), "   ")
    [holiday] = service.holidays(date(2027, 1, 1))
    assert holiday["name"] == "Tết Dương lịch"
    service.remove_holiday("lan", holiday["id"])
    assert service.holidays() == [] and service.desk(datetime(2027, 1, 1, 9, 0)).open
    with session_scope() as s:
        changes = select(AuditEntry).where(AuditEntry.entity == "holiday").order_by(AuditEntry.id)
        assert [(a.actor, a.action) for a in s.scalars(changes)] == [
            ("lan", "create"),
            ("lan", "delete"),
        ]
    with pytest.raises(HandoffError):
        service.remove_holiday("lan", holiday["id"])


def test_desk_at_night(service):
    desk = service.desk(MONDAY_NIGHT)
    assert not desk.open and desk.next_open == datetime(2026, 12, 8, 7, 30)
    assert desk.hours.startswith("Thứ Hai–Thứ Sáu 7:30–11:30")
