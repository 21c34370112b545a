"""What `assistant run` (and `assistant cluster run`) does around the servers: the data a
first start needs (catalogs, FAQ, demo dossiers), the servers' command lines and
environment, and a first question that warms Rasa up."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Tuple

from assistant.console import count_lines, progress_bar
from assistant.settings import PROJECT_ROOT, get_settings
from assistant.training.cli import rasa_command


def child_env() -> dict:
    settings = get_settings()
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", settings.database_url)
    env.setdefault("ACTION_SERVER_URL", settings.action_server_url)
    # Rasa keeps conversations in SQL (SQLite by default) so the statistics can be read.
    env.setdefault("TRACKER_STORE_URL", settings.tracker_store_url)
    env.setdefault("PYTHONPATH", str(PROJECT_ROOT))
    return env


def server_commands(
    model: Path,
    *,
    action_port: int,
    rasa_port: int,
    rasa_host: str,
    endpoints: Path,
    token: str | None,
    action_host: str | None = None,
    cors_origins: Tuple[str, ...] | None = None,
) -> dict:
    """The command lines of the three servers (`assistant run`, and the end-to-end tests).

    ``action_host`` and ``cors_origins`` default to the ACTION_HOST and RASA_CORS_ORIGINS
    settings.
    """
    settings = get_settings()
    action_host = action_host or settings.action_host
    cors_origins = settings.rasa_cors_origins if cors_origins is None else cors_origins
    return {
        # rasa-sdk 3.6 has no --interface option: it binds to $SANIC_HOST (default 0.0.0.0).
        "actions": [
            "env",
            f"SANIC_HOST={action_host}",
            *rasa_command("run", "actions", "--actions", "actions", "--port", str(action_port)),
        ],
        "rasa": rasa_command(
            "run",
            "--model",
            str(model),
            # With a token, Rasa also serves its HTTP API (model switch without a restart).
            # One argument with "=": a random token may start with "-", which argparse
            # would read as an option.
            *(["--enable-api", f"--auth-token={token}"] if token else []),
            "--port",
            str(rasa_port),
            "--interface",
            rasa_host,
            "--credentials",
            "credentials.yml",
            "--endpoints",
            str(endpoints),
            # No CORS unless origins are configured: the portal calls Rasa server-side.
            *(["--cors", *cors_origins] if cors_origins else []),
        ),
        "web": [sys.executable, "-m", "assistant.cli", "web"],
    }


def warm_up(rasa_port: int) -> None:
    """Send Rasa a first question once it is up: the first turns after a start are slow."""
    import json
    import urllib.request

    url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
    body = json.dumps({"sender": "__warmup__", "message": "xin chào"}).encode()
    for _ in range(600):
        try:
            request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
            urllib.request.urlopen(request, timeout=60).read()
            return
        except OSError:
            time.sleep(1)


def import_catalogs_if_changed() -> None:
    """Import the national snapshot (when present) and then the seed, once per file version.

    The seed goes last: its curated text and aliases refine the national entries it shares
    codes with. A national file that is not there is skipped with a note, never an error.
    """
    import hashlib

    from assistant.catalog.importer import import_catalog
    from assistant.catalog.repository import CatalogRepository
    from assistant.db.session import session_scope

    settings = get_settings()
    # Stamps per database: emptying one (a new cluster, a test) forgets only its own.
    database = hashlib.sha256(settings.database_url.encode()).hexdigest()[:16]
    stamps = PROJECT_ROOT / "var" / "imported" / database
    stamps.mkdir(parents=True, exist_ok=True)
    with session_scope() as session:
        if CatalogRepository(session).count() == 0:  # a new or emptied database
            for stamp in stamps.iterdir():
                stamp.unlink()
    for path in (settings.national_catalog, settings.seed_catalog):
        if not path.exists():
            print(f"Catalog {path} not found: skipped")
            continue
        digest = hashlib.sha256(path.read_bytes() + settings.database_url.encode()).hexdigest()
        stamp = stamps / digest
        if stamp.exists():
            print(f"Catalog {path.name} already imported")
            continue
        with progress_bar(count_lines(path), f"Import {path.name}") as bar:
            report = import_catalog(path, progress=bar.update)
        print(report.summary())
        stamp.touch()


def seed_faq() -> None:
    """The repository's FAQ (data/nlu/faq.yml) seeds the staff-owned table, once per entry:
    what staff changed is never overwritten."""
    from assistant.db.session import session_scope
    from assistant.faq.seed import import_seed
    from assistant.staff.repository import StaffRepository

    with session_scope() as session:
        created = import_seed(session)
        has_staff = bool(StaffRepository(session).list_users())
    if created:
        print(f"FAQ: {created} entries from data/nlu/faq.yml")
    if not has_staff:
        print("No staff account yet: .venv/bin/assistant staff add <name> --role admin")


def seed_demo_dossiers(count: int = 300) -> None:
    """A few hundred synthetic dossiers so the status lookup can be tried at once."""
    from assistant.db.session import session_scope
    from assistant.dossiers.repository import DossierRepository

    with session_scope() as session:
        if DossierRepository(session).count():
            print("Dossiers already present")
            return
    from assistant.dossiers.seeding import generate_into_database

    demo = generate_into_database(count, seed=2026)
    print("Synthetic demo dossiers (code — last 4 digits of the phone):")
    for code, phone in demo:
        print(f"  {code} — {phone[-4:]}")
