"""IOC tokens: the read-only keys the city's operations centre uses for the statistics API.

An administrator creates a token in the staff app and sees it once; only its SHA-256 is
stored, with the first characters (``prefix``) so staff can tell tokens apart. A presented
token is found by its hash, so the comparison costs the same whatever the token, and a copy of
the database does not let anyone read the statistics. Creation, revocation and every use are
written to the audit log. The functions taking a ``session`` are the only SQL on
``ioc_tokens``; :class:`IocTokenService` opens the unit of work for the views.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Dict, List, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant import audit
from assistant.db.models import IocToken
from assistant.db.session import session_scope

TOKEN_PREFIX = "ioc_"  # recognisable in a config file or a leaked log
SHOWN_PREFIX = 8  # characters kept in clear to tell tokens apart
NAME_MAX = 128
ENTITY = "ioc_token"


class TokenError(ValueError):
    """A refused token change; the message is Vietnamese and shown to staff as is."""


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()


def clean_name(name: str) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise TokenError("Hãy đặt tên cho mã truy cập (ví dụ: Trung tâm IOC thành phố).")
    if len(cleaned) > NAME_MAX:
        raise TokenError(f"Tên mã truy cập dài tối đa {NAME_MAX} ký tự.")
    return cleaned


def actor_of(token: IocToken) -> str:
    return f"ioc:{token.name}"[:64]  # audit_log.actor is 64 characters


# --- repository --------------------------------------------------------------------------


def create(session: Session, name: str, actor: str) -> Tuple[str, IocToken]:
    """A new token: the plaintext (to show once, never stored) and its row."""
    cleaned = clean_name(name)
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = IocToken(
        name=cleaned,
        token_hash=token_hash(plaintext),
        prefix=plaintext[:SHOWN_PREFIX],
        created_by=actor[:64],
        created_at=audit.utcnow(),
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor,
        "ioc_token.create",
        ENTITY,
        token.id,
        after={"name": token.name, "prefix": token.prefix},
    )
    return plaintext, token


def revoke(session: Session, token_id: int, actor: str) -> bool:
    """True when this call revoked the token; an unknown or already revoked one is left as is."""
    token = session.get(IocToken, token_id)
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = audit.utcnow()
    audit.record(
        session,
        actor,
        "ioc_token.revoke",
        ENTITY,
        token.id,
        before={"name": token.name, "revoked_at": None},
        after={"name": token.name, "revoked_at": token.revoked_at.isoformat()},
    )
    session.flush()
    return True


def listing(session: Session) -> List[IocToken]:
    query = select(IocToken).order_by(IocToken.created_at.desc(), IocToken.id.desc())
    return list(session.scalars(query))


def authenticate(session: Session, presented: str) -> IocToken | None:
    """The live token behind ``presented``, its ``last_used_at`` set to now; else None.

    Looked up by hash: the database compares digests, never the secret itself, so the time
    taken says nothing about how much of a guess was right."""
    if not presented:
        return None
    token = session.scalars(
        select(IocToken).where(IocToken.token_hash == token_hash(presented))
    ).first()
    if token is None or token.revoked_at is not None:
        return None
    token.last_used_at = audit.utcnow()
    session.flush()
    return token


def record_use(session: Session, token: IocToken, params: Dict[str, str]) -> None:
    audit.record(session, actor_of(token), "ioc_token.use", ENTITY, token.id, after=params)


# --- service -----------------------------------------------------------------------------


class IocTokenService:
    """One unit of work per staff action or API call."""

    def create(self, name: str, actor: str) -> Tuple[str, IocToken]:
        with session_scope() as session:
            return create(session, name, actor)

    def revoke(self, token_id: int, actor: str) -> bool:
        with session_scope() as session:
            return revoke(session, token_id, actor)

    def listing(self) -> List[IocToken]:
        with session_scope() as session:
            return listing(session)

    def use(self, presented: str, params: Dict[str, str]) -> IocToken | None:
        """Authenticate and audit in one transaction: a use that is not recorded did not
        happen. ``params`` are the request's parameters as given (valid or not)."""
        with session_scope() as session:
            token = authenticate(session, presented)
            if token is not None:
                record_use(session, token, params)
            return token
