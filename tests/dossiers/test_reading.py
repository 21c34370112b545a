"""Raw rows from every export format, numbered, with the bad ones named rather than raised."""

from __future__ import annotations

import gzip
import json

import pytest

from assistant.dossiers.reading import UnreadableFile, count_rows, read_rows

ROWS = [
    {"dossierNo": f"000.00.27.H13-240115-{n:04d}", "applicantName": "Lê Thị Bình"} for n in (1, 2)
]


def test_a_json_array_gives_its_elements_numbered_from_one(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(ROWS, ensure_ascii=False), encoding="utf-8")
    assert list(read_rows(path)) == [(1, ROWS[0]), (2, ROWS[1])]


def test_json_lines_name_the_broken_line_and_go_on(tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n{broken\n" + json.dumps(ROWS[1]) + "\n")
    rows = list(read_rows(path))
    assert [number for number, _ in rows] == [1, 2, 3]
    assert rows[0][1] == ROWS[0] and rows[2][1] == ROWS[1]
    assert isinstance(rows[1][1], ValueError)


def test_a_gzipped_api_page_is_unwrapped(tmp_path):
    path = tmp_path / "page.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump({"content": ROWS, "totalElements": 2}, handle, ensure_ascii=False)
    assert [raw for _, raw in read_rows(path)] == ROWS


def test_windows_1258_csv_is_read_with_header_names_in_any_case(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(
        "DOSSIERNO;applicantname\r\n000.00.27.H13-240115-0001;Lê Văn\r\n".encode("cp1258")
    )
    encoding = []
    assert list(read_rows(path, encoding)) == [
        (2, {"dossierNo": "000.00.27.H13-240115-0001", "applicantName": "Lê Văn"})
    ]
    assert encoding == ["cp1258"]


def test_an_api_page_without_a_list_of_dossiers_is_unreadable(tmp_path):
    path = tmp_path / "wrong.json"  # pretty-printed: one object on one line is JSON Lines
    path.write_text(json.dumps({"status": "unauthorised", "total": 0}, indent=2))
    with pytest.raises(UnreadableFile):
        list(read_rows(path))


def test_an_empty_file_has_no_rows_and_the_line_count_is_a_progress_total(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text("  ")
    assert list(read_rows(empty)) == []
    lines = tmp_path / "export.jsonl"
    lines.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    assert count_rows(lines) == 2 and count_rows(tmp_path / "missing.json") is None
