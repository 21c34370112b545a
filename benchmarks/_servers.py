"""Rasa servers for the throughput benchmark: Rasa's stock moodbot and ours.

Moodbot is what ``rasa init`` makes, trained once per Rasa version in the temporary directory
(``--fresh`` trains it again). Ours runs with `assistant run`'s command lines
(``cli.server_commands``) on a throw-away SQLite database holding the national snapshot and
the seed catalog, with the SQL tracker store `assistant run` gives Rasa; ``replicas`` Rasa
processes share one action server.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Iterator, List

from _common import ROOT

RASA = [sys.executable, "-m", "rasa"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def moodbot(fresh: bool = False) -> Path:
    """A trained moodbot project directory (``rasa init`` works offline)."""
    import rasa

    home = Path(tempfile.gettempdir()) / f"throughput-moodbot-{rasa.__version__}"
    if fresh:
        shutil.rmtree(home, ignore_errors=True)
    if list(home.glob("models/*.tar.gz")):
        return home
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    print(f"rasa init: creating and training moodbot in {home} …", flush=True)
    with open(home.parent / f"{home.name}.log", "w") as log:
        subprocess.run(
            [*RASA, "init", "--no-prompt", "--init-dir", str(home)],
            cwd=home,
            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
        )
    return home


def wait_for(url: str, process: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:5]} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(url)


def prepare_database(workdir: Path) -> str:
    """As `make stories` does: the national snapshot, then the seed catalog; the seed FAQ."""
    from answer_eval import prepare_database as prepare

    return prepare(workdir)


class Servers:
    """Started processes, stopped together."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.processes: List[subprocess.Popen] = []
        self.logs = []

    def start(self, name: str, command: list, cwd: Path, env: dict) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "w")
        self.logs.append(log)
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in self.logs:
            log.close()


def _base_env() -> dict:
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


@contextlib.contextmanager
def run_moodbot(home: Path, workdir: Path) -> Iterator[List[int]]:
    servers = Servers(workdir)
    port = free_port()
    model = sorted(home.glob("models/*.tar.gz"))[-1]
    command = [*RASA, "run", "--model", str(model), "--port", str(port)]
    command += ["--interface", "127.0.0.1"]
    try:
        process = servers.start("moodbot", command, home, _base_env())
        wait_for(f"http://127.0.0.1:{port}/webhooks/rest/", process)
        yield [port]
    finally:
        servers.stop()


@contextlib.contextmanager
def run_ours(model: Path, workdir: Path, database_url: str, replicas: int) -> Iterator[List[int]]:
    """One action server and ``replicas`` Rasa processes (each with its own tracker file:
    the client keeps a sender on one replica, so no lock store is needed)."""
    from assistant.startup import server_commands

    servers = Servers(workdir)
    action_port = free_port()
    env = {
        **_base_env(),
        "DATABASE_URL": database_url,
        "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
        "PYTHONPATH": str(ROOT),
        "METRICS_PORT_ACTIONS": str(free_port()),
    }
    ports = [free_port() for _ in range(replicas)]
    try:
        for n, port in enumerate(ports):
            commands = server_commands(
                model,
                action_port=action_port,
                rasa_port=port,
                rasa_host="127.0.0.1",
                endpoints=ROOT / "endpoints.yml",
                token=None,
                action_host="127.0.0.1",
                cors_origins=(),
            )
            if n == 0:
                actions = servers.start("actions", commands["actions"], ROOT, env)
            replica_env = {
                **env,
                "TRACKER_STORE_URL": f"sqlite:///{workdir}/tracker-{n}.db",
                "METRICS_PORT_RASA": str(free_port()),
            }
            servers.start(f"rasa-{n}", commands["rasa"], ROOT, replica_env)
        wait_for(f"http://127.0.0.1:{action_port}/health", actions)
        for process, port in zip(servers.processes[1:], ports):
            wait_for(f"http://127.0.0.1:{port}/webhooks/rest/", process)
        yield ports
    finally:
        servers.stop()
