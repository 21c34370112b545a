"""Starting runs in the background: one at a time, dead runs found, rollback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from assistant.audit import utcnow
from assistant.db.models import TrainingRun
from assistant.db.session import session_scope
from assistant.settings import get_settings
from assistant.training import runner
from assistant.training.registry import ModelRegistry
from assistant.training.runner import (
    INTERRUPTED_REASON,
    TrainingBusy,
    create_run,
    latest_run,
    mark_interrupted,
    pid_alive,
    rollback,
    runs,
    start_training,
)


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def add_run(status: str, pid: int | None, age_seconds: float = 0) -> int:
    with session_scope() as session:
        run = TrainingRun(
            status=status,
            started_by="lan",
            started_at=utcnow() - timedelta(seconds=age_seconds),
            pid=pid,
        )
        session.add(run)
        session.flush()
        return run.id


def status_of(run_id: int) -> TrainingRun:
    with session_scope() as session:
        return session.get(TrainingRun, run_id)


def test_pid_alive():
    assert pid_alive(os.getpid())
    assert not pid_alive(dead_pid())
    assert not pid_alive(None)
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    time.sleep(0.5)  # finished but not waited for: a zombie is not a running training
    assert not pid_alive(zombie.pid)


def test_a_second_run_is_refused_while_one_is_alive(database_url):
    running = add_run("training", os.getpid())
    with pytest.raises(TrainingBusy) as busy:
        create_run("hoa")
    assert busy.value.run_id == running
    assert f"#{running}" in str(busy.value)
    with session_scope() as session:
        assert [r.id for r in runs(session)] == [running]


def test_a_just_queued_run_without_a_process_yet_counts_as_busy(database_url):
    add_run("queued", None)
    with pytest.raises(TrainingBusy):
        create_run("hoa")


@pytest.mark.parametrize(
    "status, pid, age", [("training", "dead", 0), ("scoring", "dead", 0), ("queued", None, 600)]
)
def test_a_run_whose_process_is_gone_is_interrupted(database_url, status, pid, age):
    run_id = add_run(status, dead_pid() if pid == "dead" else pid, age)
    finished = add_run("accepted", None)
    with session_scope() as session:
        assert mark_interrupted(session) == 1
    run = status_of(run_id)
    assert run.status == "interrupted"
    assert run.reason == INTERRUPTED_REASON
    assert run.finished_at is not None
    assert status_of(finished).status == "accepted"
    # ...and it no longer blocks a new run.
    new_id = create_run("hoa")
    with session_scope() as session:
        assert latest_run(session).id == new_id
        assert latest_run(session).status == "queued"


def test_start_training_spawns_the_job_detached_and_stores_its_pid(
    database_url, monkeypatch, tmp_path
):
    calls = []

    class FakeProcess:
        pid = os.getpid()  # "alive" for as long as the test runs

    def fake_popen(command, **kwargs):
        calls.append((command, kwargs))
        return FakeProcess()

    monkeypatch.setattr(runner, "LOG_DIR", tmp_path)
    monkeypatch.setattr(runner.subprocess, "Popen", fake_popen)
    run_id = start_training("lan")
    (command, kwargs), = calls  # fmt: skip
    assert command[1:] == ["-m", "assistant.training.job", str(run_id)]
    assert kwargs["start_new_session"] is True
    assert kwargs["env"]["DATABASE_URL"] == database_url
    assert (tmp_path / f"training-{run_id}.log").exists()
    run = status_of(run_id)
    assert (run.status, run.pid, run.started_by) == ("queued", os.getpid(), "lan")
    with pytest.raises(TrainingBusy):
        start_training("hoa")
    assert len(calls) == 1


def test_rollback_switches_the_live_model_even_when_rasa_is_down(
    database_url, monkeypatch, tmp_path
):
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")  # discard port: nobody answers
    get_settings.cache_clear()
    old, new = tmp_path / "model-old.tar.gz", tmp_path / "candidate-new.tar.gz"
    old.write_bytes(b"x")
    new.write_bytes(b"y")
    with session_scope() as session:
        registry = ModelRegistry(session)
        old_id = registry.adopt(old).id
        registry.register(new, "", None, "live", "", "lan")
    version, loaded = rollback("hoa", old_id)
    assert (version.id, version.status, loaded) == (old_id, "live", False)
    with session_scope() as session:
        assert ModelRegistry(session).live().id == old_id
