"""Staff accounts, logins, lockouts and sessions against a throw-away database."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from assistant.audit import utcnow
from assistant.db.models import AuditEntry, LoginAttempt, StaffSession, StaffUser
from assistant.db.session import session_scope
from assistant.settings import get_settings
from assistant.staff.repository import StaffError, StaffRepository, token_hash

PASSWORD = "mật khẩu thử nghiệm"


def add(username: str = "lan.nguyen", role: str = "editor", password: str = PASSWORD) -> int:
    with session_scope() as s:
        return StaffRepository(s).add_user("admin", username, password, role=role).id


def login(username: str = "lan.nguyen", password: str = PASSWORD, ip: str = "10.0.0.1"):
    with session_scope() as s:
        return StaffRepository(s).login(username, password, ip)


def audit_rows(action: str | None = None):
    with session_scope() as s:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        return list(s.scalars(query))


def test_add_user_lowercases_and_audits_without_the_hash(database_url):
    user_id = add("  Lan.Nguyen ")
    with session_scope() as s:
        user = s.get(StaffUser, user_id)
        assert user.username == "lan.nguyen" and user.role == "editor" and user.active
        assert user.password_hash.startswith("scrypt$") and PASSWORD not in user.password_hash
        stored_hash = user.password_hash
    [entry] = audit_rows("staff.create")
    assert (entry.actor, entry.entity, entry.entity_id) == ("admin", "staff", str(user_id))
    assert entry.after == {"username": "lan.nguyen", "role": "editor", "active": True}
    assert stored_hash not in json.dumps(entry.after) and "scrypt" not in json.dumps(entry.after)


@pytest.mark.parametrize(
    "username, password, role, message",
    [
        ("ab", PASSWORD, "editor", "3–64"),
        ("có dấu", PASSWORD, "editor", "3–64"),
        ("x" * 65, PASSWORD, "editor", "3–64"),
        ("hoa", "1234567890", "editor", "chữ số"),
        ("hoa", "ngắn", "editor", "ít nhất"),
        ("hoa", PASSWORD, "superuser", "Vai trò"),
        ("LAN.NGUYEN", PASSWORD, "editor", "đã có"),
    ],
)
def test_add_user_refusals(database_url, username, password, role, message):
    add()
    with pytest.raises(StaffError, match=message):
        add(username, role=role, password=password)
    with session_scope() as s:
        assert len(StaffRepository(s).list_users()) == 1


def test_login_opens_a_session_storing_only_the_token_hash(database_url):
    add()
    result = login("Lan.Nguyen")
    assert result.error is None and result.ok
    assert result.user.username == "lan.nguyen"
    assert len(result.token) >= 40 and len(result.csrf) >= 40 and result.token != result.csrf
    with session_scope() as s:
        [stored] = s.scalars(select(StaffSession))
        assert stored.token_hash == token_hash(result.token) != result.token
        assert stored.csrf_token == result.csrf
        hours = (stored.expires_at - stored.created_at).total_seconds() / 3600
        assert hours == pytest.approx(get_settings().admin_session_hours)
        assert s.get(StaffUser, result.user.id).last_login_at is not None
        found = StaffRepository(s).session_user(result.token)
        assert found is not None and found[0].username == "lan.nguyen" and found[1].id == stored.id
        assert StaffRepository(s).session_user("forged-token") is None
        assert StaffRepository(s).session_user("") is None
        attempts = list(s.scalars(select(LoginAttempt)))
    assert [(a.username, a.ip, a.succeeded) for a in attempts] == [("lan.nguyen", "10.0.0.1", True)]


@pytest.mark.parametrize(
    "username, password", [("lan.nguyen", "sai mật khẩu"), ("nobody", PASSWORD)]
)
def test_wrong_password_and_unknown_user_are_both_invalid(database_url, username, password):
    add()
    result = login(username, password)
    assert (result.error, result.user, result.token) == ("invalid", None, None)
    with session_scope() as s:
        assert s.scalar(select(func.count(StaffSession.id))) == 0
        [attempt] = s.scalars(select(LoginAttempt))
        assert attempt.succeeded is False and attempt.username == username


def test_account_lockout_is_checked_before_the_password(database_url, monkeypatch):
    add()
    limit = get_settings().login_max_failures
    for i in range(limit):
        assert login(password="sai mật khẩu", ip=f"10.0.0.{i}").error == "invalid"
    # Right password, fresh address: still locked, so a locked account cannot be probed.
    assert login(ip="192.168.1.9").error == "locked"
    monkeypatch.setattr(
        "assistant.staff.repository.verify_password",
        lambda *_: pytest.fail("password checked while locked"),
    )
    assert login(ip="192.168.1.10").error == "locked"


def test_address_lockout_covers_every_account(database_url):
    add()
    add("minh.tran")
    limit = get_settings().login_max_failures
    for i in range(limit):
        assert login(f"guess{i}", "sai mật khẩu", ip="203.0.113.5").error == "invalid"
    assert login("minh.tran", ip="203.0.113.5").error == "locked"
    assert login("minh.tran", ip="203.0.113.6").ok


def test_lockout_ends_after_the_window(database_url):
    add()
    limit = get_settings().login_max_failures
    for _ in range(limit):
        login(password="sai mật khẩu")
    assert login().error == "locked"
    with session_scope() as s:
        for attempt in s.scalars(select(LoginAttempt)):
            attempt.at -= timedelta(seconds=get_settings().login_window_seconds + 1)
    assert login().ok


def test_prune_login_attempts(database_url):
    add()
    login(password="sai mật khẩu")
    login(password="sai mật khẩu")
    with session_scope() as s:
        first = s.scalars(select(LoginAttempt).order_by(LoginAttempt.id)).first()
        first.at = utcnow() - timedelta(days=2)
    with session_scope() as s:
        assert StaffRepository(s).prune_login_attempts() == 1
        assert s.scalar(select(func.count(LoginAttempt.id))) == 1


def test_expired_session_is_refused_and_deleted(database_url):
    add()
    token = login().token
    with session_scope() as s:
        stored = s.scalars(select(StaffSession)).one()
        stored.expires_at = utcnow() - timedelta(seconds=1)
    with session_scope() as s:
        assert StaffRepository(s).session_user(token) is None
    with session_scope() as s:
        assert s.scalar(select(func.count(StaffSession.id))) == 0


def test_logout_ends_the_session(database_url):
    add()
    token = login().token
    with session_scope() as s:
        assert StaffRepository(s).logout(token) is True
        assert StaffRepository(s).session_user(token) is None
        assert StaffRepository(s).logout(token) is False


def test_disabling_ends_sessions_and_blocks_login(database_url):
    add("chi.admin", role="admin")
    add()
    token = login().token
    with session_scope() as s:
        StaffRepository(s).set_active("chi.admin", "lan.nguyen", False)
    with session_scope() as s:
        assert StaffRepository(s).session_user(token) is None
        assert s.scalar(select(func.count(StaffSession.id))) == 0
    assert login().error == "invalid"  # right password, disabled account
    with session_scope() as s:
        StaffRepository(s).set_active("chi.admin", "lan.nguyen", True)
    assert login().ok
    disable, enable = audit_rows("staff.disable"), audit_rows("staff.enable")
    assert [e.after["active"] for e in disable + enable] == [False, True]
    assert disable[0].before == {"username": "lan.nguyen", "active": True}
    assert disable[0].after["sessions_ended"] == 1


def test_a_session_of_a_user_disabled_elsewhere_is_refused(database_url):
    add("chi.admin", role="admin")
    add()
    token = login().token
    with session_scope() as s:
        s.scalars(select(StaffUser).where(StaffUser.username == "lan.nguyen")).one().active = False
    with session_scope() as s:
        assert StaffRepository(s).session_user(token) is None


def test_set_password_ends_sessions_and_never_audits_a_hash(database_url):
    add()
    token = login().token
    with session_scope() as s:
        old_hash = StaffRepository(s).get_by_username("lan.nguyen").password_hash
        with pytest.raises(StaffError, match="chữ số"):
            StaffRepository(s).set_password("admin", "lan.nguyen", "9999999999")
        user = StaffRepository(s).set_password("admin", "lan.nguyen", "mật khẩu mới tinh")
        new_hash = user.password_hash
    assert new_hash != old_hash
    with session_scope() as s:
        assert StaffRepository(s).session_user(token) is None
    assert login().error == "invalid"
    assert login(password="mật khẩu mới tinh").ok
    [entry] = audit_rows("staff.password")
    dumped = json.dumps([entry.before, entry.after])
    assert old_hash not in dumped and new_hash not in dumped and "scrypt" not in dumped
    assert entry.after == {"username": "lan.nguyen", "sessions_ended": 1}


def test_set_role_audits_and_validates(database_url):
    add("chi.admin", role="admin")
    add()
    with session_scope() as s:
        repo = StaffRepository(s)
        assert repo.set_role("chi.admin", "lan.nguyen", "admin").role == "admin"
        with pytest.raises(StaffError, match="Vai trò"):
            repo.set_role("chi.admin", "lan.nguyen", "root")
        with pytest.raises(StaffError, match="Không có tài khoản"):
            repo.set_role("chi.admin", "nobody", "editor")
    [entry] = audit_rows("staff.role")
    assert (entry.before["role"], entry.after["role"]) == ("editor", "admin")


def test_the_last_active_admin_cannot_be_removed(database_url):
    add("chi.admin", role="admin")
    with session_scope() as s:
        repo = StaffRepository(s)
        with pytest.raises(StaffError, match="quản trị viên"):
            repo.set_active("chi.admin", "chi.admin", False)
        with pytest.raises(StaffError, match="quản trị viên"):
            repo.set_role("chi.admin", "chi.admin", "editor")
    add("minh.admin", role="admin")
    with session_scope() as s:
        assert StaffRepository(s).set_role("minh.admin", "chi.admin", "editor").role == "editor"
