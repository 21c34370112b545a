"""What the cluster's fault tests add to assistant/cluster/harness.py (which starts and stops
the cluster and finds a replica): finding the other processes, one REST turn through nginx,
and keeping a failed run's logs."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import requests

from assistant.channels.rest import APOLOGY
from assistant.cluster import plan
from assistant.cluster.harness import descendants
from assistant.settings import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts" / "cluster"


def argv(pid: int) -> list:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return []


def action_server_pid(root: int, port: int) -> int:
    for pid in descendants(root):
        line = argv(pid)
        if b"run" in line and b"actions" in line and str(port).encode() in line:
            return pid
    raise AssertionError(f"no action server on port {port}")


def redis_pid(root: int, port: int) -> int:
    for pid in descendants(root):
        title = b" ".join(argv(pid))  # Redis rewrites it: "redis-server 127.0.0.1:PORT"
        if b"redis-server" in title and f":{port}".encode() in title:
            return pid
    raise AssertionError(f"no Redis on port {port}")


def reply(front: str, message: str, sender: str, timeout: float = 60) -> tuple:
    """(HTTP status, the texts) of one REST turn through nginx."""
    response = requests.post(
        f"{front}/webhooks/rest/webhook",
        json={"sender": sender, "message": message},
        timeout=timeout,
    )
    if response.status_code != 200:
        return response.status_code, [response.text[:300]]
    return 200, [m.get("text", "") for m in response.json()]


def answers(front: str, message: str, sender: str) -> list:
    """The texts of a turn that must be answered: 200 and no apology."""
    status, texts = reply(front, message, sender)
    assert status == 200, (status, texts)
    assert texts and APOLOGY not in texts, texts
    return texts


def keep_logs(layout: plan.Layout, *files: Path) -> Path:
    """Copy a failed run's logs out of its temporary directory."""
    keep = ARTIFACTS / time.strftime("%Y%m%d-%H%M%S")
    shutil.copytree(layout.logs, keep, dirs_exist_ok=True)
    for path in (*files, layout.nginx / "error.log"):
        if path.exists():
            shutil.copy(path, keep / path.name)
    return keep
