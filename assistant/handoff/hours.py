"""The desk's working hours (``HANDOFF_HOURS``) and the holidays staff enter in the app.

The format is the one on an office's door: ``T2-T6 07:30-11:30,13:30-17:00; T7 07:30-11:30``
(days T2…T7 and CN, a range or a single day, then periods). Times are local (UTC+7).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Dict, Iterable, Tuple

DEFAULT_HOURS = "T2-T6 07:30-11:30,13:30-17:00; T7 07:30-11:30"
DAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")
DAY_NAMES = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
_DAYS_RE = re.compile(r"^(T[2-7]|CN)(?:\s*-\s*(T[2-7]|CN))?$", re.IGNORECASE)
_PERIOD_RE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")

Period = Tuple[time, time]


def _clock(hours: str, minutes: str) -> time:
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > 24 * 60:
        raise ValueError(f"giờ không hợp lệ: {hours}:{minutes}")
    return time(23, 59, 59) if value == 24 * 60 else time(value // 60, value % 60)


def _short(t: time) -> str:
    return f"{t.hour}:{t.minute:02d}"


@dataclass(frozen=True)
class WorkingHours:
    periods: Dict[int, Tuple[Period, ...]]  # weekday (Monday 0) -> periods, in order

    @classmethod
    def parse(cls, spec: str) -> WorkingHours:
        """Raise ValueError, with the reason in Vietnamese, on anything it cannot read."""
        periods: Dict[int, Tuple[Period, ...]] = {}
        for part in filter(None, (p.strip() for p in (spec or "").split(";"))):
            days, _, times = part.partition(" ")
            match = _DAYS_RE.match(days.strip())
            if not match or not times.strip():
                raise ValueError(f"không đọc được “{part}” (ví dụ: T2-T6 07:30-11:30,13:30-17:00)")
            first = DAYS.index(match.group(1).upper())
            last = DAYS.index((match.group(2) or match.group(1)).upper())
            if last < first:
                raise ValueError(f"khoảng ngày ngược: “{days}”")
            spans = []
            for piece in times.split(","):
                found = _PERIOD_RE.match(piece.strip())
                if not found:
                    raise ValueError(f"không đọc được khoảng giờ “{piece.strip()}”")
                start, end = _clock(*found.group(1, 2)), _clock(*found.group(3, 4))
                if end <= start:
                    raise ValueError(f"giờ kết thúc phải sau giờ bắt đầu: “{piece.strip()}”")
                spans.append((start, end))
            for day in range(first, last + 1):
                periods[day] = tuple(sorted(periods.get(day, ()) + tuple(spans)))
        if not periods:
            raise ValueError("chưa có giờ làm việc nào")
        return cls(periods)

    def is_open(self, at: datetime, holidays: Iterable[date] = ()) -> bool:
        """Whether ``at`` (naive local time) is within the hours, holidays excepted."""
        if at.date() in set(holidays):
            return False
        return any(start <= at.time() < end for start, end in self.periods.get(at.weekday(), ()))

    def next_open(self, at: datetime, holidays: Iterable[date] = ()) -> datetime | None:
        """The next time the desk opens after ``at`` (``at`` itself when open), within 60 days."""
        closed = set(holidays)
        if self.is_open(at, closed):
            return at
        for offset in range(0, 61):
            day = at.date() + timedelta(days=offset)
            if day in closed:
                continue
            for start, _ in self.periods.get(day.weekday(), ()):
                opening = datetime.combine(day, start)
                if opening > at:
                    return opening
        return None

    def describe(self) -> str:
        """ "Thứ Hai–Thứ Sáu 7:30–11:30, 13:30–17:00; Thứ Bảy 7:30–11:30"."""
        groups: list = []
        for day in range(7):
            spans = self.periods.get(day)
            if not spans:
                continue
            if groups and groups[-1][2] == spans and groups[-1][1] == day - 1:
                groups[-1][1] = day
            else:
                groups.append([day, day, spans])
        out = []
        for first, last, spans in groups:
            days = DAY_NAMES[first] if first == last else f"{DAY_NAMES[first]}–{DAY_NAMES[last]}"
            times = ", ".join(f"{_short(a)}–{_short(b)}" for a, b in spans)
            out.append(f"{days} {times}")
        return "; ".join(out)


def when(moment: datetime, now: datetime) -> str:
    """ "8:00 sáng mai", "13:30 hôm nay", "7:30 Thứ Hai 08/12": when staff are back."""
    clock = _short(moment.time())
    if moment.date() == now.date():
        return f"{clock} hôm nay"
    if moment.date() == now.date() + timedelta(days=1):
        return f"{clock} ngày mai"
    return f"{clock} {DAY_NAMES[moment.weekday()]} {moment:%d/%m}"
