"""Abbreviations and teencode citizens type, mapped to the words they stand for.

Keys are lower case without diacritics, with "đ" written "d", so "đkkd", "dkkd" and "ĐKKD" are
one entry. A token that carries any other diacritic is a real word, never an abbreviation
("hồng" in "sổ hồng" is not "hong" = "không"). Only whole tokens are rewritten, and protected
pieces (codes, numbers, URLs) never reach this table. Ambiguous short forms are left out on
purpose: "vay" ("vậy" or a loan), "a"/"c"/"e". "k" is safe as a whole token because amounts
such as "50k" are protected pieces and never reach this table.
"""

from __future__ import annotations

from typing import Dict, List

from assistant.text.normalize import has_diacritics

ABBREVIATIONS: Dict[str, str] = {
    # administrative abbreviations
    "cccd": "căn cước công dân",
    "cmnd": "chứng minh nhân dân",
    "cmt": "chứng minh nhân dân",
    "gplx": "giấy phép lái xe",
    "gpxd": "giấy phép xây dựng",
    "gpkd": "giấy phép kinh doanh",
    "dkkd": "đăng ký kinh doanh",
    "hkd": "hộ kinh doanh",
    "ubnd": "ủy ban nhân dân",
    "hdnd": "hội đồng nhân dân",
    "hs": "hồ sơ",
    "kq": "kết quả",
    "tthc": "thủ tục hành chính",
    "gcn": "giấy chứng nhận",
    "qsdd": "quyền sử dụng đất",
    "gcnqsdd": "giấy chứng nhận quyền sử dụng đất",
    "lltp": "lý lịch tư pháp",
    "dvc": "dịch vụ công",
    "bhxh": "bảo hiểm xã hội",
    "bhyt": "bảo hiểm y tế",
    "sdt": "số điện thoại",
    "dt": "điện thoại",
    "dk": "đăng ký",
    "dky": "đăng ký",
    "dki": "đăng ký",
    "tp": "thành phố",
    "cty": "công ty",
    "tnhh": "trách nhiệm hữu hạn",
    "tncn": "thu nhập cá nhân",
    "tthn": "tình trạng hôn nhân",
    "htx": "hợp tác xã",
    "pccc": "phòng cháy chữa cháy",
    "bds": "bất động sản",
    "vn": "Việt Nam",
    # teencode
    "ko": "không",
    "k": "không",
    "kô": "không",
    "hok": "không",
    "hong": "không",
    "kh": "không",
    "khg": "không",
    "kg": "không",
    "dc": "được",
    "j": "gì",
    "z": "vậy",
    "v": "vậy",
    "bn": "bao nhiêu",
    "bnhieu": "bao nhiêu",
    "mk": "mình",
    "mik": "mình",
    "mn": "mọi người",
    "ad": "admin",
    "ng": "người",
    "nc": "nước",
    "r": "rồi",
    "ntn": "như thế nào",
    "bh": "bao giờ",
    "bgio": "bao giờ",
    "vs": "với",
    "ms": "mới",
    "lm": "làm",
    "trc": "trước",
    "nhiu": "nhiêu",
    "thoi": "thôi",
}


def expand(token: str) -> str | None:
    """The full form of an abbreviation or teencode token, or None if it is not one."""
    key = token.lower().replace("đ", "d")
    if has_diacritics(key):
        return None
    return ABBREVIATIONS.get(key)


# Teencode that is a real word after some words, typed without diacritics: "so hong" is
# "sổ hồng" (the house certificate), not "sổ không".
NOT_AFTER = {"hong": frozenset({"so", "sổ"})}


def expand_words(words: str) -> str:
    """Each syllable of a segmented word spelled out ("dk ket" → "đăng ký ket")."""
    return " ".join(expand_tokens(words.split(" ")))


def expand_tokens(tokens: List[str]) -> List[str]:
    """Each token spelled out, unless the token before makes it a real word (NOT_AFTER)."""
    out = []
    for i, token in enumerate(tokens):
        before = NOT_AFTER.get(token.lower())
        if before and i and tokens[i - 1].lower() in before:
            out.append(token)
        else:
            out.append(expand(token) or token)
    return out
