"""Dates as case-handling systems spell them become naive local time; what cannot be read
raises, for the importer to count as a warning."""

from __future__ import annotations

from datetime import datetime

import pytest

from assistant.dossiers.dates import parse_datetime

LOCAL = datetime(2024, 1, 15, 8, 30)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-15", datetime(2024, 1, 15)),
        ("2024-01-15T08:30", LOCAL),
        ("2024-01-15T08:30:00", LOCAL),
        ("2024-01-15 08:30:00", LOCAL),
        ("2024-01-15T08:30:00+07:00", LOCAL),
        ("2024-01-15T08:30:00+0700", LOCAL),
        ("2024-01-15T01:30:00Z", LOCAL),
        ("2024-01-15T01:30:00.000Z", LOCAL),
        ("2024-01-15T08:30:00.250+07:00", LOCAL.replace(microsecond=250000)),
        ("2024-01-14T20:30:00-05:00", LOCAL),
        ("15/01/2024", datetime(2024, 1, 15)),
        ("5/1/2024", datetime(2024, 1, 5)),
        ("15/01/2024 08:30:00", LOCAL),
        ("15/01/2024 08:30", LOCAL),
        ("08:30:00 15/01/2024", LOCAL),
        ("15-01-2024", datetime(2024, 1, 15)),
        (1705282200000, LOCAL),
        ("1705282200000", LOCAL),
        (1705282200000.0, LOCAL),
        (1705282200, LOCAL),
        (None, None),
        ("", None),
        ("  ", None),
    ],
)
def test_dates_in_every_format_become_local_time(value, expected):
    assert parse_datetime(value) == expected


@pytest.mark.parametrize(
    "value", ["hôm qua", "32/01/2024", "2024-13-01", "15/01/24", [2024, 1, 15], True, 10**20, "1"]
)
def test_unreadable_dates_raise_for_the_caller_to_count(value):
    with pytest.raises(ValueError):
        parse_datetime(value)
