"""Revision counters (``content_state``) that tell long-running processes to reload."""

from __future__ import annotations

from sqlalchemy.orm import Session

from assistant.audit import utcnow
from assistant.db.models import ContentState


def bump(session: Session, name: str) -> int:
    state = session.get(ContentState, name)
    if state is None:
        state = ContentState(name=name, revision=0)
        session.add(state)
    state.revision = (state.revision or 0) + 1
    state.changed_at = utcnow()
    session.flush()
    return state.revision


def revision(session: Session, name: str) -> int:
    state = session.get(ContentState, name)
    return state.revision if state else 0
