import codecs
import csv
import io
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from assistant.analytics.export import (
    report_csv_name,
    report_xlsx,
    report_xlsx_name,
    section_csv,
)
from assistant.analytics.sections import Chart, Report, Section

INJECTIONS = ['=HYPERLINK("http://x")', "+1+2", "-3+4", "@SUM(A1)", "\tcmd", "\rcmd"]


def traffic() -> Section:
    return Section(
        "traffic",
        "Hội thoại theo ngày",
        ["Ngày", "Zalo", "Tỉ lệ (%)", "Ghi chú"],
        [
            ["01/11", 1234, 12.5, "Bình thường"],
            ["02/11", 0, None, 'Có dấu phẩy, "ngoặc" và\nxuống dòng'],
            ["03/11", -5, 0.25, "=1+1"],
        ],
        Chart("stacked", 0, [1]),
        "Một hội thoại là một người dân nhắn tin trong một ngày.",
        {"Hội thoại": 1229, "Tỉ lệ tự giải quyết (%)": 87.5},
    )


def report(*sections: Section, channel: str = "") -> Report:
    return Report(
        date(2026, 11, 1),
        date(2026, 11, 30),
        channel,
        datetime(2026, 12, 1, 2, 30),  # naive UTC: 09:30 in Viet Nam
        list(sections) or [traffic()],
    )


def read_csv(data: bytes):
    assert data.startswith(codecs.BOM_UTF8)
    text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


def workbook(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_csv_round_trips_with_bom_and_vietnamese():
    rows = read_csv(section_csv(traffic()))
    assert rows == [
        ["Ngày", "Zalo", "Tỉ lệ (%)", "Ghi chú"],
        ["01/11", "1234", "12.5", "Bình thường"],
        ["02/11", "0", "", 'Có dấu phẩy, "ngoặc" và\nxuống dòng'],
        ["03/11", "-5", "0.25", "'=1+1"],  # a number stays a number, text is defused
    ]


@pytest.mark.parametrize("text", INJECTIONS)
def test_csv_defuses_formula_like_text(text):
    section = Section("s", "S", ["Nhãn", "Lượt"], [[text, -1], ["an=toàn", 2]])
    rows = read_csv(section_csv(section))
    assert rows[1] == ["'" + text, "-1"]
    assert rows[2] == ["an=toàn", "2"]


def test_csv_defuses_formula_like_column_names():
    rows = read_csv(section_csv(Section("s", "S", ["=cmd", "Lượt"], [])))
    assert rows == [["'=cmd", "Lượt"]]


def test_file_names():
    assert report_csv_name(report(), "traffic") == "thong-ke-2026-11-01-2026-11-30-traffic.csv"
    assert report_xlsx_name(report()) == "thong-ke-2026-11-01-2026-11-30.xlsx"
    zalo = report(channel="zalo")
    assert report_xlsx_name(zalo) == "thong-ke-2026-11-01-2026-11-30-zalo.xlsx"
    assert report_csv_name(zalo, "../Top procedures") == (
        "thong-ke-2026-11-01-2026-11-30-zalo-top-procedures.csv"
    )


def test_xlsx_overview_shows_period_channel_time_and_summaries():
    book = workbook(report_xlsx(report()))
    assert book.sheetnames == ["Tổng quan", "Hội thoại theo ngày"]
    cells = {
        row[0].value: row[1].value for row in book["Tổng quan"].iter_rows(max_col=2) if row[0].value
    }
    assert cells["Từ ngày"] == datetime(2026, 11, 1)
    assert cells["Đến ngày"] == datetime(2026, 11, 30)
    assert cells["Kênh"] == "Tất cả kênh"
    assert cells["Lập lúc (giờ Việt Nam)"] == datetime(2026, 12, 1, 9, 30)
    assert cells["Hội thoại"] == 1229
    assert cells["Tỉ lệ tự giải quyết (%)"] == 87.5
    heading = next(c for c in book["Tổng quan"]["A"] if c.value == "Hội thoại theo ngày")
    assert heading.hyperlink.location == "'Hội thoại theo ngày'!A1"

    one = workbook(report_xlsx(report(channel="zalo")))
    assert [r[1].value for r in one["Tổng quan"].iter_rows(max_col=2) if r[0].value == "Kênh"] == [
        "zalo"
    ]


def test_xlsx_section_sheet_keeps_values_and_types():
    sheet = workbook(report_xlsx(report()))["Hội thoại theo ngày"]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=1, max_row=4)]
    assert values == [
        ["Ngày", "Zalo", "Tỉ lệ (%)", "Ghi chú"],
        ["01/11", 1234, 12.5, "Bình thường"],
        ["02/11", 0, None, 'Có dấu phẩy, "ngoặc" và\nxuống dòng'],
        ["03/11", -5, 0.25, "=1+1"],
    ]
    assert isinstance(sheet["B2"].value, int) and isinstance(sheet["C2"].value, float)
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet["A6"].value == "Một hội thoại là một người dân nhắn tin trong một ngày."
    assert 8 <= sheet.column_dimensions["D"].width <= 60


@pytest.mark.parametrize("text", INJECTIONS)
def test_xlsx_stores_formula_like_text_as_quoted_text(text):
    section = Section("s", "S", ["Nhãn", "Lượt"], [[text, -1]])
    sheet = workbook(report_xlsx(report(section)))["S"]
    cell = sheet["A2"]
    # Not a formula (XML reads a carriage return back as a line feed)
    assert cell.data_type == "s" and cell.value == text.replace("\r", "\n")
    assert cell.quotePrefix
    assert sheet["B2"].value == -1 and not sheet["B2"].quotePrefix


def test_xlsx_sheet_names_are_valid_and_unique():
    long = "Thủ tục được hỏi nhiều nhất trong khoảng thời gian đã chọn"
    titles = ["Tổng quan", long, long, "Kênh [Zalo]: hỏi/đáp *?\\", "", "'Trích'", "history"]
    sections = [Section(f"k{i}", t, ["A"], [[i]]) for i, t in enumerate(titles)]
    names = workbook(report_xlsx(report(*sections))).sheetnames
    assert len(names) == len(titles) + 1
    assert len({n.casefold() for n in names}) == len(names)
    for name in names:
        assert 0 < len(name) <= 31
        assert not re.search(r"[\[\]:*?/\\]", name)
        assert not name.startswith("'") and not name.endswith("'")
    assert names[1] == "Tổng quan (2)"
    assert names[2] == long[:31].rstrip() and names[3].endswith(" (2)")
    assert names[4] == "Kênh Zalo hỏi đáp"
    assert names[5] == "Bảng 5"


def test_xlsx_survives_control_characters_and_nan():
    section = Section("s", "S", ["Nhãn", "Giá trị"], [["a\x01b", float("nan")]])
    sheet = workbook(report_xlsx(report(section)))["S"]
    assert sheet["A2"].value == "ab"
    assert sheet["B2"].value is None
