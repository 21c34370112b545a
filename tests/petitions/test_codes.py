"""Petition codes as citizens type them."""

from __future__ import annotations

import pytest

from assistant.petitions.codes import CODE_RE, find_codes, format_code, normalize_code


@pytest.mark.parametrize(
    "typed, code",
    [
        ("PA-2026-000123", "PA-2026-000123"),
        ("pa-2026-000123", "PA-2026-000123"),
        (" PA 2026 123 ", "PA-2026-000123"),
        ("PA2026-123.", "PA-2026-000123"),
        ("PA-2026-0001234", None),  # seven digits
        ("PA-26-000123", None),
        ("XPA-2026-000123", None),
        ("mã PA-2026-000123", None),  # the whole text must be the code
        ("", None),
        (None, None),
    ],
)
def test_normalize_code(typed, code):
    assert normalize_code(typed) == code


def test_codes_are_found_in_a_message():
    text = "Tôi gửi pa-2026-12 và PA-2027-000001, còn 000.00.27.H13-240115-0001 là hồ sơ"
    assert find_codes(text) == ["PA-2026-000012", "PA-2027-000001"]
    assert find_codes(None) == []


def test_the_stored_form_matches_the_pattern():
    assert CODE_RE.fullmatch(format_code(2026, 7)) and format_code(2026, 7) == "PA-2026-000007"
