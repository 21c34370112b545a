"""IOC tokens on a throw-away database: stored only as a hash, audited, revocable, and a
revoked or unknown token opens nothing."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select, text

from assistant.analytics import tokens
from assistant.analytics.tokens import IocTokenService, TokenError
from assistant.db.models import AuditEntry, IocToken
from assistant.db.session import session_scope


def audit_rows():
    with session_scope() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.entity == "ioc_token"))
        return [(a.actor, a.action, a.entity_id, a.before, a.after) for a in rows]


def test_a_token_is_stored_only_as_its_hash(database_url):
    with session_scope() as session:
        plaintext, token = tokens.create(session, "  IOC thành phố  ", "admin1")
    assert plaintext.startswith("ioc_") and len(plaintext) > 40
    assert token.name == "IOC thành phố" and token.created_by == "admin1"
    assert token.prefix == plaintext[:8]
    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    with session_scope() as session:
        dumped = [
            str(value)
            for row in session.execute(text("SELECT * FROM ioc_tokens")).all()
            for value in row
        ]
        dumped += [str(row) for row in session.execute(text("SELECT * FROM audit_log")).all()]
    assert not any(plaintext in value for value in dumped)
    assert audit_rows() == [
        (
            "admin1",
            "ioc_token.create",
            str(token.id),
            None,
            {"name": "IOC thành phố", "prefix": plaintext[:8]},
        )
    ]


def test_two_tokens_differ_and_are_listed_newest_first(database_url):
    service = IocTokenService()
    first, _ = service.create("Một", "admin1")
    second, _ = service.create("Hai", "admin1")
    assert first != second
    assert [t.name for t in service.listing()] == ["Hai", "Một"]


@pytest.mark.parametrize(
    "name, problem",
    [
        ("", "Hãy đặt tên"),
        ("   ", "Hãy đặt tên"),
        (None, "Hãy đặt tên"),
        ("x" * 129, "tối đa 128 ký tự"),
    ],
)
def test_a_name_is_required_and_short(database_url, name, problem):
    with pytest.raises(TokenError, match=problem):
        IocTokenService().create(name, "admin1")
    assert IocTokenService().listing() == []
    assert audit_rows() == []


def test_a_name_of_128_characters_is_accepted(database_url):
    _, token = IocTokenService().create(" " + "đ" * 128 + " ", "admin1")
    assert token.name == "đ" * 128


def test_authenticate_finds_a_live_token_and_stamps_its_use(database_url):
    service = IocTokenService()
    plaintext, created = service.create("IOC", "admin1")
    assert created.last_used_at is None
    with session_scope() as session:
        found = tokens.authenticate(session, plaintext)
        assert found is not None and found.id == created.id
    with session_scope() as session:
        assert session.get(IocToken, created.id).last_used_at is not None


@pytest.mark.parametrize(
    "presented",
    ["", "ioc_", "ioc_sai", "Bearer x", "x" * 500],
)
def test_authenticate_refuses_what_is_not_a_token(database_url, presented):
    IocTokenService().create("IOC", "admin1")
    with session_scope() as session:
        assert tokens.authenticate(session, presented) is None


def test_authenticate_refuses_a_prefix_or_a_changed_token(database_url):
    plaintext, _ = IocTokenService().create("IOC", "admin1")
    with session_scope() as session:
        assert tokens.authenticate(session, plaintext[:8]) is None
        assert tokens.authenticate(session, plaintext[:-1]) is None
        assert tokens.authenticate(session, plaintext + " ") is None
        assert tokens.authenticate(session, tokens.token_hash(plaintext)) is None


def test_a_revoked_token_opens_nothing_and_revoking_twice_is_harmless(database_url):
    service = IocTokenService()
    plaintext, token = service.create("IOC", "admin1")
    assert service.revoke(token.id, "admin2") is True
    assert service.revoke(token.id, "admin2") is False
    assert service.revoke(999_999, "admin2") is False
    assert service.use(plaintext, {"from": "2026-01-01", "to": "2026-01-31", "channel": ""}) is None
    [listed] = service.listing()
    assert listed.revoked_at is not None and listed.last_used_at is None
    actions = [(actor, action) for actor, action, *_ in audit_rows()]
    assert actions == [("admin1", "ioc_token.create"), ("admin2", "ioc_token.revoke")]


def test_a_use_is_audited_in_the_name_of_the_token(database_url):
    service = IocTokenService()
    plaintext, token = service.create("IOC thành phố", "admin1")
    params = {"from": "2026-01-01", "to": "2026-01-31", "channel": "zalo"}
    used = service.use(plaintext, params)
    assert used is not None and used.id == token.id and used.last_used_at is not None
    assert audit_rows()[-1] == ("ioc:IOC thành phố", "ioc_token.use", str(token.id), None, params)


def test_the_audit_actor_fits_its_column_for_a_long_name(database_url):
    service = IocTokenService()
    plaintext, _ = service.create("n" * 128, "admin1")
    assert service.use(plaintext, {"from": "", "to": "", "channel": ""}) is not None
    actor = audit_rows()[-1][0]
    assert actor.startswith("ioc:nnn") and len(actor) == 64
