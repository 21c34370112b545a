"""A retraining's progress as staff and the terminal see it: the run's row (stage, progress,
the last lines of Rasa's output) written at most once a second, and ``[ 45%] stage`` lines."""

from __future__ import annotations

import io

import pytest

from assistant.db.session import session_scope
from assistant.training.reporter import TAIL_LINES, Reporter, progress_printer
from assistant.training.runs import TrainingRunRepository


@pytest.fixture
def run_id(database_url) -> int:
    with session_scope() as session:
        return TrainingRunRepository(session).add_queued("staff-1").id


def row(run_id: int) -> dict:
    with session_scope() as session:
        run = TrainingRunRepository(session).get(run_id)
        return {"stage": run.stage, "progress": run.progress, "log_tail": run.log_tail}


def test_progress_only_moves_forward_and_is_echoed(run_id):
    echoed = []
    reporter = Reporter(run_id, echo=lambda stage, progress: echoed.append((stage, progress)))
    reporter.set(force=True, stage="Đang huấn luyện", progress=0.4)
    reporter.set(force=True, progress=0.3)  # a later stage's estimate may be lower
    reporter.set(force=True, progress=7)
    assert echoed == [("Đang huấn luyện", 0.4), ("Đang huấn luyện", 0.4), ("Đang huấn luyện", 1.0)]
    assert row(run_id)["progress"] == 1.0 and row(run_id)["stage"] == "Đang huấn luyện"


def test_a_redrawn_progress_bar_keeps_one_line_and_only_real_lines_are_passed_on(run_id):
    raw = []
    reporter = Reporter(run_id, raw=raw.append, interval=0)
    for text in ["Starting to train", "Epochs:  10%|", "Epochs:  90%|", "   ", "Trained"]:
        reporter.line(text)
    assert row(run_id)["log_tail"] == "Starting to train\nEpochs:  90%|\nTrained"
    assert raw == ["Starting to train", "Epochs:  10%|", "Trained"]


def test_the_tail_keeps_the_last_lines_only(run_id):
    reporter = Reporter(run_id, interval=0)
    for number in range(TAIL_LINES + 5):
        reporter.line(f"line {number}")
    tail = row(run_id)["log_tail"].splitlines()
    assert len(tail) == TAIL_LINES and tail[0] == "line 5"


def test_the_row_is_written_at_most_once_an_interval_unless_forced(run_id):
    reporter = Reporter(run_id, interval=3600)
    reporter.set(force=True, stage="Bắt đầu", progress=0.1)
    reporter.set(stage="Đang huấn luyện", progress=0.5)  # within the interval: held back
    assert row(run_id)["stage"] == "Bắt đầu"
    reporter.flush(force=True)
    assert row(run_id) == {"stage": "Đang huấn luyện", "progress": 0.5, "log_tail": ""}


def test_the_terminal_gets_a_line_per_stage_not_per_step(monkeypatch):
    out = io.StringIO()
    echo = progress_printer(every=10.0, out=out)
    echo("Đang chấm điểm 1/90", 0.8)
    echo("Đang chấm điểm 2/90", 0.81)  # the same stage, a moment later: no line
    echo("Đang nạp mô hình", 0.99)
    assert out.getvalue().splitlines() == ["[ 80%] Đang chấm điểm 1/90", "[ 99%] Đang nạp mô hình"]
