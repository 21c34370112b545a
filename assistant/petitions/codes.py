"""Petition codes: PA-<year>-<6-digit sequence>, e.g. PA-2026-000123.

One pattern for the service and the chat's NLU (a regex entity should use
:data:`CODE_PATTERN`). Citizens type codes loosely ("pa 2026 123", "PA-2026-000123."), so
:func:`normalize_code` accepts spaces or dashes and a shortened sequence.
"""

from __future__ import annotations

import re
import unicodedata
from typing import List

CODE_PATTERN = r"(?<![\w-])[Pp][Aa][-\s]?(\d{4})[-\s]?(\d{1,6})(?![\w-])"
CODE_RE = re.compile(CODE_PATTERN)


def format_code(year: int, number: int) -> str:
    return f"PA-{year}-{number:06d}"


def normalize_code(text: str | None) -> str | None:
    """The stored form of the one code in ``text`` (whole text, trimmed), or None."""
    if not isinstance(text, str):
        return None
    text = unicodedata.normalize("NFC", text).strip().rstrip(".,;:!?")
    match = CODE_RE.fullmatch(text)
    return format_code(int(match.group(1)), int(match.group(2))) if match else None


def find_codes(text: str | None) -> List[str]:
    """Every petition code in a message, in the stored form."""
    if not isinstance(text, str):
        return []
    text = unicodedata.normalize("NFC", text)
    return [format_code(int(m.group(1)), int(m.group(2))) for m in CODE_RE.finditer(text)]
