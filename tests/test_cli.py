"""The `assistant` command as operators use it."""

from __future__ import annotations

import json

from assistant import audit
from assistant.catalog.repository import CatalogRepository
from assistant.cli import main
from assistant.db.session import session_scope
from assistant.dossiers.repository import DossierRepository
from assistant.settings import PROJECT_ROOT


def test_catalog_import_search_and_alias(database_url, capsys):
    assert main(["catalog", "import", str(PROJECT_ROOT / "data" / "catalog" / "seed.yml")]) == 0
    out = capsys.readouterr().out
    assert "57 procedures" in out or "procedures (" in out
    assert main(["catalog", "search", "lam giay khai sinh"]) == 0
    assert "resolution: match" in capsys.readouterr().out
    with session_scope(database_url) as session:
        code = next(iter(CatalogRepository(session).codes()))
    assert main(["catalog", "alias", code, "tên gọi thử nghiệm"]) == 0
    assert main(["catalog", "alias", "9.999999", "x"]) == 2
    with session_scope(database_url) as session:
        [entry] = audit.entries(session, entity="procedure")
        assert (entry.action, entry.entity_id) == ("alias.create", code)
        assert entry.after == {"alias": "tên gọi thử nghiệm"} and entry.actor.startswith("cli")


def test_missing_files_are_a_clear_error(database_url, capsys):
    assert main(["catalog", "import", "/nonexistent.jsonl"]) == 2
    assert main(["dossiers", "import", "/nonexistent.json"]) == 2
    assert "Không tìm thấy tệp" in capsys.readouterr().err


def test_dossiers_generate_then_import_round_trip(database_url, tmp_path):
    out = tmp_path / "export.json"
    assert main(["dossiers", "generate", "--count", "40", "--seed", "7", "--out", str(out)]) == 0
    assert main(["dossiers", "import", str(out)]) == 0
    records = json.loads(out.read_text(encoding="utf-8"))
    with session_scope(database_url) as session:
        repo = DossierRepository(session)
        assert repo.count() == 40
        names = {r["dossierNo"]: repo.get(r["dossierNo"]).applicant_name for r in records}
    assert main(["dossiers", "generate", "--count", "25", "--seed", "8"]) == 0
    with session_scope(database_url) as session:
        repo = DossierRepository(session)
        assert 40 < repo.count() <= 65
        # Synthetic data never overwrites a dossier already stored.
        assert {code: repo.get(code).applicant_name for code in names} == names
