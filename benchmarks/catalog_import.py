"""Import the whole national snapshot (then the seed) into a scratch SQLite database.

Prints the time, the rate and the parse coverage; writes benchmarks/reports/catalog_import.json.
Targets: under 60 s, coverage >= 95 % for documents and processing time.
"""

from __future__ import annotations

import time

from _common import ROOT, national_snapshot, scratch_database, write_report
from tqdm import tqdm

from assistant.catalog.importer import import_catalog
from assistant.db.migrate import upgrade


def main() -> None:
    url = scratch_database()
    upgrade(url)
    path = national_snapshot()
    started = time.perf_counter()
    with tqdm(total=2642, desc="national import", unit=" thủ tục", mininterval=1.0) as bar:
        report = import_catalog(path, url, progress=bar.update)
    seconds = time.perf_counter() - started
    print(report.summary())
    again = time.perf_counter()
    second = import_catalog(path, url)
    reimport_seconds = time.perf_counter() - again
    seed = import_catalog(ROOT / "data" / "catalog" / "seed.yml", url)
    cov = report.coverage()
    print(
        f"\nnational import: {report.imported} procedures in {seconds:.1f} s "
        f"({report.imported / seconds:.0f}/s), {len(report.errors)} skipped; "
        f"re-import (all updates) {reimport_seconds:.1f} s, {second.created} new"
    )
    print(
        f"coverage: documents {cov['documents']:.1%}, processing time "
        f"{cov['processing_time']:.1%}, fee amount {cov['fee']:.1%}"
    )
    print(f"seed: {seed.imported} procedures, {len(seed.errors)} skipped")
    write_report(
        "catalog_import",
        {
            "procedures": report.imported,
            "skipped": len(report.errors),
            "seconds": round(seconds, 2),
            "reimport_seconds": round(reimport_seconds, 2),
            "coverage": {k: round(v, 4) for k, v in cov.items()},
            "seed_procedures": seed.imported,
            "targets": {"seconds": 60, "documents": 0.95, "processing_time": 0.95},
        },
    )


if __name__ == "__main__":
    main()
