"""The timed lock store against a real Redis on a loopback port: a second message of the
same conversation waits for the first, and the waits are summed in Redis."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from assistant.cluster.lockstore import TimedRedisLockStore
from assistant.devservices import start_redis

pytestmark = pytest.mark.cluster  # needs redis-server (make cluster-deps)


@pytest.fixture
def redis_server(tmp_path):
    server = start_redis(tmp_path / "redis", password="s3cret")
    yield server
    server.stop()


def store_for(server) -> TimedRedisLockStore:
    config = EndpointConfig.from_dict(
        {
            "type": "assistant.cluster.lockstore.TimedRedisLockStore",
            "url": "127.0.0.1",
            "port": server.port,
            "password": "s3cret",
            "db": 0,
        }
    )
    store = LockStore.create(config)  # how Rasa builds it from endpoints.yml
    assert isinstance(store, TimedRedisLockStore)
    return store


def test_waits_are_summed_over_stores_sharing_one_redis(redis_server):
    first, second = store_for(redis_server), store_for(redis_server)  # two replicas
    first.reset_totals()
    order = []

    async def turn(store, name, hold):
        async with store.lock("conversation-1", wait_time_in_seconds=0.1):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    async def both():
        await asyncio.gather(turn(first, "a", 0.5), turn(second, "b", 0))

    asyncio.run(both())
    assert order == ["a in", "a out", "b in", "b out"]
    totals = first.totals()
    assert totals == second.totals()
    assert totals["acquired"] == 2 and totals["contended"] == 1
    assert 0.4 < totals["wait_seconds"] < 2.0  # b waited for a's half second

    async def alone():
        async with second.lock("conversation-2", wait_time_in_seconds=0.1):
            pass

    asyncio.run(alone())
    after = first.totals()
    assert after["acquired"] == 3 and after["contended"] == 1
    assert after["wait_seconds"] - totals["wait_seconds"] < 0.1
    first.reset_totals()
    assert first.totals() == {"wait_seconds": 0, "acquired": 0, "contended": 0}


def test_a_failed_count_does_not_cost_the_turn(redis_server):
    store = store_for(redis_server)

    class Broken:
        def pipeline(self, **_):
            raise ConnectionError("redis went away")

    real, store.red = store.red, Broken()
    store.record(0.2, 1.0)  # logged, not raised
    store.red = real
    assert store.totals()["acquired"] == 0


def test_the_cluster_names_the_timed_store_in_its_endpoints(tmp_path, monkeypatch):
    import yaml

    from assistant.cluster import plan
    from assistant.cluster.run import write_endpoints

    monkeypatch.setenv("LOCK_STORE_URL", "redis://:pw@127.0.0.1:6390/0")
    layout = plan.Layout(tmp_path)
    write_endpoints(layout)
    lock_store = yaml.safe_load(layout.endpoints.read_text())["lock_store"]
    assert lock_store["type"] == "assistant.cluster.lockstore.TimedRedisLockStore"
    assert lock_store["port"] == 6390 and lock_store["password"] == "pw"
    assert layout.endpoints.stat().st_mode & 0o777 == 0o600
