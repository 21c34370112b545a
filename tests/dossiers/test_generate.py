"""Synthetic dossiers: plausible, valid, deterministic, and importable as the export format."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from assistant.catalog.repository import CatalogRepository
from assistant.db.session import session_scope
from assistant.dossiers.generate import add_working_days, generate_dossiers
from assistant.dossiers.records import is_mobile, is_valid_code
from assistant.dossiers.statuses import DossierStatus, parse_status
from assistant.dossiers.synthetic_data import DEFAULT_PROCEDURES

S = DossierStatus
TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 17, 0)


@pytest.fixture(scope="module")
def sample():
    return list(generate_dossiers(5000, seed=7, today=TODAY))


def test_count_and_determinism(sample):
    assert len(sample) == 5000
    again = list(generate_dossiers(5000, seed=7, today=TODAY))
    assert again == sample
    other = list(generate_dossiers(50, seed=8, today=TODAY))
    assert other != sample[:50]
    assert list(generate_dossiers(0, seed=1)) == []


def test_codes_valid_unique_and_dated_by_reception(sample):
    codes = [d.code for d in sample]
    assert len(set(codes)) == len(codes)
    for dossier in sample:
        assert is_valid_code(dossier.code), dossier.code
        stamp = (dossier.received_at or dossier.history[0].at).strftime("%y%m%d")
        assert dossier.code.split("-")[-2] == stamp
    agencies = Counter(code.rsplit("-", 2)[0] for code in codes)
    assert any(a.endswith(".H13") for a in agencies) and any(a.startswith("H13.") for a in agencies)


def test_people_look_real(sample):
    for dossier in sample:
        assert is_mobile(dossier.applicant_phone), dossier.applicant_phone
        parts = dossier.applicant_name.split()
        assert 3 <= len(parts) <= 4
        if dossier.applicant_id_number is not None:
            assert len(dossier.applicant_id_number) == 12
            assert dossier.applicant_id_number.isdigit()
    with_id = sum(d.applicant_id_number is not None for d in sample) / len(sample)
    assert 0.4 <= with_id <= 0.6
    families = Counter(d.applicant_name.split()[0] for d in sample)
    assert families.most_common(1)[0][0] == "Nguyễn"
    assert {"Trần", "Lê", "Huỳnh", "Võ", "Phạm"} <= set(families)


def test_dates_are_consistent(sample):
    for d in sample:
        if d.status is S.WAITING:
            assert d.received_at is None and d.due_at is None
            continue
        assert NOW - timedelta(days=121) <= d.received_at <= NOW
        assert d.due_at > d.received_at
        if d.completed_at:
            assert d.received_at < d.completed_at <= NOW
        if d.returned_at:
            assert d.completed_at <= d.returned_at <= NOW
        if d.status is S.RETURNED:
            assert d.returned_at is not None
        if d.status is S.READY:
            assert d.completed_at is not None and d.returned_at is None
        if d.status in (S.RECEIVED, S.PROCESSING, S.SUPPLEMENT):
            assert d.completed_at is None


def test_due_dates_follow_processing_times():
    times = {name: days for _, name, _, days, _ in DEFAULT_PROCEDURES}
    for d in generate_dossiers(500, seed=3, today=TODAY):
        if d.received_at:
            expected = add_working_days(d.received_at, times[d.procedure_name]).date()
            assert d.due_at.date() == expected
            assert d.due_at.weekday() < 5


def test_working_days():
    friday = datetime(2026, 11, 20, 9)
    assert add_working_days(friday, 1) == datetime(2026, 11, 23, 9)
    assert add_working_days(friday, 5) == datetime(2026, 11, 27, 9)
    assert add_working_days(datetime(2026, 11, 22, 9), 1) == datetime(2026, 11, 24, 9)  # Sun


def test_status_mix_and_overdue_share(sample):
    shares = Counter(d.status for d in sample)
    n = len(sample)
    assert shares[S.RETURNED] + shares[S.PROCESSING] > n / 2
    for status in (S.SUPPLEMENT, S.READY, S.CANCELLED, S.REJECTED, S.RECEIVED, S.WAITING):
        assert 0.01 * n < shares[status] < 0.15 * n, status
    overdue = sum(d.is_overdue(NOW) for d in sample) / n
    assert 0.05 <= overdue <= 0.20


def test_history_matches_status_and_dates(sample):
    for d in sample:
        history = d.history
        assert history and history[-1].status is d.status
        assert history[-1].status_text == d.status_text
        assert [e.at for e in history] == sorted(e.at for e in history)
        assert all(e.at <= NOW for e in history)
        assert all(parse_status(e.status_text) is e.status for e in history)
        statuses = [e.status for e in history]
        if d.received_at:
            assert S.RECEIVED in statuses
            assert history[statuses.index(S.RECEIVED)].at == d.received_at
        if d.status is S.RETURNED:
            assert history[-1].at == d.returned_at and S.READY in statuses


def test_catalog_procedures_are_used(seeded_database):
    with session_scope(seeded_database) as session:
        procedures = CatalogRepository(session).catalog_procedures()
    assert procedures and all(len(p) == 4 for p in procedures)
    names = {p[1] for p in procedures}
    drawn = list(generate_dossiers(300, seed=1, procedures=procedures, today=TODAY))
    assert {d.procedure_name for d in drawn} <= names
    three = [(code, name, sector) for code, name, sector, _ in procedures]
    assert len(list(generate_dossiers(10, seed=1, procedures=three, today=TODAY))) == 10
    with pytest.raises(ValueError):
        list(generate_dossiers(1, procedures=[]))
