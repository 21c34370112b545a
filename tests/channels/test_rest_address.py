"""The REST channel hands the actions an address the client cannot choose (real Sanic, real HTTP).

The server runs on a loopback port, so the peer is always 127.0.0.1: "a trusted proxy" is
127.0.0.1 listed in TRUSTED_PROXIES, "an untrusted peer" is the same socket without it.
"""

from __future__ import annotations

import itertools
import socket

import aiohttp
import pytest
from sanic import Sanic

from assistant.channels.address import METADATA_KEY
from assistant.channels.rest import PortalRestInput
from assistant.settings import get_settings

_names = itertools.count()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def channel(monkeypatch):
    """POST to a real PortalRestInput; returns the metadata the bot would have received."""
    # Sanic rewrites its own methods when an app starts; test mode lets a second app do so.
    monkeypatch.setattr(Sanic, "test_mode", True)
    seen = []

    async def on_new_message(message):
        seen.append(message.metadata)
        await message.output_channel.send_text_message(message.sender_id, "ok")

    app = Sanic(f"rest_address_{next(_names)}")
    app.blueprint(PortalRestInput().blueprint(on_new_message), url_prefix="/webhooks/rest")
    port = _free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    await server.startup()
    await server.start_serving()

    async def post(payload, headers=None):
        url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=payload, headers=headers or {}) as reply:
                assert reply.status == 200, await reply.text()
        return seen[-1]

    yield post
    server.close()
    await server.wait_closed()
    get_settings.cache_clear()


def _env(monkeypatch, **values):
    for name in ("TRUSTED_PROXIES", "RASA_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


async def test_a_direct_client_counts_as_its_peer(channel, monkeypatch):
    _env(monkeypatch)
    metadata = await channel({"sender": "a", "message": "xin chào", "metadata": {"x": 1}})
    assert metadata == {"x": 1, METADATA_KEY: "127.0.0.1"}


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(channel, monkeypatch):
    _env(monkeypatch, TRUSTED_PROXIES="10.0.0.0/8")
    headers = {"X-Forwarded-For": "198.51.100.1"}
    metadata = await channel({"sender": "a", "message": "xin chào"}, headers)
    assert metadata[METADATA_KEY] == "127.0.0.1"


async def test_forwarded_for_from_a_trusted_proxy_is_used(channel, monkeypatch):
    _env(monkeypatch, TRUSTED_PROXIES="127.0.0.1")
    headers = {"X-Forwarded-For": "1.2.3.4, 198.51.100.1"}
    metadata = await channel({"sender": "a", "message": "xin chào"}, headers)
    assert metadata[METADATA_KEY] == "198.51.100.1"


async def test_an_address_in_the_client_metadata_is_not_believed(channel, monkeypatch):
    _env(monkeypatch, RASA_API_TOKEN="portal-secret")
    claimed = {"sender": "a", "message": "xin chào", "metadata": {METADATA_KEY: "9.9.9.9"}}
    assert (await channel(claimed))[METADATA_KEY] == "127.0.0.1"
    wrong = {"Authorization": "Bearer guessed"}
    assert (await channel(claimed, wrong))[METADATA_KEY] == "127.0.0.1"


async def test_the_portal_with_the_api_token_is_believed(channel, monkeypatch):
    _env(monkeypatch, RASA_API_TOKEN="portal-secret")
    claimed = {"sender": "a", "message": "xin chào", "metadata": {METADATA_KEY: "9.9.9.9"}}
    headers = {"Authorization": "Bearer portal-secret"}
    assert (await channel(claimed, headers))[METADATA_KEY] == "9.9.9.9"


async def test_without_a_token_configured_no_metadata_address_is_believed(channel, monkeypatch):
    _env(monkeypatch)
    claimed = {"sender": "a", "message": "xin chào", "metadata": {METADATA_KEY: "9.9.9.9"}}
    headers = {"Authorization": "Bearer "}
    assert (await channel(claimed, headers))[METADATA_KEY] == "127.0.0.1"
