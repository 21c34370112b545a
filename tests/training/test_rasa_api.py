"""The model switch against a stand-in for Rasa's HTTP API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket

import pytest

from assistant.settings import get_settings
from assistant.training import rasa_api
from tests.training.fake_rasa import TOKEN, FakeRasa


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


@pytest.fixture
async def two_replicas(monkeypatch):
    first, second = await FakeRasa().start(), await FakeRasa().start()
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")  # the balancer: must not be used
    monkeypatch.setenv("RASA_REPLICA_URLS", f"{first.url}, {second.url}/")
    monkeypatch.setenv("RASA_API_TOKEN", TOKEN)
    get_settings.cache_clear()
    yield first, second
    await first.stop()
    await second.stop()
    get_settings.cache_clear()


async def test_a_switch_reaches_every_replica_and_not_the_balancer(two_replicas, tmp_path):
    first, second = two_replicas
    assert rasa_api.replicas() == (first.url, second.url)
    model = tmp_path / "candidate-2.tar.gz"
    assert await asyncio.to_thread(rasa_api.load_model, model) is True
    assert first.loaded == second.loaded == [{"model_file": str(model.resolve())}]
    for fake in two_replicas:
        state = await asyncio.to_thread(rasa_api.status, base=fake.url)
        assert state["model_file"] == str(model.resolve())


async def test_a_switch_one_replica_missed_is_a_failed_switch(two_replicas, tmp_path):
    first, second = two_replicas
    await second.stop()
    outcome = await asyncio.to_thread(rasa_api.load_everywhere, tmp_path / "m.tar.gz", 2)
    assert outcome == {first.url: True, second.url: False}
    assert await asyncio.to_thread(rasa_api.load_model, tmp_path / "m.tar.gz", 2) is False
    await second.start()  # stop() in the fixture's teardown needs it running
