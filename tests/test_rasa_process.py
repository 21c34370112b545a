"""The Rasa process adjustments: a compiled schema for action replies, and the call limit."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from assistant import rasa_process


@pytest.fixture
def compiled(monkeypatch):
    monkeypatch.setattr(
        RemoteAction, "_validate_action_result", RemoteAction._validate_action_result
    )
    rasa_process.compile_action_response_schema()
    return RemoteAction("action_x", None)


GOOD = {
    "events": [{"event": "slot", "name": "procedure_code", "value": "1.001", "timestamp": None}],
    "responses": [{"text": "Dạ.", "buttons": [{"title": "Có", "payload": "/affirm"}]}],
}
BAD = [
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": "not a list", "responses": []},
    {"events": [], "responses": ["not an object"]},
    {"events": [{"event": "slot", "name": 3}]},
]


def test_the_replacement_is_installed_once(compiled):
    first = RemoteAction._validate_action_result
    assert getattr(first, "compiled_schema", False)
    rasa_process.compile_action_response_schema()
    assert RemoteAction._validate_action_result is first


def test_a_valid_reply_passes(compiled):
    assert compiled._validate_action_result(GOOD) is True


@pytest.mark.parametrize("reply", BAD)
def test_an_invalid_reply_fails_as_jsonschema_validate_does(compiled, reply):
    with pytest.raises(jsonschema.ValidationError) as expected:
        jsonschema.validate(reply, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as got:
        compiled._validate_action_result(reply)
    assert got.value.message.startswith(expected.value.message)
    assert got.value.path == expected.value.path
    assert "Failed to validate Action server response" in got.value.message


def test_tune_limits_action_calls(monkeypatch):
    from rasa.core.actions import action
    from rasa.utils.endpoints import EndpointConfig

    monkeypatch.setattr(EndpointConfig, "session", EndpointConfig.session)
    monkeypatch.setattr(action, "DEFAULT_REQUEST_TIMEOUT", action.DEFAULT_REQUEST_TIMEOUT)
    monkeypatch.setattr(
        RemoteAction, "_validate_action_result", RemoteAction._validate_action_result
    )
    rasa_process.tune(7.5)
    assert action.DEFAULT_REQUEST_TIMEOUT == 7.5
    assert getattr(RemoteAction._validate_action_result, "compiled_schema", False)


@pytest.fixture
def shared_sessions(monkeypatch):
    from rasa.utils.endpoints import EndpointConfig

    monkeypatch.setattr(EndpointConfig, "session", EndpointConfig.session)
    rasa_process.reuse_endpoint_connections()


async def _serve(handler):
    from aiohttp import web

    app = web.Application()
    app.router.add_post("/webhook", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}/webhook"


async def test_action_calls_share_one_connection(shared_sessions):
    """Three calls, one TCP connection; headers and basic auth reach the server as before."""
    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    seen = []

    async def handler(request):
        seen.append((request.transport.get_extra_info("peername"), dict(request.headers)))
        return web.json_response({"n": len(seen)})

    runner, url = await _serve(handler)
    try:
        endpoint = EndpointConfig(
            url, headers={"X-Test": "1"}, basic_auth={"username": "u", "password": "p"}
        )
        replies = [await endpoint.request(json={"i": i}, timeout=5) for i in range(3)]
    finally:
        await runner.cleanup()
    assert replies == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert len({peer for peer, _ in seen}) == 1
    assert all(h["X-Test"] == "1" and h["Authorization"].startswith("Basic ") for _, h in seen)
    assert getattr(EndpointConfig.session, "shared", False)


async def test_a_server_error_still_raises(shared_sessions):
    from aiohttp import web
    from rasa.utils.endpoints import ClientResponseError, EndpointConfig

    async def handler(request):
        return web.json_response({"error": "x"}, status=500)

    runner, url = await _serve(handler)
    try:
        with pytest.raises(ClientResponseError):
            await EndpointConfig(url).request(json={}, timeout=5)
    finally:
        await runner.cleanup()
