"""Adjustments to the Rasa server process that Rasa 3.6 offers no setting for.

The REST channel applies them when Rasa builds it (``PortalRestInput.from_credentials``), so
they hold in every Rasa process that serves citizens, whatever started it. Each one keeps
Rasa's behaviour and changes one measured cost or limit.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def tune(action_timeout: float) -> None:
    limit_action_calls(action_timeout)
    compile_action_response_schema()
    reuse_endpoint_connections()


def limit_action_calls(seconds: float) -> None:
    """Make every custom-action call in this Rasa process give up after ``seconds``.

    Rasa 3.6 has no setting for it: ``RemoteAction.run`` passes the module constant
    ``DEFAULT_REQUEST_TIMEOUT`` (300 s) to each request, and ``endpoints.yml`` keys do not
    reach the request. That constant is used there and nowhere else in the module, so
    replacing it is the narrowest change. A timed-out call ends the turn without a reply,
    which the channels answer with the apology.
    """
    from rasa.core.actions import action

    if not hasattr(action, "DEFAULT_REQUEST_TIMEOUT"):  # pragma: no cover - another Rasa
        logger.warning("Cannot limit action calls: this Rasa version has no such constant")
        return
    action.DEFAULT_REQUEST_TIMEOUT = seconds


def compile_action_response_schema() -> None:
    """Check the action server's replies against a schema compiled once, not once per turn.

    ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``, which first
    validates the schema itself against the JSON Schema meta-schema, on every action call:
    about 20 ms of a turn's 60–80 ms on this machine (profiled with py-spy over the answer
    benchmark's questions), against 2 ms for the same check with a compiled validator. The
    replacement checks the same schema, raises the same error (``best_match``, as
    ``jsonschema.validate`` does) with the same explanation appended, and returns True.
    """
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import DOCS_BASE_URL, RemoteAction

    if getattr(RemoteAction._validate_action_result, "compiled_schema", False):
        return
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # what jsonschema.validate did on every call
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: dict) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                ". Failed to validate Action server response from API, "
                "make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    _validate_action_result.compiled_schema = True
    RemoteAction._validate_action_result = _validate_action_result


# Below the action server's (rasa-sdk's Sanic) 5 s keep-alive: a connection the server may be
# closing is never reused.
KEEPALIVE_SECONDS = 4.0


class _Borrowed:
    """``async with`` a shared session without closing it at the end."""

    def __init__(self, session) -> None:
        self.session = session

    async def __aenter__(self):
        return self.session

    async def __aexit__(self, *_) -> None:
        return None


def reuse_endpoint_connections() -> None:
    """Keep one HTTP client session (and its open connections) per endpoint and event loop.

    ``EndpointConfig.request`` opens a new ``aiohttp.ClientSession`` for every request and
    closes it after, so each custom action costs a TCP connection set up and torn down on
    both sides: about a tenth of the Rasa process's CPU per turn at 16 concurrent senders
    (py-spy, benchmarks/throughput.py). The replacement hands out a session made once with
    the same headers, auth and total timeout; requests still pass their own timeout.
    """
    import asyncio

    import aiohttp
    from rasa.utils import endpoints

    config = endpoints.EndpointConfig
    if getattr(config.session, "shared", False):
        return
    sessions: dict = {}

    def session(self: endpoints.EndpointConfig) -> _Borrowed:
        loop = asyncio.get_running_loop()
        auth = self.basic_auth or {}
        # The loop itself is in the key (held, so its id is never reused by another loop).
        key = (loop, tuple(sorted(self.headers.items())), tuple(sorted(auth.items())))
        shared = sessions.get(key)
        if shared is None or shared.closed:
            shared = aiohttp.ClientSession(
                headers=self.headers,
                auth=aiohttp.BasicAuth(auth["username"], auth["password"]) if auth else None,
                timeout=aiohttp.ClientTimeout(total=endpoints.DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
            )
            sessions[key] = shared
        return _Borrowed(shared)

    session.shared = True
    config.session = session
