"""Housekeeping: old rate-limit rows and expired sessions go, recent ones stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from assistant.audit import utcnow
from assistant.cli import main
from assistant.db.models import LoginAttempt, StaffSession, StaffUser, VerificationAttempt
from assistant.db.session import session_scope
from assistant.maintenance import prune


def _count(session, model) -> int:
    return session.scalar(select(func.count(model.id)))


def test_prune_forgets_only_what_is_outside_the_windows(database_url, capsys):
    now = utcnow()
    old, recent = now - timedelta(days=3), now - timedelta(minutes=5)
    with session_scope() as session:
        user = StaffUser(username="canbo", password_hash="x", role="editor", active=True)
        session.add(user)
        session.flush()
        for at in (old, recent):
            session.add(VerificationAttempt(scope="code", key="k", succeeded=0, at=at))
            session.add(LoginAttempt(username="canbo", ip="127.0.0.1", succeeded=False, at=at))
        for token, expires in (
            ("a" * 64, now - timedelta(hours=1)),
            ("b" * 64, recent + timedelta(hours=8)),
        ):
            session.add(
                StaffSession(token_hash=token, user_id=user.id, csrf_token="c", created_at=old,
                             expires_at=expires)
            )  # fmt: skip
    assert prune(now) == {
        "verification_attempts": 1,
        "login_attempts": 1,
        "staff_sessions": 1,
        "petition_photos": 0,
    }
    with session_scope() as session:
        assert _count(session, VerificationAttempt) == 1
        assert _count(session, LoginAttempt) == 1
        [kept] = session.scalars(select(StaffSession)).all()
        assert kept.token_hash == "b" * 64
    assert main(["db", "prune"]) == 0
    assert "verification_attempts: 0 removed" in capsys.readouterr().out
