"""Small, pure parsers for the free-text cells of the national procedure catalogue.

The portal stores processing times and fees as prose ("05 ngày làm việc", "Lệ phí: 200.000
VNĐ/lần", "theo quy định của HĐND tỉnh"). The assistant needs numbers to answer "how long" and
"how much" questions and to sort or filter, but it must never invent a number the text does not
state. So every function here returns ``None`` when the text is ambiguous, and callers keep the
original text next to the parsed value for display.

No I/O and no state: the regexes are compiled once at import time, everything else is a function.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple, Tuple

__all__ = [
    "FREE",
    "normalize_space",
    "parse_fee_amount",
    "parse_processing_time",
    "search_processing_time",
    "TimeSpan",
    "first_vnd_amount",
    "refers_to_fee_rule",
]

#: Value of ``fee_amount`` for a procedure that costs nothing.
FREE = 0

_UNIT_WORKDAY = "ngày làm việc"
_UNIT_DAY = "ngày"
_UNIT_HOUR = "giờ"
_UNIT_MONTH = "tháng"
_UNIT_YEAR = "năm"
_UNIT_MINUTE = "phút"

_SPACE_RE = re.compile(r"\s+")


def normalize_space(text: str) -> str:
    """NFC-normalise and collapse whitespace (incl. ``\\xa0``, tabs, newlines) to one space.

    The portal mixes precomposed and decomposed Vietnamese letters and non-breaking spaces; the
    regexes below are written for NFC text with plain spaces.
    """
    return _SPACE_RE.sub(" ", unicodedata.normalize("NFC", text)).strip()


# --------------------------------------------------------------------------------------------
# Processing time
# --------------------------------------------------------------------------------------------

# A number as written in durations: "3", "05", "1,5", "1.5". Not part of a date or a document
# number, hence the look-arounds on "/" and digits.
_NUM = r"(?<![\d/.,])\d{1,4}(?:[.,]\d{1,2})?(?![\d/])"

# Unit words, longest first. "ngày làm việc" must win over "ngày"; "giờ làm việc" is just hours.
_UNIT = (
    r"(?P<unit>ngày\s+làm\s+việc|ngày\s+công|ngày|giờ(?:\s+làm\s+việc)?|tiếng|tháng|năm|phút"
    r"|tuần(?:\s+làm\s+việc)?)"
)

# "từ 5 đến 7 ngày", "5 - 7 ngày", "05 đến 07 ngày làm việc": keep the upper bound.
_RANGE_RE = re.compile(
    rf"(?P<low>{_NUM})\s*(?:-|–|đến|tới)\s*(?P<num>{_NUM})\s*(?:\(\s*[^()\d]{{1,20}}\s*\)\s*)?"
    + _UNIT
    + r"(?![^\W\d_])",
)

# "15 ngày", "05 (năm) ngày làm việc", "24 Giờ".
_SINGLE_RE = re.compile(
    rf"(?P<num>{_NUM})\s*(?:\(\s*[^()\d]{{1,20}}\s*\)\s*)?" + _UNIT + r"(?![^\W\d_])",
)

# "một (01) ngày": the digits in parentheses come before the unit, handled by _PAREN_RE.
_PAREN_RE = re.compile(rf"\(\s*(?P<num>{_NUM})\s*\)\s*" + _UNIT + r"(?![^\W\d_])")

# "ngày 19 tháng 10 năm 2020" is a date, not "19 months". A unit followed by another number
# (``tháng 10``, ``năm 2020``) marks a date.
_DATE_TAIL_RE = re.compile(r"\s*\d")

# Same-day service: "Trong ngày", "Ngay trong ngày làm việc", "trả kết quả trong ngày".
_SAME_DAY_RE = re.compile(r"(?<![^\W\d_])trong\s+(?:cùng\s+)?ngày(?:\s+làm\s+việc)?(?![^\W\d_])")

# The whole cell is one bare number: the portal lost the unit.
_BARE_NUMBER_RE = re.compile(r"^\d{1,4}(?:[.,]\d{1,2})?$")


def _to_float(raw: str) -> float:
    return float(raw.replace(",", "."))


def _unit_name(raw: str) -> Tuple[str, float]:
    """Map a unit word to the canonical unit and a multiplier (weeks become 7 days)."""
    word = _SPACE_RE.sub(" ", raw)
    if word in ("ngày làm việc", "ngày công"):
        return _UNIT_WORKDAY, 1.0
    if word == "ngày":
        return _UNIT_DAY, 1.0
    if word.startswith("giờ") or word == "tiếng":
        return _UNIT_HOUR, 1.0
    if word == "tháng":
        return _UNIT_MONTH, 1.0
    if word == "năm":
        return _UNIT_YEAR, 1.0
    if word == "phút":
        return _UNIT_MINUTE, 1.0
    if word == "tuần làm việc":
        return _UNIT_WORKDAY, 5.0
    return _UNIT_DAY, 7.0  # "tuần"


def _is_date(text: str, match: re.Match[str]) -> bool:
    """ "ngày 19 tháng 10 năm 2020", "ngày 20 tháng đầu tiên hàng quý": dates, not durations."""
    unit = match.group("unit")
    if unit not in ("tháng", "năm"):
        return False
    if _DATE_TAIL_RE.match(text, match.end()):
        return True
    return text[: match.start()].rstrip().endswith(("ngày", "tháng"))


class TimeSpan(NamedTuple):
    """A processing time found in a text; ``start``/``end`` index the whitespace-normalised,
    lower-cased text (see :func:`normalize_space`)."""

    value: float
    unit: str | None
    start: int
    end: int


def parse_processing_time(text: object) -> Tuple[float | None, str | None]:
    """Return ``(value, unit)`` for a processing-time text, or ``(None, None)``.

    Rules (chosen so that the answer never overstates precision):

    * the first "<number> <unit>" in the text wins (``"05 ngày làm việc"`` -> ``(5.0, "ngày làm
      việc")``); a range ``"từ 5 đến 7 ngày"`` gives its upper bound, because a citizen plans for
      the worst case; ``"Không quá 15 ngày"`` gives 15;
    * units are normalised to one of ``"ngày làm việc"``, ``"ngày"``, ``"giờ"``, ``"tháng"``,
      ``"năm"``, ``"phút"``; weeks are converted (``tuần`` = 7 ngày, ``tuần làm việc`` = 5 ngày
      làm việc) so the unit set stays closed;
    * same-day service without a number (``"Trong ngày"``, ``"Ngay trong ngày làm việc"``) gives
      ``(1.0, "ngày làm việc")``: "done within the working day" is at most one working day, and
      zero would read as "instant" to the answer formatter;
    * a cell that is only a number (the portal sometimes drops the unit: ``"1"``) gives
      ``(1.0, None)``: the value is what the portal says, the unit is unknown;
    * dates (``"ngày 19 tháng 10 năm 2020"``) and document numbers are not durations.
    """
    span = search_processing_time(text)
    return (span.value, span.unit) if span else (None, None)


def search_processing_time(text: object) -> TimeSpan | None:
    """Like :func:`parse_processing_time`, but also says where the time was found.

    Callers reading long descriptions use the position to tell a headline deadline ("28 ngày
    làm việc kể từ…") from one stage buried in a paragraph.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    norm = normalize_space(text).lower()

    if _BARE_NUMBER_RE.match(norm):
        return TimeSpan(_to_float(norm), None, 0, len(norm))

    candidates = []
    for regex in (_RANGE_RE, _SINGLE_RE, _PAREN_RE):
        for match in regex.finditer(norm):
            if _is_date(norm, match):
                continue
            candidates.append(match)
            break
    same_day = _SAME_DAY_RE.search(norm)
    if candidates:
        # The earliest expression in the text is the headline; at equal start the range wins
        # because it was added first.
        best = min(candidates, key=lambda m: m.start())
        if not same_day or best.start() < same_day.start():
            unit, factor = _unit_name(best.group("unit"))
            return TimeSpan(_to_float(best.group("num")) * factor, unit, best.start(), best.end())
    # "Trong ngày …; nếu tiếp nhận sau 15 giờ …": the same-day headline wins over the cut-off.
    if same_day:
        return TimeSpan(1.0, _UNIT_WORKDAY, same_day.start(), same_day.end())
    return None


# --------------------------------------------------------------------------------------------
# Fees
# --------------------------------------------------------------------------------------------

# A money amount: "100.000", "100,000", "1.200.000", "50", "1,5" (with a multiplier).
_AMOUNT = r"(?<![\d/.,])(?P<num>\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d{1,2})?)(?![\d/])"
_MULT = r"(?P<mult>nghìn|ngàn|triệu|tỷ|tỉ)"
_CURRENCY = r"(?P<cur>việt\s+nam\s+đồng|vnđ|vnd|đồng|đ(?![^\W\d_])|usd|\$|euro?(?![^\W\d_]))"

# "50 nghìn đồng", "1,5 triệu đồng", "100.000 đồng", "100,000đ", "200.000 VNĐ/lần", "10 USD".
_MONEY_RE = re.compile(_AMOUNT + r"\s*(?:" + _MULT + r"(?![^\W\d_])\s*)?" + _CURRENCY + "?")

_MULTIPLIERS = {"nghìn": 1_000, "ngàn": 1_000, "triệu": 1_000_000, "tỷ": 10**9, "tỉ": 10**9}
_FOREIGN = ("usd", "$", "eur", "euro")

# Texts that say "free". Checked only when no explicit VND amount is present.
_FREE_RE = re.compile(
    r"^(?:[-+*•(\s]*)(?:miễn\s+(?:phí|lệ\s+phí|thu)|không\s+(?:thu|mất|phải\s+nộp)"
    r"|không\s+có\s*(?:phí|lệ\s+phí)?\s*[.;)]*$|không\s*[.;)]*$|0\s*(?:đồng|vnđ|đ)\b"
    r"|chưa\s+quy\s+định|không\s+quy\s+định)",
)
_FREE_ANYWHERE_RE = re.compile(
    r"(?<![^\W\d_])(?:miễn\s+(?:phí|lệ\s+phí)|không\s+thu\s+(?:phí|lệ\s+phí))"
)
_NO_INFO_RE = re.compile(r"^[\s(]*không\s+có\s+thông\s+tin")

# Texts that point at a rule instead of stating an amount.
_RULE_RE = re.compile(
    r"theo\s+quy\s+định|do\s+(?:hội\s+đồng\s+nhân\s+dân|hđnd|ủy\s+ban|uỷ\s+ban|ubnd)"
    r"|thông\s+tư|nghị\s+định|nghị\s+quyết|quyết\s+định\s+số|mức\s+thu|biểu\s+phí|%"
)


def _amount_value(num: str, mult: str | None) -> int | None:
    """Turn ``"100.000"``/``"100,000"``/``"1,5"`` (+ multiplier) into an int of VND."""
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", num):
        # Grouped thousands. With a multiplier a single group like "1,500 triệu" is still
        # grouping, which is what Vietnamese texts mean by it.
        value = float(num.replace(".", "").replace(",", ""))
    else:
        value = float(num.replace(",", "."))
    if mult:
        value *= _MULTIPLIERS[mult]
    if value != int(value) and not mult:
        return None  # "1,5 đồng" is not a real fee; do not guess what was meant
    return int(round(value))


def first_vnd_amount(text: object, minimum: int = 0) -> int | None:
    """Return the first amount in VND stated in ``text`` that is ``>= minimum``, or ``None``.

    Amounts in foreign currencies are skipped (the record field is VND only). Numbers without a
    currency word ("Thông tư số 281/2016/TT-BTC", "ngày 30/6/2025", "50%") are never amounts.
    """
    if not isinstance(text, str) or not text:
        return None
    norm = normalize_space(text).lower()
    for match in _MONEY_RE.finditer(norm):
        cur = match.group("cur") or ""
        if cur.startswith(_FOREIGN):
            continue
        if not cur and not match.group("mult"):
            continue  # a bare number is not money
        value = _amount_value(match.group("num"), match.group("mult"))
        if value is not None and value >= minimum:
            return value
    return None


def refers_to_fee_rule(text: object) -> bool:
    """True when the text defers the fee to a rule ("theo quy định của HĐND tỉnh", a Thông tư).

    Used by callers to avoid reporting "free" when the portal's headline says "Miễn phí" but the
    note explains that a province or a circular sets the amount.
    """
    if not isinstance(text, str) or not text:
        return False
    norm = normalize_space(text).lower()
    return bool(_RULE_RE.search(norm)) and ("phí" in norm or "thu" in norm)


def parse_fee_amount(text: object) -> int | None:
    """Return the fee in VND stated by ``text``: 0 for free, ``None`` when not stated.

    * the first explicit VND amount wins: ``"Lệ phí: 200.000 VNĐ/lần"`` -> 200000,
      ``"100,000đ"`` -> 100000, ``"50 nghìn đồng"`` -> 50000, ``"1,5 triệu đồng"`` -> 1500000;
    * otherwise a text that opens with a "free" wording gives 0 (``"Miễn phí"``, ``"Miễn lệ
      phí"``, ``"Không"``, ``"Không thu phí"``, ``"0 đồng"``), and so does one that says "miễn
      phí" later without deferring the amount to a rule (``"Cổng ghi miễn phí"``);
    * ``"Không có thông tin"``, foreign-currency-only amounts (``"10 USD"``), and texts that only
      refer to a rule (``"theo quy định của HĐND tỉnh"``, ``"Thông tư số 281/2016/TT-BTC"``)
      give ``None``: the amount is unknown, not zero.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    norm = normalize_space(text).lower()
    if _NO_INFO_RE.match(norm):
        return None
    amount = first_vnd_amount(norm)
    if amount is not None:
        return amount
    if _FREE_RE.match(norm):
        return FREE  # the text opens with "free": a rule cited after it is the exemption's basis
    if refers_to_fee_rule(norm):
        return None  # "Theo mức do HĐND tỉnh quy định; miễn cho hộ nghèo": amount set elsewhere
    if _FREE_ANYWHERE_RE.search(norm):
        return FREE  # "Cổng ghi miễn phí"
    return None
