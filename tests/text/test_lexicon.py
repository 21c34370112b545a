"""Abbreviations and teencode spelled out, never a real word with diacritics."""

import pytest

from assistant.text.lexicon import expand, expand_words


@pytest.mark.parametrize(
    "token, full",
    [
        ("cccd", "căn cước công dân"),
        ("CCCD", "căn cước công dân"),
        ("đkkd", "đăng ký kinh doanh"),
        ("ĐKKD", "đăng ký kinh doanh"),
        ("gplx", "giấy phép lái xe"),
        ("ko", "không"),
        ("hong", "không"),
        ("hồng", None),  # "sổ hồng" is a real word, not teencode
        ("vay", None),  # ambiguous: "vậy" or a loan
        ("khai", None),
    ],
)
def test_expand(token, full):
    assert expand(token) == full


@pytest.mark.parametrize(
    "words, spelled",
    [
        ("dk ket", "đăng ký ket"),
        ("cccd", "căn cước công dân"),
        ("sổ hồng", "sổ hồng"),
        ("so hong", "so hong"),  # "sổ hồng" typed without diacritics, not "sổ không"
        ("sổ hong", "sổ hong"),
        ("xe hong", "xe không"),  # elsewhere the teencode still reads "không"
        ("vn", "Việt Nam"),
        ("", ""),
    ],
)
def test_expand_words(words, spelled):
    assert expand_words(words) == spelled
