"""Parser for the national public-service portal export (dichvucong.gov.vn, JSON lines).

The export is one JSON object per procedure with Vietnamese field names. Its tables were
flattened *without separators* when the pages were crawled, so a field such as
``cach_thuc_thuc_hien`` reads "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp3 Ngày làm
việcMiễn phí…". This module recovers the cells from those strings, using the few anchors that are
reliable (channel names, "N bản chính" counts, document numbers like ``68/2013/TT-BCA``), and turns
each object into the plain :mod:`assistant.catalog.records` dataclasses.

Design rules:

* never crash on one bad record: a field of the wrong type is treated as empty; only a record
  without a usable code or name is rejected (with :class:`RecordError`), because nothing could
  refer to it;
* never invent data: when a cell is ambiguous the parsed value is ``None`` and the original text
  is kept for display;
* fast: every regex is compiled once at import; parsing the whole 2,642-record snapshot takes
  well under a second per thousand records.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from pathlib import Path
from typing import Iterator, List, Tuple, Union

from assistant.catalog.records import Channel, Document, LegalBasis, ProcedureRecord
from assistant.catalog.textparse import (
    FREE,
    first_vnd_amount,
    parse_fee_amount,
    parse_processing_time,
    refers_to_fee_rule,
    search_processing_time,
)

__all__ = ["RecordError", "iter_records", "parse_record"]

NO_INFO = "Không có thông tin"
SOURCE = "national"

#: Hard cap on the number of steps kept per procedure; longer texts are merged into the last one
#: so no text is lost but a chat answer stays readable.
MAX_STEPS = 30


class RecordError(ValueError):
    """A snapshot line that cannot become a :class:`ProcedureRecord`.

    Yielded (not raised) by :func:`iter_records` so an importer can report it and carry on.
    ``line`` is the 1-based line number (0 when unknown), ``code`` the procedure code if one
    could be read.
    """

    def __init__(self, reason: str, line: int = 0, code: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.code = code

    def __str__(self) -> str:
        # The importer prefixes the position itself.
        return f"{self.reason} [{self.code}]" if self.code else self.reason


# --------------------------------------------------------------------------------------------
# Generic text helpers
# --------------------------------------------------------------------------------------------

# Explicit Vietnamese letters: a range such as "à-ỹ" would also contain upper-case letters.
_VN_LOWER = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệfghiìíỉĩịjklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvwxyỳýỷỹỵz"
)
_VN_UPPER = _VN_LOWER.upper()


def _clean(text: str) -> str:
    """NFC, every run of whitespace (incl. non-breaking spaces) to one space, no blank lines.

    Line breaks are kept because step texts use them as separators.
    """
    text = unicodedata.normalize("NFC", text).replace("\u200b", "")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _flat(text: str) -> str:
    """:func:`_clean` and then everything on one line."""
    return " ".join(_clean(text).split())


def _field(obj: dict, key: str) -> str:
    """The field as cleaned text; anything that is not a string counts as empty."""
    value = obj.get(key)
    if not isinstance(value, str):
        return ""
    value = _clean(value)
    return "" if value == NO_INFO else value


def _fold(text: str) -> str:
    """Accent- and case-insensitive key, for deduplication ("Uỷ ban" == "Ủy ban")."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# --------------------------------------------------------------------------------------------
# Agencies
# --------------------------------------------------------------------------------------------

# Split on ";" / newlines always, on "," only when the next agency starts with a capital letter:
# "Cục cảnh sát quản lý hành chính về trật tự, xã hội" is one agency, "Thuế tỉnh, thành phố,
# Thuế cơ sở" is two.
_AGENCY_SPLIT_RE = re.compile(rf"\s*[;\n]\s*|\s*,\s*(?=[{_VN_UPPER}])")
_AGENCY_STRIP = " \t-–+*•.,;:"


def _agencies(*texts: str) -> List[str]:
    result: List[str] = []
    seen = set()
    for text in texts:
        for part in _AGENCY_SPLIT_RE.split(_flat(text).replace(" ; ", ";")):
            name = part.strip(_AGENCY_STRIP)
            if not name or name == NO_INFO:
                continue
            key = _fold(name)
            if key not in seen:
                seen.add(key)
                result.append(name)
    return result


# --------------------------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------------------------

_STEP_WORD_RE = re.compile(r"Bước[ \t]*\d+")
_STEP_BULLET_RE = re.compile(r"(?:^|\s)([-+*•]+)[ \t]*$")
_BULLET_RE = re.compile(r"^(?:[-+*•\uf0b7\uf0a7\uf0d8\uf0fc]+\s*)+")
_SUB_BULLET_RE = re.compile(r"^(?:\+|\*|[-–]\s*[-–])")


def _step_marks(text: str) -> List[int]:
    """Offsets where a "Bước N" step starts.

    "Bước 1:", "- Bước 2.", "+ Bước 3 -" count at the start of a line, after a sentence end or
    after a bullet; a capitalised "Bước 2" in the middle of a sentence does not.
    """
    marks = []
    for match in _STEP_WORD_RE.finditer(text):
        before = text[: match.start()].rstrip(" \t")
        bullet = _STEP_BULLET_RE.search(before)
        if bullet:
            marks.append(bullet.start(1))
        elif not before or before[-1] in "\n.;:":
            marks.append(match.start())
    return marks


def _steps(text: str) -> List[str]:
    """Split the procedure text into steps, keeping every character of the original text.

    With "Bước N" markers each step runs to the next marker (sub-points stay inside it);
    otherwise each line is a step and "+ …" sub-points or lower-case continuations are joined
    to the previous one. More than ``MAX_STEPS`` are folded into the last step.
    """
    if not text:
        return []
    marks = _step_marks(text)
    steps: List[str]
    if marks:
        preamble = text[: marks[0]].strip()
        bounds = marks + [len(text)]
        steps = [text[a:b].strip() for a, b in zip(bounds, bounds[1:])]
        steps = [_BULLET_RE.sub("", s).strip() for s in steps]
        if preamble and not preamble.endswith(":"):
            steps.insert(0, preamble)
    else:
        steps = []
        for line in text.split("\n"):
            line = line.strip()
            if not line:
                continue
            # Sub-points ("+ …") and lower-case continuations belong to the previous step.
            if steps and (_SUB_BULLET_RE.match(line) or line[0].islower()):
                steps[-1] = f"{steps[-1]}\n{line}"
            else:
                steps.append(_BULLET_RE.sub("", line).strip())
    steps = [s for s in steps if s]
    if len(steps) > MAX_STEPS:
        steps = steps[: MAX_STEPS - 1] + ["\n".join(steps[MAX_STEPS - 1 :])]
    return steps


# --------------------------------------------------------------------------------------------
# Channels ("Cách thức thực hiện")
# --------------------------------------------------------------------------------------------

_CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
# A channel name starts a row only when a time cell follows: digits, "Không có thông tin",
# "Không quy định", "Không phải trả kết quả…". Descriptions that mention "Trực tuyến: nộp…" are
# not rows.
_ROW_RE = re.compile(r"(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)(?=\d|Không)")
_TIME_UNITS = r"Ngày làm việc|Ngày|Giờ|Tháng|Năm|Phút|Tuần"
_FEE_HEAD = r"Miễn phí|Không có thông tin"
_MONEY_HEAD = r"(?P<amount>\d[\d,.]*) ?(?P<cur>Việt Nam Đồng|VNĐ|USD|EUR)"
_TIMED_ROW_RE = re.compile(
    rf"(?P<time>(?P<num>\d+(?:[.,]\d+)?) ?(?:{_TIME_UNITS})|{NO_INFO})"
    rf"(?:(?P<fee>{_FEE_HEAD})|{_MONEY_HEAD})?"
)
_BARE_ROW_RE = re.compile(rf"(?P<time>\d+(?:[.,]\d+)?)(?P<fee>{_FEE_HEAD})")
_GLUED_ROW_RE = re.compile(_MONEY_HEAD)  # digits of the time and of the fee run together
_FREE_TEXT_ROW_RE = re.compile(
    rf"(?P<time>Không[^\d]{{0,80}}?)(?:(?P<fee>{_FEE_HEAD})|{_MONEY_HEAD})"
)
_NOTE_FREE_RE = re.compile(
    r"^\W*(?:không|không có|không quy định|chưa quy định|miễn phí|miễn|không thu)\W*$", re.I
)


def _paren_note(text: str, start: int) -> Tuple[str, int]:
    """If ``text[start]`` opens a parenthesis, return its content and the index after it."""
    if start >= len(text) or text[start] != "(":
        return "", start
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i].strip(), i + 1
    return "", start  # unbalanced: leave it to the description


def _split_glued(digits: str, note: str) -> Tuple[str, str]:
    """Split "120" + note "20.000 vnđ" into time "1" and fee "20" using the note as evidence.

    The portal writes some fees in thousands ("20 VNĐ" for 20.000 đồng) and, when the time cell
    has no unit, the time and the fee digits touch. Only split when the note states an amount
    whose digits (or thousands) end the glued string; otherwise report nothing.
    """
    plain = re.sub(r"[.,]", "", digits)
    amount = first_vnd_amount(note, minimum=1000)
    if amount is None:
        return "", ""
    for fee_digits in (str(amount), str(amount // 1000) if amount % 1000 == 0 else ""):
        if fee_digits and len(plain) > len(fee_digits) and plain.endswith(fee_digits):
            return plain[: -len(fee_digits)], fee_digits
    return "", ""


def _fee_amount(head: str, currency: str, note: str) -> int | None:
    """Fee in VND for one channel row, from the headline cell and its "(…)" note.

    * headline "Miễn phí": 0, unless the note states an amount or defers to a rule (then the
      portal's "free" is contradicted and the amount is unknown: ``None``);
    * headline amount in VND: that amount; when it is below 1,000 the portal stored thousands
      ("40 Việt Nam Đồng(40.000đ/giấy…)") and the note's amount is used if it states one;
    * foreign currency (USD) or "Không có thông tin": ``None``.
    """
    if head == "Miễn phí":
        if not note or _NOTE_FREE_RE.match(note):
            return FREE
        if first_vnd_amount(note, minimum=1000) is not None or refers_to_fee_rule(note):
            return None
        return FREE
    if not currency or currency in ("USD", "EUR"):
        if not head:
            return first_vnd_amount(note, minimum=1000)
        return None
    value = parse_fee_amount(f"{head} {currency}")
    if value is not None and value < 1000:
        return first_vnd_amount(note, minimum=1000)
    return value


def _channels(text: str) -> List[Channel]:
    if not text:
        return []
    text = _clean(text)
    if text.startswith(_CHANNEL_HEADER):
        text = text[len(_CHANNEL_HEADER) :]
    anchors = list(_ROW_RE.finditer(text))
    channels: List[Channel] = []
    for i, anchor in enumerate(anchors):
        end = anchors[i + 1].start() if i + 1 < len(anchors) else len(text)
        channels.append(_channel_row(anchor.group(1), text[anchor.end() : end]))
    return channels


def _channel_row(name: str, row: str) -> Channel:
    time_text = head = currency = ""
    pos = 0
    glued = False
    match = _TIMED_ROW_RE.match(row) or _BARE_ROW_RE.match(row)
    if match is None:
        match = _GLUED_ROW_RE.match(row)
        glued = match is not None
    if match is None:
        match = _FREE_TEXT_ROW_RE.match(row)
    if match is not None:
        groups = match.groupdict()
        time_text = (groups.get("time") or "").strip()
        if groups.get("fee"):
            head = groups["fee"]
        elif groups.get("amount"):
            head, currency = groups["amount"], groups["cur"]
        pos = match.end()
    if head == NO_INFO:
        head = ""
    # The "(…)" right after a stated fee is the portal's fee note; after "Không có thông tin"
    # a parenthesis starts the description ("(1) Trường hợp…").
    note, pos = _paren_note(row, pos) if head else ("", pos)
    description = _clean(row[pos:])

    fee_amount = _fee_amount(head, currency, note)
    if glued:
        time_digits, fee_digits = _split_glued(head, note)
        if fee_digits:
            time_text, head = time_digits, fee_digits
            fee_amount = _fee_amount(head, currency, note)
        else:
            fee_amount = None  # "140,000 VNĐ": 1 + 40,000 or 140,000? Unknown.

    fee_head = f"{head} {currency}" if head and currency else head
    channel = Channel(
        channel=name,
        processing_time_text="" if time_text == NO_INFO else time_text,
        fee_text=" ".join(p for p in (fee_head, note and f"({note})") if p),
        fee_amount=fee_amount,
        description=description,
    )
    _fill_time(channel)
    return channel


def _fill_time(channel: Channel) -> None:
    """Parse the time cell; fall back on the row's description, never on a guess.

    * "N <unit>" in the cell: used as is;
    * bare number (unit lost by the portal): kept with ``unit=None``, unless the description
      states the same number with a unit, which then supplies the unit;
    * no time in the cell ("Không có thông tin", "Không quy định"): the first "N <unit>" of the
      description, which on the portal often holds the real deadline ("28 ngày làm việc kể từ…").
    """
    value, unit = parse_processing_time(channel.processing_time_text)
    if value is not None and unit is not None:
        channel.processing_time_value, channel.processing_time_unit = value, unit
        return
    if value is not None:  # bare number
        channel.processing_time_value = value
        d_value, d_unit = parse_processing_time(channel.description)
        if d_value == value:
            channel.processing_time_unit = d_unit
        return
    headline = _headline_time(channel.description) or _labelled_time(channel.fee_text)
    if headline is not None:
        channel.processing_time_value, channel.processing_time_unit = headline


#: A description "leads with" a time when it is its first time and comes this early.
_HEADLINE_CHARS = 300
# Words that mark one stage of the procedure, not its whole duration ("Thời hạn tiếp nhận và
# kiểm tra hồ sơ: 03 ngày", "thẩm định hồ sơ: 15 ngày", "Thời hạn xem xét…", "ít nhất 01 năm").
_STAGE_RE = re.compile(
    r"tiếp nhận|kiểm tra(?:,| và)? (?:hồ sơ|tính đầy đủ)|trả kết quả|thẩm định|lấy ý kiến"
    r"|xem xét|gửi văn bản|ít nhất|tối thiểu|(?:thời hạn|thời gian) (?!giải quyết)[^\W\d]"
)
_CLAUSE_END_RE = re.compile(r"[.;\n]")
_DEADLINE_LABEL_RE = re.compile(r"(?:thời hạn|thời gian) giải quyết\s*(?:là|:)?\s*")
#: How far after "Thời hạn giải quyết:" the time may start ("…: trong thời hạn 15 ngày").
_LABEL_GAP = 25


def _headline_time(description: str) -> Tuple[float, str] | None:
    """The deadline a description states up front, or right after "Thời hạn giải quyết:".

    The first time of the text counts when it comes early and its clause does not name a
    stage; a time deep inside a long text, or one introduced as a stage ("Thời hạn tiếp nhận và
    kiểm tra hồ sơ: 03 ngày…"), would understate the whole procedure and is ignored. When a
    description lists cases ("28 ngày (cấp mới), 02 ngày (cấp lại)") the first case is kept.
    """
    text = _flat(description).lower()
    span = search_processing_time(text)
    if span is not None and span.unit is not None and span.start <= _HEADLINE_CHARS:
        clause_start = max([m.end() for m in _CLAUSE_END_RE.finditer(text, 0, span.start)] or [0])
        if not _STAGE_RE.search(text, clause_start, span.start):
            return span.value, span.unit
    return _labelled_time(text)


def _labelled_time(text: str) -> Tuple[float, str] | None:
    """A time right after an explicit "Thời hạn giải quyết" / "Thời gian giải quyết" label."""
    text = _flat(text).lower()
    for label in _DEADLINE_LABEL_RE.finditer(text):
        after = search_processing_time(text[label.end() :])
        if after is not None and after.unit is not None and after.start <= _LABEL_GAP:
            return after.value, after.unit
    return None


# --------------------------------------------------------------------------------------------
# Documents ("Thành phần hồ sơ")
# --------------------------------------------------------------------------------------------

_DOC_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
# The "Số lượng" cell: "1 bản chính" or "0 bản chính,1 bản sao". Names may themselves contain
# "01 bản chính hoặc…"; see _is_count_cell for how those are told apart.
_COUNT_RE = re.compile(r"(\d+) bản chính(?:,(\d+) bản sao)?")
_LOWER_START_RE = re.compile(rf" \(?[{_VN_LOWER}]")
# Extensions in either case, but not followed by a lower-case letter: a next file name glued to
# this one starts with a capital or a digit ("Mẫu 01.docxMẫu 02.docx").
_FILE_EXT = (
    r"\.(?:[Dd][Oo][Cc][Xx]?|[Pp][Dd][Ff]|[Xx][Ll][Ss][Xx]?|[Rr][Tt][Ff]|[Oo][Dd][Tt]"
    r"|[Zz][Ii][Pp]|[Rr][Aa][Rr])(?![a-z])"
)
_FILE_RE = re.compile(_FILE_EXT)
_FILE_SPLIT_RE = re.compile(r".+?" + _FILE_EXT)
_FILE_KEYWORDS = ("Phụ lục", "PHỤ LỤC", "Phu luc", *"Mẫu mẫu MẪU Mau mau MAU PL BM".split())
#: How far back from the first ".docx" a glued file name may start.
_FILE_WINDOW = 90
_FORM_REF_RE = re.compile(
    r"(?<![^\W\d_])(?:[Mm]ẫu|MẪU)(?:\s+(?:số|đơn|tờ khai))?\s+"
    r"(?P<ref>[A-Z0-9Đ][\w.\-/]*(?:\s*\([^()]{1,15}\))?)"
)
_GROUP_STRIP = " \t-–+*•:."
_NAME_STRIP = " \t-–+*•;,"


def _is_count_cell(text: str, match: re.Match[str]) -> bool:
    """Tell the table's count cell apart from "01 bản chính …" written inside a name."""
    digits = match.group(1)
    before = text[match.start() - 1] if match.start() else ""
    after = text[match.end() : match.end() + 1]
    if after in (";", ".", ")", ":"):
        return False  # "(01 bản chính)", "…: 01 bản chính;"
    if after == " " and _LOWER_START_RE.match(text, match.end()):
        return False  # "02 bản chính tờ khai…", "01 bản chính (nếu có)…"
    if len(digits) == 2 and digits.startswith("0") and (after == " " or before in (" ", "(")):
        return False  # "nộp 01 bản chính Kế hoạch…"
    return True  # "…theo Mẫu số 18" + "1 bản chính": the count is the last digit


def _count(digits: str | None) -> int:
    """The cell value is one digit glued after the name; longer runs carry the name's digits."""
    return int(digits[-1]) if digits else 0


def _is_file_start(head: str, i: int) -> bool:
    """Could a file name glued to the document name start at ``head[i]``?

    Yes after ". ; : ) ]" with no space ("…Bộ Công an.Mau02-BK.doc"), at a lower-case (or digit)
    to upper-case change ("…khai thác khoáng sảnMau 07.docx"), or where "Mẫu"/"Phụ lục" is glued
    to the previous word ("…kinh doanhmẫu số 1.docx").
    """
    prev, cur = head[i - 1], head[i]
    if prev in ".;:)]" and not cur.isspace() and cur not in ".,;:()/":
        return not (prev == "." and cur.isdigit() and i >= 2 and head[i - 2].isdigit())
    if (prev.islower() or prev.isdigit() or prev == ")") and cur.isupper():
        return True
    if i >= 2 and prev.isupper() and head[i - 2].isupper() and head[i - 2 : i + 1] != "TTg":
        # "…NĐ-CPMus03.docx" (code then a capitalised word), "…TT-BNNMTthuyết minh.pdf"
        nxt = head[i + 1 : i + 2]
        if (cur.isupper() and nxt.islower() and head[i - 1 : i + 2] != "TTg") or cur.islower():
            return True
    return not prev.isspace() and prev != "(" and head.startswith(_FILE_KEYWORDS, i)


def _split_form(name: str) -> Tuple[str, str]:
    """Separate the template file names ("Mẫu số 01.docx") glued to the end of a document name.

    Returns ``(name, files)``; ``files`` is "" when no file is attached or its start cannot be
    found, in which case the name is left untouched rather than cut at a guess.
    """
    first = _FILE_RE.search(name)
    if first is None:
        return name, ""
    head = name[: first.start()]
    # The left-most plausible start inside the window: file names contain "." and capitals
    # themselves ("Mau 35 - Phu luc II_36.2025.TT-BNNMT_02.7.2025.docx").
    for cut in range(max(1, len(head) - _FILE_WINDOW), len(head)):
        if _is_file_start(head, cut):
            files = [f.strip() for f in _FILE_SPLIT_RE.findall(name[cut:])]
            return name[:cut], "; ".join(f for f in files if f)
    return name, ""


def _form_reference(name: str) -> str:
    match = _FORM_REF_RE.search(name)
    if match is None:
        return ""
    return re.sub(r"\s+", " ", match.group(0)).strip(" .;,")


def _documents(text: str) -> List[Document]:
    if not text or _DOC_HEADER not in text:
        return []
    text = _clean(text)
    documents: List[Document] = []
    parts = text.split(_DOC_HEADER)
    group = _group_title(parts[0])
    for index, part in enumerate(parts[1:], start=1):
        is_last = index == len(parts) - 1
        pos = 0
        for match in _COUNT_RE.finditer(part):
            if not _is_count_cell(part, match):
                continue
            # The cell is one digit; earlier digits of the run end the name ("Mẫu số 18" + "1").
            raw_name = part[pos : match.end(1) - 1]
            pos = match.end()
            originals, copies = _count(match.group(1)), _count(match.group(2))
            name = raw_name.strip(_NAME_STRIP)
            if not name:
                continue
            if originals == 0 and copies == 0 and _is_group_heading(name):
                group = _group_title(name)  # in-table sub-header "- Giấy tờ phải nộp:"
                continue
            documents.append(_document(name, originals, copies, group))
        tail = part[pos:].strip(_NAME_STRIP)
        if is_last:
            if tail:
                documents.append(_document(tail, 0, 0, group))
        else:
            group = _group_title(tail)
    return documents


_GROUP_HEADING_RE = re.compile(
    r"^(?:\*\s*)?(?:các\s+)?(?:giấy tờ phải (?:nộp|xuất trình)|lưu ý|thành phần hồ sơ)\b", re.I
)


def _is_group_heading(name: str) -> bool:
    """An in-table row with no count that names a group ("- Giấy tờ phải nộp:").

    Other count-less rows ending in ":" ("Chứng cứ chứng minh quan hệ cha, con gồm:") stay
    documents: they introduce sub-items but do not change the group the portal shows.
    """
    return len(name) < 80 and bool(_GROUP_HEADING_RE.match(name))


def _group_title(text: str) -> str:
    title = _flat(text).strip(_GROUP_STRIP)
    return "" if title in ("", "-", NO_INFO) else title


def _document(raw_name: str, originals: int, copies: int, group: str) -> Document:
    name, files = _split_form(_flat(raw_name))
    name = name.strip(_NAME_STRIP)
    if not name:  # the cell held only a file name
        name, files = files, files
    return Document(
        name=name,
        originals=originals,
        copies=copies,
        form_template=files or _form_reference(name),
        group=group,
    )


# --------------------------------------------------------------------------------------------
# Legal basis ("Căn cứ pháp lý")
# --------------------------------------------------------------------------------------------

_LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"
_UP = _VN_UPPER
_LO = _VN_LOWER
# 68/2013/TT-BCA, 02/2011/QH13, 105/2025/NĐ- CP, 66.16/2026/NQ-CP, 2628/QĐ-BTC, 15/VBHN-BXD.
_SEG = rf"(?:TTg|[{_UP}]*QH\d{{2}}|[{_UP}]+)"
# The number may start right after other digits when those end a legislature code ("Luật
# 65/2006/QH11" + "65/2006/QH11") or a year ("năm 2024" + "05/2024/UBTVQH15", "ngày
# 15/5/2026." + "55/2026/TT-BTC").
_LEGAL_NUM_RE = re.compile(
    rf"(?:(?<![\d/])(?<!\d\.)|(?<=QH\d\d)|(?<=[^\d.](?:19|20)\d\d)|(?<=[^\d.](?:19|20)\d\d\.))"
    rf"(?P<num>\d{{1,4}}(?:\.\d{{1,3}})?[a-z]?/(?:\d{{4}}/)?{_SEG}(?:\s?[-–/_&]\s?{_SEG})*)"
)
# Words after which a number belongs to the title ("Nghị định số 118/2025/NĐ-CP Quy định…").
_LEGAL_CITE_RE = re.compile(r"(?:số|định|tư|luật|lệnh|quyết|tịch|tại|theo|và|hoặc)\s*$", re.I)
_SYLLABLE_RE = re.compile(
    r"^(?:ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdđghklmnpqrstvx])?"
    r"[aăâeêioôơuưyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]+"
    r"(?:ng|nh|ch|[cmnpt])?$"
)
_ASCII_CODE_RE = re.compile(r"^[A-ZĐ0-9\-– ]+$")
_LO_SET = frozenset(_VN_LOWER)


def _is_syllable(word: str) -> bool:
    return bool(_SYLLABLE_RE.match(word.lower()))


def _trim_legal_number(text: str, start: int, end: int) -> int:
    """End of the number once letters of the next, glued title are given back.

    "NĐ-CPNghị định" -> "NĐ-CP" (a capital followed by a lower-case Vietnamese syllable starts
    a word), "NĐ-CPLUẬT" / "QH14QUY ĐỊNH" -> the longest upper-case syllable at the end starts
    the title. Issuer codes (BTC, NHNN, BNNMT, HĐND…) have no vowels in those positions.
    """
    end = _trim_code_letters(text, start, end)
    while end > start and text[end - 1] in "-–/_& ":
        end -= 1
    return end


def _trim_code_letters(text: str, start: int, end: int) -> int:
    number = text[start:end]
    nxt = text[end : end + 1]
    if nxt and nxt in _LO_SET and number[-1:].isupper():
        run = re.match(rf"[{_LO}]+", text[end:])
        if run and _is_syllable(number[-1] + run.group(0)) and len(number) > 1:
            return end - 1
        return end
    tail = re.search(rf"[{_UP}]+$", number)
    if tail is None:
        return end
    seg = tail.group(0)
    non_ascii = not _ASCII_CODE_RE.match(seg)
    caps_title_follows = bool(re.match(rf"\s[{_UP}]", text[end : end + 2]))
    if non_ascii or caps_title_follows:
        shortest = 2 if non_ascii else 3
        for cut in range(1, len(seg) - shortest + 1):
            suffix = seg[cut:]
            if _is_syllable(suffix) and suffix[0].lower() not in "aăâeêioôơuưy":
                return end - len(suffix)
    return end


def _is_legal_cell(text: str, start: int, end: int) -> bool:
    """Is this number the "Mã văn bản" cell (true) or a citation inside a title (false)?

    The cell ends the pair, so it is followed by the end, or by the next title glued to it
    ("…NĐ-CPNghị định…"), or by a space and a capitalised title when it is not itself cited by
    a preceding "số"/"Nghị định"/"tại"… ("…ngân hàng. 24/2026/NQ-CP Nghị định…").
    """
    after = text[end : end + 1]
    if not after:
        return True
    if not after.isspace():
        return after not in ",.;:)"
    nxt = text[end + 1 : end + 2]
    if not nxt.isupper():
        return False
    glued_before = start > 0 and not text[start - 1].isspace()
    return glued_before or not _LEGAL_CITE_RE.search(text, max(0, start - 30), start)


def _legal_basis(text: str) -> List[LegalBasis]:
    if not text:
        return []
    text = _flat(text)
    if text.startswith(_LEGAL_HEADER):
        text = text[len(_LEGAL_HEADER) :]
    spans = [
        (m.start("num"), _trim_legal_number(text, m.start("num"), m.end()))
        for m in _LEGAL_NUM_RE.finditer(text)
    ]
    result: List[LegalBasis] = []
    pos = 0
    for i, (start, end) in enumerate(spans):
        glued_to_next = i + 1 < len(spans) and spans[i + 1][0] == end
        if glued_to_next or not _is_legal_cell(text, start, end):
            continue
        title = text[pos:start].strip(" \t-–;,:")
        if not title:
            continue
        number = re.sub(r"\s*([-–/_&])\s*", r"\1", text[start:end]).replace("–", "-")
        result.append(LegalBasis(title=title, number=number))
        pos = end
    tail = text[pos:].strip(" \t-–;,:")
    if tail and tail != NO_INFO:
        result.append(LegalBasis(title=tail, number=""))
    return result


# --------------------------------------------------------------------------------------------
# Result ("Kết quả xử lý")
# --------------------------------------------------------------------------------------------

_RESULT_CODE_LABEL = "Mã:"
_RESULT_JUNK_RE = re.compile(r"Từ khóa.*$|Chọn cơ quan thực hiện.*$", re.S)


def _split_result_code(chunk: str) -> Tuple[str, str]:
    """Split "<code><next result name>" glued together after "Mã:".

    Codes come in many shapes ("KQ.G19.000096", "000.00.00.G04-KQ3022", "BQP-CCS.KQ0001",
    "hgvg6", "Chưa xác định"). The code is one run of non-space characters that ends early
    where a digit meets a letter ("000096văn bản từ chối") or a capitalised word starts
    ("utwChứng chỉ…"). Text after a code without digits that continues in lower case is part
    of a sentence typed into the code field, not a result.
    """
    chunk = chunk.strip()
    end = len(chunk.split(maxsplit=1)[0]) if chunk else 0
    for i in range(1, end):
        prev, cur, nxt = chunk[i - 1], chunk[i], chunk[i + 1 : i + 2]
        if (prev.isdigit() and cur.isalpha()) or (
            cur.isupper() and nxt.islower() and not prev.isupper()
        ):
            end = i
            break
    code, rest = chunk[:end], chunk[end:].strip()
    if rest[:1].islower() and not any(ch.isdigit() for ch in code):
        rest = ""
    return code, rest


def _result(text: str) -> str:
    """Result names without their "Mã: …" codes and the page's trailing form widgets."""
    if not text:
        return ""
    chunks = _RESULT_JUNK_RE.sub("", text).split(_RESULT_CODE_LABEL)
    names = [chunks[0]] + [_split_result_code(chunk)[1] for chunk in chunks[1:]]
    names = [_flat(n).strip(" ;,") for n in names]
    return "; ".join(dict.fromkeys(n for n in names if n and n != NO_INFO))


# --------------------------------------------------------------------------------------------
# Repair of crawler misalignment from raw_text
# --------------------------------------------------------------------------------------------

_RAW_DOC_TITLE = "Thành phần hồ sơ"
_RAW_LEGAL_RE = re.compile(r"Căn cứ pháp lý(?=Tên văn bản pháp lý|Không có thông tin)")


def _documents_from_raw(raw: str) -> str:
    """The "Thành phần hồ sơ" section cut out of the page text.

    The crawler split pages on section titles, so when a step text mentions "(Thành phần hồ
    sơ)" the documents field holds the wrong slice (48 records of the 2026 snapshot, half of
    which still have the table in the page text). Take it from the title right before the
    first table header up to "Căn cứ pháp lý".
    """
    header = raw.find(_DOC_HEADER)
    if header < 0:
        return ""
    start = raw.rfind(_RAW_DOC_TITLE, 0, header)
    if start < 0:
        return ""
    end_match = _RAW_LEGAL_RE.search(raw, raw.rfind(_DOC_HEADER))
    end = end_match.start() if end_match else len(raw)
    return raw[start + len(_RAW_DOC_TITLE) : end]


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def parse_record(obj: object) -> ProcedureRecord:
    """Turn one snapshot object into a :class:`ProcedureRecord` (``source="national"``).

    Raises :class:`RecordError` only when ``obj`` is not a JSON object or lacks a non-empty
    string ``ma_thu_tuc`` (code) or ``ten_thu_tuc`` (name). Every other field is optional: a
    missing field, ``None``, a number or a list where text is expected is treated as empty, and
    "Không có thông tin" means empty.
    """
    if not isinstance(obj, dict):
        raise RecordError(f"expected a JSON object, got {type(obj).__name__}")
    code = _field(obj, "ma_thu_tuc")
    name = _flat(_field(obj, "ten_thu_tuc"))
    if not code:
        raise RecordError("missing or non-text 'ma_thu_tuc' (procedure code)")
    if not name:
        raise RecordError("missing or non-text 'ten_thu_tuc' (procedure name)", code=code)

    documents_text = _field(obj, "thanh_phan_ho_so")
    if _DOC_HEADER not in documents_text:
        documents_text = _documents_from_raw(_field(obj, "raw_text")) or documents_text

    return ProcedureRecord(
        code=code,
        name=name,
        field=_flat(_field(obj, "linh_vuc")),
        level=_flat(_field(obj, "cap_thuc_hien")),
        agencies=_agencies(_field(obj, "co_quan_thuc_hien"), _field(obj, "co_quan_co_tham_quyen")),
        reception_address=_field(obj, "dia_chi_tiep_nhan"),
        steps=_steps(_field(obj, "trinh_tu_thuc_hien")),
        channels=_channels(_field(obj, "cach_thuc_thuc_hien")),
        documents=_documents(documents_text),
        conditions=_field(obj, "yeu_cau_dieu_kien"),
        legal_basis=_legal_basis(_field(obj, "can_cu_phap_ly")),
        result=_result(_field(obj, "ket_qua_xu_ly")),
        source_url=_flat(_field(obj, "detail_url")),
        source=SOURCE,
    )


ParsedLine = Tuple[int, Union[ProcedureRecord, RecordError]]


def iter_records(path: Union[str, Path]) -> Iterator[ParsedLine]:
    """Parse a snapshot file lazily: one ``(line_number, record_or_error)`` per non-blank line.

    Contract (the same shape as :func:`assistant.catalog.seed.iter_seed`, so the importer treats
    both formats alike):

    * ``path`` is a ``.jsonl`` file, or gzip-compressed when its name ends with ``.gz``;
    * line numbers are 1-based and count blank lines, which are skipped and yield nothing;
    * a good line yields ``(n, ProcedureRecord)``;
    * a bad line yields ``(n, RecordError)`` instead of raising: invalid UTF-8 or JSON, a JSON
      value that is not an object, or an object without a usable code/name. ``error.line`` is
      ``n`` and ``error.code`` the code when one could be read; other odd fields never fail a
      record, they are read as empty;
    * a truncated or corrupt gzip stream yields one final ``RecordError`` and stops;
    * only failing to open the file raises (``OSError``): then there is nothing to report line
      by line. Lines are read one at a time, so memory does not grow with the file.
    """
    path = Path(path)
    stream = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")
    line_no = 0
    with stream:
        try:
            for line_no, raw_line in enumerate(stream, start=1):
                if raw_line.strip():
                    yield _parse_line(line_no, raw_line)
        except (EOFError, OSError) as exc:  # gzip.BadGzipFile is an OSError
            yield line_no + 1, RecordError(f"unreadable input: {exc}", line=line_no + 1)


def _parse_line(line_no: int, raw_line: bytes) -> ParsedLine:
    try:
        obj = json.loads(raw_line.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return line_no, RecordError(f"invalid UTF-8: {exc.reason}", line=line_no)
    except json.JSONDecodeError as exc:
        return line_no, RecordError(f"invalid JSON: {exc.msg} (column {exc.colno})", line=line_no)
    try:
        return line_no, parse_record(obj)
    except RecordError as exc:
        exc.line = line_no
        return line_no, exc
    except Exception as exc:  # noqa: BLE001 - one bad record must not stop an import
        code = obj.get("ma_thu_tuc") if isinstance(obj, dict) else None
        reason = f"unexpected {type(exc).__name__}: {exc}"
        return line_no, RecordError(
            reason, line=line_no, code=code if isinstance(code, str) else ""
        )
