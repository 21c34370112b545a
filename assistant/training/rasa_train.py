"""``rasa train`` in a child process: its output read line by line as it comes (progress bars
included), stopped with the run, and its failure told with the last lines Rasa wrote."""

from __future__ import annotations

import codecs
import collections
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator

from assistant.settings import PROJECT_ROOT, get_settings
from assistant.training.progress import clean


class TrainingFailed(RuntimeError):
    """``rasa train`` exited with an error or wrote no model."""

    def __init__(self, message: str, tail: str = "") -> None:
        super().__init__(message)
        self.tail = tail


def output_lines(stream) -> Iterator[str]:
    """Lines of a child's output, split at carriage returns too (tqdm redraws with them)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    buffer = ""
    while chunk := os.read(stream.fileno(), 65536):
        buffer += decoder.decode(chunk)
        *complete, buffer = re.split(r"[\r\n]", buffer)
        yield from (line for line in complete if line.strip())
    buffer += decoder.decode(b"", final=True)
    if buffer.strip():
        yield buffer


def training_env() -> dict:
    return {
        **os.environ,
        "DATABASE_URL": get_settings().database_url,
        "PYTHONPATH": str(PROJECT_ROOT),
        "LOG_LEVEL": "INFO",  # the stage lines are INFO; below INFO Rasa also hides its bars
        "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
    }


def train_candidate(data_dir: Path, name: str, on_line: Callable[[str], None]) -> Path:
    """``rasa train`` on ``data_dir`` into MODELS_DIR as ``<name>.tar.gz``."""
    models_dir = get_settings().models_dir
    models_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "rasa", "train",
        "--config", "config.yml", "--domain", "domain.yml", "--data", str(data_dir),
        "--out", str(models_dir), "--fixed-model-name", name,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=training_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    tail: collections.deque = collections.deque(maxlen=15)
    try:
        for line in output_lines(process.stdout):
            tail.append(clean(line))
            on_line(line)
        code = process.wait()
    finally:
        if process.poll() is None:  # we are being stopped: do not leave Rasa training
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        process.stdout.close()
    path = models_dir / f"{name}.tar.gz"
    if code != 0:
        raise TrainingFailed(f"Rasa dừng với mã lỗi {code}", "\n".join(tail))
    if not path.exists():
        raise TrainingFailed("Rasa không ghi ra tệp mô hình", "\n".join(tail))
    return path
