"""The period of a statistics report from a query: local days, inclusive, at most a leap year."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.analytics.period import MAX_DAYS, QueryError, period_query


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"from": "2026-03-01", "to": "2026-03-01"}, (date(2026, 3, 1), date(2026, 3, 1), "")),
        (
            {"from": " 2024-01-01 ", "to": "2024-12-31", "channel": "facebook"},
            (date(2024, 1, 1), date(2024, 12, 31), "facebook"),
        ),
        ({"from": "2025-01-01", "to": "2026-01-01"}, (date(2025, 1, 1), date(2026, 1, 1), "")),
        (
            {"from": "2026-03-01", "to": "2026-03-02", "channel": "rest"},
            (date(2026, 3, 1), date(2026, 3, 2), "rest"),
        ),
    ],
)
def test_period_query_accepts_up_to_366_days(query, expected):
    assert period_query(query) == expected


def test_period_query_refuses_a_day_more_than_366():
    with pytest.raises(QueryError, match=f"tối đa {MAX_DAYS} ngày"):
        period_query({"from": "2025-01-01", "to": "2026-01-02"})
