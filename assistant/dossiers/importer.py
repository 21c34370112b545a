"""``assistant dossiers import PATH``: load a case-handling system's export into the database.

Formats (JSON array, API page, JSON Lines, CSV in UTF-8 or Windows-1258) are read by
:mod:`assistant.dossiers.reading`, dates by :mod:`assistant.dossiers.dates`.

Fields: ``dossierNo`` (the code, required), ``dossierId``, ``procedureName``, ``sectorName``,
``dossierStatusName``, ``acceptedDate``, ``appointmentDate``, ``completedDate``,
``returnedDate``, ``lastModifiedDate``, ``applicantName``, ``applicantPhone``,
``applicantIdNumber``, ``agencyName``; ``overDueByUser`` is read by nobody, overdue is
derived from the dates. An optional ``history`` list of ``{dossierStatusName, agencyName,
date}`` (what :mod:`assistant.dossiers.generate` writes) fills the status history; without it
the history starts with the current status at ``lastModifiedDate``.

Dates may be ISO 8601 (with or without time and zone), ``dd/MM/yyyy``, ``dd/MM/yyyy
HH:mm[:ss]`` or epoch milliseconds. They are stored as naive local time (Asia/Ho_Chi_Minh,
UTC+7): zoned and epoch values are converted, zone-less ones are taken as already local. A
date that cannot be read becomes None and is counted as a warning; it never rejects a row.

Upserts by code in batches (one commit each), so importing twice changes nothing and an
interrupted import can simply be run again. A row without a valid code, with a broken JSON
line or with the wrong type in a text field is reported with its row number and skipped.
Dossiers are linked to catalog procedures of exactly the same (folded) name on the way in.
"""

from __future__ import annotations

import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Callable, List, Mapping, Tuple, Union

from assistant.catalog.repository import CatalogRepository, procedure_name_key
from assistant.db.batches import store_batch
from assistant.db.session import session_scope
from assistant.dossiers.dates import parse_datetime
from assistant.dossiers.reading import UnreadableFile, read_rows
from assistant.dossiers.records import (
    DossierRecord,
    HistoryEntry,
    is_mobile,
    is_valid_code,
    normalize_code,
)
from assistant.dossiers.repository import DossierRepository
from assistant.dossiers.statuses import DossierStatus, parse_status

BATCH = 1000


@dataclass
class DossierImportReport:
    path: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    linked: int = 0  # imported dossiers whose procedure name matched a catalog procedure
    errors: List[Tuple[object, str]] = field(default_factory=list)  # (row, why skipped)
    warnings: Counter = field(default_factory=Counter)  # what was read as empty, by kind
    encoding: str = ""
    seconds: float = 0.0

    @property
    def imported(self) -> int:
        return self.created + self.updated

    @property
    def rate(self) -> float:
        """Rows read per second."""
        return self.rows / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        lines = [
            f"{self.path}: {self.imported} dossiers ({self.created} new, {self.updated} updated),"
            f" {len(self.errors)} skipped, {self.seconds:.1f} s ({self.rate:,.0f} rows/s),"
            f" {self.linked} linked to catalog procedures"
        ]
        if self.encoding and self.encoding not in ("utf-8", "utf-8-sig"):
            lines.append(f"read as {self.encoding}")
        for kind, count in self.warnings.most_common():
            lines.append(f"  warning: {kind} × {count}")
        lines += [f"  row {row}: {reason}" for row, reason in self.errors[:20]]
        if len(self.errors) > 20:
            lines.append(f"  … and {len(self.errors) - 20} more")
        return "\n".join(lines)


@lru_cache(maxsize=4096)
def _status(text: str) -> DossierStatus:
    """parse_status, remembered: a file has a handful of distinct status names."""
    return parse_status(text)


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _text(raw: Mapping, key: str) -> str:
    """A text field, NFC and trimmed; numbers become text; anything else is a wrong type."""
    value = raw.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return _nfc(value.strip())
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    raise ValueError(f"{key}: expected text, got {type(value).__name__}")


def _date(raw: Mapping, key: str, warnings: Counter) -> datetime | None:
    try:
        return parse_datetime(raw.get(key))
    except ValueError:
        warnings[f"{key}: unreadable date"] += 1
        return None


def to_record(raw: object, warnings: Counter) -> DossierRecord:
    """One source row as a record; ValueError (with the reason) when the row must be skipped."""
    if not isinstance(raw, dict):
        raise ValueError(f"expected an object, got {type(raw).__name__}")
    code = raw.get("dossierNo")
    if code is None or (isinstance(code, str) and not code.strip()):
        raise ValueError("no dossierNo")
    if not isinstance(code, str):
        raise ValueError(f"dossierNo: expected text, got {type(code).__name__}")
    code = normalize_code(code)
    if not is_valid_code(code):
        raise ValueError(f"invalid dossier code {code[:80]!r}")
    status_text = _text(raw, "dossierStatusName")
    unit = _text(raw, "agencyName")
    record = DossierRecord(
        code=code,
        external_id=_text(raw, "dossierId") or None,
        procedure_name=_text(raw, "procedureName"),
        sector=_text(raw, "sectorName"),
        applicant_name=_text(raw, "applicantName"),
        applicant_phone=_text(raw, "applicantPhone"),
        applicant_id_number=_text(raw, "applicantIdNumber").replace(" ", "").upper() or None,
        received_at=_date(raw, "acceptedDate", warnings),
        due_at=_date(raw, "appointmentDate", warnings),
        completed_at=_date(raw, "completedDate", warnings),
        returned_at=_date(raw, "returnedDate", warnings),
        status=_status(status_text),
        status_text=status_text,
        handling_unit=unit,
    )
    if record.applicant_phone and not (
        is_mobile(record.applicant_phone)
        or (record.applicant_phone.startswith("02") and len(record.applicant_phone) == 11)
    ):
        warnings["applicantPhone: not a Vietnamese phone number"] += 1
    if status_text and record.status is DossierStatus.UNKNOWN:
        warnings["dossierStatusName: unknown status, kept as text"] += 1
    history = raw.get("history")
    if isinstance(history, list) and history:
        record.history = _history(history, warnings)
    else:
        modified = _date(raw, "lastModifiedDate", warnings)
        if modified is not None:
            record.history = [HistoryEntry(record.status, status_text, unit, modified)]
    return record


def _history(entries: list, warnings: Counter) -> List[HistoryEntry]:
    history = []
    for entry in entries:
        try:
            if not isinstance(entry, dict):
                raise ValueError("not an object")
            at = parse_datetime(entry.get("date"))
            if at is None:
                raise ValueError("no date")
            text = _text(entry, "dossierStatusName")
            history.append(HistoryEntry(_status(text), text, _text(entry, "agencyName"), at))
        except ValueError:
            warnings["history: unreadable entry skipped"] += 1
    return history


# --- importing ----------------------------------------------------------------------------


def import_dossiers(
    path: Union[str, Path],
    database_url: str | None = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH,
) -> DossierImportReport:
    """Import one export file; never raises for bad content, see the report's errors.

    ``progress`` is called with the number of rows read since its last call, once a batch.
    """
    report = DossierImportReport(path=str(path))
    started = time.perf_counter()
    with session_scope(database_url) as session:
        procedure_codes = CatalogRepository(session).procedure_codes()
    batch: List[Tuple[int, DossierRecord]] = []
    unreported = 0

    def store(items: List[Tuple[int, DossierRecord]]) -> None:
        with session_scope(database_url) as session:
            created, updated = DossierRepository(session).upsert_many(
                [record for _, record in items], procedure_codes
            )
        report.created += created  # counted only once committed
        report.updated += updated
        report.linked += sum(
            procedure_name_key(record.procedure_name) in procedure_codes for _, record in items
        )

    def flush() -> None:
        nonlocal unreported
        if batch:
            store_batch(batch, store, lambda item: item[0], report.errors)
        batch.clear()
        if progress and unreported:
            progress(unreported)
        unreported = 0

    encoding: List[str] = []
    try:
        for row, raw in read_rows(path, encoding):
            report.rows += 1
            unreported += 1
            if isinstance(raw, Exception):
                report.errors.append((row, str(raw) or type(raw).__name__))
                continue
            try:
                batch.append((row, to_record(raw, report.warnings)))
            except ValueError as error:
                report.errors.append((row, str(error)))
                continue
            if len(batch) >= batch_size:
                flush()
    except UnreadableFile as error:
        report.errors.append((0, f"file not imported: {error}"))
    except OSError as error:
        report.errors.append((0, f"cannot read the file: {error}"))
    flush()
    report.encoding = encoding[0] if encoding else "utf-8"
    report.seconds = time.perf_counter() - started
    return report
