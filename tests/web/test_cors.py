"""CORS on the chat API (assistant/web/cors.py), over real HTTP with aiohttp's test server."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from assistant.settings import get_settings
from assistant.web.server import create_app

LISTED = "https://xa-an-binh.gov.vn"
OTHER = "https://evil.example"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type",
}
MESSAGE = {"sender": "cors-test", "message": "xin chào"}


@pytest.fixture
async def client(database_url, monkeypatch):
    monkeypatch.setenv("PORTAL_ALLOWED_ORIGINS", f" {LISTED}/ , http://127.0.0.1:8081")
    get_settings.cache_clear()
    # Nothing listens on port 9: the chat answers with the apology, which is enough here.
    client = TestClient(TestServer(create_app(rasa_url="http://127.0.0.1:9")))
    await client.start_server()
    yield client
    await client.close()
    get_settings.cache_clear()


async def test_a_listed_origin_gets_its_preflight_answered(client):
    response = await client.options("/api/chat", headers={"Origin": LISTED, **PREFLIGHT})
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == LISTED
    assert response.headers["Access-Control-Allow-Methods"] == "POST"
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()
    assert response.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize(
    "origin", [OTHER, "null", "https://xa-an-binh.gov.vn.evil.example", "http://xa-an-binh.gov.vn"]
)
async def test_any_other_origin_is_refused_on_preflight(client, origin):
    response = await client.options("/api/chat", headers={"Origin": origin, **PREFLIGHT})
    assert response.status == 403
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["Vary"] == "Origin"
    assert "không được phép" in (await response.json())["error"]


async def test_a_preflight_without_origin_or_for_another_method_is_refused(client):
    response = await client.options("/api/chat", headers=PREFLIGHT)
    assert response.status == 403
    response = await client.options(
        "/api/chat", headers={"Origin": LISTED, "Access-Control-Request-Method": "DELETE"}
    )
    assert response.status == 403
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_replies_name_a_listed_origin_only(client):
    listed = await client.post("/api/chat", json=MESSAGE, headers={"Origin": LISTED})
    assert listed.status == 200
    assert listed.headers["Access-Control-Allow-Origin"] == LISTED
    assert listed.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in listed.headers
    other = await client.post("/api/chat", json=MESSAGE, headers={"Origin": OTHER})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert other.headers["Vary"] == "Origin"
    same = await client.post("/api/chat", json=MESSAGE)  # the portal's own page
    assert same.status == 200 and "Access-Control-Allow-Origin" not in same.headers


async def test_error_replies_carry_the_header_so_the_widget_can_read_them(client):
    response = await client.post(
        "/api/chat", data=b"not json", headers={"Origin": "http://127.0.0.1:8081"}
    )
    assert response.status == 400
    assert response.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8081"


async def test_other_paths_are_left_alone(client):
    response = await client.get("/health", headers={"Origin": LISTED})
    assert "Access-Control-Allow-Origin" not in response.headers
    response = await client.options("/admin/login", headers={"Origin": LISTED, **PREFLIGHT})
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_with_nothing_configured_every_cross_origin_preflight_is_refused(
    database_url, monkeypatch
):
    monkeypatch.delenv("PORTAL_ALLOWED_ORIGINS", raising=False)
    get_settings.cache_clear()
    client = TestClient(TestServer(create_app(rasa_url="http://127.0.0.1:9")))
    await client.start_server()
    try:
        response = await client.options("/api/chat", headers={"Origin": LISTED, **PREFLIGHT})
        assert response.status == 403
        assert "Access-Control-Allow-Origin" not in response.headers
    finally:
        await client.close()
