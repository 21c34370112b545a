"""FAQ import and export: CSV and XLSX, row-level errors, safe exports, lossless round trip."""

from __future__ import annotations

import csv
import io
import unicodedata

import pytest
from openpyxl import Workbook, load_workbook

from assistant import audit
from assistant.db.session import session_scope
from assistant.faq.io import MAX_ROWS, MAX_SHEET_ROWS, ImportReport, export_faq, import_faq
from assistant.faq.repository import FaqError, FaqRepository
from assistant.faq.seed import import_seed


def cp1258(text: str) -> bytes:
    """Windows-1258 as Excel on Vietnamese Windows writes it: tone marks as combining
    characters after the (pre-composed) base letter."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


def csv_bytes(rows, delimiter=",", bom=False) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run_import(url, data, filename="faq.csv", actor="lan") -> ImportReport:
    with session_scope(url) as session:
        return import_faq(session, actor, data, filename)


def entries(url):
    with session_scope(url) as session:
        return {e.question: e for e in FaqRepository(session).list()}


def test_csv_import_creates_entries_with_all_columns(database_url):
    data = csv_bytes(
        [
            ["question", "answer", "paraphrases", "tags", "active", "key"],
            [
                "Giờ làm việc của xã",
                "7h30–17h.",
                "xã mở cửa mấy giờ\nmấy giờ xã đóng cửa",
                "lịch, xã",
                "1",
                "",
            ],
            ["Có chỗ gửi xe không", "Có.", "gửi xe ở đâu | xe máy để đâu", "", "không", "parking"],
        ]
    )
    report = run_import(database_url, data)
    assert (report.created, report.updated, report.unchanged, report.errors) == (2, 0, 0, [])
    stored = entries(database_url)
    hours = stored["Giờ làm việc của xã"]
    assert hours.paraphrases == ["xã mở cửa mấy giờ", "mấy giờ xã đóng cửa"]
    assert hours.tags == ["lịch", "xã"] and hours.active and hours.source == "import"
    assert hours.key == "staff_1" and hours.created_by == "lan"
    parking = stored["Có chỗ gửi xe không"]
    assert parking.key == "parking" and parking.active is False
    assert parking.paraphrases == ["gửi xe ở đâu", "xe máy để đâu"]
    with session_scope(database_url) as session:
        assert {r.action for r in audit.entries(session, entity="faq")} == {"faq.create"}
    assert report.summary() == (
        "Đã nhập FAQ: 2 câu hỏi mới, 0 câu hỏi cập nhật, 0 câu hỏi không thay đổi."
    )


@pytest.mark.parametrize(
    "header, delimiter, bom",
    [
        (["Câu hỏi", "Câu trả lời"], ",", True),
        (["CÂU HỎI", "câu trả lời"], ";", False),  # Excel with Vietnamese regional settings
        (["cau hoi", "cau tra loi"], "\t", False),
        ([" Question ", "ANSWER"], ",", True),
    ],
)
def test_headers_in_vietnamese_or_english_and_any_delimiter(database_url, header, delimiter, bom):
    data = csv_bytes([header, ["Lấy số thứ tự ở đâu", "Tại quầy, hoặc đặt trước."]], delimiter, bom)
    report = run_import(database_url, data)
    assert report.created == 1 and not report.errors
    assert entries(database_url)["Lấy số thứ tự ở đâu"].answer == "Tại quầy, hoặc đặt trước."


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1", True),
        ("0", False),
        ("true", True),
        ("FALSE", False),
        ("có", True),
        ("Không", False),
        ("", True),
    ],
)
def test_active_values(database_url, value, expected):
    data = csv_bytes([["question", "answer", "active"], ["Câu hỏi thử", "Trả lời.", value]])
    assert run_import(database_url, data).created == 1
    assert entries(database_url)["Câu hỏi thử"].active is expected


def test_bad_rows_are_reported_and_skipped_good_rows_are_kept(database_url):
    with session_scope(database_url) as session:
        FaqRepository(session).create("lan", "Giờ làm việc của xã", "7h30.", key="hours")
    data = csv_bytes(
        [
            ["question", "answer", "active", "key"],
            ["Câu hỏi tốt một", "Trả lời.", "1", ""],  # row 2
            ["", "Thiếu câu hỏi.", "1", ""],  # row 3
            ["Thiếu câu trả lời", "   ", "1", ""],  # row 4
            ["x" * 501, "Quá dài.", "1", ""],  # row 5
            ["Câu hỏi tốt một", "Trùng dòng 2.", "1", ""],  # row 6
            ["gio lam viec cua xa", "Trùng câu hỏi có mã khác.", "1", "other_key"],  # row 7
            ["Câu hỏi tốt hai", "Trả lời.", "có lẽ", ""],  # row 8
            ["Câu hỏi có mã sai", "Trả lời.", "1", "Mã Sai!"],  # row 9
            ["", "", "", ""],  # row 10: blank, ignored
            ["Câu hỏi tốt ba 😀 <b>đậm</b>", "'; DROP TABLE faq_entries; --", "1", ""],  # row 11
        ]
    )
    report = run_import(database_url, data)
    assert report.created == 2
    assert [row for row, _ in report.errors] == [3, 4, 5, 6, 7, 8, 9]
    messages = dict(report.errors)
    assert messages[3] == "Câu hỏi không được để trống."
    assert messages[4] == "Câu trả lời không được để trống."
    assert "dài quá 500" in messages[5]
    assert "dòng 2" in messages[6]
    assert "hours" in messages[7]
    assert "active" in messages[8]
    assert "Mã" in messages[9]
    assert "7 dòng lỗi" in report.summary()
    stored = entries(database_url)
    assert stored["Câu hỏi tốt ba 😀 <b>đậm</b>"].answer == "'; DROP TABLE faq_entries; --"
    assert len(stored) == 3


def test_rows_update_by_key_or_by_question(database_url):
    with session_scope(database_url) as session:
        repo = FaqRepository(session)
        repo.create("lan", "Giờ làm việc của xã", "7h30.", key="hours")
        repo.create("lan", "Có chỗ gửi xe không", "Có.", paraphrases=["gửi xe ở đâu"])
    data = csv_bytes(
        [
            ["key", "question", "answer"],
            [
                "hours",
                "Giờ làm việc của phường",
                "7h.",
            ],
            ["", "CÓ CHỖ GỬI XE KHÔNG?", "Có."],
        ]
    )
    report = run_import(database_url, data, actor="hoa")
    assert (report.created, report.updated, report.unchanged) == (0, 2, 0)
    stored = entries(database_url)
    assert stored["Giờ làm việc của phường"].key == "hours"
    assert stored["Giờ làm việc của phường"].updated_by == "hoa"
    # No paraphrases column: the ones stored are kept.
    assert stored["CÓ CHỖ GỬI XE KHÔNG?"].paraphrases == ["gửi xe ở đâu"]


@pytest.mark.parametrize(
    "data, filename, message",
    [
        (cp1258("câu hỏi,câu trả lời\nGiờ làm việc,7h\n"), "faq.csv", "UTF-8"),
        ("question,answer\nCafé,Crème brûlée\n".encode("latin-1"), "faq.csv", "UTF-8"),
        ("question,answer\nx,y\n".encode("utf-16"), "faq.csv", "UTF-8"),
        (b"", "faq.csv", "Tệp trống"),
        (b"foo,bar\n1,2\n", "faq.csv", "Thiếu cột bắt buộc"),
        ("question\nChỉ có câu hỏi\n".encode(), "faq.csv", "answer"),
        (b"question,answer\nx,y\n", "faq.txt", ".csv hoặc .xlsx"),
        (b"question,answer\nx,y\n", "faq", ".csv hoặc .xlsx"),
        (b"PK\x03\x04 not really a zip", "faq.xlsx", "Excel"),
        (b"<html><body>not excel</body></html>", "faq.xlsx", "Excel"),
        (b"question,answer\nx,y\n", "faq.xlsx", "Excel"),
        (b"x" * (5 * 1024 * 1024 + 1), "faq.csv", "5 MB"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(database_url, data, filename, message):
    with pytest.raises(FaqError) as error:
        run_import(database_url, data, filename)
    assert message in str(error.value)
    assert entries(database_url) == {}


def test_a_huge_cell_is_a_row_error(database_url):
    data = csv_bytes([["question", "answer"], ["hỏi " * 30_000, "x"], ["Câu hỏi ngắn", "Có."]])
    report = run_import(database_url, data)
    assert report.created == 1
    assert report.errors == [(2, "Câu hỏi dài quá 500 ký tự (119999 ký tự).")]


def test_stray_nul_characters_are_dropped(database_url):
    data = "question,answer\nGiờ làm\x00 việc,7h\x00.\n".encode()
    assert run_import(database_url, data).created == 1
    assert entries(database_url)["Giờ làm việc"].answer == "7h."


def test_a_broken_csv_cell_is_a_clear_error(database_url):
    data = ('question,answer\nx,"' + "y" * 200_000 + "\n").encode()
    with pytest.raises(FaqError, match="lỗi định dạng"):
        run_import(database_url, data)


def test_a_sheet_of_endless_blank_rows_is_refused(database_url):
    rows = [["question", "answer"]] + [[" "]] * MAX_SHEET_ROWS
    with pytest.raises(FaqError, match=str(MAX_ROWS)):
        run_import(database_url, xlsx_bytes(rows), "faq.xlsx")


def test_too_many_rows_are_refused(database_url):
    rows = [["question", "answer"]] + [[f"Câu hỏi {i}", "Trả lời."] for i in range(MAX_ROWS + 1)]
    with pytest.raises(FaqError, match=str(MAX_ROWS)):
        run_import(database_url, csv_bytes(rows))
    assert entries(database_url) == {}


def test_xlsx_import_with_numbers_and_booleans(database_url):
    data = xlsx_bytes(
        [
            ["Câu hỏi", "Câu trả lời", "Hoạt động", "Nhãn"],
            ["Lệ phí có hoàn lại không", 0, True, "phí"],
            ["Có nhận tiền mặt không", "Có.", False, None],
            [None, None, None, None],
            ["", "Thiếu câu hỏi", 1, None],
        ]
    )
    report = run_import(database_url, data, "FAQ.XLSX")
    assert report.created == 2 and report.errors == [(5, "Câu hỏi không được để trống.")]
    stored = entries(database_url)
    assert stored["Lệ phí có hoàn lại không"].answer == "0"
    assert stored["Lệ phí có hoàn lại không"].tags == ["phí"]
    assert stored["Có nhận tiền mặt không"].active is False


INJECTION = [
    '=HYPERLINK("http://evil.example","bấm")',
    "+SUM(1,2)",
    "-2+3",
    "@cmd",
]


@pytest.fixture
def populated(database_url):
    with session_scope(database_url) as session:
        import_seed(session)
        repo = FaqRepository(session)
        for i, text in enumerate(INJECTION):
            repo.create("lan", f"{text} câu {i}", f"{text}\n- bước 1\n- bước 2", tags=["x", "y"])
        repo.set_active("lan", repo.by_key("privacy").id, False)
    return database_url


def test_csv_export_is_excel_friendly_and_has_no_live_formulas(populated):
    with session_scope(populated) as session:
        data = export_faq(session, "csv")
        count = FaqRepository(session).count()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["key", "question", "answer", "paraphrases", "tags", "active"]
    assert len(rows) == count + 1
    for row in rows[1:]:
        assert all(not cell.startswith(("=", "+", "-", "@")) for cell in row)
    by_key = {row[0]: row for row in rows[1:]}
    assert by_key["privacy"][5] == "0" and by_key["hotline"][5] == "1"
    assert by_key["staff_1"][1].startswith("'=HYPERLINK")
    assert "Giờ làm việc" in by_key["working_hours"][2]


def test_xlsx_export_stores_formula_like_text_as_text(populated):
    with session_scope(populated) as session:
        data = export_faq(session, "xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    values = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    cell = values["staff_1"][1]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"
    assert cell.quotePrefix is True
    assert values["working_hours"][1].quotePrefix is False


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_leaves_every_entry_unchanged(populated, fmt):
    with session_scope(populated) as session:
        data = export_faq(session, fmt)
        revision = FaqRepository(session).revision()
        count = FaqRepository(session).count()
    report = run_import(populated, data, f"faq.{fmt}")
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, count)
    with session_scope(populated) as session:
        assert FaqRepository(session).revision() == revision


def test_export_of_unknown_format_is_refused(database_url):
    with session_scope(database_url) as session, pytest.raises(FaqError):
        export_faq(session, "pdf")
