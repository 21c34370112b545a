"""Faults in a running cluster (issue 16): one cluster, three faults in turn, each measured.

1. An action server is killed (SIGKILL): the next turns, which need actions, are answered
   through nginx's actions upstream by the other one; the supervisor starts it again.
2. PostgreSQL is restarted (``pg_ctl restart -m fast``) while idle: the first turns after it
   are answered (the pools ping a connection before use); then it is stopped: turns during
   the outage get the apology with HTTP 200, the cluster's watcher starts it again, and Rasa,
   the action servers and the portal answer again without a restart.
3. Redis is killed: a turn cannot take its conversation's lock and gets the apology at once
   (refused, not answered without the lock); the watcher starts Redis again and the same
   conversation goes on.

Throughout, a background client keeps sending questions: every reply is a 200 with an answer
or a polite apology, never a 5xx or silence. The measured times are printed (run with -s).
"""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time

import pytest
import requests

from actions.base import SERVICE_APOLOGY
from assistant.channels.rest import APOLOGY
from assistant.cluster.harness import ClusterProcess, gone, port_open, wait_until
from assistant.cluster.postgres import ClusterPostgres
from tests.cluster.helpers import action_server_pid, answers, keep_logs, redis_pid, reply

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(1800)]

QUESTION = "đăng ký kết hôn cần giấy tờ gì"
EXPECTED = "Đăng ký kết hôn"
FOLLOW_UPS = ["lệ phí bao nhiêu", "mất bao lâu", "nộp ở đâu"]
RECOVERY_SECONDS = 60  # a fault's bound, from the fault to the first answer


def kind(status: int, texts: list) -> str:
    if status != 200:
        return f"HTTP {status}"
    joined = "\n".join(texts)
    if EXPECTED in joined:
        return "answer"
    if texts and all(t in (APOLOGY, SERVICE_APOLOGY) for t in texts):
        return "apology"
    return f"other: {joined[:120]!r}"


class Traffic(threading.Thread):
    """A citizen asking again and again (a new conversation each time)."""

    def __init__(self, front: str) -> None:
        super().__init__(daemon=True)
        self.front = front
        self.seen: list = []
        self.done = threading.Event()

    def run(self) -> None:
        for n in itertools.count():
            if self.done.is_set():
                return
            try:
                self.seen.append(kind(*reply(self.front, QUESTION, f"traffic-{n}", timeout=30)))
            except requests.RequestException as error:
                self.seen.append(f"no reply: {type(error).__name__}")
            time.sleep(0.2)

    def finish(self) -> list:
        self.done.set()
        self.join(60)
        return self.seen


def until_answered(front: str, sender: str, since: float) -> tuple:
    """Ask until answered: (the replies' kinds, seconds from ``since`` to the answer)."""
    kinds = []
    deadline = since + RECOVERY_SECONDS
    while time.monotonic() < deadline:
        kinds.append(kind(*reply(front, QUESTION, f"{sender}-{len(kinds)}", timeout=30)))
        if kinds[-1] == "answer":
            return kinds, time.monotonic() - since
        time.sleep(0.3)
    raise AssertionError(f"not answered within {RECOVERY_SECONDS} s: {kinds}")


def conversation(front: str, sender: str) -> None:
    """A question and its follow-ups (which need the conversation kept in the tracker)."""
    [first, *_] = answers(front, QUESTION, sender)
    assert EXPECTED in first
    for question in FOLLOW_UPS:
        [text, *_] = answers(front, question, sender)
        assert EXPECTED in text, (question, text)


def test_an_action_server_postgresql_and_redis_fail_and_the_cluster_recovers(var_dir):
    timings, counts = {}, {}
    passed = False
    harness = ClusterProcess(var_dir)
    layout, output = harness.layout, harness.output
    try:
        harness.start()
        cluster, ports, front = harness.process, harness.ports, harness.front
        postgres = ClusterPostgres(
            layout.postgres,
            ports["postgres"],
            harness.secrets["CLUSTER_POSTGRES_PASSWORD"],
            layout.log("postgres"),
        )
        conversation(front, "before-faults")

        # 1. An action server killed: nginx's actions upstream skips it.
        traffic = Traffic(front)
        traffic.start()
        dead = ports["actions"][0]
        victim = action_server_pid(cluster.pid, dead)
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()
        wait_until(lambda: gone(victim) and not port_open(dead), 10, "the action server to die")
        conversation(front, "after-action-kill")
        timings["action server killed: a whole conversation answered in"] = (
            time.monotonic() - killed
        )
        wait_until(lambda: port_open(dead), 120, "the action server to come back", cluster)
        timings["action server killed: listening again after"] = time.monotonic() - killed
        seen = traffic.finish()
        # A call that reached the server before it died is not sent twice (a POST): that
        # turn gets the apology; a refused connection goes to the other server.
        assert set(seen) <= {"answer", "apology"}, seen
        counts["background turns apologised for, action server killed"] = seen.count("apology")
        errors = (layout.nginx / "error.log").read_text()
        assert f'upstream: "http://127.0.0.1:{dead}/webhook"' in errors
        assert "actions-1 restarted" in output.read_text(errors="replace")

        # 2a. PostgreSQL restarted while idle: the pooled connections are dead, and the
        # first turns after it must not draw one (Rasa's tracker store, the actions).
        restarting = time.monotonic()
        postgres.restart()
        timings["PostgreSQL restart (pg_ctl restart -m fast)"] = time.monotonic() - restarting
        for n in range(len(ports["rasa"]) * 2):  # each replica, each action server
            answers(front, QUESTION, f"after-pg-restart-{n}")
        conversation(front, "after-pg-restart")

        # 2b. PostgreSQL stopped: an answer (the action server keeps the procedures it has
        # read, and the catalog's index is in memory) or the apology meanwhile, never a 5xx
        # or silence; then the watcher starts it again.
        traffic = Traffic(front)
        traffic.start()
        stopping = time.monotonic()
        postgres.stop()
        stopped = time.monotonic()
        timings["PostgreSQL stop (pg_ctl stop -m fast)"] = stopped - stopping
        first = time.monotonic()
        during = kind(*reply(front, QUESTION, "during-pg-outage", timeout=30))
        assert during in ("answer", "apology"), during
        timings[f"PostgreSQL down: {during} after"] = time.monotonic() - first
        # Answers may come from memory meanwhile: wait for the watcher first.
        wait_until(
            lambda: b"PostgreSQL started again" in output.read_bytes(),
            RECOVERY_SECONDS, "the watcher to start PostgreSQL again", cluster,
        )  # fmt: skip
        timings["PostgreSQL down: started again after"] = time.monotonic() - stopped
        kinds, recovery = until_answered(front, "pg-recovery", stopped)
        timings["PostgreSQL down: answered again after"] = recovery
        seen = traffic.finish()
        assert set(seen) <= {"answer", "apology"}, seen
        counts["background turns apologised for, PostgreSQL down"] = seen.count("apology")
        conversation(front, "after-pg-outage")
        portal = requests.post(
            f"{front}/api/chat", json={"sender": "portal-after-pg", "message": QUESTION}, timeout=60
        )
        assert portal.status_code == 200 and EXPECTED in portal.json()[0]["text"]
        assert requests.get(f"{front}/open311/v2/requests.json", timeout=30).status_code == 200

        # 3. Redis killed: refused politely (no lock, no turn), then the same conversation.
        sender = "across-redis-outage"
        answers(front, QUESTION, sender)
        traffic = Traffic(front)
        traffic.start()
        redis = redis_pid(cluster.pid, ports["redis"])
        os.kill(redis, signal.SIGKILL)
        killed = time.monotonic()
        wait_until(lambda: not port_open(ports["redis"]), 10, "Redis to die")
        first = time.monotonic()
        # Refused: the channel's apology for a turn that failed, not an action's apology
        # (which would mean the turn ran without its lock).
        assert reply(front, QUESTION, "during-redis-outage", timeout=30) == (200, [APOLOGY])
        timings["Redis down: apology after"] = time.monotonic() - first
        kinds, recovery = until_answered(front, "redis-recovery", killed)
        timings["Redis down: answered again after"] = recovery
        seen = traffic.finish()
        assert set(seen) <= {"answer", "apology"}, seen
        counts["background turns apologised for, Redis down"] = seen.count("apology")
        # The replicas may reach the new Redis before the watcher has logged it.
        wait_until(
            lambda: b"Redis started again" in output.read_bytes(),
            RECOVERY_SECONDS, "the watcher to log Redis started again", cluster,
        )  # fmt: skip
        [text, *_] = answers(front, FOLLOW_UPS[0], sender)  # the tracker kept it
        assert EXPECTED in text

        assert cluster.poll() is None  # nothing stopped the cluster
        assert harness.stop() == 0
        passed = True
    finally:
        harness.stop()
        print("\n" + "\n".join(f"{name}: {seconds:.1f} s" for name, seconds in timings.items()))
        print("\n".join(f"{name}: {count}" for name, count in counts.items()))
        if not passed:
            print(f"logs kept in {keep_logs(layout, output)}")
