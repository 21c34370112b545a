"""Description checks and similarity: pure functions, table-tested."""

from __future__ import annotations

import pytest

from assistant.petitions.text import SIMILARITY_THRESHOLD, check_description, similarity, words


@pytest.mark.parametrize(
    "text, reason",
    [
        ("Đèn đường trước số 12 Lê Lợi không sáng ba hôm nay", None),
        ("den duong truoc so 12 khong sang", None),
        ("Rác ùn ứ đầu hẻm", None),  # 13 letters
        ("", "mô tả nội dung"),
        ("   \n ", "mô tả nội dung"),
        (None, "mô tả nội dung"),
        ("!!! ??? ...", "bằng chữ"),
        ("😡😡😡👎", "bằng chữ"),
        ("12345 678", "bằng chữ"),
        ("đèn hỏng", "hơi ngắn"),  # 7 letters
        ("ổ gà!!!", "hơi ngắn"),
        ("Đường hỏng lâu rồi mà không ai sửa, đm", "lời lẽ phù hợp"),
        ("DMM đường hỏng lâu rồi không ai sửa", "lời lẽ phù hợp"),
        ("lũ ăn hại, đường hỏng không ai sửa", "lời lẽ phù hợp"),
        ("lu an hai, duong hong khong ai sua", "lời lẽ phù hợp"),
        ("Bọn óc chó lấn chiếm vỉa hè", "lời lẽ phù hợp"),
        # Words that only look like insults without diacritics stay allowed.
        ("Người đeo khẩu trang đổ rác trộm", None),
        ("Chó thả rông cắn người đi đường", None),
        ("Cửa hàng vật liệu (VL) đổ cát ra lòng đường", None),
    ],
)
def test_check_description(text, reason):
    found = check_description(text)
    if reason is None:
        assert found is None
    else:
        assert found is not None and reason in found and "Anh/Chị" in found


def test_words_are_folded_and_common_ones_dropped():
    assert words("Đèn ĐƯỜNG đã bị hỏng") == {"den", "duong", "hong"}
    assert words("đến chợ") == {"den", "cho"}  # "đèn"/"chợ" share the folded spelling


@pytest.mark.parametrize(
    "first, second, alike",
    [
        ("Đèn đường trước số 12 không sáng", "den duong truoc so 12 khong sang", True),
        ("Đèn đường trước số 12 không sáng", "Đèn đường số 12 bị tắt, tối om", True),
        ("Đèn đường trước số 12 không sáng", "Cột đèn công viên bị nghiêng sắp đổ", False),
        ("Rác đổ trộm ở đầu hẻm 5", "Rác đầu hẻm 5 bị đổ trộm nhiều ngày", True),
        ("Rác đổ trộm ở đầu hẻm 5", "Xe thu gom rác đến muộn", False),
        ("", "đèn đường", False),
    ],
)
def test_similarity(first, second, alike):
    score = similarity(first, second)
    assert (score >= SIMILARITY_THRESHOLD) is alike
    assert score == similarity(second, first)  # symmetric
    assert 0.0 <= score <= 1.0
