import re

import pytest

from assistant.channels.text import split_text, utf16_length


@pytest.mark.parametrize(
    "text, limit, length",
    [
        ("Hồ sơ gồm:\n1. Tờ khai\n2. Giấy chứng sinh", 2000, len),
        ("\n".join(f"{i}. Giấy tờ số {i} (1 bản chính)" for i in range(1, 300)), 2000, len),
        ("một " * 1500, 2000, len),
        ("😀" * 1500, 2000, utf16_length),
        ("a" * 4500, 2000, len),
    ],
)
def test_pieces_fit_and_keep_everything_in_order(text, limit, length):
    pieces = split_text(text, limit, length)
    assert all(length(p) <= limit for p in pieces)
    assert re.sub(r"\s", "", "".join(pieces)) == re.sub(r"\s", "", text)


def test_short_and_empty():
    assert split_text("xin chào", 2000) == ["xin chào"]
    assert split_text("   ", 2000) == []


def test_lines_are_not_cut_when_they_fit():
    lines = [f"{i}. " + "x" * 90 for i in range(40)]
    pieces = split_text("\n".join(lines), 1000)
    assert [line for piece in pieces for line in piece.split("\n")] == lines
