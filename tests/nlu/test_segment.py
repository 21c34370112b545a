import unicodedata

import pytest

from assistant.nlu.segment import segment


@pytest.mark.parametrize(
    "text, words",
    [
        ("Làm giấy khai sinh cho con", ["Làm", "giấy", "khai sinh", "cho", "con"]),
        ("Đăng ký kết hôn ở đâu?", ["Đăng ký", "kết hôn", "ở", "đâu"]),
        (
            "Hồ sơ 000.00.27.H13-240115-0001 giúp tôi",
            ["Hồ sơ", "000.00.27.H13-240115-0001", "giúp", "tôi"],
        ),
        ("gọi 0912345678 trước 15/01/2025", ["gọi", "0912345678", "trước", "15/01/2025"]),
        ("phí 100.000đ à", ["phí", "100.000đ", "à"]),
        ("😀😀", []),
        ("<img src=x onerror=alert(1)>", ["img", "src", "x", "onerror", "alert", "1"]),
        ("", []),
    ],
)
def test_segment_words(text, words):
    assert [p.text for p in segment(text)] == words


@pytest.mark.parametrize(
    "text",
    [
        "Làm giấy khai sinh cho con cần giấy tờ gì?",
        "lam cccd o dau vay ad",
        "Hồ sơ (000.00.27.H13-240115-0001), sđt 0912 345 678!",
        unicodedata.normalize("NFD", "Đăng ký thường trú ở đâu ạ"),
    ],
)
def test_offsets_point_into_the_original_text(text):
    for piece in segment(text):
        original = text[piece.start : piece.end]
        assert unicodedata.normalize("NFC", original).lower() == piece.text.lower()


def test_decomposed_input_gives_composed_words():
    text = unicodedata.normalize("NFD", "Đăng ký kết hôn")
    assert [p.text for p in segment(text)] == ["Đăng ký", "kết hôn"]


def test_huge_input_stays_cheap():
    pieces = segment("thủ tục " * 2500)
    assert len(pieces) == 5000  # beyond the segmentation cap: one piece per syllable
