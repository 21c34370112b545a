"""Viet Nam's local time, the one definition every module uses.

Viet Nam has kept UTC+7 without daylight saving since 1975: a fixed offset is exact and needs
no tz database on the server. The schema stores naive UTC (:func:`assistant.audit.utcnow`)
except dossiers, which keep the naive local time the case-handling systems show citizens.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

LOCAL_OFFSET = timedelta(hours=7)
LOCAL = timezone(LOCAL_OFFSET, "Asia/Ho_Chi_Minh")


def local_now() -> datetime:
    """Now as naive local time, whatever time zone the server runs in."""
    return datetime.now(LOCAL).replace(tzinfo=None)


def local_today() -> date:
    """Today's date in Viet Nam."""
    return local_now().date()
