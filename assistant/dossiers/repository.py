"""The only place that reads and writes dossiers and their history (verification attempts:
attempts.py; the catalog's procedure names they link to: CatalogRepository).

Imports arrive in batches of about a thousand dossiers, a million in a night, so writes are
set-based: one SELECT finds which codes of a batch exist, new dossiers and their history go
in as executemany INSERTs, and only rows whose values differ are UPDATEd. Lookups (what the
assistant does while a citizen waits) are one indexed query that brings the history along.
"""

from __future__ import annotations

from datetime import datetime
from typing import Dict, Iterable, Iterator, List, Mapping, Sequence, Tuple

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session, joinedload

from assistant.catalog.repository import procedure_name_key
from assistant.db.models import Dossier, DossierEvent
from assistant.dossiers.records import (
    DossierRecord,
    HistoryEntry,
    is_valid_code,
    normalize_code,
)
from assistant.dossiers.statuses import DossierStatus
from assistant.localtime import local_now

# Bound parameters per IN (...) list: far below SQLite's and PostgreSQL's limits.
IN_CHUNK = 500

_DOSSIERS = Dossier.__table__
_EVENTS = DossierEvent.__table__

# Columns an import writes, with their width (None: unbounded). Values are cut to fit so
# that one over-long name from a source system cannot fail a whole batch on PostgreSQL.
_COLUMNS: Dict[str, int | None] = {
    "external_id": 64,
    "procedure_name": None,
    "sector": 255,
    "applicant_name": 255,
    "applicant_phone": 32,
    "applicant_id_number": 32,
    "received_at": None,
    "due_at": None,
    "completed_at": None,
    "returned_at": None,
    "status": 32,
    "status_text": 255,
    "handling_unit": 255,
}


def _clip(value, width: int | None):
    if width is not None and isinstance(value, str) and len(value) > width:
        return value[:width]
    return value


def _values(record: DossierRecord) -> Dict[str, object]:
    values = {
        "external_id": record.external_id,
        "procedure_name": record.procedure_name or "",
        "sector": record.sector or "",
        "applicant_name": record.applicant_name or "",
        "applicant_phone": record.applicant_phone or "",
        "applicant_id_number": record.applicant_id_number,
        "received_at": record.received_at,
        "due_at": record.due_at,
        "completed_at": record.completed_at,
        "returned_at": record.returned_at,
        "status": record.status.value,
        "status_text": record.status_text or "",
        "handling_unit": record.handling_unit or "",
    }
    return {name: _clip(value, _COLUMNS[name]) for name, value in values.items()}


def _status_changed(stored_status: str, stored_text: str, record: DossierRecord) -> bool:
    """A new status, or for statuses we cannot name, new wording (the only thing we have)."""
    if stored_status != record.status.value:
        return True
    return record.status is DossierStatus.UNKNOWN and stored_text != _clip(record.status_text, 255)


def _status_time(record: DossierRecord) -> datetime | None:
    """When the current status was most likely reached, from the record's own dates."""
    if record.status is DossierStatus.RETURNED:
        return record.returned_at or record.completed_at
    if record.status in (DossierStatus.READY, DossierStatus.CANCELLED, DossierStatus.REJECTED):
        return record.completed_at or record.received_at
    return record.received_at


def _event(dossier_id: int, entry: HistoryEntry) -> Dict[str, object]:
    return {
        "dossier_id": dossier_id,
        "status": entry.status.value,
        "status_text": _clip(entry.status_text or "", 255),
        "handling_unit": _clip(entry.handling_unit or "", 255),
        "at": entry.at,
    }


def _current(record: DossierRecord, at: datetime) -> HistoryEntry:
    return HistoryEntry(record.status, record.status_text, record.handling_unit, at)


def _unique_runs(records: Iterable[DossierRecord]) -> Iterator[List[DossierRecord]]:
    """Consecutive runs without a repeated code, so a code seen twice is applied in order."""
    run: List[DossierRecord] = []
    seen: set = set()
    for record in records:
        if record.code in seen:
            yield run
            run, seen = [], set()
        run.append(record)
        seen.add(record.code)
    if run:
        yield run


class DossierRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- writing dossiers ----------------------------------------------------------------

    def upsert_many(
        self,
        records: Sequence[DossierRecord],
        procedure_codes: Mapping[str, str] | None = None,
    ) -> Tuple[int, int]:
        """Insert or update dossiers by code; returns (created, updated).

        ``updated`` counts codes that already existed, whether or not a value differed (an
        unchanged row is not written). History grows only when the status changes: a new
        dossier gets its record's history (or one entry for its current status), an existing
        one gets the record's entries newer than what is stored, ending in the new status.
        ``procedure_codes`` (from CatalogRepository.procedure_codes) links dossiers to the
        catalog on the way in; without it an existing link is kept.
        """
        created = updated = 0
        for run in _unique_runs(records):
            new, old = self._upsert_run(run, procedure_codes)
            created += new
            updated += old
        return created, updated

    def _upsert_run(
        self, records: List[DossierRecord], procedure_codes: Mapping[str, str] | None
    ) -> Tuple[int, int]:
        columns = [_DOSSIERS.c[name] for name in _COLUMNS]
        existing = {
            row.code: row
            for row in self._rows_in(
                select(_DOSSIERS.c.id, _DOSSIERS.c.code, _DOSSIERS.c.procedure_code, *columns),
                _DOSSIERS.c.code,
                [r.code for r in records],
            )
        }
        now = local_now()
        inserts: List[Dict[str, object]] = []
        fresh: List[DossierRecord] = []
        changes: List[Dict[str, object]] = []
        moved: List[Tuple[int, DossierRecord]] = []
        for record in records:
            values = _values(record)
            linked = None
            if procedure_codes:
                linked = procedure_codes.get(procedure_name_key(record.procedure_name))
            row = existing.get(record.code)
            if row is None:
                inserts.append({"code": record.code, "procedure_code": linked, **values})
                fresh.append(record)
                continue
            values["procedure_code"] = linked or row.procedure_code
            if any(getattr(row, name) != value for name, value in values.items()):
                changes.append({"_id": row.id, **{f"_{k}": v for k, v in values.items()}})
            if _status_changed(row.status, row.status_text, record):
                moved.append((row.id, record))

        events: List[Dict[str, object]] = []
        if inserts:
            self.session.execute(insert(_DOSSIERS), inserts)
            ids = {
                row.code: row.id
                for row in self._rows_in(
                    select(_DOSSIERS.c.id, _DOSSIERS.c.code),
                    _DOSSIERS.c.code,
                    [r.code for r in fresh],
                )
            }
            for record in fresh:
                history = sorted(record.history, key=lambda e: e.at)
                if not history:
                    history = [_current(record, _status_time(record) or now)]
                events += [_event(ids[record.code], entry) for entry in history]
        if changes:
            names = list(_COLUMNS) + ["procedure_code"]
            statement = (
                update(_DOSSIERS)
                .where(_DOSSIERS.c.id == bindparam("_id"))
                .values({name: bindparam(f"_{name}") for name in names})
            )
            self.session.execute(statement, changes)
        if moved:
            events += self._status_events(moved, now)
        if events:
            self.session.execute(insert(_EVENTS), events)
        return len(inserts), len(records) - len(inserts)

    def _status_events(
        self, moved: List[Tuple[int, DossierRecord]], now: datetime
    ) -> List[Dict[str, object]]:
        last = dict(
            self._rows_in(
                select(_EVENTS.c.dossier_id, func.max(_EVENTS.c.at)).group_by(_EVENTS.c.dossier_id),
                _EVENTS.c.dossier_id,
                [dossier_id for dossier_id, _ in moved],
            )
        )
        events: List[Dict[str, object]] = []
        for dossier_id, record in moved:
            since = last.get(dossier_id)
            history = sorted(record.history, key=lambda e: e.at)
            newer = [e for e in history if since is None or e.at > since]
            if not newer or newer[-1].status is not record.status:
                at = _status_time(record)
                if at is None or (since is not None and at <= since):
                    at = max(now, since) if since else now
                newer.append(_current(record, at))
            events += [_event(dossier_id, entry) for entry in newer]
        return events

    def _rows_in(self, statement, column, values: List) -> Iterator:
        """``statement`` filtered by ``column IN values``, a few hundred parameters at a time."""
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start : start + IN_CHUNK]
            yield from self.session.execute(statement.where(column.in_(chunk)))

    def existing_codes(self, codes: Sequence[str]) -> set:
        """Which of these codes are already stored (so synthetic data never overwrites them)."""
        return {row[0] for row in self._rows_in(select(Dossier.code), Dossier.code, list(codes))}

    # --- linking to the catalog ----------------------------------------------------------

    def link_procedures(self, mapping: Mapping[str, str], relink: bool = False) -> int:
        """Set ``procedure_code`` where the dossier's procedure name names one catalog entry
        (``mapping``: CatalogRepository.procedure_codes).

        Run after a catalog import; only unlinked dossiers unless ``relink``. One UPDATE per
        distinct procedure name (hundreds), not per dossier. Returns the dossiers linked.
        """
        names = select(Dossier.procedure_name).distinct()
        if not relink:
            names = names.where(Dossier.procedure_code.is_(None))
        linked = 0
        for name in self.session.execute(names).scalars().all():
            code = mapping.get(procedure_name_key(name))
            if code is None:
                continue
            statement = (
                update(_DOSSIERS)
                .where(_DOSSIERS.c.procedure_name == name)
                .values(procedure_code=code)
            )
            if not relink:
                statement = statement.where(_DOSSIERS.c.procedure_code.is_(None))
            linked += self.session.execute(statement).rowcount or 0
        return linked

    # --- reading -------------------------------------------------------------------------

    def get(self, code: str) -> Dossier | None:
        """The dossier with its history, in one indexed query; None for unknown or malformed.

        A malformed code never reaches the database: the caller is a chat message.
        """
        if not isinstance(code, str):
            return None
        code = normalize_code(code)
        if not is_valid_code(code):
            return None
        return (
            self.session.execute(
                select(Dossier).where(Dossier.code == code).options(joinedload(Dossier.history))
            )
            .unique()
            .scalar_one_or_none()
        )

    def count(self) -> int:
        return self.session.execute(select(func.count(Dossier.id))).scalar_one()
