"""One load run from start to end, shared by benchmarks/load.py and tests/cluster/test_load.py:
start a cluster, seed a dossier per citizen, run the conversations through nginx (killing a
replica in the middle if asked), then the figures and the checks."""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Dict, List

from assistant.cluster import loadcheck, loadgen
from assistant.cluster.harness import ClusterProcess, gone
from assistant.timings import percentile


def latency(turns: List[loadgen.Turn]) -> Dict[str, float]:
    seconds = [t.seconds for t in turns]
    return {
        f"{name}_ms": round(1000 * value, 1)
        for name, value in [
            ("p50", percentile(seconds, 50)),
            ("p90", percentile(seconds, 90)),
            ("p99", percentile(seconds, 99)),
            ("max", max(seconds, default=0.0)),
        ]
    }


def seed(database_url: str, people: List[loadgen.Citizen]) -> None:
    from assistant.db.session import dispose_engines, session_scope
    from assistant.dossiers.repository import DossierRepository

    with session_scope(database_url) as session:
        DossierRepository(session).upsert_many(loadgen.records(people))
    dispose_engines()


def filed_petitions(database_url: str, senders: List[str]) -> Dict[str, List[dict]]:
    """Each conversation's petitions in the database: code, name and phone given."""
    from assistant.db.session import dispose_engines, session_scope
    from assistant.petitions.repository import PetitionRepository

    found: Dict[str, List[dict]] = {}
    with session_scope(database_url) as session:
        for row in PetitionRepository(session).of_conversations(senders):
            found.setdefault(row.conversation_id, []).append(
                {"code": row.code, "reporter_name": row.reporter_name, "phone": row.phone}
            )
    dispose_engines()
    return found


def scratch_directory() -> Path:
    """A directory in /tmp the cluster's PostgreSQL can enter when we are root (it runs as
    the ``postgres`` user)."""
    root = Path(tempfile.mkdtemp(prefix="assistant-load-", dir="/tmp"))
    os.chmod(root, 0o711)
    return root


def measure(root: Path, conversations: int, turns: int, replicas: int = 2,
            action_servers: int = 2, kill_after: int = 0, think: float = 0.0,
            say: Callable[[str], None] = print) -> Dict[str, object]:  # fmt: skip
    """The whole run; the cluster is stopped at the end whatever happens."""
    cluster = ClusterProcess(root, replicas, action_servers)
    people = loadgen.citizens(conversations, uuid.uuid4().hex[:8])
    started = time.monotonic()
    try:
        say(f"starting a cluster of {replicas} Rasa replicas, {action_servers} action servers")
        cluster.start()
        startup = time.monotonic() - started
        say(f"cluster ready in {startup:.0f} s at {cluster.front}")
        seed(cluster.database_url, people)
        lock_store = cluster_lock_store(cluster)
        lock_store.reset_totals()
        say(f"{conversations} conversations × {turns} turns through nginx")
        killed_at: List[float] = []  # when the killed replica was gone, sockets closed

        def kill() -> int:
            victim = cluster.kill_replica()
            threading.Thread(target=note_gone, args=(victim, killed_at), daemon=True).start()
            return victim

        load_started = time.monotonic()
        results = asyncio.run(
            loadgen.drive(
                cluster.front, people, turns, think=think, kill_after=kill_after,
                kill=kill if kill_after else None, say=say,
            )
        )  # fmt: skip
        load_seconds = time.monotonic() - load_started
        locks = lock_store.totals()
        lock_store.red.close()
        senders = [c.sender for c in people]
        events = loadcheck.tracker_events(cluster.database_url, senders)
        petitions = filed_petitions(cluster.database_url, senders)
        verdict = loadcheck.check(
            people, results, events, (killed_at or [None])[0], petitions=petitions
        )
    finally:
        code = cluster.stop()
    every = [turn for result in results.values() for turn in result]
    answered = [t for t in every if not t.failed and not t.apologized]
    return {
        "conversations": conversations,
        "turns_per_conversation": turns,
        "replicas": replicas,
        "action_servers": action_servers,
        "think_seconds": think,
        "replica_killed_after_turns": kill_after,
        "turns": len(every),
        "cluster_start_seconds": round(startup, 1),
        "load_seconds": round(load_seconds, 1),
        "throughput_turns_per_second": round(len(every) / load_seconds, 2),
        "latency_all": latency(every),
        "latency_answered": latency(answered),
        "lock_store": {
            "acquisitions": int(locks["acquired"]),
            "wait_seconds_total": round(locks["wait_seconds"], 3),
            "wait_ms_mean": round(1000 * locks["wait_seconds"] / max(1, locks["acquired"]), 2),
            "contended": int(locks["contended"]),
            "share_of_turn_time": round(
                locks["wait_seconds"] / max(1e-9, sum(t.seconds for t in every)), 4
            ),
        },
        "cluster_exit_code": code,
        **verdict,
    }


def note_gone(pid: int, into: List[float], timeout: float = 30) -> None:
    """Append the moment ``pid`` has exited. A SIGKILLed replica takes a moment to die (its
    memory is freed first), and meanwhile its socket still takes connections: a turn sent
    then reached it and is lost with it, like the turns it was answering."""
    deadline = time.monotonic() + timeout
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    into.append(time.monotonic())


def cluster_lock_store(cluster: ClusterProcess):
    from assistant.cluster.lockstore import ClusterLockStore

    return ClusterLockStore(
        host="127.0.0.1",
        port=cluster.ports["redis"],
        db=0,
        password=cluster.secrets["CLUSTER_REDIS_PASSWORD"],
    )


def summary(report: Dict[str, object]) -> List[str]:
    """The figures as lines for a person."""
    locks = report["lock_store"]
    lines = [
        f"{report['turns']} turns in {report['load_seconds']} s: "
        f"{report['throughput_turns_per_second']} turns/s",
        "latency (all turns): "
        + ", ".join(f"{k[:-3]} {v:.0f} ms" for k, v in report["latency_all"].items()),
        f"lock store: {locks['acquisitions']} acquisitions, {locks['wait_seconds_total']} s "
        f"waiting in all (mean {locks['wait_ms_mean']} ms, {locks['contended']} contended, "
        f"{100 * locks['share_of_turn_time']:.2f}% of the turns' time)",
        f"failed turns: {report['failed_turns']}, apologies: {report['apologies']}, "
        f"petitions filed: {report['petitions_filed']}",
    ]
    for name, result in report["checks"].items():
        lines.append(f"{'PASS' if result['passed'] else 'FAIL'} {name}")
        lines += [f"    {example}" for example in result["examples"]]
    return lines
