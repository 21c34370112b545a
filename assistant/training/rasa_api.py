"""Switch the running Rasa server to another model without restarting it.

Rasa serves its HTTP API only when started with ``--enable-api --auth-token <token>``
(``assistant run`` does); the token goes in the ``token`` query parameter. ``PUT /model``
with ``{"model_file": "<path>"}`` loads the file and answers 204 once the new agent is in
place (rasa/server.py, ``load_model``); conversations carry on with the new model.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from assistant.settings import get_settings

logger = logging.getLogger(__name__)

# Loading a model builds its TensorFlow graphs: tens of seconds on two busy cores.
LOAD_TIMEOUT = 300.0
STATUS_TIMEOUT = 5.0


def _open(request, timeout: float):
    # Rasa runs next to us: never send its token through an HTTP(S)_PROXY from the environment.
    return urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
        request, timeout=timeout
    )


def _url(path: str) -> str:
    settings = get_settings()
    query = urllib.parse.urlencode({"token": settings.rasa_api_token})
    return f"{settings.rasa_url.rstrip('/')}{path}?{query}"


def load_model(path: Path | str, timeout: float = LOAD_TIMEOUT) -> bool:
    """True once Rasa answers 204 with the model at ``path`` loaded; False when Rasa is not
    reachable, refuses the token or fails to load it (the caller keeps its decision: the
    model registered live is the one ``assistant run`` starts next time)."""
    body = json.dumps({"model_file": str(Path(path).resolve())}).encode()
    request = urllib.request.Request(
        _url("/model"), data=body, method="PUT", headers={"Content-Type": "application/json"}
    )
    try:
        with _open(request, timeout) as response:
            return response.status == 204
    except urllib.error.HTTPError as error:
        logger.warning("Rasa refused the model switch: HTTP %s", error.code)
    except (OSError, ValueError) as error:  # refused, timed out, bad URL
        logger.warning("Rasa is not reachable for the model switch: %s", error)
    return False


def status(timeout: float = STATUS_TIMEOUT) -> dict | None:
    """Rasa's ``GET /status``: ``model_file``, ``model_id`` (the model's fingerprint) and
    ``num_active_training_jobs``; None when Rasa is unreachable or refuses the token."""
    try:
        with _open(_url("/status"), timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except (OSError, ValueError) as error:  # HTTPError is an OSError
        logger.info("Rasa status not available: %s", error)
        return None
