"""Start the three real servers on free loopback ports (shared by the e2e suites)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Dict, Iterator

import pytest
import requests

from assistant.modelstore import current_model
from assistant.settings import PROJECT_ROOT
from assistant.startup import server_commands


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:4]} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(url)


@contextlib.contextmanager
def launch(
    workdir: Path,
    database_url: str,
    endpoints: Path | None = None,
    extra_env: Dict | None = None,
    rasa_api_token: str | None = None,
    model: Path | None = None,
) -> Iterator[dict]:
    """Action server, Rasa (REST) and the portal page; logs in ``workdir/<name>.log``.

    ``model`` defaults to the developer build for the current data; with ``rasa_api_token``
    Rasa also serves its HTTP API (model switch without restart) with that token, which the
    portal and staff app get as RASA_API_TOKEN."""
    model = model or current_model()
    if model is None:
        pytest.fail("no trained model for the current data: run `make model` first")
    ports = {name: free_port() for name in ("actions", "rasa", "web")}
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ACTION_SERVER_URL": f"http://127.0.0.1:{ports['actions']}/webhook",
        "RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
        "WEB_PORT": str(ports["web"]),
        "PYTHONPATH": str(PROJECT_ROOT),
        "REPLY_TIMEOUT": "10",
        # No metrics servers on the fixed default ports (tests/e2e/test_metrics.py sets some).
        "METRICS_PORT_RASA": "0",
        "METRICS_PORT_ACTIONS": "0",
        **({"RASA_API_TOKEN": rasa_api_token} if rasa_api_token else {}),
        **(extra_env or {}),
    }
    # The same command lines as `assistant run`, on free loopback ports.
    commands = server_commands(
        model,
        action_port=ports["actions"],
        rasa_port=ports["rasa"],
        rasa_host="127.0.0.1",
        endpoints=endpoints or PROJECT_ROOT / "endpoints.yml",
        token=rasa_api_token,
    )
    logs = {name: open(workdir / f"{name}.log", "w") for name in ports}
    processes = {
        name: subprocess.Popen(
            cmd, cwd=PROJECT_ROOT, env=env, stdout=logs[name], stderr=subprocess.STDOUT
        )
        for name, cmd in commands.items()
    }
    try:
        wait_for(f"http://127.0.0.1:{ports['actions']}/health", processes["actions"])
        wait_for(f"http://127.0.0.1:{ports['rasa']}/webhooks/rest/", processes["rasa"])
        wait_for(f"http://127.0.0.1:{ports['web']}/health", processes["web"])
        warm_up(ports["rasa"])
        yield {"ports": ports, "processes": processes, "logs": workdir}
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs.values():
            log.close()


def warm_up(rasa_port: int) -> None:
    """The first turns after a start build TensorFlow graphs and take seconds: do them now."""
    url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
    for text in ("xin chào", "đăng ký kết hôn mất bao lâu"):
        requests.post(url, json={"sender": "__warmup__", "message": text}, timeout=60)


def ask(servers: dict, text, sender: str = "e2e-user", raw: bytes | None = None):
    url = f"http://127.0.0.1:{servers['ports']['rasa']}/webhooks/rest/webhook"
    if raw is not None:
        headers = {"Content-Type": "application/json"}
        return requests.post(url, data=raw, headers=headers, timeout=30)
    return requests.post(url, json={"sender": sender, "message": text}, timeout=30)


def texts(response) -> list:
    assert response.status_code == 200, response.text
    return [m.get("text", "") for m in response.json()]
