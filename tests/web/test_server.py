"""The portal's /api/chat hands Rasa the citizen's address, with the token that makes it count.

Real HTTP on both sides: the portal on an aiohttp test server, Rasa replaced by a small fake
that records what it was sent.
"""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from assistant.channels.address import METADATA_KEY
from assistant.settings import get_settings
from assistant.web.server import create_app


@pytest.fixture
async def portal(database_url):
    received = []

    async def webhook(request: web.Request) -> web.Response:
        received.append((await request.json(), request.headers.get("Authorization")))
        return web.json_response([{"recipient_id": "x", "text": "ok"}])

    fake_rasa = web.Application()
    fake_rasa.router.add_post("/webhooks/rest/webhook", webhook)
    rasa = TestServer(fake_rasa)
    await rasa.start_server()
    client = TestClient(TestServer(create_app(rasa_url=str(rasa.make_url("")))))
    await client.start_server()

    async def chat(payload, headers=None):
        reply = await client.post("/api/chat", json=payload, headers=headers or {})
        assert reply.status == 200, await reply.text()
        return received[-1]

    yield chat
    await client.close()
    await rasa.close()
    get_settings.cache_clear()


def _env(monkeypatch, **values):
    for name in ("TRUSTED_PROXIES", "RASA_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


async def test_the_citizens_address_and_the_token_go_to_rasa(portal, monkeypatch):
    _env(monkeypatch, RASA_API_TOKEN="portal-secret")
    body, authorization = await portal({"sender": "s", "message": "xin chào"})
    assert body["metadata"] == {METADATA_KEY: "127.0.0.1"}
    assert authorization == "Bearer portal-secret"


async def test_the_citizen_cannot_choose_the_address(portal, monkeypatch):
    _env(monkeypatch, RASA_API_TOKEN="portal-secret")
    payload = {"sender": "s", "message": "hi", "metadata": {METADATA_KEY: "9.9.9.9"}}
    body, _ = await portal(payload, {"X-Forwarded-For": "198.51.100.1"})
    assert body["metadata"] == {METADATA_KEY: "127.0.0.1"}


async def test_behind_a_trusted_proxy_the_forwarded_address_is_used(portal, monkeypatch):
    _env(monkeypatch, RASA_API_TOKEN="portal-secret", TRUSTED_PROXIES="127.0.0.1")
    body, _ = await portal({"sender": "s", "message": "hi"}, {"X-Forwarded-For": "198.51.100.1"})
    assert body["metadata"] == {METADATA_KEY: "198.51.100.1"}


async def test_without_a_token_no_authorization_header_is_sent(portal, monkeypatch):
    _env(monkeypatch)
    _, authorization = await portal({"sender": "s", "message": "xin chào"})
    assert authorization is None
