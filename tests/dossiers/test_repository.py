"""The dossiers' repository: codes looked up as citizens type them, batched upserts, and the
link from a dossier to its catalog procedure."""

from __future__ import annotations

from datetime import datetime

from assistant.catalog.repository import CatalogRepository
from assistant.db.session import session_scope
from assistant.dossiers.importer import import_dossiers
from assistant.dossiers.records import DossierRecord
from assistant.dossiers.repository import DossierRepository
from assistant.dossiers.statuses import DossierStatus
from tests.dossiers.rows import CODE, counts, get, row, write_array


def test_get_normalises_and_rejects_malformed_codes(database_url, tmp_path):
    import_dossiers(write_array(tmp_path / "x.json", [row(1)]), database_url)
    assert get(database_url, " 000.00.27.h13-240115-0001 ").code == CODE
    for code in ("", "000.00.27.H13-240115-9999", "DROP TABLE dossiers", None, 42):
        assert get(database_url, code) is None


def test_upsert_many_batches_and_counts(database_url):
    now = datetime(2024, 3, 1, 9, 0)
    records = [
        DossierRecord(code=f"H13.12-240301-{n:04d}", status=DossierStatus.RECEIVED, received_at=now)
        for n in range(1, 1201)
    ]
    with session_scope(database_url) as session:
        assert DossierRepository(session).upsert_many(records) == (1200, 0)
    with session_scope(database_url) as session:
        repo = DossierRepository(session)
        assert repo.upsert_many(records[:10]) == (0, 10)
        assert repo.count() == 1200
    assert counts(database_url) == (1200, 1200)


def test_procedures_are_linked_by_exact_folded_name(seeded_database, tmp_path):
    rows = [
        row(1, procedureName="ĐĂNG KÝ KHAI SINH"),
        row(2, procedureName="Dang ky khai sinh."),
        row(3, procedureName="Đăng ký khai sinh cho con"),
    ]
    report = import_dossiers(write_array(tmp_path / "x.json", rows), seeded_database)
    assert report.linked == 2
    codes = [get(seeded_database, f"000.00.27.H13-240115-000{n}").procedure_code for n in (1, 2, 3)]
    assert codes == ["1.001193", "1.001193", None]


def test_link_procedures_after_a_catalog_import(database_url, tmp_path):
    from assistant.catalog.importer import import_catalog
    from assistant.settings import PROJECT_ROOT

    import_dossiers(write_array(tmp_path / "x.json", [row(1), row(2)]), database_url)
    assert get(database_url).procedure_code is None
    import_catalog(PROJECT_ROOT / "data" / "catalog" / "seed.yml", database_url)
    for linked in (2, 0):  # the second time there is nothing left to link
        with session_scope(database_url) as session:
            names = CatalogRepository(session).procedure_codes()
            assert DossierRepository(session).link_procedures(names) == linked
    assert get(database_url).procedure_code == "1.001193"
