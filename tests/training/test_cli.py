"""`assistant model ...` and `assistant train` as operators use them (training faked)."""

from __future__ import annotations

import pytest

from assistant.cli import main
from assistant.db.session import session_scope
from assistant.training import cli as training_cli
from assistant.training import job
from assistant.training.registry import ModelRegistry


@pytest.fixture
def two_models(database_url, tmp_path):
    old, new = tmp_path / "model-old.tar.gz", tmp_path / "candidate-new.tar.gz"
    old.write_bytes(b"x")
    new.write_bytes(b"y")
    scores = {
        "heldout": {"as_written": {"n": 10, "correct": 9, "accuracy": 0.9}},
        "stories": {"passed": 8, "failed": 0, "total": 8},
    }
    with session_scope() as session:
        registry = ModelRegistry(session)
        old_id = registry.adopt(old).id
        new_id = registry.register(new, "", scores, "live", "tốt hơn", "lan").id
    return {"old": old_id, "new": new_id}


def test_model_list_shows_scores_and_the_live_one(two_models, capsys):
    assert main(["model", "list"]) == 0
    out = capsys.readouterr().out
    assert f"#{two_models['new']:<4} live" in out
    assert "bản có dấu 0.900, kịch bản kiểm thử đạt 8/8" in out
    assert f"#{two_models['old']:<4} archived" in out and "chưa chấm điểm" in out


def test_model_rollback(two_models, capsys, monkeypatch):
    monkeypatch.setattr("assistant.training.rasa_api.load_model", lambda path: False)
    assert main(["model", "rollback", str(two_models["old"])]) == 0
    assert "model-old.tar.gz" in capsys.readouterr().out
    with session_scope() as session:
        assert ModelRegistry(session).live().id == two_models["old"]
    assert main(["model", "rollback", "999"]) == 2
    assert "Không chuyển được mô hình: không có mô hình số 999" in capsys.readouterr().err


@pytest.mark.parametrize("verdict, code", [("accepted", 0), ("rejected", 1), ("failed", 1)])
def test_train_runs_the_job_in_the_foreground(database_url, monkeypatch, capsys, verdict, code):
    def fake_job(run_id, echo=None, raw=None):
        from assistant.db.models import TrainingRun

        echo("Đang huấn luyện mô hình hiểu câu hỏi (DIET) 1/130", 0.1)
        with session_scope() as session:
            run = session.get(TrainingRun, run_id)
            run.status, run.reason = verdict, "lý do"
        return verdict

    monkeypatch.setattr(job, "run_job", fake_job)
    assert main(["train"]) == code
    out = capsys.readouterr().out
    assert "(DIET) 1/130" in out and f"Kết quả: {verdict}. lý do" in out


def test_run_starts_the_registered_live_model_or_adopts_the_build(
    database_url, monkeypatch, tmp_path
):
    built = tmp_path / "model-built.tar.gz"
    builds = []

    def fake_build(args):
        builds.append(args.force)
        built.write_bytes(b"m")
        return 0

    monkeypatch.setattr(training_cli, "cmd_model_build", fake_build)
    monkeypatch.setattr("assistant.modelstore.current_model", lambda: built)
    assert training_cli.live_model() == built.resolve()
    assert builds == [False]
    with session_scope() as session:
        assert ModelRegistry(session).live().name == "model-built.tar.gz"
    # Next start: the registered live model, no build.
    assert training_cli.live_model() == built.resolve()
    assert builds == [False]


@pytest.fixture
def rejected_model(two_models, tmp_path, monkeypatch):
    monkeypatch.setattr("assistant.training.rasa_api.load_model", lambda path: False)
    bad = tmp_path / "candidate-bad.tar.gz"
    bad.write_bytes(b"z")
    with session_scope() as session:
        bad_id = ModelRegistry(session).register(bad, "", None, "rejected", "kém hơn", "lan").id
    return {**two_models, "bad": bad_id, "bad_path": bad}


def _live_id() -> int:
    with session_scope() as session:
        return ModelRegistry(session).live().id


@pytest.mark.parametrize("command", ["rollback", "activate"])
def test_a_rejected_model_is_refused_by_the_cli(rejected_model, capsys, command):
    assert main(["model", command, str(rejected_model["bad"])]) == 2
    err = capsys.readouterr().err
    assert (
        "Không chuyển được mô hình: mô hình candidate-bad.tar.gz đã bị cổng chất lượng loại" in err
    )
    assert "--override --reason" in err
    assert _live_id() == rejected_model["new"]


@pytest.mark.parametrize("reason", [[], ["--reason", ""], ["--reason", "gấp"]])
def test_an_override_without_a_real_reason_is_refused_by_the_cli(rejected_model, capsys, reason):
    assert main(["model", "activate", str(rejected_model["bad"]), "--override", *reason]) == 2
    assert "lý do" in capsys.readouterr().err
    assert _live_id() == rejected_model["new"]


def test_an_override_with_a_reason_goes_live_and_is_audited(rejected_model, capsys):
    from sqlalchemy import select

    from assistant.db.models import AuditEntry

    reason = "Mô hình đang chạy trả lời sai hàng loạt, tạm dùng bản này."
    argv = ["model", "activate", str(rejected_model["bad"]), "--override", "--reason", reason]
    assert main(argv) == 0
    assert "candidate-bad.tar.gz" in capsys.readouterr().out
    assert _live_id() == rejected_model["bad"]
    with session_scope() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry.action == "model.override" and entry.actor.startswith("cli")
        assert entry.after["override_reason"] == reason


def test_an_override_still_refuses_a_missing_file_in_the_cli(rejected_model, capsys):
    rejected_model["bad_path"].unlink()
    argv = ["model", "activate", str(rejected_model["bad"]), "--override", "--reason", "x" * 20]
    assert main(argv) == 2
    assert "không còn trên máy chủ" in capsys.readouterr().err
    assert _live_id() == rejected_model["new"]
