"""`assistant run` itself, on free loopback ports: a crashed action server is restarted, a frozen
one costs the citizen seconds (ACTION_TIMEOUT), Rasa allows no cross-origin calls by default,
and SIGTERM stops everything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from assistant.channels.rest import APOLOGY
from assistant.settings import PROJECT_ROOT
from tests.e2e.launch import free_port, wait_for, warm_up

pytestmark = pytest.mark.e2e

QUESTION = "Lệ phí cấp phiếu lý lịch tư pháp bao nhiêu?"  # answered by a custom action


def children_of(pid: int) -> dict:
    """{pid: command line} of the direct children of ``pid``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # gone meanwhile
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = [part.decode() for part in cmdline if part]
    return found


def action_server_pid(run: subprocess.Popen) -> int:
    [pid] = [p for p, cmd in children_of(run.pid).items() if cmd[-4:-2] == ["--actions", "actions"]]
    return pid


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("supervision")
    ports = {name: free_port() for name in ("actions", "rasa", "web")}
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'run.db'}",
        # The seed catalog is enough here; the national snapshot would take minutes to import.
        "NATIONAL_CATALOG": str(workdir / "absent.jsonl.gz"),
        "ACTION_PORT": str(ports["actions"]),
        "RASA_PORT": str(ports["rasa"]),
        "WEB_PORT": str(ports["web"]),
        "PYTHONPATH": str(PROJECT_ROOT),
        "ACTION_TIMEOUT": "5",
    }
    for name in ("ACTION_SERVER_URL", "RASA_URL", "REPLY_TIMEOUT", "LOCK_STORE_URL"):
        env.pop(name, None)  # the defaults: the reply wait stays 20 s
    log = open(workdir / "run.log", "w")
    run = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "run"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(f"http://127.0.0.1:{ports['actions']}/health", run, seconds=600)
        wait_for(f"http://127.0.0.1:{ports['rasa']}/webhooks/rest/", run)
        wait_for(f"http://127.0.0.1:{ports['web']}/health", run)
        warm_up(ports["rasa"])
        ask(ports, QUESTION, "warm-up")  # the action server builds its search index
        yield {"ports": ports, "run": run, "log": workdir / "run.log"}
    finally:
        for pid in children_of(run.pid):  # a test that failed may leave one frozen
            os.kill(pid, signal.SIGCONT)
        if run.poll() is None:
            run.terminate()
        try:
            run.wait(timeout=30)
        except subprocess.TimeoutExpired:
            run.kill()
        log.close()


def ask(ports: dict, text: str, sender: str) -> list:
    url = f"http://127.0.0.1:{ports['rasa']}/webhooks/rest/webhook"
    reply = requests.post(url, json={"sender": sender, "message": text}, timeout=60)
    assert reply.status_code == 200, reply.text
    return [message.get("text", "") for message in reply.json()]


def test_a_killed_action_server_is_restarted_and_answers_again(stack):
    before = ask(stack["ports"], QUESTION, "before-kill")
    assert before and APOLOGY not in before
    old = action_server_pid(stack["run"])
    killed = time.monotonic()
    os.kill(old, signal.SIGKILL)
    answer, turn = [APOLOGY], 0
    while APOLOGY in answer and time.monotonic() - killed < 15:
        turn += 1
        answer = ask(stack["ports"], QUESTION, f"after-kill-{turn}")
        if APOLOGY in answer:
            time.sleep(0.5)
    assert time.monotonic() - killed < 15
    assert answer == before  # the same answer as before the crash, from a new process
    assert action_server_pid(stack["run"]) != old
    assert stack["run"].poll() is None  # the rest of the stack kept running
    assert "actions stopped with code -9; restarting it" in stack["log"].read_text()


def test_a_frozen_action_server_costs_the_citizen_seconds_not_twenty(stack):
    pid = action_server_pid(stack["run"])
    os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        answer = ask(stack["ports"], QUESTION, "while-frozen")
        elapsed = time.monotonic() - started
    finally:
        os.kill(pid, signal.SIGCONT)
    assert answer == [APOLOGY]
    assert elapsed < 7, f"the apology took {elapsed:.1f} s"
    # Thawed, it answers again; the supervisor left it alone (a stop is not an exit).
    assert APOLOGY not in ask(stack["ports"], QUESTION, "after-thaw")
    assert action_server_pid(stack["run"]) == pid


def test_rasa_allows_no_cross_origin_calls_by_default(stack):
    url = f"http://127.0.0.1:{stack['ports']['rasa']}/webhooks/rest/webhook"
    headers = {"Origin": "https://evil.example"}
    preflight = requests.options(
        url, headers={**headers, "Access-Control-Request-Method": "POST"}, timeout=30
    )
    reply = requests.post(
        url, json={"sender": "cors", "message": "xin chào"}, headers=headers, timeout=60
    )
    assert reply.status_code == 200
    for response in (preflight, reply):
        assert "Access-Control-Allow-Origin" not in response.headers


def test_sigterm_stops_everything_cleanly(stack):
    children = children_of(stack["run"].pid)
    assert len(children) == 3
    stack["run"].send_signal(signal.SIGTERM)
    assert stack["run"].wait(timeout=30) == 0
    for pid in children:
        assert not Path(f"/proc/{pid}").exists()
