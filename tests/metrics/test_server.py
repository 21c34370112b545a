"""The loopback metrics server of the Rasa process and the action server: started once per
process, off with port 0, never fatal when the port is taken, and in the action server only
when rasa-sdk's own server is loading the actions."""

from __future__ import annotations

import logging
import socket
import urllib.request

import pytest
from sanic import Sanic

from assistant.metrics import series, server
from assistant.settings import get_settings
from tests.e2e.launch import free_port


@pytest.fixture(autouse=True)
def fresh():
    server.reset()
    yield
    server.reset()
    get_settings.cache_clear()


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
        assert reply.status == 200
        return reply.read().decode()


def test_serves_the_process_series_on_loopback_once():
    series.message_received("test-server")
    port = free_port()
    started = server.serve(port, "test")
    assert started is not None
    assert started[0].server_address[0] == "127.0.0.1"
    assert 'assistant_messages_total{channel="test-server"} 1.0' in scrape(port)
    # a second call (another channel set up, a reload) starts nothing new
    assert server.serve(free_port(), "test") is started


def test_port_zero_serves_nothing():
    assert server.serve(0, "test") is None


def test_a_port_in_use_is_logged_and_skipped(caplog):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with caplog.at_level(logging.WARNING, logger="assistant.metrics.server"):
            assert server.serve(port, "test") is None
    # (the digits of the port may be masked: the privacy filter masks long numbers in logs)
    assert "Metrics of the test not served: port" in caplog.text
    assert "unavailable (OSError)" in caplog.text


def test_outside_the_action_server_importing_actions_starts_nothing(monkeypatch):
    monkeypatch.setenv("METRICS_PORT_ACTIONS", str(free_port()))
    get_settings.cache_clear()
    assert server.serve_in_action_server() is None


def test_inside_the_action_server_it_serves_on_the_actions_port(monkeypatch):
    port = free_port()
    monkeypatch.setenv("METRICS_PORT_ACTIONS", str(port))
    get_settings.cache_clear()
    monkeypatch.setattr(Sanic, "test_mode", True)
    app = Sanic(server.RASA_SDK_APP)  # what rasa_sdk.endpoint.create_app makes first
    try:
        assert server.serve_in_action_server() is not None
        assert 'assistant_errors_total{where="action_database"}' in scrape(port)
    finally:
        Sanic._app_registry.pop(app.name, None)
