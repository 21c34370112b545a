"""Working hours: parsing the door-sign format, open or not, the next opening, holidays."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from assistant.handoff.hours import DEFAULT_HOURS, WorkingHours, when

HOURS = WorkingHours.parse(DEFAULT_HOURS)
MONDAY = datetime(2026, 12, 7)  # a Monday


@pytest.mark.parametrize(
    "at, open_",
    [
        (MONDAY.replace(hour=7, minute=29), False),
        (MONDAY.replace(hour=7, minute=30), True),
        (MONDAY.replace(hour=11, minute=29), True),
        (MONDAY.replace(hour=11, minute=30), False),  # lunch
        (MONDAY.replace(hour=13, minute=30), True),
        (MONDAY.replace(hour=16, minute=59), True),
        (MONDAY.replace(hour=17, minute=0), False),
        (datetime(2026, 12, 12, 9, 0), True),  # Saturday morning
        (datetime(2026, 12, 12, 14, 0), False),  # Saturday afternoon
        (datetime(2026, 12, 13, 9, 0), False),  # Sunday
    ],
)
def test_default_hours(at, open_):
    assert HOURS.is_open(at) is open_


def test_a_holiday_is_closed_and_skipped_for_the_next_opening():
    new_year = date(2027, 1, 1)  # a Friday
    at = datetime(2027, 1, 1, 9, 0)
    assert not HOURS.is_open(at, [new_year])
    assert HOURS.next_open(at, [new_year]) == datetime(2027, 1, 2, 7, 30)  # Saturday
    assert HOURS.next_open(datetime(2027, 1, 2, 12, 0), [new_year]) == datetime(2027, 1, 4, 7, 30)


def test_next_open_after_lunch_and_at_night():
    assert HOURS.next_open(MONDAY.replace(hour=12)) == MONDAY.replace(hour=13, minute=30)
    assert HOURS.next_open(MONDAY.replace(hour=20)) == datetime(2026, 12, 8, 7, 30)
    assert HOURS.next_open(MONDAY.replace(hour=9)) == MONDAY.replace(hour=9)


def test_describe_and_when():
    assert HOURS.describe() == "Thứ Hai–Thứ Sáu 7:30–11:30, 13:30–17:00; Thứ Bảy 7:30–11:30"
    now = MONDAY.replace(hour=20)
    assert when(datetime(2026, 12, 8, 7, 30), now) == "7:30 ngày mai"
    assert when(MONDAY.replace(hour=21), now) == "21:00 hôm nay"
    assert when(datetime(2026, 12, 14, 7, 30), now) == "7:30 Thứ Hai 14/12"


@pytest.mark.parametrize(
    "spec",
    ["", "T2-T6", "T8 07:00-08:00", "T6-T2 07:00-08:00", "T2 9:00-8:00", "T2 7:61-8:00", "x"],
)
def test_unreadable_hours_are_refused_with_a_reason(spec):
    with pytest.raises(ValueError):
        WorkingHours.parse(spec)


def test_sunday_and_single_days():
    hours = WorkingHours.parse("CN 08:00-10:00; t3 07:00-09:00")
    assert hours.is_open(datetime(2026, 12, 13, 9, 0)) and hours.is_open(datetime(2026, 12, 8, 8))
    assert hours.describe() == "Thứ Ba 7:00–9:00; Chủ nhật 8:00–10:00"
