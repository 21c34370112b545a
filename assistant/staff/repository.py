"""Staff accounts, logins and sessions: the only place that queries the staff tables.

Logins are limited per account and per address with attempts stored in the database, so the
limit holds across processes and restarts. Session tokens are random and only their SHA-256
is stored: a copy of the database does not let anyone log in.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import List, Tuple

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from assistant import audit
from assistant.db.models import LoginAttempt, StaffSession, StaffUser
from assistant.settings import get_settings
from assistant.staff.passwords import hash_password, password_problem, verify_password

ROLES = ("editor", "admin")
USERNAME_RE = re.compile(r"[a-z0-9._-]{3,64}")
ROLE_NAMES = {"editor": "biên tập viên", "admin": "quản trị viên"}


class StaffError(ValueError):
    """A refused account change; the message is Vietnamese and shown to staff as is."""


@dataclass
class LoginResult:
    user: StaffUser | None
    token: str | None  # given to the browser once; only its hash is stored
    csrf: str | None
    error: str | None  # None | "invalid" | "locked"

    @property
    def ok(self) -> bool:
        return self.error is None


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to check unknown usernames against, so they take as long as known ones."""
    return hash_password(secrets.token_urlsafe(16))


def _clean_username(username: str) -> str:
    return (username or "").strip().lower()


def username_problem(username: str) -> str | None:
    """Why a new username is refused, in Vietnamese, or None when it is acceptable."""
    if not USERNAME_RE.fullmatch(_clean_username(username)):
        return (
            "Tên đăng nhập phải dài 3–64 ký tự, chỉ gồm chữ thường không dấu, chữ số "
            "và các dấu . _ -"
        )
    return None


class StaffRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- accounts ------------------------------------------------------------------------

    def add_user(self, actor: str, username: str, password: str, role: str = "editor") -> StaffUser:
        name = _clean_username(username)
        problem = username_problem(name)
        if problem:
            raise StaffError(problem)
        self._check_role(role)
        problem = password_problem(password)
        if problem:
            raise StaffError(problem)
        if self.get_by_username(name) is not None:
            raise StaffError(f"Tên đăng nhập {name} đã có người dùng.")
        user = StaffUser(
            username=name,
            password_hash=hash_password(password),
            role=role,
            active=True,
            created_at=audit.utcnow(),
        )
        self.session.add(user)
        self.session.flush()
        audit.record(
            self.session,
            actor,
            "staff.create",
            "staff",
            user.id,
            None,
            {"username": name, "role": role, "active": True},
        )
        return user

    def list_users(self) -> List[StaffUser]:
        return list(self.session.scalars(select(StaffUser).order_by(StaffUser.username)))

    def get_by_username(self, username: str) -> StaffUser | None:
        return self.session.scalars(
            select(StaffUser).where(StaffUser.username == _clean_username(username))
        ).first()

    def set_role(self, actor: str, username: str, role: str) -> StaffUser:
        self._check_role(role)
        user = self._require(username)
        if user.role == role:
            return user
        if user.role == "admin" and user.active:
            self._keep_an_admin(user)
        before = user.role
        user.role = role
        audit.record(
            self.session,
            actor,
            "staff.role",
            "staff",
            user.id,
            {"username": user.username, "role": before},
            {"username": user.username, "role": role},
        )
        return user

    def set_active(self, actor: str, username: str, active: bool) -> StaffUser:
        """Enable or disable an account; disabling also ends its open sessions at once."""
        user = self._require(username)
        active = bool(active)
        if bool(user.active) == active:
            return user
        if not active and user.role == "admin":
            self._keep_an_admin(user)
        user.active = active
        ended = 0 if active else self._end_sessions(user.id)
        audit.record(
            self.session,
            actor,
            "staff.enable" if active else "staff.disable",
            "staff",
            user.id,
            {"username": user.username, "active": not active},
            {"username": user.username, "active": active, "sessions_ended": ended},
        )
        return user

    def set_password(self, actor: str, username: str, password: str) -> StaffUser:
        """A new password; every session of the account ends, wherever it was opened."""
        user = self._require(username)
        problem = password_problem(password)
        if problem:
            raise StaffError(problem)
        user.password_hash = hash_password(password)
        ended = self._end_sessions(user.id)
        audit.record(
            self.session,
            actor,
            "staff.password",
            "staff",
            user.id,
            None,
            {"username": user.username, "sessions_ended": ended},
        )
        return user

    # --- logins and sessions ---------------------------------------------------------------

    def login(self, username: str, password: str, ip: str) -> LoginResult:
        """Check a login and open a session.

        The pause is checked before the password, so a paused account cannot be probed;
        every try, refused ones included, is recorded, so whoever keeps hammering stays
        paused. Unknown and disabled accounts cost the same hash computation as known ones.
        """
        settings = get_settings()
        name = _clean_username(username)[:64]
        ip = (ip or "")[:64]
        now = audit.utcnow()
        since = now - timedelta(seconds=settings.login_window_seconds)
        if (
            self._failures(LoginAttempt.username == name, since) >= settings.login_max_failures
            or self._failures(LoginAttempt.ip == ip, since) >= settings.login_max_failures
        ):
            self._attempt(name, ip, False, now)
            return LoginResult(None, None, None, "locked")
        user = self.get_by_username(name) if USERNAME_RE.fullmatch(name) else None
        matches = verify_password(password or "", user.password_hash if user else _dummy_hash())
        if user is None or not matches or not user.active:
            self._attempt(name, ip, False, now)
            return LoginResult(None, None, None, "invalid")
        self._attempt(name, ip, True, now)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.session.execute(delete(StaffSession).where(StaffSession.expires_at <= now))
        self.session.add(
            StaffSession(
                token_hash=token_hash(token),
                user_id=user.id,
                csrf_token=csrf[:64],
                created_at=now,
                expires_at=now + timedelta(hours=settings.admin_session_hours),
            )
        )
        user.last_login_at = now
        self.session.flush()
        return LoginResult(user, token, csrf, None)

    def session_user(self, token: str) -> Tuple[StaffUser, StaffSession] | None:
        """The user behind a session cookie, or None (unknown, expired, or account disabled)."""
        if not token:
            return None
        staff_session = self.session.scalars(
            select(StaffSession).where(StaffSession.token_hash == token_hash(token))
        ).first()
        if staff_session is None:
            return None
        if staff_session.expires_at <= audit.utcnow():
            self.session.delete(staff_session)
            self.session.flush()
            return None
        user = self.session.get(StaffUser, staff_session.user_id)
        if user is None or not user.active:
            return None
        return user, staff_session

    def logout(self, token: str) -> bool:
        result = self.session.execute(
            delete(StaffSession).where(StaffSession.token_hash == token_hash(token))
        )
        return bool(result.rowcount)

    def prune_sessions(self, now: datetime) -> int:
        """Forget sessions that expired before ``now`` (naive UTC); how many."""
        result = self.session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
        return result.rowcount or 0

    def prune_login_attempts(self, older_than_seconds: int = 86400) -> int:
        cutoff = audit.utcnow() - timedelta(seconds=older_than_seconds)
        result = self.session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff))
        return result.rowcount or 0

    # --- helpers ---------------------------------------------------------------------------

    def _require(self, username: str) -> StaffUser:
        user = self.get_by_username(username)
        if user is None:
            raise StaffError(f"Không có tài khoản {_clean_username(username)}.")
        return user

    @staticmethod
    def _check_role(role: str) -> None:
        if role not in ROLES:
            raise StaffError("Vai trò phải là editor (biên tập viên) hoặc admin (quản trị viên).")

    def _keep_an_admin(self, leaving: StaffUser) -> None:
        """Staff must never lock themselves out of account management from the web app."""
        others = self.session.scalar(
            select(func.count(StaffUser.id)).where(
                StaffUser.role == "admin", StaffUser.active.is_(True), StaffUser.id != leaving.id
            )
        )
        if not others:
            raise StaffError("Phải còn ít nhất một quản trị viên đang hoạt động.")

    def _end_sessions(self, user_id: int) -> int:
        result = self.session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))
        return result.rowcount or 0

    def _failures(self, condition, since) -> int:
        return (
            self.session.scalar(
                select(func.count(LoginAttempt.id)).where(
                    condition, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since
                )
            )
            or 0
        )

    def _attempt(self, username: str, ip: str, succeeded: bool, at) -> None:
        self.session.add(LoginAttempt(username=username, ip=ip, succeeded=succeeded, at=at))
        self.session.flush()
