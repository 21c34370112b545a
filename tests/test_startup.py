"""What `assistant run` starts: the servers' command lines as Rasa and the action server read
them (tokens, CORS, bind addresses), and the data a first start needs."""

from __future__ import annotations

import re

from assistant.settings import PROJECT_ROOT, get_settings
from assistant.startup import server_commands


def commands(token: str | None = None) -> dict:
    """The servers' command lines for a model, the default ports and the project's endpoints."""
    return server_commands(
        PROJECT_ROOT / "models" / "m.tar.gz",
        action_port=5055,
        rasa_port=5005,
        rasa_host="127.0.0.1",
        endpoints=PROJECT_ROOT / "endpoints.yml",
        token=token,
    )


def test_rasa_reads_a_token_that_starts_with_a_dash():
    # secrets.token_urlsafe can begin with "-"; as a separate argument Rasa's argparse took
    # it for an option and `rasa run` exited at start-up.
    from rasa.__main__ import create_argument_parser

    command = commands(token="-Xy_z1")
    args = create_argument_parser().parse_args(command["rasa"][3:])
    assert args.auth_token == "-Xy_z1" and args.enable_api


def _rasa_args(monkeypatch, origins: str | None):
    from rasa.__main__ import create_argument_parser

    if origins is None:
        monkeypatch.delenv("RASA_CORS_ORIGINS", raising=False)
    else:
        monkeypatch.setenv("RASA_CORS_ORIGINS", origins)
    get_settings.cache_clear()
    command = commands()
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
    monkeypatch.setenv("ACTION_HOST", "10.0.0.5")
    get_settings.cache_clear()
    command = commands()["actions"]
    get_settings.cache_clear()
    # rasa-sdk 3.6 reads the address from SANIC_HOST (rasa_sdk/endpoint.py).
    assert command[:2] == ["env", "SANIC_HOST=10.0.0.5"]


def test_the_demo_dossiers_are_added_once(database_url, capsys):
    from assistant.catalog.importer import import_catalog
    from assistant.db.session import session_scope
    from assistant.dossiers.repository import DossierRepository
    from assistant.startup import seed_demo_dossiers

    import_catalog(PROJECT_ROOT / "data" / "catalog" / "seed.yml", database_url)
    seed_demo_dossiers(12)
    shown = capsys.readouterr().out
    with session_scope(database_url) as session:
        assert DossierRepository(session).count() == 12
    # What to type: three codes, each with the last 4 digits of its phone.
    assert len(re.findall(r"^  \S+ — \d{4}$", shown, re.M)) == 3
    seed_demo_dossiers(12)
    assert "already present" in capsys.readouterr().out
    with session_scope(database_url) as session:
        assert DossierRepository(session).count() == 12
