"""Importing case-handling exports: every format, idempotent, bad rows reported and skipped."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime

import pytest

from assistant.dossiers.importer import import_dossiers
from assistant.dossiers.statuses import DossierStatus
from tests.dossiers.rows import CODE, counts, get, row, write_array, write_lines

# --- formats ------------------------------------------------------------------------------


def test_json_array_round_trip(database_url, tmp_path):
    path = write_array(
        tmp_path / "export.json", [row(1), row(2, applicantIdNumber="092 090 123 456")]
    )
    report = import_dossiers(path, database_url)
    assert (report.created, report.updated, report.errors) == (2, 0, [])
    dossier = get(database_url)
    assert dossier.external_id == "65a4c0ffee0001"
    assert dossier.procedure_name == "Đăng ký khai sinh" and dossier.sector == "Hộ tịch"
    assert dossier.status == "processing" and dossier.status_text == "Đang xử lý"
    assert dossier.received_at == datetime(2024, 1, 15, 8, 30)
    assert dossier.due_at == datetime(2024, 1, 16, 17, 0)
    assert dossier.completed_at is None and dossier.returned_at is None
    assert dossier.applicant_name == "Nguyễn Văn An"
    assert dossier.applicant_phone == "0912345678"
    assert dossier.applicant_id_number is None
    assert dossier.handling_unit == "Ủy ban nhân dân phường Ninh Kiều"
    assert [(e.status, e.at) for e in dossier.history] == [
        ("processing", datetime(2024, 1, 15, 9, 0))
    ]
    assert get(database_url, "000.00.27.H13-240115-0002").applicant_id_number == "092090123456"


@pytest.mark.parametrize(
    "document",
    [
        {"content": [row(1), row(2)], "totalElements": 2},
        {"data": [row(1), row(2)]},
        {"items": [row(1), row(2)], "page": 0},
        {"data": {"content": [row(1), row(2)]}},
    ],
    ids=["content", "data", "items", "nested"],
)
@pytest.mark.parametrize("indent", [None, 2], ids=["one-line", "pretty"])
def test_wrapped_json(database_url, tmp_path, document, indent):
    path = tmp_path / "page.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=indent), encoding="utf-8")
    report = import_dossiers(path, database_url)
    assert (report.created, report.errors) == (2, [])


def test_wrapped_json_without_a_list_is_reported(database_url, tmp_path):
    path = tmp_path / "page.json"
    path.write_text(json.dumps({"message": "unauthorised"}, indent=2), encoding="utf-8")
    report = import_dossiers(path, database_url)
    assert report.imported == 0
    assert report.errors and "no list" in report.errors[0][1]


def test_json_lines_with_a_broken_line(database_url, tmp_path):
    path = write_lines(
        tmp_path / "export.jsonl",
        [
            json.dumps(row(1), ensure_ascii=False),
            '{"dossierNo": "000.00.27.H13-240115-0002", "applicantName": ',
            "",
            json.dumps(row(3), ensure_ascii=False),
        ],
    )
    report = import_dossiers(path, database_url)
    assert report.created == 2
    assert [(r, "broken JSON" in why) for r, why in report.errors] == [(2, True)]


def test_broken_array_element_is_skipped_and_reading_resumes(database_url, tmp_path):
    lines = [json.dumps(row(n), ensure_ascii=False) for n in range(1, 6)]
    lines[2] = lines[2].replace('"applicantName":', '"applicantName" ')  # missing colon
    path = tmp_path / "export.json"
    path.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")
    report = import_dossiers(path, database_url)
    assert report.created == 4
    assert [r for r, _ in report.errors] == [3]


@pytest.mark.parametrize("chunk", [1 << 20, 200])
def test_broken_element_in_a_pretty_printed_array(database_url, tmp_path, monkeypatch, chunk):
    from assistant.dossiers import reading

    monkeypatch.setattr(reading, "CHUNK", chunk)
    history = [
        {"dossierStatusName": "Đã tiếp nhận", "date": "2024-01-15T08:30:00+07:00"},
        {"dossierStatusName": "Đang xử lý", "date": "2024-01-15T09:00:00+07:00"},
    ]
    rows = [row(n, history=history) for n in range(1, 7)]
    text = json.dumps(rows, ensure_ascii=False, indent=2)
    # Break the 3rd element inside its nested history: resuming at a nested "}, {" would
    # read history entries as dossiers and lose the rest at the history's "]".
    third = text.index('"000.00.27.H13-240115-0003"')
    broken = text.index('"Đã tiếp nhận"', third)
    path = tmp_path / "export.json"
    path.write_text(text[:broken] + "Đã tiếp nhận" + text[broken + 14 :], encoding="utf-8")
    report = import_dossiers(path, database_url)
    assert report.created == 5
    assert [r for r, _ in report.errors] == [3]


def test_data_after_the_array_is_reported(database_url, tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps([row(1)]) + "\n]\n{}", encoding="utf-8")
    report = import_dossiers(path, database_url)
    assert report.created == 1
    assert "after the array" in report.errors[0][1]


def test_large_array_read_across_chunks(database_url, tmp_path, monkeypatch):
    from assistant.dossiers import reading

    monkeypatch.setattr(reading, "CHUNK", 97)  # every element straddles a chunk boundary
    rows = [row(n, applicantName="Trần Thị Bích " + "Ngọc" * (n % 7)) for n in range(1, 300)]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    report = import_dossiers(path, database_url, batch_size=50)
    assert (report.created, report.errors) == (299, [])


def csv_text(rows, delimiter=","):
    columns = list(row(1))
    lines = [delimiter.join(columns)]
    for r in rows:
        cells = []
        for column in columns:
            value = str(r.get(column, ""))
            if delimiter in value or '"' in value:
                value = '"' + value.replace('"', '""') + '"'
            cells.append(value)
        lines.append(delimiter.join(cells))
    return "\r\n".join(lines) + "\r\n"


TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258(text: str) -> bytes:
    """Windows-1258 as legacy tools write it: shaped vowels precomposed, tone marks apart."""
    out = []
    for ch in text:
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
            tones = "".join(c for c in parts if c in TONES)
            out.append((base + tones).encode("cp1258"))
    return b"".join(out)


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8-sig", ","), ("utf-8", ","), ("utf-8-sig", ";"), ("cp1258", ",")],
)
def test_csv_round_trip(database_url, tmp_path, encoding, delimiter):
    # "ề”" is bytes CC 94 in Windows-1258: well-formed UTF-8 by accident.
    rows = [
        row(1, agencyName="Ủy ban nhân dân phường Tân An, Cần Thơ"),
        row(2, sectorName="Hộ tịch “ủy quyền về”"),
    ]
    path = tmp_path / "export.csv"
    text = csv_text(rows, delimiter)
    path.write_bytes(cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    report = import_dossiers(path, database_url)
    assert (report.created, report.errors) == (2, [])
    dossier = get(database_url)
    assert dossier.applicant_name == "Nguyễn Văn An"  # NFC even from Windows-1258
    assert dossier.handling_unit == "Ủy ban nhân dân phường Tân An, Cần Thơ"
    assert dossier.received_at == datetime(2024, 1, 15, 8, 30)
    assert get(database_url, "000.00.27.H13-240115-0002").sector == "Hộ tịch “ủy quyền về”"
    assert report.encoding == ("cp1258" if encoding == "cp1258" else "utf-8-sig")


def test_csv_with_corrupt_utf8_is_a_clear_error(database_url, tmp_path):
    data = csv_text([row(1), row(2)]).encode("utf-8")
    path = tmp_path / "export.csv"
    path.write_bytes(data.replace("Văn".encode(), b"V\xe3\x28n", 1))
    report = import_dossiers(path, database_url)
    assert report.imported == 0
    assert "UTF-8" in report.errors[0][1] and "byte offset" in report.errors[0][1]


def test_csv_rows_are_numbered_by_line(database_url, tmp_path):
    text = csv_text([row(1), row(2, dossierNo="KHONG-HOP-LE"), row(3)])
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    report = import_dossiers(path, database_url)
    assert report.created == 2
    assert [r for r, _ in report.errors] == [3]  # header is line 1


def test_missing_file_is_reported_not_raised(database_url, tmp_path):
    report = import_dossiers(tmp_path / "nowhere.json", database_url)
    assert report.imported == 0 and "cannot read" in report.errors[0][1]


# --- idempotency, bad rows ----------------------------------------------------------------


def test_import_twice_changes_nothing(database_url, tmp_path):
    path = write_array(tmp_path / "export.json", [row(n) for n in range(1, 21)])
    first = import_dossiers(path, database_url, batch_size=7)
    before = counts(database_url)
    second = import_dossiers(path, database_url, batch_size=7)
    assert (first.created, second.created, second.updated) == (20, 0, 20)
    assert counts(database_url) == before == (20, 20)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"dossierNo": None}, "no dossierNo"),
        ({"dossierNo": "   "}, "no dossierNo"),
        ({"dossierNo": "HS-2024-0001"}, "invalid dossier code"),
        ({"dossierNo": "000.00.27.H13-240115-001"}, "invalid dossier code"),
        ({"dossierNo": "000.00.27.H13-240115-0009 extra"}, "invalid dossier code"),
        ({"dossierNo": 240115}, "dossierNo: expected text"),
        ({"applicantName": ["Nguyễn", "Văn", "An"]}, "applicantName: expected text"),
        ({"procedureName": {"name": "Đăng ký khai sinh"}}, "procedureName: expected text"),
        ({"dossierStatusName": True}, "dossierStatusName: expected text"),
    ],
)
def test_malformed_rows_are_reported_and_skipped(database_url, tmp_path, bad, reason):
    rows = [row(1), {**row(2), **bad}, row(3)]
    report = import_dossiers(write_array(tmp_path / "x.json", rows), database_url)
    assert report.created == 2
    assert len(report.errors) == 1
    position, why = report.errors[0]
    assert position == 2 and reason in why


def test_rows_that_are_not_objects(database_url, tmp_path):
    rows = [row(1), "000.00.27.H13-240115-0002", 42, None, [row(3)], row(4)]
    report = import_dossiers(write_array(tmp_path / "x.json", rows), database_url)
    assert report.created == 2
    assert [r for r, _ in report.errors] == [2, 3, 4, 5]


def test_codes_are_upper_cased_and_numbers_accepted_as_text(database_url, tmp_path):
    rows = [row(1, dossierNo="000.00.27.h13-240115-0001 ", dossierId=123456)]
    report = import_dossiers(write_array(tmp_path / "x.json", rows), database_url)
    assert not report.errors
    dossier = get(database_url, CODE)
    assert dossier.code == CODE and dossier.external_id == "123456"


def test_same_code_twice_in_a_file_applies_in_order(database_url, tmp_path):
    rows = [
        row(1),
        row(1, dossierStatusName="Đã trả kết quả", lastModifiedDate="2024-01-16T10:00:00+07:00"),
    ]
    report = import_dossiers(write_array(tmp_path / "x.json", rows), database_url)
    assert (report.created, report.updated) == (1, 1)
    assert [e.status for e in get(database_url).history] == ["processing", "returned"]


def test_progress_reports_every_row(database_url, tmp_path):
    rows = [row(n) for n in range(1, 26)] + [{"dossierNo": "bad"}]
    seen = []
    import_dossiers(write_array(tmp_path / "x.json", rows), database_url, seen.append, 10)
    assert sum(seen) == 26 and len(seen) >= 3


# --- values -------------------------------------------------------------------------------


def test_unreadable_dates_are_warnings_not_errors(database_url, tmp_path):
    rows = [row(1, acceptedDate="hôm qua", appointmentDate=[1, 2]), row(2, completedDate="x")]
    report = import_dossiers(write_array(tmp_path / "x.json", rows), database_url)
    assert (report.created, report.errors) == (2, [])
    assert report.warnings["acceptedDate: unreadable date"] == 1
    assert report.warnings["appointmentDate: unreadable date"] == 1
    assert report.warnings["completedDate: unreadable date"] == 1
    dossier = get(database_url)
    assert dossier.received_at is None and dossier.due_at is None
    assert "unreadable date" in report.summary()


def test_unknown_status_is_kept_as_text(database_url, tmp_path):
    rows = [row(1, dossierStatusName="Tạm dừng chờ ý kiến liên ngành")]
    report = import_dossiers(write_array(tmp_path / "x.json", rows), database_url)
    dossier = get(database_url)
    assert dossier.status == DossierStatus.UNKNOWN.value
    assert dossier.status_text == "Tạm dừng chờ ý kiến liên ngành"
    assert report.warnings["dossierStatusName: unknown status, kept as text"] == 1


def test_phones_are_normalised_on_import(database_url, tmp_path):
    rows = [row(1, applicantPhone="+84 912 345 678"), row(2, applicantPhone=912345679)]
    import_dossiers(write_array(tmp_path / "x.json", rows), database_url)
    assert get(database_url).applicant_phone == "0912345678"
    assert get(database_url, "000.00.27.H13-240115-0002").applicant_phone == "0912345679"


# --- history ------------------------------------------------------------------------------


def events(url, code=CODE):
    return [(e.status, e.status_text, e.at) for e in get(url, code).history]


def test_history_grows_only_when_the_status_changes(database_url, tmp_path):
    path = tmp_path / "x.json"
    import_dossiers(write_array(path, [row(1)]), database_url)
    assert len(events(database_url)) == 1

    # Same status, other handling unit and a later modification date: no new event.
    later = row(1, agencyName="Phòng Tư pháp", lastModifiedDate="2024-01-15T15:00:00+07:00")
    import_dossiers(write_array(path, [later]), database_url)
    assert len(events(database_url)) == 1
    assert get(database_url).handling_unit == "Phòng Tư pháp"

    done = row(
        1,
        dossierStatusName="Đã trả kết quả",
        completedDate="16/01/2024 10:00:00",
        returnedDate="16/01/2024 15:00:00",
        lastModifiedDate="2024-01-16T15:00:00+07:00",
    )
    import_dossiers(write_array(path, [done]), database_url)
    import_dossiers(write_array(path, [done]), database_url)  # again: nothing new
    assert events(database_url) == [
        ("processing", "Đang xử lý", datetime(2024, 1, 15, 9, 0)),
        ("returned", "Đã trả kết quả", datetime(2024, 1, 16, 15, 0)),
    ]
    assert get(database_url).completed_at == datetime(2024, 1, 16, 10, 0)


def test_unknown_statuses_change_by_their_wording(database_url, tmp_path):
    path = tmp_path / "x.json"
    import_dossiers(write_array(path, [row(1, dossierStatusName="Tạm dừng")]), database_url)
    import_dossiers(write_array(path, [row(1, dossierStatusName="Chờ ý kiến")]), database_url)
    import_dossiers(write_array(path, [row(1, dossierStatusName="Chờ ý kiến")]), database_url)
    assert [text for _, text, _ in events(database_url)] == ["Tạm dừng", "Chờ ý kiến"]


def test_history_from_the_export_is_taken_and_extended(database_url, tmp_path):
    history = [
        {"dossierStatusName": "Đã tiếp nhận", "agencyName": "Bộ phận một cửa",
         "date": "2024-01-15T08:30:00+07:00"},
        {"dossierStatusName": "Đang xử lý", "agencyName": "Phòng Tư pháp",
         "date": "2024-01-15T09:00:00+07:00"},
        {"dossierStatusName": "broken", "date": "not a date"},
    ]  # fmt: skip
    path = tmp_path / "x.json"
    report = import_dossiers(write_array(path, [row(1, history=history)]), database_url)
    assert report.warnings["history: unreadable entry skipped"] == 1
    assert [s for s, _, _ in events(database_url)] == ["received", "processing"]
    history.append({"dossierStatusName": "Đã có kết quả", "date": "2024-01-16T09:00:00+07:00"})
    ready = row(1, dossierStatusName="Đã có kết quả", history=history)
    import_dossiers(write_array(path, [ready]), database_url)
    assert [s for s, _, _ in events(database_url)] == ["received", "processing", "ready"]
