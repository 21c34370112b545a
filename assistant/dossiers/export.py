"""The JSON export format of the provincial case-handling systems, written: what
:mod:`assistant.dossiers.importer` reads, so generate → file → import round-trips."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path
from typing import IO, Iterable, Union

from assistant.dossiers.records import DossierRecord


def _stamp(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S+07:00") if value else None


def to_export(record: DossierRecord) -> dict:
    """One dossier as the provincial systems' JSON export spells it."""
    modified = record.history[-1].at if record.history else record.received_at
    item = {
        "dossierNo": record.code,
        "dossierId": record.external_id,
        "procedureName": record.procedure_name,
        "sectorName": record.sector,
        "dossierStatusName": record.status_text,
        "acceptedDate": _stamp(record.received_at),
        "appointmentDate": _stamp(record.due_at),
        "completedDate": _stamp(record.completed_at),
        "returnedDate": _stamp(record.returned_at),
        "lastModifiedDate": _stamp(modified),
        "overDueByUser": False,
        "applicantName": record.applicant_name,
        "applicantPhone": record.applicant_phone,
        "agencyName": record.handling_unit,
        "history": [
            {
                "dossierStatusName": entry.status_text,
                "agencyName": entry.handling_unit,
                "date": _stamp(entry.at),
            }
            for entry in record.history
        ],
    }
    if record.applicant_id_number:
        item["applicantIdNumber"] = record.applicant_id_number
    return item


def write_json(records: Iterable[DossierRecord], path: Union[str, Path]) -> int:
    """Write dossiers as a JSON array, one dossier per line (``.jsonl``: JSON Lines;
    ``.gz``: compressed). Streams, so a million dossiers never sit in memory. Returns the
    number written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ".jsonl" in path.suffixes or ".ndjson" in path.suffixes
    opener = gzip.open if path.suffix == ".gz" else open
    count = 0
    handle: IO[str]
    with opener(path, "wt", encoding="utf-8") as handle:
        if not lines:
            handle.write("[")
        for record in records:
            text = json.dumps(to_export(record), ensure_ascii=False, separators=(",", ":"))
            if lines:
                handle.write(text + "\n")
            else:
                handle.write(("\n" if count == 0 else ",\n") + text)
            count += 1
        if not lines:
            handle.write("\n]\n")
    return count
