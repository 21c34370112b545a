"""``assistant report`` and ``assistant stats rollup|prune`` against throw-away databases."""

from __future__ import annotations

import argparse
import csv
import io
import json
import time

import openpyxl
import pytest

from assistant.analytics.cli import register
from assistant.settings import get_settings
from tests.analytics.events import Store, at

DAY = "2026-11-30"


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="assistant")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.func(args)


@pytest.fixture
def store(tmp_path, database_url, monkeypatch):
    store = Store(f"sqlite:///{tmp_path / 'cli-tracker.db'}")
    monkeypatch.setenv("TRACKER_STORE_URL", store.url)
    get_settings.cache_clear()
    store.turn("an", at(DAY, 9), "zalo", "faq")
    store.turn("an", at(DAY, 9, 1), "zalo", "decline")
    return store


def test_rollup_then_the_report_in_every_format(store, tmp_path, capsys):
    assert run("stats", "rollup") == 0
    assert "8 sự kiện, 2 lượt" in capsys.readouterr().out
    assert run("report", "--from", DAY, "--to", DAY) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["from"] == DAY and report["channel"] is None
    outcomes = next(s for s in report["sections"] if s["key"] == "outcomes")
    assert outcomes["summary"]["Lượt hỏi đáp"] == 2

    target = tmp_path / "report.csv"
    assert (
        run("report", "--from", DAY, "--to", DAY, "--format", "csv", "--output", str(target)) == 0
    )
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    titles = [row[0] for row in rows if len(row) == 1]
    assert "Kết quả từng lượt hỏi đáp" in titles
    assert ["Trả lời câu hỏi chung", "1", "50.0"] in rows

    target = tmp_path / "report.xlsx"
    assert (
        run(
            "report",
            "--from",
            DAY,
            "--to",
            DAY,
            "--channel",
            "zalo",
            "--format",
            "xlsx",
            "--output",
            str(target),
        )
        == 0
    )
    assert len(openpyxl.load_workbook(target).sheetnames) == 13


def test_bad_arguments_are_refused_with_a_message(store, capsys):
    assert run("report", "--from", "2026-12-02", "--to", DAY) == 2
    assert "trước" in capsys.readouterr().err
    assert run("report", "--from", DAY, "--to", DAY, "--channel", "fax") == 2
    assert run("report", "--from", DAY, "--to", DAY, "--format", "xlsx") == 2
    with pytest.raises(SystemExit):
        run("report", "--from", "30/11/2026", "--to", DAY)


def test_prune_rolls_up_first_and_keeps_the_figures(store, monkeypatch, capsys):
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "1")
    get_settings.cache_clear()
    store.turn("cu", time.time() - 5 * 86400, "rest", "faq")
    assert run("stats", "prune") == 0
    assert "Đã xóa 12 sự kiện" in capsys.readouterr().out
    assert store.source.count() == 0
    assert run("report", "--from", DAY, "--to", DAY) == 0
    report = json.loads(capsys.readouterr().out)
    outcomes = next(s for s in report["sections"] if s["key"] == "outcomes")
    assert outcomes["summary"]["Lượt hỏi đáp"] == 2


def test_a_synthetic_day_then_the_same_day_and_seed_again_is_refused(store, capsys):
    assert run("stats", "synthetic", "--day", "2026-11-29", "--conversations", "20") == 0
    assert "Đã tạo 20 hội thoại mẫu" in capsys.readouterr().out
    assert run("stats", "synthetic", "--day", "2026-11-29", "--conversations", "20") == 2
    assert "--seed khác" in capsys.readouterr().err
    assert run("stats", "synthetic", "--day", "2026-11-29", "--conversations", "0") == 2
    assert run("stats", "rollup") == 0
    capsys.readouterr()
    assert run("report", "--from", "2026-11-29", "--to", "2026-11-29") == 0
    report = json.loads(capsys.readouterr().out)
    traffic = next(s for s in report["sections"] if s["key"] == "traffic")
    assert traffic["summary"]["Hội thoại"] == 20
