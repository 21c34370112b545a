"""The only place that reads and writes dossiers, their history and verification attempts.

Imports arrive in batches of about a thousand dossiers, a million in a night, so writes are
set-based: one SELECT finds which codes of a batch exist, new dossiers and their history go
in as executemany INSERTs, and only rows whose values differ are UPDATEd. Lookups (what the
assistant does while a citizen waits) are one indexed query that brings the history along.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime
from typing import Dict, Iterable, Iterator, List, Mapping, Sequence, Tuple

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session, joinedload

from assistant.audit import utcnow
from assistant.db.models import (
    Dossier,
    DossierEvent,
    Procedure,
    SubmissionChannel,
    VerificationAttempt,
)
from assistant.dossiers.records import (
    DossierRecord,
    HistoryEntry,
    is_valid_code,
    normalize_code,
)
from assistant.dossiers.statuses import DossierStatus
from assistant.localtime import local_now
from assistant.text.normalize import fold

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


def procedure_name_key(name: str) -> str:
    """How dossier and catalog procedure names are compared: folded, spaces collapsed."""
    return " ".join(fold(name or "").split()).rstrip(" .;:")


def working_days(value: float | None, unit: str | None) -> int | None:
    """A catalog processing time in working days (calendar days scaled by 5/7), or None."""
    if value is None or value <= 0:
        return None
    unit = fold(unit or "")
    if "gio" in unit:
        return max(1, math.ceil(value / 8))
    if "thang" in unit:
        return math.ceil(value * 22)
    if "lam viec" in unit:
        return math.ceil(value)
    if "ngay" in unit:
        return max(1, math.ceil(value * 5 / 7))
    return None


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
        ``procedure_codes`` (from :meth:`procedure_codes`) links dossiers to the catalog on
        the way in; without it an existing link is kept.
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

    def procedure_codes(self) -> Dict[str, str]:
        """Catalog codes by :func:`procedure_name_key`, for names that identify one procedure.

        Exact folded names, not the fuzzy resolver: source systems copy the official name,
        and a wrong link would show a citizen another procedure's documents and fees. A name
        shared by several procedures links to the curated (seed/staff) one if exactly one
        is curated, else to none.
        """
        by_name: Dict[str, List[Tuple[str, str]]] = defaultdict(list)
        rows = self.session.execute(select(Procedure.code, Procedure.name, Procedure.source))
        for code, name, source in rows:
            by_name[procedure_name_key(name)].append((code, source))
        mapping: Dict[str, str] = {}
        for key, entries in by_name.items():
            curated = [code for code, source in entries if source != "national"]
            if len(entries) == 1:
                mapping[key] = entries[0][0]
            elif len(curated) == 1:
                mapping[key] = curated[0]
        return mapping

    def link_procedures(self, relink: bool = False) -> int:
        """Set ``procedure_code`` where the dossier's procedure name names one catalog entry.

        Run after a catalog import; only unlinked dossiers unless ``relink``. One UPDATE per
        distinct procedure name (hundreds), not per dossier. Returns the dossiers linked.
        """
        mapping = self.procedure_codes()
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

    def catalog_procedures(self, local_only: bool = True) -> List[Tuple[str, str, str, int | None]]:
        """(code, name, field, working days or None) of catalog procedures, for the generator.

        ``local_only`` keeps procedures handled at province or commune level: the ones a
        provincial case-handling system issues dossiers for.
        """
        days: Dict[int, int] = {}
        channels = select(
            SubmissionChannel.procedure_id,
            SubmissionChannel.processing_time_value,
            SubmissionChannel.processing_time_unit,
        )
        for procedure_id, value, unit in self.session.execute(channels):
            found = working_days(value, unit)
            if found is not None:
                days[procedure_id] = min(found, days.get(procedure_id, found))
        result = []
        rows = self.session.execute(
            select(
                Procedure.id, Procedure.code, Procedure.name, Procedure.field, Procedure.level
            ).order_by(Procedure.code)
        )
        for procedure_id, code, name, field_, level in rows:
            if local_only and "cap tinh" not in fold(level) and "cap xa" not in fold(level):
                continue
            result.append((code, name, field_, days.get(procedure_id)))
        return result

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

    # --- verification limits -------------------------------------------------------------

    def record_attempt(
        self, scope: str, key: str, succeeded: bool, at: datetime | None = None
    ) -> None:
        """Remember one ownership check. ``key`` is already a hash: no identifier is stored.

        Kept in the database, not in memory, so that limits hold across action-server
        processes and restarts. ``at`` is naive UTC (the default is now), the clock that
        :meth:`failures_since` and :meth:`prune_attempts` are given too.
        """
        self.session.add(
            VerificationAttempt(
                scope=scope, key=key, succeeded=int(bool(succeeded)), at=at or utcnow()
            )
        )
        self.session.flush()

    def failures_since(self, scope: str, key: str, since: datetime) -> int:
        """Failed checks for ``(scope, key)`` at or after ``since`` (one indexed count)."""
        return self.session.execute(
            select(func.count(VerificationAttempt.id)).where(
                VerificationAttempt.scope == scope,
                VerificationAttempt.key == key,
                VerificationAttempt.at >= since,
                VerificationAttempt.succeeded == 0,
            )
        ).scalar_one()

    def prune_attempts(self, before: datetime) -> int:
        """Forget attempts older than ``before``: they no longer count towards any limit."""
        result = self.session.execute(
            delete(VerificationAttempt).where(VerificationAttempt.at < before)
        )
        return result.rowcount or 0
