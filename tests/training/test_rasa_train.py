"""``rasa train`` as a child process: its output read as it comes, its failures told with
Rasa's last lines. A shell script stands in for Rasa (a real training is ``make model``'s)."""

from __future__ import annotations

import os
import threading

import pytest

from assistant.settings import get_settings
from assistant.training import rasa_train
from assistant.training.rasa_train import TrainingFailed, output_lines, train_candidate


def test_output_is_split_at_carriage_returns_like_a_terminal_would():
    read_end, write_end = os.pipe()
    chunks = [
        b"Epochs:   0%|  | 0/3\rEpochs:  33%|  | 1/3\rEp",
        b"ochs: 100%|  | 3/3\n",
        "Đã xong\n\n".encode()[:5],  # a multi-byte character cut between two reads
        "Đã xong\n\n".encode()[5:] + b"last line without newline",
    ]

    def write() -> None:
        for chunk in chunks:
            os.write(write_end, chunk)
        os.close(write_end)

    thread = threading.Thread(target=write)
    thread.start()
    with os.fdopen(read_end, "rb") as stream:
        lines = list(output_lines(stream))
    thread.join()
    assert lines == [
        "Epochs:   0%|  | 0/3",
        "Epochs:  33%|  | 1/3",
        "Epochs: 100%|  | 3/3",
        "Đã xong",
        "last line without newline",
    ]


@pytest.fixture
def fake_rasa(tmp_path, monkeypatch):
    """A shell script as the interpreter ``rasa train`` runs with; (models dir, install)."""
    models = tmp_path / "models"
    monkeypatch.setenv("MODELS_DIR", str(models))
    get_settings.cache_clear()

    def install(body: str) -> None:
        script = tmp_path / "python"
        # "$@" is: -m rasa train --config C --domain D --data DATA --out OUT --fixed-model-name N
        script.write_text("#!/bin/sh\n" + body + "\n")
        script.chmod(0o755)
        monkeypatch.setattr(rasa_train.sys, "executable", str(script))

    yield models, install
    get_settings.cache_clear()


def test_a_trained_model_is_found_and_every_line_is_passed_on(fake_rasa, tmp_path):
    models, install = fake_rasa
    install(
        "echo \"Starting to train component 'DIETClassifier'.\"\n"
        "printf 'Epochs:  50%%|\\rEpochs: 100%%|\\n'\n"
        'touch "${11}/${13}.tar.gz"'
    )
    seen = []
    path = train_candidate(tmp_path / "data", "candidate-1", seen.append)
    assert path == models / "candidate-1.tar.gz" and path.exists()
    assert seen == [
        "Starting to train component 'DIETClassifier'.",
        "Epochs:  50%|",
        "Epochs: 100%|",
    ]


def test_a_failed_training_says_its_exit_code_and_keeps_rasas_last_lines(fake_rasa, tmp_path):
    _, install = fake_rasa
    install('for i in $(seq 1 30); do echo "line $i"; done\necho "ValueError: bad data"\nexit 3')
    with pytest.raises(TrainingFailed) as failure:
        train_candidate(tmp_path / "data", "candidate-2", lambda line: None)
    assert str(failure.value) == "Rasa dừng với mã lỗi 3"
    tail = failure.value.tail.splitlines()
    assert len(tail) == 15 and tail[0] == "line 17"  # the last 15 lines only
    assert tail[-1] == "ValueError: bad data"


def test_a_training_that_writes_no_model_fails(fake_rasa, tmp_path):
    _, install = fake_rasa
    install('echo "done"')
    with pytest.raises(TrainingFailed, match="không ghi ra tệp mô hình"):
        train_candidate(tmp_path / "data", "candidate-3", lambda line: None)


def test_the_training_runs_with_the_applications_database_and_info_logs(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/elsewhere.db")
    get_settings.cache_clear()
    try:
        env = rasa_train.training_env()
    finally:
        get_settings.cache_clear()
    assert env["DATABASE_URL"] == "sqlite:////tmp/elsewhere.db"
    assert env["LOG_LEVEL"] == "INFO"  # Rasa's stage lines, which the progress bar reads
