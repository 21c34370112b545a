"""The cluster's lock store against a real Redis on a loopback port: a second message of the
same conversation waits for the first, a dead replica's ticket blocks its conversation for one
lifetime only, a live turn keeps its lock however long it waited or runs, two replicas
changing one lock at once lose nothing, and the waits are summed in Redis."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from rasa.core.lock_store import LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import ConnectionError as RedisConnectionError

from assistant.cluster.lockstore import ClusterLockStore
from assistant.devservices import start_redis

pytestmark = pytest.mark.cluster  # needs redis-server (make cluster-deps)


@pytest.fixture
def redis_server(tmp_path):
    server = start_redis(tmp_path / "redis", password="s3cret")
    yield server
    server.stop()


def store_for(server) -> ClusterLockStore:
    config = EndpointConfig.from_dict(
        {
            "type": "assistant.cluster.lockstore.ClusterLockStore",
            "url": "127.0.0.1",
            "port": server.port,
            "password": "s3cret",
            "db": 0,
        }
    )
    store = LockStore.create(config)  # how Rasa builds it from endpoints.yml
    assert isinstance(store, ClusterLockStore)
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
    assert lock_store["type"] == "assistant.cluster.lockstore.ClusterLockStore"
    assert lock_store["port"] == 6390 and lock_store["password"] == "pw"
    assert layout.endpoints.stat().st_mode & 0o777 == 0o600


def rasa_store_for(server) -> RedisLockStore:
    return RedisLockStore(host="127.0.0.1", port=server.port, password="s3cret", db=0)


async def after_a_dead_replica(dead, live, lifetime: float) -> list:
    """A replica died holding turn 4's ticket; turn 5 waits for it to expire and then runs
    longer than a lifetime; turn 6 arrives while turn 5 waits. What ran when."""
    dead.issue_ticket("conversation-3", lifetime)  # never given back
    order = []

    async def turn(name, hold, delay):
        await asyncio.sleep(delay)
        async with live.lock("conversation-3", lock_lifetime=lifetime, wait_time_in_seconds=0.05):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    await asyncio.gather(turn("5", 1.5 * lifetime, 0.1), turn("6", 0.1, 0.3))
    return order


def test_a_turn_keeps_its_lock_after_waiting_for_a_dead_replica(redis_server):
    started = time.monotonic()
    order = asyncio.run(
        after_a_dead_replica(store_for(redis_server), store_for(redis_server), lifetime=1.0)
    )
    assert order == ["5 in", "5 out", "6 in", "6 out"]
    # turn 5 waited one lifetime for the dead ticket, ran 1.5, then turn 6 ran
    assert 2.4 < time.monotonic() - started < 4.0


def test_rasas_own_store_lets_the_next_turn_in_while_the_first_runs(redis_server):
    """Why the cluster does not use Rasa's RedisLockStore: the same story overlaps turns."""
    store = rasa_store_for(redis_server)
    order = asyncio.run(after_a_dead_replica(store, store, lifetime=1.0))
    assert order.index("6 in") < order.index("5 out")


def test_two_replicas_changing_one_lock_at_once_lose_no_ticket(redis_server):
    """Each thread is a replica taking and giving back tickets of one conversation; a ticket
    lost by another replica's write would be missing when its owner looks for it."""
    stores = [store_for(redis_server), store_for(redis_server)]
    lost, rounds = [], 300

    def replica(store):
        for _ in range(rounds):
            ticket = store.issue_ticket("conversation-4", 30)
            alive, _ = store.renew("conversation-4", ticket, 30)
            if not alive:
                lost.append(ticket)
            store.finish("conversation-4", ticket, 30)

    threads = [threading.Thread(target=replica, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert lost == []
    assert stores[0].get_lock("conversation-4") is None  # the last one out deleted it


def test_a_dead_replicas_lock_key_expires_by_itself(redis_server):
    store = store_for(redis_server)
    store.issue_ticket("conversation-5", 0.2)
    assert store.red.pttl(store.key_prefix + "conversation-5") > 0
    time.sleep(0.5)
    assert store.get_lock("conversation-5") is None


def test_an_uncontended_turn_takes_its_lock_in_one_transaction(redis_server):
    """The hot path: a conversation nobody else is in is served when its ticket is issued."""
    store = store_for(redis_server)
    changes = []
    real_change = store.change
    store.change = lambda *args: changes.append(args[0]) or real_change(*args)

    async def alone():
        async with store.lock("conversation-6", wait_time_in_seconds=0.1):
            return len(changes)

    assert asyncio.run(alone()) == 1  # the issue; then only the give-back
    assert len(changes) == 2 and store.get_lock("conversation-6") is None


def test_a_turn_that_queued_again_gives_back_its_new_ticket_when_redis_fails(redis_server):
    """Its waiting ticket expired, it took a new one, then Redis failed: the ticket given back
    is the new one, not the expired one (which would leave the new one blocking the queue)."""
    store = store_for(redis_server)
    store.issue_ticket("conversation-7", 30)  # another turn holds the lock
    issued, given_back, renewals = [], [], []
    real_take, real_finish = store.take_place, store.finish

    def take_place(*args):
        place = real_take(*args)
        issued.append(place.ticket)
        return place

    def renew(conversation_id, ticket, lifetime):
        renewals.append(ticket)
        if len(renewals) == 1:
            return False, False  # as if the waiting ticket had expired
        raise RedisConnectionError("redis went away")

    def finish(conversation_id, ticket, lifetime):
        given_back.append(ticket)
        real_finish(conversation_id, ticket, lifetime)

    store.take_place, store.renew, store.finish = take_place, renew, finish

    async def waiting():
        async with store.lock("conversation-7", wait_time_in_seconds=0.05):
            pytest.fail("the turn ran without the lock")

    with pytest.raises(LockError):
        asyncio.run(waiting())
    assert len(issued) == 2 and renewals == issued  # queued again with a new ticket
    assert given_back == [issued[1]]
    numbers = [t.number for t in store.get_lock("conversation-7").tickets]
    assert issued[1] not in numbers and issued[0] in numbers  # the "expired" one, left to expire
