"""FAQ import and export as CSV or Excel, for staff who keep their questions in a spreadsheet.

An import never stops at the first bad row: each row is validated like an edit in the staff
app, bad rows are reported with their spreadsheet row number (the header is row 1) and
skipped, good rows are kept. Exports open in Excel with Vietnamese intact (UTF-8 with BOM)
and never carry a cell Excel would run as a formula (CSV cells get a leading quote, which an
import removes again; XLSX cells are stored as text with Excel's quote-prefix flag).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Dict, Iterator, List, Sequence, Tuple

from sqlalchemy.orm import Session

from assistant.db.models import FaqEntry
from assistant.faq.repository import (
    MAX_QUESTION,
    FaqError,
    FaqRepository,
    clean_line,
    question_key,
    snapshot,
)
from assistant.text.normalize import fold, nfc

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 50
MAX_SHEET_ROWS = 10 * MAX_ROWS  # blank rows included
COLUMNS = ("key", "question", "answer", "paraphrases", "tags", "active")
# Header names accepted for each column, compared without case or diacritics.
HEADERS = {
    "key": ("key", "mã", "khóa"),
    "question": ("question", "câu hỏi"),
    "answer": ("answer", "câu trả lời", "trả lời"),
    "paraphrases": ("paraphrases", "cách hỏi khác", "các cách hỏi khác", "diễn đạt khác"),
    "tags": ("tags", "nhãn", "thẻ"),
    "active": ("active", "hoạt động", "đang dùng", "kích hoạt"),
}
_HEADER_OF = {fold(name): column for column, names in HEADERS.items() for name in names}
TRUE = {"1", "true", "yes", "y", "x", "có", "co", "bật", "đang dùng"}
FALSE = {"0", "false", "no", "n", "không", "khong", "tắt", "ngừng"}
# Cells Excel or LibreOffice would evaluate (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: List[Tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"Đã nhập FAQ: {self.created} câu hỏi mới, {self.updated} câu hỏi cập nhật, "
            f"{self.unchanged} câu hỏi không thay đổi"
        )
        if self.errors:
            text += f", {len(self.errors)} dòng lỗi bị bỏ qua"
        return text + "."


# --- reading -------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    text = str(value)
    # Undo the export's guard: "'=…" was written for "=…".
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        text = text[1:]
    return text


def _decode_csv(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FaqError(
            "Tệp CSV không phải mã UTF-8 (có thể là Windows-1258 hoặc ANSI). Anh/Chị hãy mở "
            "tệp trong Excel và chọn Lưu thành > CSV UTF-8 (Comma delimited), rồi nhập lại."
        ) from error
    if text.count("\x00") * 10 > len(text):
        raise FaqError(
            "Tệp CSV không phải mã UTF-8 (có thể là UTF-16 hoặc Unicode Text). Anh/Chị hãy "
            "lưu lại dưới dạng CSV UTF-8 rồi nhập lại."
        )
    return text.replace("\x00", "")


def _csv_rows(data: bytes) -> Iterator[List[Any]]:
    text = _decode_csv(data)
    first = text.split("\n", 1)[0]
    # Excel with Vietnamese regional settings separates columns with ";".
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as error:
        raise FaqError(
            "Tệp CSV bị lỗi định dạng (một ô quá dài hoặc dấu ngoặc kép không được đóng)."
        ) from error


def _xlsx_rows(data: bytes) -> Iterator[List[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - zip, XML and openpyxl errors alike
        raise FaqError(
            "Không đọc được tệp Excel: tệp bị hỏng hoặc không phải định dạng .xlsx."
        ) from error
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return
        try:
            for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
                yield list(row)
        except Exception as error:  # noqa: BLE001 - a damaged sheet inside a valid zip
            raise FaqError("Không đọc được trang tính đầu tiên của tệp Excel.") from error
    finally:
        workbook.close()


def read_rows(data: bytes, filename: str) -> Tuple[Dict[str, int], List[Tuple[int, List[str]]]]:
    """(column → index, [(row number, cells)]) from a CSV or XLSX file."""
    if len(data) > MAX_BYTES:
        raise FaqError("Tệp lớn quá 5 MB. Anh/Chị hãy chia thành nhiều tệp nhỏ hơn.")
    name = (filename or "").lower()
    if name.endswith(".csv"):
        rows = _csv_rows(data)
    elif name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    else:
        raise FaqError("Chỉ nhận tệp .csv hoặc .xlsx.")
    header: List[str] | None = None
    body: List[Tuple[int, List[str]]] = []
    for number, raw in enumerate(rows, start=1):
        if number > MAX_SHEET_ROWS:  # blank rows by the million: a damaged or hostile file
            raise FaqError(f"Tệp có quá {MAX_ROWS} dòng. Anh/Chị hãy chia thành nhiều tệp.")
        cells = [_cell_text(c) for c in raw[:MAX_COLUMNS]]
        if header is None:
            header = cells
            continue
        if not any(c.strip() for c in cells):
            continue
        if len(body) >= MAX_ROWS:
            raise FaqError(f"Tệp có quá {MAX_ROWS} dòng. Anh/Chị hãy chia thành nhiều tệp.")
        body.append((number, cells))
    if header is None:
        raise FaqError("Tệp trống: cần một dòng tiêu đề có cột question và answer.")
    columns: Dict[str, int] = {}
    for index, name_ in enumerate(header):
        column = _HEADER_OF.get(" ".join(fold(nfc(name_)).split()))
        if column and column not in columns:
            columns[column] = index
    missing = [c for c in ("question", "answer") if c not in columns]
    if missing:
        raise FaqError(
            "Thiếu cột bắt buộc: "
            + ", ".join(f"{c} ({HEADERS[c][1]})" for c in missing)
            + ". Dòng đầu tiên của tệp phải là tiêu đề các cột."
        )
    return columns, body


def _split_paraphrases(text: str) -> List[str]:
    if "\n" in text:
        return text.split("\n")
    return re.split(r"\s+\|\s+", text)


def _parse_active(text: str) -> bool | None:
    value = " ".join(text.lower().split())
    if not value:
        return None
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise FaqError(f"Giá trị cột active «{text[:20]}» không hợp lệ: dùng 1/0, có/không.")


# --- importing -----------------------------------------------------------------------------


def import_faq(session: Session, actor: str, data: bytes, filename: str) -> ImportReport:
    """Creates or updates one entry per row; a row matches by key, else by its question."""
    columns, rows = read_rows(data, filename)
    repo = FaqRepository(session)
    report = ImportReport()
    by_question: Dict[str, FaqEntry] = {}
    for entry in repo.list(limit=10**9):
        norm = question_key(entry.question)
        if norm not in by_question or entry.active:
            by_question[norm] = entry
    seen_rows: Dict[str, int] = {}

    def cell(cells: Sequence[str], column: str) -> str | None:
        index = columns.get(column)
        if index is None:
            return None
        return cells[index] if index < len(cells) else ""

    for number, cells in rows:
        try:
            question = cell(cells, "question") or ""
            answer = cell(cells, "answer") or ""
            key = (cell(cells, "key") or "").strip() or None
            paraphrases_cell = cell(cells, "paraphrases")
            tags_cell = cell(cells, "tags")
            paraphrases = None if paraphrases_cell is None else _split_paraphrases(paraphrases_cell)
            tags = None if tags_cell is None else tags_cell.split(",")
            active = _parse_active(cell(cells, "active") or "")
            length = len(clean_line(question))
            if not length:
                raise FaqError("Câu hỏi không được để trống.")
            if length > MAX_QUESTION:  # refused before the (slower) normalisation
                raise FaqError(f"Câu hỏi dài quá {MAX_QUESTION} ký tự ({length} ký tự).")
            norm = question_key(question)
            for marker in filter(None, (key and f"key:{key}", f"q:{norm}")):
                if marker in seen_rows:
                    raise FaqError(f"Trùng với dòng {seen_rows[marker]} trong cùng tệp.")
            entry = repo.by_key(key) if key else by_question.get(norm)
            if entry is None:
                entry = repo.create(
                    actor,
                    question,
                    answer,
                    paraphrases=paraphrases or (),
                    tags=tags or (),
                    active=True if active is None else active,
                    source="import",
                    key=key,
                )
                report.created += 1
            else:
                before = snapshot(entry)
                repo.update(
                    actor,
                    entry.id,
                    question=question,
                    answer=answer,
                    paraphrases=paraphrases,
                    tags=tags,
                    active=active,
                )
                if snapshot(entry) == before:
                    report.unchanged += 1
                else:
                    report.updated += 1
            by_question[question_key(entry.question)] = entry
            seen_rows.setdefault(f"q:{norm}", number)
            seen_rows.setdefault(f"key:{entry.key}", number)
        except FaqError as error:
            report.errors.append((number, str(error)))
    return report


# --- exporting -----------------------------------------------------------------------------


def _safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def export_rows(session: Session) -> List[List[str]]:
    rows = []
    for entry in FaqRepository(session).list(limit=10**9):
        rows.append(
            [
                entry.key,
                entry.question,
                entry.answer,
                "\n".join(entry.paraphrases or []),
                ", ".join(entry.tags or []),
                "1" if entry.active else "0",
            ]
        )
    return rows


def export_faq(session: Session, fmt: str) -> bytes:
    """Every entry (active or not) as CSV (UTF-8 with BOM) or XLSX bytes."""
    rows = export_rows(session)
    if fmt == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(COLUMNS)
        writer.writerows([_safe(c) for c in row] for row in rows)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "FAQ"
        sheet.append(list(COLUMNS))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        wrap = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                # Text, never a formula: Excel's own quote prefix, invisible in the cell.
                cell.data_type = "s"
                cell.quotePrefix = str(cell.value).startswith(FORMULA_START)
                cell.alignment = wrap
        for letter, width in zip("ABCDEF", (18, 50, 80, 50, 20, 8)):
            sheet.column_dimensions[letter].width = width
        sheet.freeze_panes = "A2"
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    raise FaqError("Định dạng xuất phải là csv hoặc xlsx.")
