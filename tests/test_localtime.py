"""Viet Nam's local time is UTC+7 all year, whatever zone the server runs in."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from assistant.localtime import LOCAL, LOCAL_OFFSET, local_now, local_today


def test_local_now_is_utc_plus_seven_hours():
    before = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(hours=7)
    now = local_now()
    after = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(hours=7)
    assert before <= now <= after and now.tzinfo is None
    assert local_today() in {before.date(), after.date()}


def test_no_daylight_saving():
    for month in (1, 7):
        assert (
            datetime(2026, month, 1, tzinfo=LOCAL).utcoffset() == LOCAL_OFFSET == timedelta(hours=7)
        )
