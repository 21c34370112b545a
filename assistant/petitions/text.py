"""Pure text checks for petitions: is a description usable, how alike are two descriptions.

Both work on folded text (lower case, no diacritics), because citizens type with and without
them; both are table-tested in tests/petitions/test_text.py.
"""

from __future__ import annotations

import re
from typing import FrozenSet

from assistant.text.normalize import fold

MIN_LETTERS = 10
SIMILARITY_THRESHOLD = 0.3

# Insults and swearing that no petition needs, folded and matched as whole words or phrases.
# Only unambiguous ones: without diacritics "đéo" is "deo" like "đeo" (to wear), and "chó" may
# be a real stray dog, so neither is listed.
_ABUSE = (
    "dm",
    "dmm",
    "dcm",
    "dkm",
    "vcl",
    "vkl",
    "clgt",
    "cmm",
    "dit me",
    "dit con me",
    "du ma",
    "du me",
    "con me may",
    "cai lon",
    "oc cho",
    "do ngu",
    "ngu nhu bo",
    "mat day",
    "thang cho",
    "lu an hai",
    "bon an hai",
)
_ABUSE_RE = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in _ABUSE) + r")(?!\w)")

# Words too common to say two descriptions are about the same thing. Folded, so a word is
# left out only if no other spelling of it means something ("den" is also "đèn", "cho" also
# "chợ", "day" also "dây": those stay).
_STOPWORDS = frozenset(
    "a ah o oi da dang se bi duoc cua va voi tai tren duoi trong ngoai nay kia do la co "
    "khong chua roi nhung cac mot nhieu rat qua lam thi ma nen vi tu ra vao toi chung em "
    "anh chi ong ba minh gan truoc sau khi luc ngay hom hien".split()
)
_WORD_RE = re.compile(r"[^\W_]+")


def check_description(text: str | None) -> str | None:
    """A polite reason to ask again, or None when the description can be filed."""
    stripped = " ".join((text or "").split())
    if not stripped:
        return "Anh/Chị vui lòng mô tả nội dung cần phản ánh."
    letters = sum(1 for ch in stripped if ch.isalpha())
    if letters == 0:
        return (
            "Anh/Chị vui lòng mô tả sự việc bằng chữ (ví dụ: sự việc gì, ở đâu, từ khi nào) "
            "để cơ quan chức năng nắm được."
        )
    if letters < MIN_LETTERS:
        return (
            "Nội dung hơi ngắn. Anh/Chị vui lòng mô tả cụ thể hơn: sự việc gì, ở đâu, từ khi nào."
        )
    if _ABUSE_RE.search(fold(stripped)):
        return (
            "Anh/Chị vui lòng mô tả lại sự việc bằng lời lẽ phù hợp để cán bộ có thể tiếp nhận "
            "và chuyển xử lý."
        )
    return None


def words(text: str) -> FrozenSet[str]:
    """The folded words of a description, common ones left out."""
    return frozenset(w for w in _WORD_RE.findall(fold(text or "")) if w not in _STOPWORDS)


def similarity(first: str, second: str) -> float:
    """Jaccard index of the two descriptions' folded words (0 when either has none).

    Candidates are already the same category in the same commune within days of each other,
    so this only has to tell "đèn đường trước số 12 không sáng" from "đèn ở công viên bị vỡ".
    Jaccard is symmetric (a one-line report does not count as a copy of every long one that
    contains its words, as an overlap coefficient would say) and needs no model or corpus.
    """
    a, b = words(first), words(second)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
