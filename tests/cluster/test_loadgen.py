"""The load's citizens and scripts: distinct dossiers, the look-up in every script however
short, another citizen's digits tried by every other citizen (no servers needed)."""

from __future__ import annotations

import pytest

from assistant.cluster.loadgen import PETITION_EVERY, citizens, petition, records, script
from assistant.text.normalize import find_dossier_codes

PEOPLE = citizens(200, "t")


def test_each_citizen_has_a_dossier_of_their_own():
    for field in ("sender", "code", "phone", "digits", "address"):
        assert len({getattr(c, field) for c in PEOPLE}) == 200, field
    for citizen in PEOPLE:
        assert find_dossier_codes(f"tra cứu hồ sơ {citizen.code}") == [citizen.code]
    assert [r.code for r in records(PEOPLE[:3])] == [c.code for c in PEOPLE[:3]]
    assert records(PEOPLE[:1])[0].applicant_phone == PEOPLE[0].phone


@pytest.mark.parametrize("turns", [8, 20, 31])
def test_every_script_looks_its_own_dossier_up(turns):
    for citizen in PEOPLE[:2]:
        other = PEOPLE[citizen.index + 1]
        lines = script(citizen, turns, other)
        assert len(lines) == turns
        at = lines.index(f"số cuối là {citizen.digits}")
        assert lines[at - 1] == f"tra cứu hồ sơ {citizen.code}"
        assert (f"số cuối là {other.digits}" in lines) == bool(citizen.index % 2)
        assert not any(p.code in line for p in PEOPLE if p != citizen for line in lines)


def test_out_of_range_counts_are_refused():
    with pytest.raises(ValueError):
        citizens(0, "t")


def test_every_fourth_citizen_files_a_petition_first_even_in_a_short_script():
    filers = [c for c in PEOPLE if c.files_petition]
    assert len(filers) == 50 and all(c.index % PETITION_EVERY == 3 for c in filers)
    for turns in (8, 20):
        lines = script(filers[0], turns, PEOPLE[0])
        assert lines[:8] == petition(filers[0]) and len(lines) == turns
        assert lines.count(filers[0].consent) == 1  # filed once
        assert not any(
            petition(filers[0])[0] in line for line in script(PEOPLE[0], turns, PEOPLE[1])
        )
    assert len({c.consent for c in filers}) == 50  # each their own name and phone
    assert filers[0].consent.endswith(filers[0].phone)
