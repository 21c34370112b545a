"""Which trained model matches the current training data, config and NLU code.

A model is named after a fingerprint of everything that shapes it, so ``make run`` trains
only when something changed, and a second run reuses the model it finds.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from pathlib import Path
from typing import Iterable

from assistant.settings import PROJECT_ROOT

MODEL_DIR = PROJECT_ROOT / "models"
# The code that turns text into features: the NLU components and the text toolkit they read
# text with. A change there changes what a model learns, so it must change the fingerprint.
FEATURE_CODE = ("assistant/nlu", "assistant/text")
TRAINING_INPUTS = ("config.yml", "domain.yml", "data", *FEATURE_CODE)


def _files(paths: Iterable[str]) -> Iterable[Path]:
    for name in paths:
        path = PROJECT_ROOT / name
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml", ".py")
            )


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in _files(TRAINING_INPUTS):
        if path.parent.name == "catalog" and path.parent.parent.name == "data":
            continue  # the catalog is searched live, it does not shape the model
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(fp: str | None = None) -> Path:
    return MODEL_DIR / f"model-{fp or fingerprint()}.tar.gz"


def current_model() -> Path | None:
    path = model_path()
    return path if path.exists() else None


def record_training(fp: str, seconds: float) -> None:
    """Keep how long a model took to train next to it (read by the evaluation report)."""
    meta = {
        "seconds": round(seconds, 1),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }
    (MODEL_DIR / f"model-{fp}.json").write_text(json.dumps(meta), encoding="utf-8")


def training_record(fp: str | None = None) -> dict | None:
    path = MODEL_DIR / f"model-{fp or fingerprint()}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
