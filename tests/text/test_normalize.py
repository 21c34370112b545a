"""Normalisation, diacritic folding and protected pieces (codes, phones, amounts…)."""

import unicodedata

import pytest

from assistant.text.normalize import (
    find_dossier_codes,
    find_petition_codes,
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
        ("1 ký thịt, bao phân 50kg, 2,5 tấn lúa, 100m2 đất", ["quantity"] * 4),
        ("cho 5 m hỏi chút", ["number"]),
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


def test_nlu_regex_is_the_code_pattern():
    """RegexEntityExtractor (Rasa) and find_dossier_codes / find_petition_codes (actions)
    must agree: a petition code is looked up like a dossier code."""
    from rasa.shared.nlu.training_data.loading import load_data

    from assistant.settings import PROJECT_ROOT
    from assistant.text.normalize import DOSSIER_CODE_PATTERN, PETITION_CODE_PATTERN

    data = load_data(str(PROJECT_ROOT / "data" / "nlu" / "dossiers.yml"))
    regexes = [r["pattern"] for r in data.regex_features if r["name"] == "dossier_code"]
    assert regexes == [DOSSIER_CODE_PATTERN, PETITION_CODE_PATTERN]


def test_every_annotated_code_is_found():
    from rasa.shared.nlu.training_data.loading import load_data

    from assistant.settings import PROJECT_ROOT

    for path in ("data/nlu", "tests/nlu_eval/heldout.yml", "tests/nlu_eval/informal.yml"):
        for message in load_data(str(PROJECT_ROOT / path)).training_examples:
            for entity in message.get("entities") or []:
                if entity["entity"] == "dossier_code":
                    text = message.get("text")
                    found = find_dossier_codes(text) + find_petition_codes(text)
                    assert entity["value"].upper() in found
