"""The cluster's secrets, made once into ``var/cluster/secrets.env`` (mode 0600) and reused.

PostgreSQL's passwords are baked into its data directory at the first start, so they must
outlive a restart; SENDER_HASH_SECRET and RASA_API_TOKEN are shared by every process of the
cluster (a sender's hash is the same whichever replica saw the message). The file is
``NAME=value`` lines, the format of a systemd EnvironmentFile.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Dict, Mapping

from assistant.private_file import write_private

NAMES = (
    "CLUSTER_POSTGRES_PASSWORD",  # PostgreSQL's superuser (postgres): setup only
    "CLUSTER_DATABASE_PASSWORD",  # the `assistant` role the servers connect as
    "CLUSTER_REDIS_PASSWORD",
    "SENDER_HASH_SECRET",
    "RASA_API_TOKEN",
)


def parse(text: str) -> Dict[str, str]:
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


def format_secrets(values: Mapping[str, str]) -> str:
    head = "# Made by `assistant cluster run`; PostgreSQL's passwords are set from it once.\n"
    return head + "".join(f"{name}={values[name]}\n" for name in NAMES)


def load_or_create(path: Path) -> Dict[str, str]:
    """The secrets in ``path``, adding any that are missing (hex: safe in a URL)."""
    values = parse(path.read_text(encoding="ascii")) if path.exists() else {}
    missing = [name for name in NAMES if not values.get(name)]
    if missing:
        for name in missing:
            values[name] = secrets.token_hex(24)
        write_private(path, format_secrets(values))
    return values
