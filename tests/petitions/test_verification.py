"""Ownership of a petition: the dossiers' verification rules and limits, one shared budget."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from assistant.audit import utcnow
from assistant.db.models import VerificationAttempt
from assistant.db.session import session_scope
from assistant.dossiers.service import DossierService
from assistant.petitions.service import PetitionService
from assistant.settings import get_settings
from tests.petitions.factory import NAME, PHONE, submit

ADDRESS = "203.0.113.7"


@pytest.fixture
def service(database_url) -> PetitionService:
    return PetitionService()


@pytest.fixture
def code(service) -> str:
    return submit(service, reporter_name=NAME, phone=PHONE, consent=True)["code"]


def test_the_owner_sees_their_petition_with_name_and_phone_masked(service, code):
    outcome = service.verify(code, "56 78", "zalo-100")
    assert outcome.kind == "ok"
    view = outcome.petition
    assert view["code"] == code and view["reporter"] == "Nguyễn V*** A"
    assert view["phone"] == "091****678" and PHONE not in str(view)
    assert view["description"].startswith("Đèn đường") and "Lê Lợi" in view["location"]


@pytest.mark.parametrize("digits", ["1234", "678", "45678", "", "abcd"])
def test_wrong_digits_are_denied(service, code, digits):
    outcome = service.verify(code, digits, "zalo-100")
    assert (outcome.kind, outcome.petition) == ("denied", None)


def test_unknown_codes_and_petitions_without_a_phone_are_denied_the_same_way(service):
    no_phone = submit(service)["code"]
    assert service.verify(no_phone, "0000", "s1").kind == "denied"
    assert service.verify("PA-2026-999999", "5678", "s2").kind == "denied"
    assert service.verify("junk", "5678", "s3").kind == "denied"


def test_five_failures_lock_the_sender_even_for_the_right_digits(service, code):
    kinds = [service.verify(code, "0000", "guesser").kind for _ in range(5)]
    assert kinds == ["denied"] * 4 + ["locked"]
    assert service.verify(code, "5678", "guesser").kind == "locked"
    # The code is locked too: another sender cannot go on guessing it...
    assert service.verify(code, "5678", "owner").kind == "locked"
    # ...until the window has passed.
    later = utcnow() + timedelta(seconds=get_settings().verification_window_seconds + 1)
    assert service.verify(code, "5678", "owner", now=later).kind == "ok"


def test_the_per_address_limit_applies_to_web_clients(service, code, monkeypatch):
    monkeypatch.setenv("VERIFICATION_MAX_FAILURES_PER_ADDRESS", "3")
    get_settings.cache_clear()
    kinds = [service.verify(f"PA-2026-99999{i}", "1", f"web-{i}", ADDRESS).kind for i in range(3)]
    assert kinds == ["denied", "denied", "locked"]
    assert service.verify(code, "5678", "web-fresh", ADDRESS).kind == "locked"
    assert service.verify(code, "5678", "web-fresh", "198.51.100.9").kind == "ok"


def test_dossier_and_petition_guesses_share_one_budget(service, code):
    dossiers = DossierService()
    for i in range(4):
        assert dossiers.check(f"000.00.27.H13-240116-{i:04d}", "1111", "prober").kind == "denied"
    assert service.verify(code, "0000", "prober").kind == "locked"  # the fifth failure
    assert dossiers.check("000.00.27.H13-240116-0009", "1111", "prober").kind == "locked"


def test_attempts_are_stored_as_keyed_hashes(service, code):
    service.verify(code, "0000", "zalo-100", ADDRESS)
    with session_scope() as session:
        rows = session.execute(select(VerificationAttempt.scope, VerificationAttempt.key)).all()
    assert {scope for scope, _ in rows} == {"sender", "code", "address"}
    assert all(len(key) == 64 and code not in key and ADDRESS not in key for _, key in rows)
