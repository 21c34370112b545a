"""Dossiers written in the provincial systems' export format read back the same through the
importer: JSON array, JSON Lines and gzip, every field that matters, twice without change."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime

import pytest

from assistant.db.session import session_scope
from assistant.dossiers.export import to_export, write_json
from assistant.dossiers.generate import generate_dossiers
from assistant.dossiers.importer import import_dossiers
from assistant.dossiers.repository import DossierRepository

TODAY = date(2026, 11, 20)


@pytest.mark.parametrize("name", ["dossiers.json", "dossiers.jsonl", "dossiers.json.gz"])
def test_round_trip_through_the_export_format(database_url, tmp_path, name):
    records = list(generate_dossiers(800, seed=11, today=TODAY))
    path = tmp_path / name
    assert write_json(records, path) == 800
    if name.endswith(".json"):
        assert len(json.loads(path.read_text(encoding="utf-8"))) == 800
    report = import_dossiers(path, database_url, batch_size=300)
    assert (report.created, report.errors) == (800, [])
    assert import_dossiers(path, database_url).created == 0
    with session_scope(database_url) as session:
        repo = DossierRepository(session)
        assert repo.count() == 800
        for record in records[::37]:
            stored = repo.get(record.code)
            assert stored.status == record.status.value
            assert stored.status_text == record.status_text
            assert stored.applicant_name == record.applicant_name
            assert stored.applicant_phone == record.applicant_phone
            assert stored.applicant_id_number == record.applicant_id_number
            assert stored.external_id == record.external_id
            assert stored.handling_unit == record.handling_unit
            for column in ("received_at", "due_at", "completed_at", "returned_at"):
                assert getattr(stored, column) == getattr(record, column), column
            assert [(e.status, e.at) for e in stored.history] == [
                (e.status.value, e.at) for e in record.history
            ]


def test_one_dossier_as_the_export_spells_it(tmp_path):
    [record] = generate_dossiers(1, seed=3, today=TODAY)
    item = to_export(record)
    assert item["dossierNo"] == record.code and item["applicantName"] == record.applicant_name
    accepted = datetime.strptime(item["acceptedDate"], "%Y-%m-%dT%H:%M:%S+07:00")
    assert accepted == record.received_at  # local time, zone written out
    assert [h["dossierStatusName"] for h in item["history"]] == [
        e.status_text for e in record.history
    ]
    path = tmp_path / "one.jsonl.gz"
    assert write_json([record], path) == 1
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        assert [json.loads(line) for line in handle] == [item]
