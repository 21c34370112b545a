"""The only place that reads and writes the catalog tables."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime
from typing import Dict, Iterable, List, Tuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from assistant.catalog.records import Channel, Document, LegalBasis, ProcedureRecord
from assistant.catalog.search import Entry
from assistant.db.models import (
    CatalogState,
    LegalDocument,
    Procedure,
    ProcedureAlias,
    RequiredDocument,
    SubmissionChannel,
)
from assistant.text.normalize import fold, nfc


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


def _clean_alias(alias: str) -> str:
    return " ".join(nfc(alias).split()).lower()[:255]


class CatalogRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- writing -------------------------------------------------------------------------

    def upsert(self, record: ProcedureRecord) -> bool:
        """Insert or replace one procedure by code; returns True if it was new.

        Aliases are merged, not replaced: an import must never drop what staff added.
        """
        procedure = self.session.execute(
            select(Procedure).where(Procedure.code == record.code)
        ).scalar_one_or_none()
        created = procedure is None
        if created:
            procedure = Procedure(code=record.code)
            self.session.add(procedure)
        elif record.source == "national" and procedure.source != "national":
            # The project's curated text (seed or staff) wins over a raw national re-import;
            # only new aliases are taken.
            self._merge_aliases(procedure, record)
            return False
        procedure.name = record.name
        procedure.field = record.field[:255]
        procedure.level = record.level[:255]
        procedure.agencies = list(record.agencies)
        procedure.reception_address = record.reception_address
        procedure.steps = list(record.steps)
        procedure.conditions = record.conditions
        procedure.result = record.result
        procedure.source_url = record.source_url
        procedure.source = record.source
        procedure.updated_at = datetime.utcnow()
        procedure.channels = [
            SubmissionChannel(
                position=i,
                channel=c.channel[:64],
                processing_time_text=c.processing_time_text,
                processing_time_value=c.processing_time_value,
                processing_time_unit=c.processing_time_unit,
                fee_text=c.fee_text,
                fee_amount=c.fee_amount,
                description=c.description,
            )
            for i, c in enumerate(record.channels)
        ]
        procedure.documents = [
            RequiredDocument(
                position=i,
                name=d.name,
                originals=d.originals,
                copies=d.copies,
                form_template=d.form_template,
                group=d.group[:255],
            )
            for i, d in enumerate(record.documents)
        ]
        procedure.legal_basis = [
            LegalDocument(position=i, title=b.title, number=b.number[:128])
            for i, b in enumerate(record.legal_basis)
        ]
        self._merge_aliases(procedure, record)
        return created

    @staticmethod
    def _merge_aliases(procedure: Procedure, record: ProcedureRecord) -> None:
        known = {fold(a.alias) for a in procedure.aliases}
        for alias in record.aliases:
            cleaned = _clean_alias(alias)
            if cleaned and fold(cleaned) not in known:
                procedure.aliases.append(ProcedureAlias(alias=cleaned, source=record.source))
                known.add(fold(cleaned))

    def add_alias(
        self, code: str, alias: str, source: str = "staff", actor: str | None = None
    ) -> bool:
        """Add a colloquial name; with ``actor`` (a staff change) it is also audited."""
        procedure = self._get(code)
        if procedure is None:
            raise KeyError(code)
        cleaned = _clean_alias(alias)
        if not cleaned or fold(cleaned) in {fold(a.alias) for a in procedure.aliases}:
            return False
        procedure.aliases.append(ProcedureAlias(alias=cleaned, source=source))
        self.bump_revision()
        if actor is not None:
            from assistant import audit

            audit.record(
                self.session, actor, "alias.create", "procedure", code, after={"alias": cleaned}
            )
        return True

    def bump_revision(self) -> int:
        state = self.session.get(CatalogState, 1)
        if state is None:
            state = CatalogState(id=1, revision=0)
            self.session.add(state)
        state.revision = (state.revision or 0) + 1
        state.changed_at = datetime.utcnow()
        self.session.flush()
        return state.revision

    # --- reading -------------------------------------------------------------------------

    def revision(self) -> int:
        state = self.session.get(CatalogState, 1)
        return state.revision if state else 0

    def revision_state(self) -> Tuple[int, datetime | None]:
        """The revision and when the catalog last changed (naive UTC; None if never)."""
        state = self.session.get(CatalogState, 1)
        return (state.revision, state.changed_at) if state else (0, None)

    def count(self) -> int:
        return self.session.execute(select(func.count(Procedure.id))).scalar_one()

    def index_entries(self) -> List[Entry]:
        rows = self.session.execute(
            select(Procedure).options(selectinload(Procedure.aliases))
        ).scalars()
        return [Entry(p.code, p.name, p.level, tuple(a.alias for a in p.aliases)) for p in rows]

    def get(self, code: str) -> ProcedureRecord | None:
        procedure = self._get(code)
        return _to_record(procedure) if procedure else None

    def names(self, codes: Iterable[str]) -> dict:
        """code → name for those of ``codes`` in the catalog."""
        codes = list(codes)
        if not codes:
            return {}
        query = select(Procedure.code, Procedure.name).where(Procedure.code.in_(codes))
        return {code: name for code, name in self.session.execute(query)}

    def _get(self, code: str) -> Procedure | None:
        return self.session.execute(
            select(Procedure)
            .where(Procedure.code == code)
            .options(
                selectinload(Procedure.aliases),
                selectinload(Procedure.channels),
                selectinload(Procedure.documents),
                selectinload(Procedure.legal_basis),
            )
        ).scalar_one_or_none()

    def codes(self) -> Iterable[str]:
        return self.session.execute(select(Procedure.code)).scalars().all()

    # --- for the dossiers --------------------------------------------------------------

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


def _to_record(p: Procedure) -> ProcedureRecord:
    return ProcedureRecord(
        code=p.code,
        name=p.name,
        aliases=[a.alias for a in p.aliases],
        field=p.field,
        level=p.level,
        agencies=list(p.agencies or []),
        reception_address=p.reception_address,
        steps=list(p.steps or []),
        channels=[
            Channel(
                c.channel,
                c.processing_time_text,
                c.processing_time_value,
                c.processing_time_unit,
                c.fee_text,
                c.fee_amount,
                c.description,
            )
            for c in p.channels
        ],
        documents=[
            Document(d.name, d.originals, d.copies, d.form_template, d.group) for d in p.documents
        ],
        conditions=p.conditions,
        legal_basis=[LegalBasis(b.title, b.number) for b in p.legal_basis],
        result=p.result,
        source_url=p.source_url,
        source=p.source,
    )
