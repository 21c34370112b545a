"""The `assistant` command as operators use it."""

from __future__ import annotations

import json

from assistant import audit
from assistant.catalog.repository import CatalogRepository
from assistant.cli import main
from assistant.db.session import session_scope
from assistant.dossiers.repository import DossierRepository
from assistant.settings import PROJECT_ROOT, get_settings


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


def test_rasa_reads_a_token_that_starts_with_a_dash():
    # secrets.token_urlsafe can begin with "-"; as a separate argument Rasa's argparse took
    # it for an option and `rasa run` exited at start-up.
    from rasa.__main__ import create_argument_parser

    from assistant.cli import server_commands

    command = server_commands(
        PROJECT_ROOT / "models" / "m.tar.gz",
        action_port=5055,
        rasa_port=5005,
        rasa_host="127.0.0.1",
        endpoints=PROJECT_ROOT / "endpoints.yml",
        token="-Xy_z1",
    )
    args = create_argument_parser().parse_args(command["rasa"][3:])
    assert args.auth_token == "-Xy_z1" and args.enable_api


def _rasa_args(monkeypatch, origins: str | None):
    from rasa.__main__ import create_argument_parser

    from assistant.cli import server_commands

    if origins is None:
        monkeypatch.delenv("RASA_CORS_ORIGINS", raising=False)
    else:
        monkeypatch.setenv("RASA_CORS_ORIGINS", origins)
    get_settings.cache_clear()
    command = server_commands(
        PROJECT_ROOT / "models" / "m.tar.gz",
        action_port=5055,
        rasa_port=5005,
        rasa_host="127.0.0.1",
        endpoints=PROJECT_ROOT / "endpoints.yml",
        token=None,
    )
    get_settings.cache_clear()
    return command["rasa"], create_argument_parser().parse_args(command["rasa"][3:])


def test_rasa_allows_no_cross_origin_calls_by_default(monkeypatch):
    command, args = _rasa_args(monkeypatch, None)
    assert "--cors" not in command and "*" not in command
    assert args.cors is None  # Rasa then sends no CORS headers at all


def test_rasa_allows_the_configured_origins_only(monkeypatch):
    command, args = _rasa_args(monkeypatch, "https://a.gov.vn, https://b.gov.vn:8443/")
    assert args.cors == ["https://a.gov.vn", "https://b.gov.vn:8443"]
    assert "*" not in command


def test_the_action_server_is_bound_to_action_host(monkeypatch):
    from assistant.cli import server_commands

    monkeypatch.setenv("ACTION_HOST", "10.0.0.5")
    get_settings.cache_clear()
    command = server_commands(
        PROJECT_ROOT / "models" / "m.tar.gz",
        action_port=5055,
        rasa_port=5005,
        rasa_host="127.0.0.1",
        endpoints=PROJECT_ROOT / "endpoints.yml",
        token=None,
    )["actions"]
    get_settings.cache_clear()
    # rasa-sdk 3.6 reads the address from SANIC_HOST (rasa_sdk/endpoint.py).
    assert command[:2] == ["env", "SANIC_HOST=10.0.0.5"]
