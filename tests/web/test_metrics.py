"""The portal's /metrics: Prometheus' text format for callers on this host, 403 for others
unless they bring METRICS_TOKEN as a bearer token; a proxy header makes a caller remote."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from assistant.handoff.live import LiveDesk
from assistant.settings import get_settings
from assistant.web.metrics import allowed
from assistant.web.server import create_app

TOKEN = "s3cret-metrics-token"


@pytest.fixture
async def portal(database_url, monkeypatch):
    monkeypatch.delenv("METRICS_TOKEN", raising=False)
    get_settings.cache_clear()
    client = TestClient(TestServer(create_app(rasa_url="http://127.0.0.1:9")))
    await client.start_server()
    yield client
    await client.close()
    get_settings.cache_clear()


def with_token(monkeypatch, token: str = TOKEN) -> None:
    monkeypatch.setenv("METRICS_TOKEN", token)
    get_settings.cache_clear()


async def test_a_local_scrape_gets_the_database_gauges_in_the_text_format(portal, database_url):
    LiveDesk(database_url).enqueue("zalo-1", "zalo")
    reply = await portal.get("/metrics")
    body = await reply.text()
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE assistant_handoff_queue gauge" in body
    assert 'assistant_handoff_queue{status="waiting"} 1.0' in body
    assert "assistant_database_up 1.0" in body
    assert "process_cpu_seconds_total" in body  # the portal process's own figures


async def test_a_request_through_a_proxy_is_refused_without_the_token(portal):
    reply = await portal.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    assert reply.status == 403
    assert "assistant_" not in await reply.text()


async def test_the_bearer_token_opens_it_to_a_remote_scraper(portal, monkeypatch):
    with_token(monkeypatch)
    remote = {"X-Forwarded-For": "203.0.113.7"}
    good = await portal.get("/metrics", headers={**remote, "Authorization": f"Bearer {TOKEN}"})
    assert good.status == 200
    assert "assistant_petitions_open 0.0" in await good.text()
    wrong = await portal.get("/metrics", headers={**remote, "Authorization": "Bearer guess"})
    assert wrong.status == 403


@pytest.mark.parametrize(
    "peer, forwarded, authorization, token, expected",
    [
        ("127.0.0.1", False, "", "", True),
        ("::1", False, "", "", True),
        ("127.0.0.53", False, "", "", True),
        ("::ffff:127.0.0.1", False, "", "", True),  # IPv4 on a dual-stack socket
        ("::ffff:203.0.113.7", False, "", "", False),
        ("203.0.113.7", False, "", "", False),  # not loopback, no token configured
        ("10.0.0.5", False, f"Bearer {TOKEN}", "", False),  # a token, but none is set
        ("203.0.113.7", False, f"Bearer {TOKEN}", TOKEN, True),
        ("203.0.113.7", False, "Bearer wrong", TOKEN, False),
        ("203.0.113.7", False, TOKEN, TOKEN, False),  # no "Bearer "
        ("127.0.0.1", True, "", "", False),  # a local reverse proxy forwarding a visitor
        ("127.0.0.1", True, f"Bearer {TOKEN}", TOKEN, True),
        (None, False, "", "", False),  # a Unix socket or unknown peer
        ("not-an-address", False, "", "", False),
    ],
)
def test_who_may_read_the_metrics(peer, forwarded, authorization, token, expected):
    assert allowed(peer, forwarded, authorization, token) is expected
