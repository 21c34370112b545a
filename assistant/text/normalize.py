"""Vietnamese text normalisation: pure functions shared by training, inference and search.

Three layers, each usable alone:
- :func:`nfc` and :func:`normalize_tones` make one spelling of one word (composed Unicode,
  tone mark on the vowel the modern rule puts it on: "hoà" → "hòa");
- :func:`fold` makes a search/feature key that ignores case and diacritics ("Đăng ký" → "dang ky");
- :func:`protected_spans` finds the pieces no tokenizer or dictionary may touch: dossier codes,
  URLs, e-mails, phone numbers, dates, amounts, quantities.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import List, Tuple

# Dossier codes as provincial case-handling systems issue them:
# <agency code>-<yymmdd>-<4-digit sequence>, e.g. 000.00.27.H13-240115-0001, H13.12-241120-0032.
# The same pattern is the `dossier_code` regex in data/nlu/dossiers.yml (a test keeps them equal).
DOSSIER_CODE_PATTERN = r"(?<![\w.])(?:[A-Za-z0-9]{1,6}\.){0,5}[A-Za-z0-9]{1,6}-\d{6}-\d{4}(?!\w)"
DOSSIER_CODE_RE = re.compile(DOSSIER_CODE_PATTERN)
# Petition tracking codes the city issues: PA-<year>-<6 digits>, e.g. PA-2026-000123 (also a
# `dossier_code` regex in data/nlu/dossiers.yml: a petition is looked up like a dossier).
PETITION_CODE_PATTERN = r"(?<![\w.])[Pp][Aa]-\d{4}-\d{6}(?!\w)"
PETITION_CODE_RE = re.compile(PETITION_CODE_PATTERN)

_PROTECTED = [
    ("dossier_code", DOSSIER_CODE_PATTERN),
    ("petition_code", PETITION_CODE_PATTERN),
    ("url", r"https?://[^\s<>\"']+|www\.[^\s<>\"']+"),
    ("email", r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    # Vietnamese phone numbers: 0xxxxxxxxx / +84xxxxxxxxx, optional dots or spaces in groups.
    ("phone", r"(?<!\w)(?:\+84|0)(?:[\s.]?\d){9,10}(?!\w)"),
    ("date", r"(?<!\w)\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?(?!\w)"),
    # Amounts: 100.000đ, 1,5 triệu, 200000 VNĐ, 50k.
    (
        "amount",
        r"(?<!\w)\d+(?:[.,]\d+)*\s?(?:đồng|dong|vnđ|vnd|đ|k|nghìn|ngàn|triệu|trieu|tr)(?!\w)",
    ),
    # Quantities: 50kg, 1 ký, 2,5 tấn, 100m2. Before "number", so the unit is never read as
    # teencode ("kg" alone is "không").
    (
        "quantity",
        r"(?<!\w)\d+(?:[.,]\d+)*(?:\s?(?:kg|kí|ký|kilo|gam|gram|tấn|tạ|yến|km|cm|mm|lít|lit|ml)"
        r"|(?:g|gr|m|m2|m²|m3|ha|l))(?!\w)",
    ),
    ("number", r"(?<!\w)\d+(?:[.,]\d+)*(?!\w)"),
]
PROTECTED_RE = re.compile(
    "|".join(f"(?P<{name}>{pattern})" for name, pattern in _PROTECTED), re.IGNORECASE
)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=50_000)
def _underthesea_normalize(word: str) -> str:
    from underthesea import text_normalize  # heavy import, only when first needed

    return text_normalize(word)


def normalize_tones(text: str) -> str:
    """NFC plus modern tone-mark placement, word by word so offsets never move."""
    text = nfc(text)
    return re.sub(r"[^\W\d_]+", lambda m: _same_length(m.group(0)), text)


def _same_length(word: str) -> str:
    fixed = nfc(_underthesea_normalize(word))
    return fixed if len(fixed) == len(word) else word


_STRIP_TABLE = str.maketrans({"đ": "d", "Đ": "D"})


@lru_cache(maxsize=100_000)
def strip_diacritics(text: str) -> str:
    """Remove tone and vowel marks (and map đ → d); length-preserving on NFC input."""
    decomposed = unicodedata.normalize("NFD", text.translate(_STRIP_TABLE))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """The comparison key: NFC, lower case, no diacritics."""
    return strip_diacritics(nfc(text).lower())


def has_diacritics(text: str) -> bool:
    return strip_diacritics(nfc(text)) != nfc(text)


def protected_spans(text: str) -> List[Tuple[int, int, str]]:
    """(start, end, kind) of every piece that must stay one token and never be rewritten."""
    return [(m.start(), m.end(), m.lastgroup or "") for m in PROTECTED_RE.finditer(text)]


def find_dossier_codes(text: str) -> List[str]:
    """Dossier codes in a message, upper-cased the way the systems store them."""
    return [m.group(0).upper() for m in DOSSIER_CODE_RE.finditer(nfc(text))]


def find_petition_codes(text: str) -> List[str]:
    """Petition codes in a message, upper-cased (PA-2026-000123)."""
    return [m.group(0).upper() for m in PETITION_CODE_RE.finditer(nfc(text))]


# A whole message that says "no" or "never mind" (folded: "khong", "thoi" count too).
_DECLINES = frozenset(
    {
        "khong",
        "ko",
        "k",
        "khong can",
        "khong a",
        "bo qua",
        "thoi",
        "thoi a",
        "huy",
        "thoi khong can",
    }
)


def message_key(text: str) -> str:
    """A short whole message as a lookup key: folded, without "." and "!", spaces squeezed
    ("Thôi ạ!" → "thoi a")."""
    return " ".join(fold(text or "").replace(".", " ").replace("!", " ").split())


def declines(text: str) -> bool:
    """Whether a whole message only says no ("không", "thôi", "bỏ qua"), in any spelling."""
    return message_key(text) in _DECLINES
