"""The retraining job with training and scoring replaced by fakes: verdicts and failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.db.models import AuditEntry, ModelVersion, TrainingExample, TrainingRun
from assistant.db.session import session_scope
from assistant.settings import get_settings
from assistant.training import job, rasa_api
from assistant.training.job import KEPT, run_job
from assistant.training.rasa_train import TrainingFailed
from assistant.training.registry import ModelRegistry
from assistant.training.runner import create_run
from assistant.training.scoring import ScoringError

RASA_OUTPUT = [
    "2026-11-28 09:01:02 INFO     rasa.engine.training.hooks  - "
    "Starting to train component 'DIETClassifier'.",
    "Epochs:  10%|█         | 13/130 [00:05<00:45,  2.6it/s, t_loss=5.1]",
    "Epochs:  50%|█████     | 65/130 [00:25<00:25,  2.6it/s, t_loss=2.0]",
]


def scores(accuracy: float, passed: int = 8) -> dict:
    return {
        "heldout": {
            view: {"n": 100, "correct": round(accuracy * 100), "accuracy": accuracy}
            for view in ("as_written", "stripped", "informal")
        },
        "stories": {"passed": passed, "failed": 8 - passed, "total": 8},
        "seconds": 1.0,
    }


@pytest.fixture
def live(database_url, monkeypatch, tmp_path) -> dict:
    """A live model with known scores, MODELS_DIR in tmp, a staff example, fakes for data
    building and the Rasa switch."""
    models = tmp_path / "models"
    models.mkdir()
    monkeypatch.setenv("MODELS_DIR", str(models))
    get_settings.cache_clear()
    live_path = models / "model-live.tar.gz"
    live_path.write_bytes(b"live")
    with session_scope() as session:
        version = ModelRegistry(session).adopt(live_path)
        version.scores = {**scores(0.90), "tests": job.tests_fingerprint()}
        session.add(TrainingExample(intent="ask_fee", text="phí bao nhiêu"))

    def fake_build(session, target):
        Path(target).mkdir(parents=True)
        (Path(target) / "staff_examples.yml").write_text("nlu: []\n", encoding="utf-8")
        return Path(target)

    loaded = []
    monkeypatch.setattr(job, "build_training_data", fake_build)
    monkeypatch.setattr(rasa_api, "load_model", lambda path: loaded.append(Path(path)) or True)
    return {"id": version.id, "path": live_path, "models": models, "loaded": loaded}


def fake_training(monkeypatch, fail_with: BaseException | None = None):
    def train(data_dir, name, on_line):
        for line in RASA_OUTPUT:
            on_line(line)
        path = get_settings().models_dir / f"{name}.tar.gz"
        path.write_bytes(b"candidate")
        if fail_with is not None:
            raise fail_with
        return path

    monkeypatch.setattr(job, "train_candidate", train)


def fake_scoring(monkeypatch, result):
    scored = []

    def score(model_path, progress=None):
        scored.append(Path(model_path).name)
        for step in ("as_written", "stripped", "informal", "stories"):
            progress(step)
        if isinstance(result, BaseException):
            raise result
        return dict(result)

    monkeypatch.setattr(job, "score_model", score)
    return scored


def run(actor: str = "lan") -> tuple:
    run_id = create_run(actor)
    status = run_job(run_id)
    with session_scope() as session:
        return status, session.get(TrainingRun, run_id)


def versions() -> dict:
    with session_scope() as session:
        return {v.name: v.status for v in session.scalars(select(ModelVersion))}


def assert_live_untouched(live: dict) -> None:
    with session_scope() as session:
        current = ModelRegistry(session).live()
        assert current.id == live["id"]
        assert live["path"].exists()
        assert session.query(TrainingExample).count() == 1  # staff data never touched
    assert live["loaded"] == []


def test_a_failing_training_leaves_the_live_model_and_says_why(live, monkeypatch):
    fake_training(monkeypatch, TrainingFailed("Rasa dừng với mã lỗi 1", "ValueError: bad data"))
    scored = fake_scoring(monkeypatch, scores(0.95))
    status, row = run()
    assert status == row.status == "failed"
    assert row.reason.startswith("Huấn luyện thất bại: Rasa dừng với mã lỗi 1 (ValueError")
    assert row.reason.endswith(KEPT)
    assert row.finished_at is not None
    assert "Epochs:  50%" in row.log_tail and "Epochs:  10%" not in row.log_tail
    assert scored == []
    assert versions() == {"model-live.tar.gz": "live"}
    assert list(live["models"].glob("candidate-*")) == []  # the half-made file is gone
    assert_live_untouched(live)


def test_a_scoring_error_fails_the_run_and_removes_the_candidate(live, monkeypatch):
    fake_training(monkeypatch)
    fake_scoring(monkeypatch, ScoringError("rasa test core exited with 1"))
    status, row = run()
    assert status == "failed"
    assert row.reason.startswith("Không chấm điểm được mô hình mới")
    assert list(live["models"].glob("candidate-*")) == []
    assert_live_untouched(live)


def test_an_unexpected_error_fails_the_run(live, monkeypatch):
    def broken_build(session, target):
        raise OSError("đĩa đầy")

    monkeypatch.setattr(job, "build_training_data", broken_build)
    status, row = run()
    assert status == "failed" and "đĩa đầy" in row.reason and row.reason.endswith(KEPT)
    assert_live_untouched(live)


def test_an_interrupted_job_is_recorded_and_stops(live, monkeypatch):
    fake_training(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        run()
    with session_scope() as session:
        row = session.scalars(select(TrainingRun)).one()
        assert row.status == "interrupted" and "không thay đổi" in row.reason
    assert list(live["models"].glob("candidate-*")) == []
    assert_live_untouched(live)


def test_a_worse_candidate_is_rejected_with_the_reason(live, monkeypatch):
    fake_training(monkeypatch)
    fake_scoring(monkeypatch, scores(0.62))
    status, row = run()
    assert status == row.status == "rejected"
    assert "giảm từ 0,90 xuống 0,62" in row.reason
    assert row.progress == 1.0
    with session_scope() as session:
        candidate = session.get(ModelVersion, row.model_version_id)
        assert candidate.status == "rejected" and candidate.reason == row.reason
        assert candidate.scores["heldout"]["as_written"]["accuracy"] == 0.62
        assert Path(candidate.path).exists()  # kept for a look (the newest 3 rejections)
    assert_live_untouched(live)


def test_a_candidate_that_is_not_worse_goes_live_in_rasa(live, monkeypatch):
    fake_training(monkeypatch)
    scored = fake_scoring(monkeypatch, scores(0.91))
    status, row = run("hoa")
    assert status == row.status == "accepted"
    assert row.progress == 1.0 and row.stage == "Đã đưa mô hình mới vào sử dụng"
    with session_scope() as session:
        registry = ModelRegistry(session)
        new = registry.live()
        assert new.id == row.model_version_id and new.name.startswith("candidate-")
        assert new.created_by == "hoa"
        assert new.scores["training_seconds"] >= 0 and new.scores["tests"]
        assert registry.get(live["id"]).status == "archived"
        audit = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (audit.actor, audit.action, audit.after["name"]) == (
            "hoa",
            "model.activate",
            new.name,
        )
    assert live["loaded"] == [Path(new.path)]
    assert len(scored) == 1  # the live model already had comparable scores


def test_the_live_model_is_scored_when_it_has_no_scores(live, monkeypatch):
    with session_scope() as session:
        ModelRegistry(session).get(live["id"]).scores = None
    fake_training(monkeypatch)
    scored = fake_scoring(monkeypatch, scores(0.90))
    status, _ = run()
    assert status == "accepted"
    assert scored[0].startswith("candidate-") and scored[1] == "model-live.tar.gz"
    with session_scope() as session:
        assert ModelRegistry(session).get(live["id"]).scores["heldout"]["stripped"]["n"] == 100


def test_an_accepted_model_rasa_could_not_load_is_live_from_the_next_start(live, monkeypatch):
    fake_training(monkeypatch)
    fake_scoring(monkeypatch, scores(0.92))
    monkeypatch.setattr(rasa_api, "load_model", lambda path: False)
    status, row = run()
    assert status == "accepted"
    assert "chưa nạp được ngay" in row.reason and "khởi động lại" in row.reason
    with session_scope() as session:
        assert ModelRegistry(session).live().id == row.model_version_id


def test_progress_reaches_the_row_while_training(live, monkeypatch):
    seen = []

    def train(data_dir, name, on_line):
        for line in RASA_OUTPUT:
            on_line(line)
        with session_scope() as session:
            row = session.scalars(select(TrainingRun)).one()
            seen.append((row.status, row.stage, row.progress, row.pid))
        raise TrainingFailed("stop here")

    monkeypatch.setattr(job, "train_candidate", train)
    monkeypatch.setattr(job.Reporter, "__init__", _no_throttle(job.Reporter.__init__))
    run()
    status, stage, progress, pid = seen[0]
    assert status == "training"
    assert stage == "Đang huấn luyện mô hình hiểu câu hỏi (DIET) 65/130"
    assert 0.28 < progress < 0.34
    assert pid is not None


def _no_throttle(init):
    def wrapped(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.interval = 0

    return wrapped


def test_a_run_started_twice_is_only_run_once(live, monkeypatch):
    fake_training(monkeypatch)
    fake_scoring(monkeypatch, scores(0.91))
    status, row = run()
    assert status == "accepted"
    monkeypatch.setattr(job, "train_candidate", None)  # would fail if it were called again
    assert run_job(row.id) == "accepted"
    assert len(versions()) == 2


def test_stopped_while_rasa_loads_an_accepted_model_stays_accepted(live, monkeypatch):
    fake_training(monkeypatch)
    fake_scoring(monkeypatch, scores(0.91))

    def stopped(path):
        raise KeyboardInterrupt

    monkeypatch.setattr(rasa_api, "load_model", stopped)
    with pytest.raises(KeyboardInterrupt):
        run()
    with session_scope() as session:
        row = session.scalars(select(TrainingRun)).one()
        assert row.status == "accepted"
        assert ModelRegistry(session).live().id == row.model_version_id
        assert Path(ModelRegistry(session).live().path).exists()
