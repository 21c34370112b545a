"""The cluster's watcher (assistant/cluster/watch.py) with fake services: a stopped one is
started again after a pause, one brought back by someone else is left alone, one that will
not start stops the cluster after a bounded number of attempts."""

from __future__ import annotations

import logging
import threading

from assistant.cluster.watch import Backoff, Relaunched, Watched, revive, watch_services
from assistant.supervise import Supervisor

FAST = Backoff(first_delay=0.01, max_delay=0.04, attempts=4)


class FakeService:
    def __init__(self, name: str, failures: int = 0) -> None:
        self.name = name
        self.up = True
        self.failures = failures  # starts that raise before one works
        self.starts = 0

    def running(self) -> bool:
        return self.up

    def start(self) -> None:
        self.starts += 1
        if self.failures:
            self.failures -= 1
            raise RuntimeError("port taken")
        self.up = True

    def watched(self) -> Watched:
        return Watched(self.name, self.running, self.start)


def watching(services, policy=FAST):
    supervisor = Supervisor({})
    failed = []
    thread = threading.Thread(
        target=watch_services,
        args=(supervisor, [s.watched() for s in services], failed, policy, 0.01),
        daemon=True,
    )
    thread.start()
    return supervisor, failed, thread


def test_the_delay_doubles_and_is_capped():
    policy = Backoff(first_delay=1, max_delay=16, attempts=5)
    assert [policy.delay(n) for n in range(6)] == [1, 2, 4, 8, 16, 16]


def test_a_stopped_service_is_started_again_and_the_cluster_keeps_running(caplog):
    postgres, redis = FakeService("PostgreSQL"), FakeService("Redis")
    caplog.set_level(logging.WARNING)
    supervisor, failed, thread = watching([postgres, redis])
    try:
        redis.up = False
        for _ in range(200):
            if redis.up:
                break
            threading.Event().wait(0.01)
        assert redis.up and redis.starts == 1 and postgres.starts == 0
        postgres.up = False  # a second outage, of the other one, later
        for _ in range(200):
            if postgres.up:
                break
            threading.Event().wait(0.01)
        assert postgres.up and postgres.starts == 1
        assert not supervisor.stopping.is_set() and not failed
    finally:
        supervisor.stop()
        thread.join(5)
    assert "Redis stopped; starting it again" in caplog.text
    assert "Redis started again" in caplog.text


def test_a_failed_start_is_retried_until_it_works(caplog):
    redis = FakeService("Redis", failures=2)
    redis.up = False
    supervisor = Supervisor({})
    caplog.set_level(logging.WARNING)
    assert revive(redis.watched(), supervisor, FAST)
    assert redis.up and redis.starts == 3
    assert "Redis did not start (attempt 2 of 4): port taken" in caplog.text


def test_a_service_brought_back_meanwhile_is_not_started_twice(caplog):
    postgres = FakeService("PostgreSQL")
    postgres.up = False
    supervisor = Supervisor({})
    # pg_ctl restart's start, during the watcher's first pause
    threading.Timer(0.05, lambda: setattr(postgres, "up", True)).start()
    caplog.set_level(logging.WARNING)
    assert revive(postgres.watched(), supervisor, Backoff(first_delay=0.3))
    assert postgres.starts == 0
    assert "PostgreSQL runs again (started elsewhere)" in caplog.text


def test_a_service_that_will_not_start_stops_the_cluster(caplog):
    postgres = FakeService("PostgreSQL", failures=99)
    caplog.set_level(logging.WARNING)
    supervisor, failed, thread = watching([postgres])
    postgres.up = False
    thread.join(5)
    assert not thread.is_alive()
    assert failed == ["PostgreSQL"] and supervisor.stopping.is_set()
    assert postgres.starts == FAST.attempts
    assert "PostgreSQL could not be started again (4 attempts)" in caplog.text


def test_a_stopping_cluster_ends_the_retries():
    redis = FakeService("Redis", failures=99)
    redis.up = False
    supervisor = Supervisor({})
    supervisor.stop()
    assert revive(redis.watched(), supervisor, Backoff(first_delay=60))
    assert redis.starts == 0


class FakeProcess:
    def __init__(self) -> None:
        self.running = True
        self.stopped = 0

    def stop(self) -> None:
        self.stopped += 1
        self.running = False


def test_redis_is_relaunched_as_a_new_process_and_the_dead_one_reaped():
    launched = []

    def launch():
        launched.append(FakeProcess())
        return launched[-1]

    redis = Relaunched(launch)
    assert redis.running()
    launched[0].running = False  # killed
    assert not redis.running()
    redis.start()
    assert len(launched) == 2 and launched[0].stopped == 1 and redis.running()
    redis.stop()
    assert launched[1].stopped == 1
