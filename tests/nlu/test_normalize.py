import unicodedata

import pytest

from assistant.nlu.lexicon import expand
from assistant.nlu.normalize import (
    find_dossier_codes,
    fold,
    has_diacritics,
    normalize_tones,
    protected_spans,
    strip_diacritics,
)


@pytest.mark.parametrize(
    "text, folded",
    [
        ("Đăng ký khai sinh", "dang ky khai sinh"),
        ("ĐĂNG KÝ KẾT HÔN", "dang ky ket hon"),
        ("Ủy ban nhân dân", "uy ban nhan dan"),
        (unicodedata.normalize("NFD", "Sổ đỏ"), "so do"),
        ("dang ky tam tru", "dang ky tam tru"),
        ("", ""),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hoà giải", "hòa giải"),
        ("thuỷ lợi", "thủy lợi"),
        ("khoẻ", "khỏe"),
        ("đăng ký", "đăng ký"),
        ("mã 000.00.27.H13-240115-0001", "mã 000.00.27.H13-240115-0001"),
    ],
)
def test_normalize_tones_moves_marks_and_keeps_length(text, expected):
    assert normalize_tones(text) == expected
    assert len(normalize_tones(text)) == len(text)


def test_strip_diacritics_preserves_length_on_nfc():
    text = "Giấy chứng nhận quyền sử dụng đất"
    assert len(strip_diacritics(text)) == len(text)
    assert not has_diacritics(strip_diacritics(text))
    assert has_diacritics(text)


@pytest.mark.parametrize(
    "text, kinds",
    [
        ("mã 000.00.27.H13-240115-0001 nhé", ["dossier_code"]),
        ("số 0912 345 678 và +84912345678", ["phone", "phone"]),
        ("hẹn ngày 15/01/2024", ["date"]),
        ("phí 100.000đ hay 1,5 triệu", ["amount", "amount"]),
        ("xem https://dichvucong.gov.vn/p/1?a=b", ["url"]),
        ("gửi tới a.b@gmail.com", ["email"]),
        ("không có số nào", []),
    ],
)
def test_protected_spans(text, kinds):
    assert [kind for _, _, kind in protected_spans(text)] == kinds


@pytest.mark.parametrize(
    "text, codes",
    [
        ("Hồ sơ 000.00.27.H13-240115-0001 đến đâu rồi?", ["000.00.27.H13-240115-0001"]),
        ("ma hs: h13.12-241120-0032.", ["H13.12-241120-0032"]),
        ("(000.20.31.H13-250302-0147)", ["000.20.31.H13-250302-0147"]),
        ("số 240115-0001 thiếu cơ quan", []),
        ("X000.00.27.H13-240115-00011", []),
    ],
)
def test_find_dossier_codes(text, codes):
    assert find_dossier_codes(text) == codes


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
