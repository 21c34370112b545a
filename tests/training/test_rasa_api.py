"""The model switch against a stand-in for Rasa's HTTP API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web

from assistant.settings import get_settings
from assistant.training import rasa_api

TOKEN = "s3cret-token"


class FakeRasa:
    """``PUT /model`` and ``GET /status`` as rasa/server.py answers them with --auth-token."""

    def __init__(self) -> None:
        self.loaded: list = []
        self.model_file = "models/model-0.tar.gz"
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> FakeRasa:
        app = web.Application()
        app.router.add_put("/model", self._load)
        app.router.add_get("/status", self._status)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def stop(self) -> None:
        await self._runner.cleanup()

    def _authorised(self, request: web.Request) -> bool:
        return request.query.get("token") == TOKEN

    async def _load(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"status": "failure", "code": 401}, status=401)
        body = await request.json()
        self.loaded.append(body)
        self.model_file = body["model_file"]
        return web.Response(status=204)

    async def _status(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"status": "failure", "code": 401}, status=401)
        return web.json_response(
            {"model_file": self.model_file, "model_id": "abc", "num_active_training_jobs": 0}
        )


@pytest.fixture
async def fake_rasa(monkeypatch):
    fake = await FakeRasa().start()
    monkeypatch.setenv("RASA_URL", fake.url)
    monkeypatch.setenv("RASA_API_TOKEN", TOKEN)
    get_settings.cache_clear()
    yield fake
    await fake.stop()
    get_settings.cache_clear()


async def test_load_model_puts_the_absolute_path_with_the_token(fake_rasa, tmp_path):
    model = tmp_path / "candidate-1.tar.gz"
    assert await asyncio.to_thread(rasa_api.load_model, model) is True
    assert fake_rasa.loaded == [{"model_file": str(model.resolve())}]
    status = await asyncio.to_thread(rasa_api.status)
    assert status["model_file"] == str(model.resolve())


async def test_a_wrong_token_is_a_failed_switch(fake_rasa, monkeypatch, tmp_path):
    monkeypatch.setenv("RASA_API_TOKEN", "wrong")
    get_settings.cache_clear()
    assert await asyncio.to_thread(rasa_api.load_model, tmp_path / "m.tar.gz") is False
    assert await asyncio.to_thread(rasa_api.status) is None
    assert fake_rasa.loaded == []


def test_an_unreachable_rasa_is_a_failed_switch(monkeypatch, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nobody listens
    monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{port}")
    get_settings.cache_clear()
    try:
        assert rasa_api.load_model(tmp_path / "m.tar.gz", timeout=2) is False
        assert rasa_api.status(timeout=2) is None
    finally:
        get_settings.cache_clear()
