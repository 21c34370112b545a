"""A staff member's browser session on the staff app, over real HTTP (shared by the tests)."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient, TestServer

from assistant.web.server import create_app

PASSWORD = "mat-khau-du-dai-2026"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def logged_in(username: str, password: str = PASSWORD) -> TestClient:
    """A started client, logged in as ``username`` (the account must exist)."""
    client = TestClient(TestServer(create_app(rasa_url="http://127.0.0.1:9")))
    await client.start_server()
    page = await client.get("/admin/login")
    token = CSRF.search(await page.text()).group(1)
    response = await client.post(
        "/admin/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/admin"},
        allow_redirects=False,
    )
    assert response.status == 302
    return client
