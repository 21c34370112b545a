"""A report as files staff open in Excel: one section as CSV, the whole report as XLSX.

Labels come from citizens' messages and staff-written content, so a text cell that a
spreadsheet would read as a formula (``=HYPERLINK(...)``, ``+``, ``-``, ``@``) is defused: in
CSV with a leading apostrophe, in XLSX by storing it as text with Excel's quote prefix (the
FAQ export does the same). Numbers stay numbers in both.
"""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Iterable, List, Set

from assistant.analytics.sections import Report, Section
from assistant.localtime import LOCAL

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SUMMARY_SHEET = "Tổng quan"
ALL_CHANNELS = "Tất cả kênh"
# Excel refuses these in sheet names, and a name longer than 31 characters
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_SHEET_MAX = 31
# Control characters that XML 1.0 (so XLSX) cannot hold; openpyxl raises on them
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def section_csv(section: Section) -> bytes:
    """The section's table as CSV, UTF-8 with a BOM so that Excel reads Vietnamese right."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([_csv_cell(c) for c in section.columns])
    writer.writerows([_csv_cell(c) for c in row] for row in section.rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def report_xlsx(report: Report) -> bytes:
    """A "Tổng quan" sheet (period, channel, time of the report, headline figures), then one
    sheet per section with its table and note."""
    from openpyxl import Workbook

    workbook = Workbook()
    overview = workbook.active
    overview.title = SUMMARY_SHEET
    taken = {SUMMARY_SHEET.casefold(), "history"}  # Excel reserves "History"
    names = [_sheet_name(s.title, i + 1, taken) for i, s in enumerate(report.sections)]
    _overview(overview, report, names)
    for section, name in zip(report.sections, names):
        _table(workbook.create_sheet(name), section)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_csv_name(report: Report, section_key: str) -> str:
    """thong-ke-2026-11-01-2026-11-30-traffic.csv (the channel, when one, before the key)."""
    return f"{_stem(report)}-{_slug(section_key)}.csv"


def report_xlsx_name(report: Report) -> str:
    """thong-ke-2026-11-01-2026-11-30.xlsx (-zalo before .xlsx for one channel)."""
    return f"{_stem(report)}.xlsx"


def _stem(report: Report) -> str:
    stem = f"thong-ke-{report.start.isoformat()}-{report.end.isoformat()}"
    return f"{stem}-{_slug(report.channel)}" if report.channel else stem


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "-", str(text).lower()).strip("-") or "bang"


def _is_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def _value(value: Any) -> Any:
    """A cell as a spreadsheet can hold it: numbers and dates kept, NaN empty, the rest text."""
    if value is None or isinstance(value, (bool, int, Decimal, date)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value)


def _csv_cell(value: Any) -> Any:
    value = _value(value)
    return "'" + value if _is_formula(value) else value


def _put(sheet: Any, row: int, column: int, value: Any) -> Any:
    """Write one cell; text is always text, never a formula."""
    value = _value(value)
    if isinstance(value, str):
        value = _ILLEGAL.sub("", value)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would store "=..." as a formula
        cell.quotePrefix = _is_formula(value)
    return cell


def _overview(sheet: Any, report: Report, names: List[str]) -> None:
    from openpyxl.styles import Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    bold = Font(bold=True)
    generated = report.generated_at.replace(tzinfo=timezone.utc).astimezone(LOCAL)
    _put(sheet, 1, 1, "Thống kê trợ lý ảo").font = Font(bold=True, size=14)
    period = [
        ("Từ ngày", report.start),
        ("Đến ngày", report.end),
        ("Kênh", report.channel or ALL_CHANNELS),
        ("Lập lúc (giờ Việt Nam)", generated.replace(tzinfo=None)),
    ]
    for row, (label, value) in enumerate(period, start=3):
        _put(sheet, row, 1, label).font = bold
        cell = _put(sheet, row, 2, value)
        if isinstance(value, datetime):
            cell.number_format = "DD/MM/YYYY HH:MM"
        elif isinstance(value, date):
            cell.number_format = "DD/MM/YYYY"
    row = 3 + len(period)
    for section, name in zip(report.sections, names):
        if not section.summary:
            continue
        row += 1
        heading = _put(sheet, row, 1, section.title)
        heading.font = Font(bold=True, underline="single", color="0563C1")
        quoted = name.replace("'", "''")
        heading.hyperlink = Hyperlink(ref=heading.coordinate, location=f"'{quoted}'!A1")
        for label, value in section.summary.items():
            row += 1
            _put(sheet, row, 1, label)
            _put(sheet, row, 2, value)
        row += 1
    _fit(sheet, [[c.value for c in line] for line in sheet.iter_rows()])


def _table(sheet: Any, section: Section) -> None:
    from openpyxl.styles import Alignment, Font

    for column, name in enumerate(section.columns, start=1):
        _put(sheet, 1, column, name).font = Font(bold=True)
    for row, cells in enumerate(section.rows, start=2):
        for column, value in enumerate(cells, start=1):
            _put(sheet, row, column, value)
    sheet.freeze_panes = "A2"
    _fit(sheet, [section.columns, *section.rows])
    if section.note:
        cell = _put(sheet, len(section.rows) + 3, 1, section.note)
        cell.font = Font(italic=True)
        cell.alignment = Alignment(wrap_text=False, vertical="top")


def _fit(sheet: Any, rows: Iterable[Iterable[Any]]) -> None:
    """Column widths from the longest value in each column, between 8 and 60 characters."""
    from openpyxl.utils import get_column_letter

    widths: dict = {}
    for line in rows:
        for column, value in enumerate(line, start=1):
            text = "" if value is None else str(value)
            widths[column] = max(widths.get(column, 0), len(text))
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 60)


def _sheet_name(title: str, number: int, taken: Set[str]) -> str:
    """A name Excel accepts: no []:*?/\\, at most 31 characters, no leading or trailing
    apostrophe, and unique without regard to case."""
    name = " ".join(_SHEET_FORBIDDEN.sub(" ", str(title)).split())[:_SHEET_MAX]
    name = name.strip(" '") or f"Bảng {number}"
    candidate, copy = name, 1
    while candidate.casefold() in taken:
        copy += 1
        suffix = f" ({copy})"
        candidate = name[: _SHEET_MAX - len(suffix)].rstrip(" '") + suffix
    taken.add(candidate.casefold())
    return candidate
