"""Vietnamese personal names in free text, found by their shape.

A name has no fixed pattern the way a phone number does, but Vietnamese names have a shape: a
family name from a short list (some 60 cover nearly every citizen) and one to three given
syllables. Two shapes are found:

- Capitalised, as names are written: "Nguyễn Văn An", "Lê Thị Hồng Nhung", "Tran An",
  "NGUYỄN VĂN AN". The family name and every given syllable start with a capital letter (or
  are all capitals), with or without diacritics.
- After words that introduce a name, in any case: "tên nguyễn văn an", "tôi là tran thi b",
  "họ tên: le van c". Only then is lower case taken for a name: "lê" alone is also a word.

Not a name: the name of a province, district or commune ("Hà Nội", "Ninh Kiều", "Cao Lãnh":
``assistant.text.places``), a family name after a word naming a place or an institution
("đường Nguyễn Văn Cừ", "trường Lê Quý Đôn", "TP Hồ Chí Minh"), "Hồ Chí Minh" itself, and
capitalised words that follow a family name in other phrases ("Hồ Sơ", "Từ Sở Tư pháp": "Từ"
is left out of the list, "Sở" is not a given name). Names typed in lower case without a word
introducing them ("chị lan bên phường") are not found.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import List, Tuple

from assistant.text.normalize import fold, nfc
from assistant.text.places import place_names

# Family names: the common ones, which most lists of Vietnamese surnames agree on. Those that
# are also common words are left out: "Từ" (from), "La", "An", "Ông" (Mr), "Văn", "Hồng",
# "Quan". A word is one as spelt here, or typed without any diacritic ("nguyen", "tran"): "vợ"
# and "hộ" are not "Võ" and "Hồ".
FAMILY = frozenset(
    """nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đào đoàn đinh
    lâm mai cao trịnh lương lưu tạ hà kiều thái trương tăng châu quách tôn lại khúc giang
    tiêu mạc hứa kim triệu tống thạch phùng ninh diệp chu nghiêm thiều""".split()
)
# Capitalised words that are not given names after a family name: institutions, and "Sơ" as
# in "Hồ Sơ". Such a word ends the name there. (Spelt; see _spelt.)
NOT_GIVEN = frozenset(
    """sở sơ bộ phòng ủy uỷ ban cục tòa toà hội nhà bệnh viện quận huyện phường xã tỉnh
    đường phố tp ubnd hđnd chợ cầu hẻm ngõ ấp khu thừa kính gửi xin cảm""".split()
)
# Pronouns and words of address, written capitalised to be polite ("Mai Anh qua nộp"): not
# a given name right after the family name, though later in a name they are ("Tuấn Anh").
ADDRESS = frozenset("anh chị em tôi bạn cô chú bác ông bà con".split())
# Words before a family name that make it a place's or an institution's name ("đường", "trường"
# but not "trưởng": "tổ trưởng Lê Văn Tám" is a person).
PLACE_BEFORE = frozenset(
    """đường phố phường quận huyện xã tỉnh tp trường viện cầu chợ hẻm ngõ kiệt ấp khu lộ
    ql tl đền chùa tượng cổng số""".split()
)
# Two-word places and institutions ("thành phố", "bệnh viện", "công viên", "quốc lộ").
PLACE_BEFORE_PAIRS = frozenset({"thanh pho", "benh vien", "cong vien", "quoc lo", "tinh lo"})
NOT_A_PERSON = frozenset({"ho chi minh", "thai lan"})  # the city, Thailand
# Words that end a name typed in lower case (folded): particles, and the words that most
# often follow a name ("số điện thoại", "sinh năm", "ở phường").
LOOSE_STOP = frozenset(
    """nhe nha a ah ak oi day ne nhi sinh o so sdt dt dien va hoac ma la cua cho voi tai
    nam bi da dang se muon can xin hoi lam co khong ho phuong xa que""".split()
)  # not "thi": "thì", but also "Thị", the commonest middle name
# Words that introduce a name, after which lower case is read as one too (folded, joined).
INTRODUCERS = ("ho va ten", "ho ten", "ten la", "ten", "toi la", "em la", "minh la", "la")
_WORD_RE = re.compile(r"[^\W\d_]+")
MAX_GIVEN = 3


# Words repeat: a log line, a conversation saved at every turn.
_fold_word = lru_cache(maxsize=50_000)(fold)


def _spelt(words: frozenset):
    """A test of whether a word is one of ``words``: spelt as there, or typed without any
    diacritic ("duong" is "đường"; "trưởng" is not "trường")."""
    folded_words = frozenset(fold(w) for w in words)

    def test(word: str, folded: str) -> bool:
        lower = word.lower()
        return lower in words or (lower == folded and folded in folded_words)

    return test


_family = _spelt(FAMILY)
_not_given = _spelt(NOT_GIVEN)
_address = _spelt(ADDRESS)
_place_word = _spelt(PLACE_BEFORE)


def _capitalised(word: str) -> bool:
    return word[0].isupper() and (word[1:].islower() or word.isupper() or len(word) == 1)


def _introduced(folded: List[str], at: int) -> bool:
    """Whether the words just before position ``at`` introduce a name."""
    for phrase in INTRODUCERS:
        words = phrase.split()
        if at >= len(words) and folded[at - len(words) : at] == words:
            # "là" alone only after a pronoun: "tôi là", "em là" (not "đó là Lê Lợi")
            return phrase != "la"
    return False


def find_names(text: str) -> List[Tuple[int, int]]:
    """(start, end) of each personal name in ``text`` (NFC), left to right."""
    text = nfc(text or "")
    words = list(_WORD_RE.finditer(text))
    folded = [_fold_word(m.group(0)) for m in words]
    found: List[Tuple[int, int]] = []
    i = 0
    while i < len(words):
        word = words[i].group(0)
        loose = _introduced(folded, i)
        if (
            not _family(word, folded[i])
            or not (loose or _capitalised(word))
            or _after_place(words, folded, i)
        ):
            i += 1
            continue
        end = i + 1
        while (
            end < len(words)
            and end - i <= MAX_GIVEN
            and _given(words, folded, end, loose, end == i + 1)
        ):
            end += 1
        if end - i >= 2 and not _place(" ".join(folded[i:end])):
            found.append((words[i].start(), words[end - 1].end()))
            i = end
        else:
            i += 1
    return found


def _given(words, folded: List[str], at: int, loose: bool, first: bool) -> bool:
    """Whether word ``at`` continues the name: adjacent (a space between), a syllable's
    length, capitalised (any case after an introducer), and no institution word."""
    previous, word = words[at - 1], words[at]
    between = word.string[previous.end() : word.start()]
    if between.strip() or len(word.group(0)) > 7:
        return False
    if word.string[word.end() : word.end() + 1] == "*":
        return False  # a name masked already, as the assistant shows it: "Nguyễn V*** A"
    text = word.group(0)
    if _not_given(text, folded[at]) or (loose and folded[at] in LOOSE_STOP):
        return False
    if first and _address(text, folded[at]):
        return False
    return loose or _capitalised(text)


def _place(folded: str) -> bool:
    """Whether the words are a place's name ("hà nội", "ninh kiều", "hồ chí minh")."""
    return folded in NOT_A_PERSON or folded in place_names()


def _after_place(words, folded: List[str], at: int) -> bool:
    if at >= 1 and _place_word(words[at - 1].group(0), folded[at - 1]):
        return True
    return at >= 2 and " ".join(folded[at - 2 : at]) in PLACE_BEFORE_PAIRS


def mask_names(text: str, mask: str) -> str:
    """``text`` with each personal name replaced by ``mask`` (``text`` itself when none)."""
    spans = find_names(text)
    if not spans:
        return text
    text = nfc(text)
    out, cursor = [], 0
    for start, end in spans:
        out += [text[cursor:start], mask]
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
