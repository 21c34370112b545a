"""The loopback ``/metrics`` server of the Rasa process and of the action server.

prometheus_client serves the process's default registry from a daemon thread. It is started
once per process, on 127.0.0.1 only (the series are for the operator's Prometheus on the same
host, not for the Internet); a port of 0 turns it off. A port already taken is logged and
skipped: metrics never keep the assistant from starting.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Tuple

from prometheus_client import start_http_server

from assistant.metrics import series

logger = logging.getLogger(__name__)

ADDRESS = "127.0.0.1"
RASA_SDK_APP = "rasa_sdk"  # the name rasa_sdk.endpoint.create_app gives its Sanic app

_lock = threading.Lock()
_started: Tuple[Any, Any] | None = None  # (server, thread) of this process
_tried = False


def serve(port: int, what: str) -> Tuple[Any, Any] | None:
    """Serve this process's metrics on ``127.0.0.1:port`` (once; 0 = not at all).

    Returns prometheus_client's (server, thread), or None when it is off or failed."""
    global _started, _tried
    with _lock:
        if _tried or port <= 0:
            return _started
        _tried = True
        try:
            _started = start_http_server(port, addr=ADDRESS)
        except OSError as error:
            logger.warning(
                "Metrics of the %s not served: port %d unavailable (%s)",
                what,
                port,
                type(error).__name__,
            )
            return None
        logger.info("Metrics of the %s on http://%s:%d/metrics", what, ADDRESS, port)
        return _started


def serve_in_action_server() -> Tuple[Any, Any] | None:
    """``serve`` on ``METRICS_PORT_ACTIONS`` when rasa-sdk's server loads ``actions``.

    rasa-sdk imports the package inside ``create_app``, after it made its Sanic app; tests
    and scripts that import an action have no such app, and nothing is read or started."""
    from sanic import Sanic
    from sanic.exceptions import SanicException

    from assistant.settings import get_settings

    try:
        Sanic.get_app(RASA_SDK_APP)
    except SanicException:
        return None
    series.prepare(places=series.ACTION_ERRORS)
    return serve(get_settings().metrics_port_actions, "action server")


def reset() -> None:
    """Stop the server and forget it was started (tests)."""
    global _started, _tried
    with _lock:
        if _started is not None:
            server, thread = _started
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
        _started, _tried = None, False
