"""Verification limits of DossierService: per client address, and on one clock (UTC)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from assistant.audit import utcnow
from assistant.db.models import VerificationAttempt
from assistant.db.session import session_scope
from assistant.dossiers.service import DossierService
from assistant.maintenance import prune
from tests.dossiers.test_lookup import CODE, store

ADDRESS = "203.0.113.7"


def guess(service: DossierService, i: int, address: str | None = ADDRESS) -> str:
    """A wrong guess on another code from another sender: only the address repeats."""
    return service.check(f"000.00.27.H13-240116-{i:04d}", "1111", f"sender-{i}", address=address)


def test_rotating_senders_and_codes_from_one_address_are_locked_after_twenty(database_url):
    store(database_url)
    service = DossierService(database_url)
    kinds = [guess(service, i).kind for i in range(20)]
    assert kinds == ["denied"] * 19 + ["locked"]
    # Even the owner's right answer, from a fresh sender id, while the address is locked.
    assert service.check(CODE, "5678", "fresh-sender", address=ADDRESS).kind == "locked"
    assert service.check(CODE, "5678", "fresh-sender", address="198.51.100.9").kind == "ok"


def test_the_address_limit_is_a_setting(database_url, monkeypatch):
    from assistant.settings import get_settings

    monkeypatch.setenv("VERIFICATION_MAX_FAILURES_PER_ADDRESS", "3")
    get_settings.cache_clear()
    service = DossierService(database_url)
    assert [guess(service, i).kind for i in range(3)] == ["denied", "denied", "locked"]


def test_the_address_lock_holds_across_service_instances(database_url):
    store(database_url)
    for i in range(20):
        guess(DossierService(database_url), i)
    assert DossierService(database_url).check(CODE, "5678", "other", address=ADDRESS).kind == (
        "locked"
    )


def test_without_an_address_only_sender_and_code_count(database_url):
    """Zalo and Messenger: the platform assigns sender ids, so there is no address limit."""
    store(database_url)
    service = DossierService(database_url)
    assert {guess(service, i, address=None).kind for i in range(25)} == {"denied"}
    assert service.check(CODE, "5678", "owner").kind == "ok"


def test_the_address_is_stored_keyed_not_in_clear(database_url):
    guess(DossierService(database_url), 0)
    with session_scope(database_url) as session:
        rows = session.execute(select(VerificationAttempt.scope, VerificationAttempt.key)).all()
    assert {scope for scope, _ in rows} == {"sender", "code", "address"}
    assert all(ADDRESS not in key and len(key) == 64 for _, key in rows)


def test_attempts_are_stored_in_utc_and_pruned_on_the_same_clock(database_url):
    store(database_url)
    before = utcnow()
    service = DossierService(database_url)
    for _ in range(5):
        service.check(CODE, "1111", "guesser")
    after = utcnow()
    with session_scope(database_url) as session:
        stamps = session.execute(select(VerificationAttempt.at)).scalars().all()
    assert stamps and all(before <= at <= after for at in stamps)
    # Counted within the window (checked at a known UTC instant) ...
    assert service.check(CODE, "5678", "guesser", now=after + timedelta(minutes=59)).kind == (
        "locked"
    )
    assert service.check(CODE, "5678", "guesser", now=after + timedelta(minutes=61)).kind == "ok"
    # ... kept by a prune a day later (UTC) and forgotten by one after that.
    assert prune(after + timedelta(hours=23))["verification_attempts"] == 0
    assert prune(after + timedelta(days=1, minutes=1))["verification_attempts"] == 10


def test_the_upgrade_moves_stored_local_times_to_utc(tmp_path):
    from datetime import datetime

    from assistant.db.migrate import downgrade, upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0004")
    local = datetime(2026, 12, 5, 3, 0)  # 20:00 UTC, as the old code stored it
    with session_scope(url) as session:
        session.add(VerificationAttempt(scope="code", key="k" * 64, succeeded=0, at=local))
    upgrade(url, "0005")
    with session_scope(url) as session:
        assert session.execute(select(VerificationAttempt.at)).scalar_one() == datetime(
            2026, 12, 4, 20, 0
        )
    downgrade(url, "0004")
    with session_scope(url) as session:
        assert session.execute(select(VerificationAttempt.at)).scalar_one() == local
