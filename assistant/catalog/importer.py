"""``assistant catalog import PATH``: load either catalog format into the database.

Upserts by code, so running it twice changes nothing; a malformed record is reported and
skipped; the catalog revision is bumped once at the end so running processes reload.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, List, Tuple, Union

from assistant.catalog.records import ProcedureRecord
from assistant.catalog.repository import CatalogRepository
from assistant.db.batches import store_batch
from assistant.db.session import session_scope

BATCH = 250

Item = Tuple[int, Union[ProcedureRecord, Exception]]


@dataclass
class ImportReport:
    path: str
    created: int = 0
    updated: int = 0
    errors: List[Tuple[object, str]] = field(default_factory=list)  # (line or code, why)
    with_documents: int = 0
    with_processing_time: int = 0
    with_fee: int = 0
    seconds: float = 0.0

    @property
    def imported(self) -> int:
        return self.created + self.updated

    def coverage(self) -> dict:
        n = self.imported or 1
        return {
            "documents": self.with_documents / n,
            "processing_time": self.with_processing_time / n,
            "fee": self.with_fee / n,
        }

    def summary(self) -> str:
        cov = self.coverage()
        lines = [
            f"{self.path}: {self.imported} procedures ({self.created} new, {self.updated} updated),"
            f" {len(self.errors)} skipped, {self.seconds:.1f} s",
            f"parse coverage: documents {cov['documents']:.1%},"
            f" processing time {cov['processing_time']:.1%}, fee {cov['fee']:.1%}",
        ]
        lines += [f"  record {pos}: {message}" for pos, message in self.errors[:20]]
        if len(self.errors) > 20:
            lines.append(f"  … and {len(self.errors) - 20} more")
        return "\n".join(lines)


def read_catalog(path: Union[str, Path]) -> Iterator[Item]:
    """Records of a national export (.jsonl, .jsonl.gz) or a seed file (.yml, .yaml)."""
    name = str(path).lower()
    if name.endswith((".yml", ".yaml")):
        from assistant.catalog.seed import iter_seed

        return iter_seed(path)
    from assistant.catalog.national import iter_records

    return iter_records(path)


def import_catalog(
    path: Union[str, Path],
    database_url: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    report = ImportReport(path=str(path))
    started = time.perf_counter()
    batch: List[ProcedureRecord] = []

    def store(records: List[ProcedureRecord]) -> None:
        with session_scope(database_url) as session:
            repo = CatalogRepository(session)
            created = [repo.upsert(record) for record in records]
        for record, new in zip(records, created):  # counted only once committed
            report.created += new
            report.updated += not new
            report.with_documents += bool(record.documents)
            report.with_processing_time += any(
                c.processing_time_value is not None for c in record.channels
            )
            report.with_fee += any(c.fee_amount is not None for c in record.channels)

    def flush() -> None:
        store_batch(batch, store, lambda record: record.code, report.errors)
        batch.clear()

    seen = set()
    for position, item in read_catalog(path):
        if progress:
            progress(1)
        if isinstance(item, Exception):
            report.errors.append((position, str(item) or type(item).__name__))
            continue
        if item.code in seen:
            report.errors.append((position, f"duplicate code {item.code} in the same file"))
            continue
        seen.add(item.code)
        batch.append(item)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    with session_scope(database_url) as session:
        CatalogRepository(session).bump_revision()
    report.seconds = time.perf_counter() - started
    return report
