"""The model switch channel on a real Sanic server: it keeps answering while a model loads,
swaps the model in between turns, and refuses callers without the token or a model file."""

from __future__ import annotations

import asyncio
import itertools
import socket
import threading
import time
from types import SimpleNamespace

import aiohttp
import pytest
from sanic import Sanic, response

from assistant.channels import model_switch
from assistant.channels.model_switch import ModelSwitchInput
from assistant.settings import get_settings

TOKEN = "switch-token"
_names = itertools.count()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeAgent:
    def __init__(self) -> None:
        self.processor = SimpleNamespace(name="old")
        self.tracker_store = SimpleNamespace(domain="old domain")
        self.lock_store = self.action_endpoint = self.http_interpreter = None
        self.nlg = None
        self.domain = "old domain"

    def _set_fingerprint(self, fingerprint) -> None:
        self.fingerprint = fingerprint or "new"


@pytest.fixture
async def server(monkeypatch, tmp_path):
    monkeypatch.setattr(Sanic, "test_mode", True)
    monkeypatch.setenv("RASA_API_TOKEN", TOKEN)
    get_settings.cache_clear()
    loading = threading.Event()

    def slow_load(agent, path):  # a model takes seconds to load: here, in the worker thread
        loading.set()
        time.sleep(1.5)
        return SimpleNamespace(name=path.name, domain="new domain")

    monkeypatch.setattr(model_switch, "load_processor", slow_load)
    app = Sanic(f"model_switch_{next(_names)}")
    app.ctx.agent = FakeAgent()
    app.blueprint(ModelSwitchInput().blueprint(None), url_prefix="/webhooks/model_switch")

    @app.get("/turn")
    async def turn(_):  # stands for a citizen's turn, served by the model in place
        return response.json({"model": app.ctx.agent.processor.name})

    port = _free_port()
    http = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    await http.startup()
    await http.start_serving()
    model = tmp_path / "candidate-2.tar.gz"
    model.write_bytes(b"a model")
    yield SimpleNamespace(url=f"http://127.0.0.1:{port}", app=app, model=model, loading=loading)
    http.close()
    await http.wait_closed()
    get_settings.cache_clear()


async def test_turns_are_answered_by_the_old_model_while_the_new_one_loads(server):
    switch_url = f"{server.url}/webhooks/model_switch/model?token={TOKEN}"
    async with aiohttp.ClientSession() as http:
        switching = asyncio.create_task(
            http.put(switch_url, json={"model_file": str(server.model)})
        )
        await asyncio.to_thread(server.loading.wait, 5)
        during = []
        for _ in range(5):
            started = time.perf_counter()
            async with http.get(f"{server.url}/turn") as reply:
                during.append(((await reply.json())["model"], time.perf_counter() - started))
        reply = await switching
        assert reply.status == 204
        async with http.get(f"{server.url}/turn") as after:
            assert (await after.json())["model"] == "candidate-2.tar.gz"
    assert [name for name, _ in during] == ["old"] * 5
    assert max(seconds for _, seconds in during) < 0.5  # not held up by the 1.5 s load
    agent = server.app.ctx.agent
    assert agent.domain == agent.tracker_store.domain == "new domain"


@pytest.mark.parametrize(
    "query, body, status",
    [
        ("", {"model_file": "x"}, 401),
        ("?token=wrong", {"model_file": "x"}, 401),
        (f"?token={TOKEN}", {"model_file": "/nonexistent/model.tar.gz"}, 400),
        (f"?token={TOKEN}", {"model": "x"}, 400),
        (f"?token={TOKEN}", None, 400),
    ],
)
async def test_callers_without_the_token_or_a_model_file_are_refused(server, query, body, status):
    url = f"{server.url}/webhooks/model_switch/model{query}"
    async with aiohttp.ClientSession() as http:
        async with http.put(url, json=body) if body else http.put(url, data=b"{no") as reply:
            assert reply.status == status
    assert server.app.ctx.agent.processor.name == "old"
