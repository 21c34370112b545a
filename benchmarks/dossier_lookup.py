"""Dossier import rate and lookup latency on SQLite and on a throw-away PostgreSQL.

Generates N synthetic dossiers (default 1,000,000) into the JSON export format, imports the
file into a scratch SQLite database and into a private PostgreSQL (assistant.devservices;
skipped with a note when the server binaries are missing), then times random lookups by code
through DossierRepository.get, each in a fresh short session as the action server does them.
Prints the figures and writes benchmarks/reports/dossier_lookup.json.
Target: lookup p95 <= 5 ms.

    .venv/bin/python benchmarks/dossier_lookup.py [--count N] [--lookups 2000] [--keep]
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

from _common import percentile, write_report
from tqdm import tqdm

from assistant.db.migrate import upgrade
from assistant.db.session import dispose_engines, session_scope
from assistant.devservices import ServiceUnavailable, start_postgres
from assistant.dossiers.export import write_json
from assistant.dossiers.generate import generate_dossiers
from assistant.dossiers.importer import import_dossiers
from assistant.dossiers.repository import DossierRepository

TARGET_P95_MS = 5.0
WARMUP = 50  # a long-running action server has a warm connection pool


def generate(count: int, lookups: int, seed: int, path: Path) -> tuple[list, float]:
    """Write the export file; return codes sampled for lookups and the seconds it took."""
    rng = random.Random(seed)
    wanted = set(rng.sample(range(count), min(count, lookups + WARMUP)))
    codes = []
    started = time.perf_counter()
    with tqdm(total=count, desc="generate", unit=" hồ sơ", mininterval=1.0) as bar:

        def tapped():
            for index, record in enumerate(generate_dossiers(count, seed, today=date.today())):
                if index in wanted:
                    codes.append(record.code)
                bar.update(1)
                yield record

        write_json(tapped(), path)
    rng.shuffle(codes)
    return codes, time.perf_counter() - started


def load(name: str, url: str, path: Path, count: int) -> dict:
    upgrade(url)
    with tqdm(total=count, desc=f"import {name}", unit=" hồ sơ", mininterval=1.0) as bar:
        report = import_dossiers(path, url, progress=bar.update)
    print(report.summary())
    return {
        "dossiers": report.imported,
        "skipped": len(report.errors),
        "seconds": round(report.seconds, 1),
        "rows_per_second": round(report.rate),
    }


def lookups(url: str, codes: list) -> dict:
    def one(code: str) -> float:
        started = time.perf_counter()
        with session_scope(url) as session:
            dossier = DossierRepository(session).get(code)
            assert dossier is not None and dossier.history, code
        return (time.perf_counter() - started) * 1000

    for code in codes[:WARMUP]:
        one(code)
    times = [one(code) for code in codes[WARMUP:]]
    return {
        "lookups": len(times),
        "p50_ms": round(percentile(times, 50), 3),
        "p95_ms": round(percentile(times, 95), 3),
        "p99_ms": round(percentile(times, 99), 3),
        "max_ms": round(max(times), 3),
    }


def measure(name: str, url: str, path: Path, count: int, codes: list) -> dict:
    figures = load(name, url, path, count)
    figures.update(lookups(url, codes))
    print(
        f"{name}: import {figures['rows_per_second']:,}/s ({figures['seconds']} s); lookup"
        f" p50 {figures['p50_ms']:.2f} ms, p95 {figures['p95_ms']:.2f} ms,"
        f" max {figures['max_ms']:.2f} ms over {figures['lookups']} lookups"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", action="store_true", help="keep the scratch files")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-dossiers-"))
    export = scratch / "dossiers.json"
    results: dict = {"count": args.count, "target_p95_ms": TARGET_P95_MS}
    try:
        codes, seconds = generate(args.count, args.lookups, args.seed, export)
        results["generate"] = {
            "seconds": round(seconds, 1),
            "per_second": round(args.count / seconds),
            "file_mb": round(export.stat().st_size / 1e6, 1),
        }
        print(f"generated {args.count:,} dossiers in {seconds:.1f} s, {results['generate']}")

        sqlite_url = f"sqlite:///{scratch / 'dossiers.db'}"
        results["sqlite"] = measure("sqlite", sqlite_url, export, args.count, codes)
        results["sqlite"]["file_mb"] = round((scratch / "dossiers.db").stat().st_size / 1e6, 1)

        try:
            postgres = start_postgres(scratch / "postgres")
        except ServiceUnavailable as error:
            print(f"PostgreSQL skipped: {error}")
            results["postgres"] = {"skipped": str(error)}
        else:
            with postgres:
                try:
                    results["postgres"] = measure(
                        "postgres", postgres.url, export, args.count, codes
                    )
                finally:
                    dispose_engines()
    finally:
        dispose_engines()
        if args.keep:
            print(f"scratch files kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    write_report("dossier_lookup", results)


if __name__ == "__main__":
    main()
