"""Switch the running Rasa servers to another model without restarting them.

``PUT /webhooks/model_switch/model?token=<RASA_API_TOKEN>`` with ``{"model_file": "<path>"}``
(assistant/channels/model_switch.py, Rasa's ``PUT /model`` made to answer citizens while it
loads) answers 204 once the new model is in place; conversations carry on with it.
``GET /status`` is Rasa's HTTP API, served when Rasa is started with ``--enable-api
--auth-token <token>`` (``assistant run`` does).

Several replicas behind a load balancer (``make cluster``) are named by RASA_REPLICA_URLS and
switched one after the other, so that at most one is loading (which slows its turns) while
the others answer at full speed. A replica that was down or refused is switched later by the
portal (assistant/training/rollout.py), and one that starts again loads the live model
(assistant/cluster/replica.py).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Dict, Tuple

from assistant.settings import get_settings

logger = logging.getLogger(__name__)

# Loading a model builds its TensorFlow graphs: tens of seconds on two busy cores.
LOAD_TIMEOUT = 300.0
STATUS_TIMEOUT = 5.0
# assistant/channels/model_switch.py: Rasa's ``PUT /model``, but answering while it loads.
SWITCH_PATH = "/webhooks/model_switch/model"
# What staff read when a replica did not take the model at once.
NOT_LOADED_YET = (
    " Có máy chủ Rasa chưa nạp được ngay: hệ thống sẽ tự nạp lại trong ít phút,"
    " và máy chủ nào khởi động lại cũng dùng mô hình này."
)


def _open(request, timeout: float):
    # Rasa runs next to us: never send its token through an HTTP(S)_PROXY from the environment.
    return urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
        request, timeout=timeout
    )


def replicas() -> Tuple[str, ...]:
    """Every Rasa server to switch: RASA_REPLICA_URLS, else RASA_URL alone."""
    settings = get_settings()
    return settings.rasa_replica_urls or (settings.rasa_url.rstrip("/"),)


def _url(path: str, base: str | None = None) -> str:
    settings = get_settings()
    query = urllib.parse.urlencode({"token": settings.rasa_api_token})
    return f"{(base or settings.rasa_url).rstrip('/')}{path}?{query}"


def load_into(base: str, path: Path | str, timeout: float = LOAD_TIMEOUT) -> bool:
    """True once the Rasa at ``base`` answers 204 with the model at ``path`` loaded."""
    body = json.dumps({"model_file": str(Path(path).resolve())}).encode()
    request = urllib.request.Request(
        _url(SWITCH_PATH, base),
        data=body,
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    try:
        with _open(request, timeout) as response:
            return response.status == 204
    except urllib.error.HTTPError as error:
        logger.warning("Rasa at %s refused the model switch: HTTP %s", base, error.code)
    except (OSError, ValueError) as error:  # refused, timed out, bad URL
        logger.warning("Rasa at %s is not reachable for the model switch: %s", base, error)
    return False


def load_everywhere(path: Path | str, timeout: float = LOAD_TIMEOUT) -> Dict[str, bool]:
    """Each replica's answer to the switch, one replica at a time."""
    return {base: load_into(base, path, timeout) for base in replicas()}


def load_model(path: Path | str, timeout: float = LOAD_TIMEOUT) -> bool:
    """True once every replica has the model at ``path`` loaded; False when one is not
    reachable, refuses the token or fails to load it (the caller keeps its decision: the
    model registered live is the one replicas load when they start, and the portal
    switches the ones it finds behind)."""
    return all(load_everywhere(path, timeout).values())


def status(timeout: float = STATUS_TIMEOUT, base: str | None = None) -> dict | None:
    """Rasa's ``GET /status`` (RASA_URL's unless ``base``): ``model_file`` (the file's
    name), ``model_id`` (the model's fingerprint) and ``num_active_training_jobs``; None when
    Rasa is unreachable or refuses the token."""
    try:
        with _open(_url("/status", base), timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except (OSError, ValueError) as error:  # HTTPError is an OSError
        logger.info("Rasa status not available: %s", error)
        return None
