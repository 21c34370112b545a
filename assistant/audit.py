"""The audit log: every staff change (FAQ, alias, inbox decision, model switch, account) with
who, when, and the state before and after. Written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.db.models import AuditEntry


def utcnow() -> datetime:
    """Naive UTC, as every timestamp in the schema."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def record(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: Any = "",
    before: Dict[str, Any] | None = None,
    after: Dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor=actor or "system",
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
        at=utcnow(),
    )
    session.add(entry)
    return entry


def entries(
    session: Session, limit: int = 100, offset: int = 0, entity: str | None = None
) -> List[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if entity:
        query = query.where(AuditEntry.entity == entity)
    return list(session.scalars(query.limit(limit).offset(offset)))


def count(session: Session) -> int:
    return session.scalar(select(func.count(AuditEntry.id))) or 0
