"""Dates as exports spell them, to naive local time (Asia/Ho_Chi_Minh, UTC+7).

ISO 8601 (with or without time and zone), ``dd/MM/yyyy``, ``dd/MM/yyyy HH:mm[:ss]``,
``HH:mm dd/MM/yyyy`` or epoch seconds or milliseconds. Zoned and epoch values are converted,
zone-less ones are taken as already local. Years outside 1990–2100 are refused.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from assistant.localtime import LOCAL, LOCAL_OFFSET

_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?"
)
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_TIME_FIRST = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?[ ,]+(\d{1,2})/(\d{1,2})/(\d{4})")
_DIGITS = re.compile(r"-?\d{9,14}")
_MIN_YEAR, _MAX_YEAR = 1990, 2100


def _from_epoch(number: float) -> datetime:
    seconds = number / 1000 if abs(number) >= 1e11 else number
    try:
        return datetime.fromtimestamp(seconds, LOCAL).replace(tzinfo=None)
    except (OverflowError, OSError) as error:
        raise ValueError(f"epoch {number} out of range") from error


def parse_datetime(value: object) -> datetime | None:
    """Naive local time from any supported date spelling; None when empty or unreadable.

    Raises ValueError for a non-empty value it cannot read, so the caller can count it.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean is not a date")
    if isinstance(value, (int, float)):
        result = _from_epoch(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        result = _parse_text(text)
    else:
        raise ValueError(f"a {type(value).__name__} is not a date")
    if not _MIN_YEAR <= result.year <= _MAX_YEAR:
        raise ValueError(f"year {result.year} out of range")
    return result


def _parse_text(text: str) -> datetime:
    try:  # the C parser takes most ISO spellings, and is several times faster than the regex
        result = datetime.fromisoformat(text)
    except ValueError:
        pass
    else:
        offset = result.utcoffset()
        if offset is not None:  # to UTC, then to Viet Nam's UTC+7
            result = result.replace(tzinfo=None) - offset + LOCAL_OFFSET
        return result
    match = _ISO.fullmatch(text)
    if match:
        year, month, day, hour, minute, second, fraction, zone = match.groups()
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        result = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0))
        result = result.replace(second=int(second or 0), microsecond=micro)
        if zone:
            result = result - _offset(zone) + LOCAL_OFFSET
        return result
    match = _DMY.fullmatch(text)
    if match:
        day, month, year, hour, minute, second = match.groups()
        return datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
    match = _TIME_FIRST.fullmatch(text)
    if match:
        hour, minute, second, day, month, year = match.groups()
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    if _DIGITS.fullmatch(text):
        return _from_epoch(int(text))
    raise ValueError(f"unreadable date {text[:40]!r}")


def _offset(zone: str) -> timedelta:
    if zone == "Z":
        return timedelta(0)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return sign * timedelta(hours=hours, minutes=minutes)
