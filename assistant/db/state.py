"""Revision counters (``content_state``) that tell long-running processes to reload."""

from __future__ import annotations

from datetime import datetime
from typing import Tuple

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


def revision_state(session: Session, name: str) -> Tuple[int, datetime | None]:
    """The revision and when it was last bumped (naive UTC; None if never)."""
    state = session.get(ContentState, name)
    return (state.revision, state.changed_at) if state else (0, None)
