"""The supervisor of `assistant run`, with tiny real child processes."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time

import pytest

from assistant.supervise import RestartPolicy, Supervisor

FAST = RestartPolicy(first_delay=0.1, max_delay=0.4, max_restarts=3, window=30, stop_grace=2)
CRASH = [sys.executable, "-c", "import sys; sys.exit(3)"]
SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]


def run_in_thread(supervisor: Supervisor) -> tuple:
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("code", supervisor.run()))
    thread.start()
    return thread, result


def wait_until(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached")


def test_the_delay_doubles_and_is_capped():
    policy = RestartPolicy(first_delay=1, max_delay=30)
    assert [policy.delay(n) for n in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_crashed_server_is_restarted_and_the_others_keep_running(caplog):
    caplog.set_level(logging.WARNING, logger="assistant.supervise")
    supervisor = Supervisor(
        {"steady": SLEEP, "flaky": SLEEP},
        policy=RestartPolicy(first_delay=0.1, max_restarts=5, window=30, stop_grace=2),
        poll_seconds=0.05,
    )
    supervisor.start()
    steady, first = supervisor.children["steady"], supervisor.children["flaky"]
    thread, result = run_in_thread(supervisor)
    try:
        first.kill()
        # The supervisor's thread logs the restart just after it swaps the child in: wait for
        # the line too (CI once read the log between the two).
        wait_until(
            lambda: (
                supervisor.children["flaky"] is not first and "flaky restarted (pid " in caplog.text
            )
        )
        replacement = supervisor.children["flaky"]
        assert replacement.poll() is None
        assert supervisor.children["steady"] is steady and steady.poll() is None
        assert "flaky stopped with code -9; restarting it in 0 s" in caplog.text
        # The pid itself may read "***": the log mask hides every run of four or more digits.
        assert "flaky restarted (pid " in caplog.text
    finally:
        supervisor.stop()
        thread.join(10)
    assert result["code"] == 0  # stopped on request, not because of the crash
    assert steady.poll() is not None and replacement.poll() is not None


def test_restarts_wait_longer_each_time():
    supervisor = Supervisor({"crash": CRASH}, policy=FAST, poll_seconds=0.02)
    thread, result = run_in_thread(supervisor)
    thread.join(20)
    assert result["code"] == 1
    times = list(supervisor.restarts["crash"])
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert len(times) == 3
    # 0.1 s, then 0.2 s, then 0.4 s between a crash and the next start (plus the child's life).
    assert gaps[0] >= 0.2 and gaps[1] >= 0.4
    assert gaps[1] > gaps[0]


def test_a_crash_loop_stops_everything_with_a_clear_message(caplog):
    caplog.set_level(logging.WARNING, logger="assistant.supervise")
    supervisor = Supervisor({"crash": CRASH, "steady": SLEEP}, policy=FAST, poll_seconds=0.02)
    thread, result = run_in_thread(supervisor)
    thread.join(20)
    assert not thread.is_alive()
    assert result["code"] == 1
    assert supervisor.children["steady"].poll() is not None  # the healthy one was stopped too
    assert "crash stopped with code 3 after 3 restarts within 30 s: a crash loop" in caplog.text


def test_restarts_older_than_the_window_are_forgotten():
    clock = [0.0]
    policy = RestartPolicy(first_delay=1, max_delay=30, max_restarts=2, window=60)
    supervisor = Supervisor({"crash": CRASH}, policy=policy, clock=lambda: clock[0])
    supervisor.start()
    try:
        for now in (0, 100, 200, 300):  # one crash every 100 s: never a loop
            clock[0] = now
            supervisor.children["crash"].wait(10)
            assert supervisor._check()  # the crash is seen, a restart scheduled
            clock[0] = now + 1.5  # after the first, never a longer, delay
            assert supervisor._check()
            assert len(supervisor.restarts["crash"]) == 1
    finally:
        supervisor.terminate()


def test_stop_terminates_children_that_ignore_sigterm():
    stubborn = [
        sys.executable,
        "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(60)",
    ]
    import subprocess

    policy = RestartPolicy(stop_grace=0.5)
    supervisor = Supervisor({"stubborn": stubborn}, policy=policy, stdout=subprocess.PIPE)
    supervisor.start()
    child = supervisor.children["stubborn"]
    assert child.stdout.readline() == b"ready\n"  # the SIGTERM handler is in place
    started = time.monotonic()
    supervisor.stop()
    assert supervisor.run() == 0
    assert child.returncode == -signal.SIGKILL
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_stop_works_as_a_signal_handler(signum):
    supervisor = Supervisor({"steady": SLEEP}, policy=FAST, poll_seconds=0.05)
    previous = signal.signal(signum, supervisor.stop)
    try:
        supervisor.start()
        timer = threading.Timer(0.3, lambda: signal.raise_signal(signum))
        timer.start()
        assert supervisor.run() == 0
        assert supervisor.children["steady"].poll() is not None
    finally:
        signal.signal(signum, previous)
