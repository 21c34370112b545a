"""The endpoints.yml Rasa is started with: the project's own, or a private copy naming a Redis
lock store when ``LOCK_STORE_URL`` is set (``assistant run`` with a shared lock, and each
replica of ``assistant cluster``)."""

from __future__ import annotations

import os
from pathlib import Path

from assistant.private_file import write_private
from assistant.settings import PROJECT_ROOT

LOCK_STORE_TIMEOUT = 2  # seconds


# Rasa's Redis lock store made safe for processes that die (assistant/cluster/lockstore.py).
LOCK_STORE_CLASS = "assistant.cluster.lockstore.ClusterLockStore"


def endpoints_file(target: Path | None = None) -> Path:
    """endpoints.yml, plus the Redis lock store when LOCK_STORE_URL is set. The copy may hold
    the Redis password (Rasa 3.6's lock store takes no URL, and its children's environment is
    set before this runs), so it is readable by its owner only: written to a private
    temporary file that replaces the old copy whole, whatever the old one's mode was."""
    from urllib.parse import urlparse

    import yaml

    base = PROJECT_ROOT / "endpoints.yml"
    url = os.environ.get("LOCK_STORE_URL", "")
    if not url:
        return base
    parsed = urlparse(url)
    endpoints = yaml.safe_load(base.read_text(encoding="utf-8"))
    endpoints["lock_store"] = {
        "type": LOCK_STORE_CLASS,
        "url": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 6379,
        "db": int((parsed.path or "/0").lstrip("/") or 0),
        # A Redis that hangs (not refusing: frozen, or a lost network) costs the turn
        # 2 s before the apology, not Rasa's 10 s.
        "socket_timeout": LOCK_STORE_TIMEOUT,
    }
    if parsed.password:
        endpoints["lock_store"]["password"] = parsed.password
    target = target or PROJECT_ROOT / "var" / "endpoints.yml"  # the cluster passes its own
    # Keep ${ACTION_SERVER_URL} unquoted so that Rasa still expands it.
    text = yaml.safe_dump(endpoints, sort_keys=False).replace(
        "'${ACTION_SERVER_URL}'", "${ACTION_SERVER_URL}"
    )
    write_private(target, text)
    return target
