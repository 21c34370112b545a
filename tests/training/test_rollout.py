"""The portal's check that every replica serves the live model (stand-ins for two replicas)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from assistant.audit import utcnow
from assistant.db.session import session_scope
from assistant.settings import get_settings
from assistant.training import rollout
from assistant.training.registry import ModelRegistry
from tests.training.fake_rasa import TOKEN, FakeRasa


@pytest.fixture
async def replicas(monkeypatch, database_url):
    first, second = await FakeRasa().start(), await FakeRasa().start()
    monkeypatch.setenv("RASA_REPLICA_URLS", f"{first.url},{second.url}")
    monkeypatch.setenv("RASA_API_TOKEN", TOKEN)
    get_settings.cache_clear()
    yield first, second
    for fake in (first, second):
        await fake.stop()
    get_settings.cache_clear()


def make_live(path, minutes_ago: float):
    path.write_bytes(b"a model")
    with session_scope() as session:
        version = ModelRegistry(session).adopt(path)
        version.activated_at = utcnow() - timedelta(minutes=minutes_ago)


async def test_a_replica_serving_an_old_model_is_switched_the_others_left_alone(replicas, tmp_path):
    first, second = replicas
    live = tmp_path / "candidate-20261207-0700.tar.gz"
    make_live(live, minutes_ago=30)
    first.model_file = live.name  # Rasa's /status names the file without its directory
    second.model_file = "model-old.tar.gz"
    outcome = await asyncio.to_thread(rollout.sync_replicas)
    assert outcome == {first.url: "ok", second.url: "switched"}
    assert first.loaded == [] and second.loaded == [{"model_file": str(live.resolve())}]
    # The next check finds both in step and sends nothing.
    assert set((await asyncio.to_thread(rollout.sync_replicas)).values()) == {"ok"}
    assert len(second.loaded) == 1


async def test_a_replica_down_is_left_to_load_the_live_model_when_it_starts(replicas, tmp_path):
    first, second = replicas
    await second.stop()
    make_live(tmp_path / "candidate-a.tar.gz", minutes_ago=30)
    outcome = await asyncio.to_thread(rollout.sync_replicas)
    assert outcome == {first.url: "switched", second.url: "unreachable"}
    await second.start()


async def test_a_switch_just_begun_is_not_doubled(replicas, tmp_path):
    first, second = replicas
    make_live(tmp_path / "candidate-b.tar.gz", minutes_ago=1)  # its PUTs are on their way
    assert await asyncio.to_thread(rollout.sync_replicas) == {}
    assert first.loaded == second.loaded == []


async def test_one_rasa_without_replica_urls_is_not_checked(monkeypatch):
    monkeypatch.delenv("RASA_REPLICA_URLS", raising=False)
    get_settings.cache_clear()
    try:
        # Returns at once instead of looping: `assistant run`'s one Rasa is switched directly.
        await asyncio.wait_for(rollout.sync_periodically(interval=0.01), timeout=1)
    finally:
        get_settings.cache_clear()
