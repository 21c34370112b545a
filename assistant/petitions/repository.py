"""The only place that reads and writes petitions, their yearly counters and their photos.

(Followers and notifications are in ``followers.py``.) Codes come from ``petition_counters``:
one row per year, created if missing with an INSERT that ignores a conflict, then incremented
in the submitting transaction. The UPDATE holds the row (PostgreSQL) or the database
(SQLite) until commit, so two submissions at the same moment get consecutive numbers, never
the same one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Iterable, List, Sequence, Tuple

from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, defer

from assistant.audit import utcnow
from assistant.db.models import AuditEntry, Petition, PetitionCounter, PetitionPhoto
from assistant.petitions.codes import format_code
from assistant.petitions.statuses import OPEN


def insert_ignoring_conflicts(session: Session, model):
    """An INSERT that can skip rows already there (``.on_conflict_do_nothing()``): the two
    databases the assistant runs on spell it the same way, through their own dialects."""
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):  # pragma: no cover - not a supported store
        raise RuntimeError(f"petitions need PostgreSQL or SQLite, not {dialect}")
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(model)


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE's wildcards in ``text`` taken literally (escape character ``\\``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class PetitionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- petitions -----------------------------------------------------------------------

    def next_code(self, year: int) -> str:
        """The next code of ``year``, reserved in this transaction."""
        self.session.execute(
            insert_ignoring_conflicts(self.session, PetitionCounter)
            .values(year=year, last=0)
            .on_conflict_do_nothing()
        )
        self.session.execute(
            update(PetitionCounter)
            .where(PetitionCounter.year == year)
            .values(last=PetitionCounter.last + 1)
        )
        number = self.session.scalar(
            select(PetitionCounter.last).where(PetitionCounter.year == year)
        )
        return format_code(year, number)

    def add(self, **fields: Any) -> Petition:
        row = Petition(**fields)
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, code: str) -> Petition | None:
        if not code:
            return None
        return self.session.scalar(select(Petition).where(Petition.code == code))

    def of_conversations(self, conversation_ids: Sequence[str]) -> List[Petition]:
        """The petitions filed from these conversations, oldest first."""
        if not conversation_ids:
            return []
        query = select(Petition).where(Petition.conversation_id.in_(list(conversation_ids)))
        return list(self.session.scalars(query.order_by(Petition.id)))

    def count_by_sender(self, sender_hash: str, since: datetime) -> int:
        return self._count(Petition.sender_hash == sender_hash, Petition.created_at >= since)

    def count_by_phone(self, phone: str, since: datetime) -> int:
        return self._count(Petition.phone == phone, Petition.created_at >= since)

    def count_open(self, now: datetime) -> Tuple[int, int]:
        """How many petitions are open, and how many of those are past their due date."""
        still_open = Petition.status.in_(OPEN)
        return self._count(still_open), self._count(still_open, Petition.due_at < now)

    def tally(self, start: datetime, end: datetime, channel: str = "") -> List[tuple]:
        """(category, status, commune name, overdue count, count) of the petitions sent in
        the period; overdue = still open past its due date (now)."""
        now = utcnow()
        overdue = func.sum(
            case((and_(Petition.status.in_(OPEN), Petition.due_at < now), 1), else_=0)
        )
        query = (
            select(
                Petition.category,
                Petition.status,
                Petition.commune_name,
                overdue,
                func.count(Petition.id),
            )
            .where(Petition.created_at >= start, Petition.created_at < end)
            .group_by(Petition.category, Petition.status, Petition.commune_name)
        )
        if channel:
            query = query.where(Petition.channel == channel)
        return [tuple(row) for row in self.session.execute(query)]

    def _count(self, *conditions) -> int:
        return self.session.scalar(select(func.count(Petition.id)).where(*conditions)) or 0

    def open_nearby(
        self, category: str, commune_code: str, since: datetime, limit: int = 200
    ) -> List[Petition]:
        """Open petitions of one category in one commune since ``since``, newest first."""
        query = (
            select(Petition)
            .where(
                Petition.category == category,
                Petition.commune_code == commune_code,
                Petition.created_at >= since,
                Petition.status.in_(OPEN),
            )
            .order_by(Petition.created_at.desc())
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def search(
        self,
        *,
        status: str | None = None,
        category: str | None = None,
        unit: str | None = None,
        commune: str | None = None,
        text: str | None = None,
        overdue: bool | None = None,
        now: datetime,
        offset: int = 0,
        limit: int = 30,
    ) -> Tuple[List[Petition], int]:
        """One page of petitions matching every filter given, newest first, and the total.

        ``text`` is folded already (see ``Petition.search_key``); ``overdue`` means still open
        after the due date (True) or not (False)."""
        conditions = []
        if status:
            conditions.append(Petition.status == status)
        if category:
            conditions.append(Petition.category == category)
        if unit:
            conditions.append(Petition.unit == unit)
        if commune:
            conditions.append(Petition.commune_code == commune)
        if text:
            conditions.append(Petition.search_key.like(like_pattern(text), escape="\\"))
        late = and_(Petition.status.in_(OPEN), Petition.due_at < now)
        if overdue is True:
            conditions.append(late)
        elif overdue is False:
            conditions.append(or_(Petition.status.not_in(OPEN), Petition.due_at >= now))
        total = self._count(*conditions)
        query = (
            select(Petition)
            .where(*conditions)
            .order_by(Petition.created_at.desc(), Petition.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return list(self.session.scalars(query)), total

    def listing(
        self,
        *,
        codes: Sequence[str] = (),
        categories: Sequence[str] = (),
        statuses: Sequence[str] = (),
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 1000,
    ) -> List[Petition]:
        """Petitions for the public API: by codes, or by categories, statuses and a period
        of submission (``start`` inclusive, ``end`` exclusive), newest first."""
        conditions = []
        if codes:
            conditions.append(Petition.code.in_(list(codes)))
        if categories:
            conditions.append(Petition.category.in_(list(categories)))
        if statuses:
            conditions.append(Petition.status.in_(list(statuses)))
        if start is not None:
            conditions.append(Petition.created_at >= start)
        if end is not None:
            conditions.append(Petition.created_at < end)
        query = (
            select(Petition)
            .where(*conditions)
            .order_by(Petition.created_at.desc(), Petition.id.desc())
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def communes(self) -> List[Tuple[str, str]]:
        """(code, name) of every commune petitions came from, by name (the staff filter)."""
        rows = self.session.execute(
            select(Petition.commune_code, func.max(Petition.commune_name))
            .group_by(Petition.commune_code)
            .order_by(func.max(Petition.commune_name))
        )
        return [(code, name) for code, name in rows if code]

    def history(self, code: str, limit: int = 200) -> List[AuditEntry]:
        """The audit entries of one petition, oldest first.

        The audit log is written through ``assistant.audit``, which can list entries by
        entity but not by entity id; this read belongs there once it can."""
        query = (
            select(AuditEntry)
            .where(AuditEntry.entity == "petition", AuditEntry.entity_id == code)
            .order_by(AuditEntry.at, AuditEntry.id)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    # --- photos --------------------------------------------------------------------------

    def add_photo(self, **fields: Any) -> PetitionPhoto:
        row = PetitionPhoto(**fields)
        self.session.add(row)
        self.session.flush()
        return row

    def pending_photos_since(self, sender_hash: str, since: datetime) -> int:
        """Photos a sender stored since ``since`` that no petition has taken yet."""
        return (
            self.session.scalar(
                select(func.count(PetitionPhoto.id)).where(
                    PetitionPhoto.sender_hash == sender_hash,
                    PetitionPhoto.petition_id.is_(None),
                    PetitionPhoto.created_at >= since,
                )
            )
            or 0
        )

    def attach_photos(self, tokens: Iterable[str], sender_hash: str, petition_id: int) -> int:
        """Give the sender's unattached photos with these tokens to a petition; returns how
        many were found (a token of another sender or already used is not)."""
        tokens = list(tokens)
        if not tokens:
            return 0
        result = self.session.execute(
            update(PetitionPhoto)
            .where(
                PetitionPhoto.token.in_(tokens),
                PetitionPhoto.sender_hash == sender_hash,
                PetitionPhoto.petition_id.is_(None),
            )
            .values(petition_id=petition_id)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0

    def photos_of(self, petition_id: int) -> List[PetitionPhoto]:
        """A petition's photos without their bytes (for listing)."""
        query = (
            select(PetitionPhoto)
            .options(defer(PetitionPhoto.data))
            .where(PetitionPhoto.petition_id == petition_id)
            .order_by(PetitionPhoto.id)
        )
        return list(self.session.scalars(query))

    def photo_counts(self, petition_ids: Sequence[int]) -> Dict[int, int]:
        if not petition_ids:
            return {}
        rows = self.session.execute(
            select(PetitionPhoto.petition_id, func.count(PetitionPhoto.id))
            .where(PetitionPhoto.petition_id.in_(list(petition_ids)))
            .group_by(PetitionPhoto.petition_id)
        )
        return dict(rows.all())

    def attached_photo(self, token: str) -> PetitionPhoto | None:
        """A submitted petition's photo with its bytes (unattached ones are nobody's yet)."""
        return self.session.scalar(
            select(PetitionPhoto).where(
                PetitionPhoto.token == token, PetitionPhoto.petition_id.is_not(None)
            )
        )

    def prune_photos(self, before: datetime) -> int:
        """Delete photos no petition took that were stored before ``before``."""
        result = self.session.execute(
            delete(PetitionPhoto).where(
                PetitionPhoto.petition_id.is_(None), PetitionPhoto.created_at < before
            )
        )
        return result.rowcount or 0
