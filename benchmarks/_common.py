"""Helpers shared by the benchmark scripts: a scratch database and a JSON report."""

from __future__ import annotations

import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.settings import get_settings  # noqa: E402
from assistant.timings import percentile  # noqa: E402,F401  (the benchmarks import it from here)

REPORTS = ROOT / "benchmarks" / "reports"


def scratch_database() -> str:
    return f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/bench.db"


def national_snapshot() -> Path:
    path = get_settings().national_catalog
    if not path.exists():
        sys.exit(f"national snapshot not found at {path}; set NATIONAL_CATALOG")
    return path


def write_report(name: str, figures: dict) -> Path:
    REPORTS.mkdir(parents=True, exist_ok=True)
    figures = {
        "benchmark": name,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"python": platform.python_version(), "processor": platform.machine()},
        **figures,
    }
    path = REPORTS / f"{name}.json"
    path.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"report: {path.relative_to(ROOT)}")
    return path
