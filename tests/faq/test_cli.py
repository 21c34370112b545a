"""``assistant faq import|export|seed`` against a throw-away database."""

from __future__ import annotations

import argparse
import csv
import io

import pytest

from assistant.db.session import session_scope
from assistant.faq.cli import register
from assistant.faq.repository import FaqRepository
from assistant.text.segment import normalize_text
from tests.faq.test_io import cp1258

# underthesea calls logging.basicConfig when first imported, binding a handler to whatever
# sys.stderr is then; loading it here keeps that handler off the stream capsys closes.
normalize_text("khởi động")


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="assistant")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.func(args)


def write_csv(path, rows):
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_import_reports_rows_and_keeps_the_good_ones(database_url, tmp_path, capsys):
    path = write_csv(
        tmp_path / "faq.csv",
        [["Câu hỏi", "Câu trả lời"], ["Có chỗ gửi xe không", "Có."], ["", "Thiếu câu hỏi."]],
    )
    assert run("faq", "import", str(path)) == 0
    out, err = capsys.readouterr()
    assert "1 câu hỏi mới" in out and "1 dòng lỗi" in out
    assert "Dòng 3: Câu hỏi không được để trống." in err
    with session_scope(database_url) as session:
        [entry] = FaqRepository(session).list()
    assert (entry.question, entry.source, entry.created_by) == (
        "Có chỗ gửi xe không",
        "import",
        "cli",
    )


def test_import_with_only_bad_rows_fails(database_url, tmp_path, capsys):
    path = write_csv(tmp_path / "faq.csv", [["question", "answer"], ["Câu hỏi", ""]])
    assert run("faq", "import", str(path)) == 1
    assert "Dòng 2" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("faq.csv", cp1258("câu hỏi,câu trả lời\nGiờ làm việc,7h\n"), "UTF-8"),
        ("faq.csv", "question,answer\nCafé,Crème\n".encode("latin-1"), "UTF-8"),
        ("faq.pdf", b"%PDF-1.4", ".csv hoặc .xlsx"),
        ("faq.xlsx", b"PK\x03\x04garbage", "Excel"),
    ],
)
def test_unreadable_files_fail_with_a_vietnamese_message(
    database_url, tmp_path, capsys, name, content, message
):
    path = tmp_path / name
    path.write_bytes(content)
    assert run("faq", "import", str(path)) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"Không nhập được {name}: ") and message in err


def test_missing_file_fails(database_url, tmp_path, capsys):
    assert run("faq", "import", str(tmp_path / "nope.csv")) == 1
    assert "Không đọc được tệp" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_seed_then_export_then_import_changes_nothing(database_url, tmp_path, capsys, fmt):
    assert run("faq", "seed") == 0
    assert "Đã thêm 30 câu hỏi" in capsys.readouterr().out
    path = tmp_path / f"faq.{fmt}"
    assert run("faq", "export", str(path)) == 0
    assert "Đã xuất 30 câu hỏi" in capsys.readouterr().out
    assert path.stat().st_size > 1000
    assert run("faq", "import", str(path)) == 0
    assert "30 câu hỏi không thay đổi" in capsys.readouterr().out


def test_export_needs_a_known_extension(database_url, tmp_path, capsys):
    assert run("faq", "export", str(tmp_path / "faq.json")) == 1
    assert ".csv hoặc .xlsx" in capsys.readouterr().err
    assert not (tmp_path / "faq.json").exists()
