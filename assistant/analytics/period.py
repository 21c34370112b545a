"""The period and channel of a statistics report, read from a query (the IOC's API, the
"Thống kê" page's custom range): ``from`` and ``to`` local days, inclusive, and a channel."""

from __future__ import annotations

import re
from datetime import date
from typing import Mapping, Tuple

from assistant.channels.names import CHANNEL_NAMES

MAX_DAYS = 366  # days counted inclusively: a whole leap year fits
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class QueryError(ValueError):
    """A refused query; the message is Vietnamese, shown to the reader as it is."""


def _day(query: Mapping[str, str], name: str, meaning: str) -> date:
    value = query.get(name, "").strip()
    if not value:
        raise QueryError(f"Thiếu tham số {name} ({meaning}, dạng YYYY-MM-DD).")
    try:
        if not ISO_DAY.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise QueryError(f"Tham số {name} không phải một ngày hợp lệ (dạng YYYY-MM-DD).") from None


def period_query(query: Mapping[str, str]) -> Tuple[date, date, str]:
    """``from``, ``to`` (local days, inclusive) and ``channel`` ("" for all), or QueryError."""
    start = _day(query, "from", "ngày bắt đầu")
    end = _day(query, "to", "ngày kết thúc")
    if start > end:
        raise QueryError("Ngày bắt đầu (from) phải trước hoặc trùng ngày kết thúc (to).")
    if (end - start).days + 1 > MAX_DAYS:
        raise QueryError(f"Mỗi lần chỉ lấy được tối đa {MAX_DAYS} ngày.")
    channel = query.get("channel", "").strip()
    if channel and channel not in CHANNEL_NAMES:
        raise QueryError("Tham số channel phải là rest, zalo hoặc facebook (hoặc để trống).")
    return start, end, channel
