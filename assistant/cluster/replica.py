"""One Rasa replica: `assistant run`'s Rasa command line with the model that is live now.

The cluster's supervisor and the systemd unit (deploy/systemd/assistant-rasa@.service) start
replicas through this, so a replica started again after the staff switched models loads the
live one, not the one of the cluster's start. It never trains: the registry's live model,
else the developer build for the current data, else it exits with code 2.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from assistant.settings import PROJECT_ROOT, get_settings


def live_model_file() -> Path | None:
    from assistant.db.session import session_scope
    from assistant.modelstore import current_model
    from assistant.training.registry import ModelRegistry

    with session_scope() as session:
        live = ModelRegistry(session).live()
        if live is not None and Path(live.path).exists():
            return Path(live.path)
    return current_model()


def replica_command(port: int, model: Path, endpoints: Path) -> list:
    from assistant.startup import server_commands

    settings = get_settings()
    return server_commands(
        model,
        action_port=settings.action_port,
        rasa_port=port,
        rasa_host=settings.rasa_host,
        endpoints=endpoints,
        token=settings.rasa_api_token or None,
    )["rasa"]


def exec_replica(port: int, endpoints: Path | None = None) -> int:
    """Replace this process with Rasa (same pid: the supervisor's signals reach Rasa)."""
    from assistant.db.session import dispose_engines
    from assistant.endpoints import endpoints_file

    model = live_model_file()
    if model is None:
        print("No model to serve: run `make model` (or `assistant run` once)", file=sys.stderr)
        return 2
    command = replica_command(port, model, endpoints or endpoints_file())
    dispose_engines()  # the registry's connection is not Rasa's to keep
    os.chdir(PROJECT_ROOT)  # credentials.yml is named relative to the repository
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)
    return 0  # not reached
