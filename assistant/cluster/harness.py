"""`assistant cluster run` in a child process, for the cluster tests and the load benchmark:
start it, wait until its replicas answer, find a replica's process to kill, stop it all.

Processes are read from /proc (Linux): a replica is the ``rasa`` process below the cluster
whose command line holds its port.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from assistant.cluster import keys, plan
from assistant.settings import PROJECT_ROOT

# The parent's own stores must not leak into the cluster's servers.
PRIVATE = ("DATABASE_URL", "TRACKER_STORE_URL", "LOCK_STORE_URL", "TEST_DATABASE_URL")


def stat(pid: int) -> tuple | None:
    """(parent pid, start time, state) of a process, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[19]), fields[0]


def gone(pid: int) -> bool:
    info = stat(pid)
    return info is None or info[2] == "Z"  # a zombie has closed its sockets


def descendants(root: int) -> dict:
    """{pid: start time} of ``root`` and everything below it."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (info := stat(int(entry))) is not None:
            parents[int(entry)] = info
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in parents:
            found[pid] = parents[pid][1]
            todo.extend(child for child, info in parents.items() if info[0] == pid)
    return found


def still_running(snapshot: dict) -> list:
    """Processes of ``snapshot`` that are still there (the same start time, not a zombie)."""
    left = []
    for pid, started in snapshot.items():
        info = stat(pid)
        if info is not None and info[1] == started and info[2] != "Z":
            left.append((pid, Path(f"/proc/{pid}/cmdline").read_bytes()[:120]))
    return left


def replica_pid(root: int, port: int) -> int:
    for pid in descendants(root):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"rasa" in argv and b"actions" not in argv and str(port).encode() in argv:
            return pid
    raise AssertionError(f"no Rasa process on port {port}")


def wait_until(
    condition: Callable, seconds: float, what: str, process: subprocess.Popen | None = None
):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the cluster exited ({process.returncode}) waiting for {what}")
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


class ClusterProcess:
    """One `assistant cluster run --free-ports` under ``root`` (a directory PostgreSQL can
    traverse when we are root), its output in ``root/cluster.out``."""

    def __init__(self, root: Path, replicas: int = 2, action_servers: int = 2) -> None:
        self.root = Path(root)
        self.layout = plan.Layout(self.root / "cluster")
        self.output = self.root / "cluster.out"
        self.replicas, self.action_servers = replicas, action_servers
        self.process: subprocess.Popen | None = None
        self.state: dict = {}

    def start(self, timeout: float = 900) -> dict:
        """Start and wait until every replica has answered a first question."""
        env = {key: value for key, value in os.environ.items() if key not in PRIVATE}
        env.update(
            CLUSTER_RASA=str(self.replicas),
            CLUSTER_ACTIONS=str(self.action_servers),
            PYTHONPATH=str(PROJECT_ROOT),
        )
        command = [sys.executable, "-m", "assistant.cli", "cluster", "run"]
        with open(self.output, "wb") as out:
            self.process = subprocess.Popen(
                [*command, "--var", str(self.layout.root), "--free-ports"],
                cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        state = self.layout.state
        self.state = wait_until(
            lambda: state.exists() and json.loads(state.read_text()),
            timeout, "the servers to start", self.process,
        )  # fmt: skip
        ready = f"Ready: {self.replicas} Rasa replica".encode()
        wait_until(lambda: ready in self.output.read_bytes(), timeout, "Ready", self.process)
        return self.state

    @property
    def front(self) -> str:
        return self.state["url"]

    @property
    def ports(self) -> dict:
        return self.state["ports"]

    @property
    def secrets(self) -> dict:
        return keys.parse(self.layout.secrets.read_text())

    @property
    def database_url(self) -> str:
        return plan.database_url(plan.ports_from_state(self.ports), self.secrets)

    def redis(self):
        import redis

        return redis.Redis(
            port=self.ports["redis"], password=self.secrets["CLUSTER_REDIS_PASSWORD"]
        )

    def kill_replica(self, index: int = 0) -> int:
        """SIGKILL one replica (the supervisor starts it again); its pid."""
        victim = replica_pid(self.process.pid, self.ports["rasa"][index])
        os.kill(victim, signal.SIGKILL)
        return victim

    def stop(self, timeout: float = 120) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait(timeout=timeout)
