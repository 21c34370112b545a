"""`assistant cluster replica`: Rasa's command line with the model that is live now."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.cli import main
from assistant.cluster import replica
from assistant.settings import get_settings


@pytest.fixture
def executed(monkeypatch):
    calls = []
    monkeypatch.setattr(replica.os, "execv", lambda path, argv: calls.append(argv))
    monkeypatch.setattr(replica.os, "chdir", lambda path: None)
    return calls


def test_a_replica_serves_the_registrys_live_model(database_url, tmp_path, monkeypatch, executed):
    from assistant.db.session import session_scope
    from assistant.training.registry import ModelRegistry

    live = tmp_path / "model-retrained.tar.gz"
    live.write_bytes(b"model")
    with session_scope() as session:
        ModelRegistry(session).adopt(live)
    monkeypatch.setenv("RASA_API_TOKEN", "shared-token")
    get_settings.cache_clear()
    endpoints = tmp_path / "endpoints.yml"
    assert main(["cluster", "replica", "--port", "5006", "--endpoints", str(endpoints)]) == 0
    [argv] = executed
    assert argv[1:4] == ["-m", "rasa", "run"]
    assert argv[argv.index("--model") + 1] == str(live.resolve())
    assert argv[argv.index("--port") + 1] == "5006"
    assert argv[argv.index("--interface") + 1] == "127.0.0.1"
    assert argv[argv.index("--endpoints") + 1] == str(endpoints)
    assert "--enable-api" in argv and "--auth-token=shared-token" in argv


def test_without_a_registered_model_the_developer_build_is_served(
    database_url, monkeypatch, executed
):
    build = Path("/models/model-abc.tar.gz")
    monkeypatch.setattr("assistant.modelstore.current_model", lambda: build)
    assert replica.exec_replica(5005, Path("/tmp/e.yml")) == 0
    assert executed[0][executed[0].index("--model") + 1] == str(build)


def test_no_model_at_all_is_an_error_not_a_training(database_url, monkeypatch, executed, capsys):
    monkeypatch.setattr("assistant.modelstore.current_model", lambda: None)
    assert replica.exec_replica(5005, Path("/tmp/e.yml")) == 2
    assert not executed
    assert "make model" in capsys.readouterr().err
