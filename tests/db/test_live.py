"""LiveValue: rebuilt when the revision moves, at most every interval, old value on failure."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from assistant.db.live import LiveValue


class Source:
    """A fake table: a revision, rows, and switches that make the next read or build fail."""

    def __init__(self) -> None:
        self.revision = 1
        self.builds = 0
        self.reads = 0
        self.fail_read = False
        self.fail_build = False
        self.now = 0.0

    def read(self) -> int:
        self.reads += 1
        if self.fail_read:
            raise ConnectionError("database at 10.0.0.1 refused: secret")
        return self.revision

    def build(self) -> str:
        if self.fail_build:
            raise ValueError("bad row")
        self.builds += 1
        return f"v{self.revision}"


def live(source: Source, interval=10.0) -> LiveValue:
    return LiveValue("Test index", source.read, source.build, interval, clock=lambda: source.now)


# Each step: (seconds later, change to the source, expected value or error, builds so far).
@pytest.mark.parametrize(
    "steps",
    [
        pytest.param(
            [(0, {}, "v1", 1), (4, {}, "v1", 1), (5, {"revision": 2}, "v1", 1)],
            id="within the interval a new revision waits",
        ),
        pytest.param(
            [(0, {}, "v1", 1), (10, {}, "v1", 1), (10, {"revision": 2}, "v2", 2)],
            id="after the interval only a new revision rebuilds",
        ),
        pytest.param(
            [(0, {}, "v1", 1), (10, {"revision": 2, "fail_build": True}, "v1", 1)]
            + [(10, {"fail_build": False}, "v2", 2)],
            id="a failed rebuild serves the old value and is retried after the interval",
        ),
        pytest.param(
            [(0, {}, "v1", 1), (10, {"revision": 2, "fail_read": True}, "v1", 1)]
            + [(5, {"fail_read": False}, "v1", 1), (5, {}, "v2", 2)],
            id="a failed revision read serves the old value, retried after the interval",
        ),
        pytest.param(
            [
                (0, {"fail_read": True}, ConnectionError, 0),
                (1, {"fail_read": False}, ConnectionError, 0),
            ]
            + [(9, {}, "v1", 1)],
            id="nothing built yet: the error is raised, and retried only after the interval",
        ),
        pytest.param(
            [(0, {"fail_build": True}, ValueError, 0), (10, {"fail_build": False}, "v1", 1)],
            id="a first build that fails is retried",
        ),
    ],
)
def test_steps(steps):
    source = Source()
    value = live(source)
    for later, change, expected, builds in steps:
        source.now += later
        for name, setting in change.items():
            setattr(source, name, setting)
        if isinstance(expected, type):
            with pytest.raises(expected):
                value.get()
        else:
            assert value.get() == expected
        assert source.builds == builds


def test_a_failed_database_read_is_logged_by_type_only(caplog):
    source = Source()
    value = live(source)
    value.get()
    source.now, source.fail_read = 10, True
    with caplog.at_level(logging.INFO, logger="assistant.db.live"):
        assert value.get() == "v1"
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert (
        record.getMessage() == "Test index not refreshed, still serving revision 1: ConnectionError"
    )


def test_nothing_to_serve_is_logged_as_an_error_once_per_attempt(caplog):
    source = Source()
    source.fail_read = True
    value = live(source)
    with caplog.at_level(logging.INFO, logger="assistant.db.live"):
        for _ in range(3):
            with pytest.raises(ConnectionError):
                value.get()
    [record] = caplog.records
    assert (record.levelno, record.getMessage()) == (
        logging.ERROR,
        "Test index unavailable: ConnectionError",
    )
    assert source.reads == 1


def test_expire_checks_at_the_next_get():
    source = Source()
    value = live(source, interval=3600)
    value.get()
    source.revision = 2
    assert value.get() == "v1"
    value.expire()
    assert value.get() == "v2"


def test_the_interval_may_be_a_setting_read_at_each_check():
    source = Source()
    seconds = [10.0]
    value = live(source, interval=lambda: seconds[0])
    value.get()
    source.revision, source.now = 2, 1
    assert value.get() == "v1"
    seconds[0] = 0.5
    assert value.get() == "v2"


def test_threads_asking_together_build_once():
    started = threading.Event()

    def slow_build():
        started.set()
        time.sleep(0.2)
        return object()

    builds = []
    value = LiveValue("Slow", lambda: 1, lambda: builds.append(1) or slow_build(), 3600)
    results = []
    threads = [threading.Thread(target=lambda: results.append(value.get())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1
    assert len(set(map(id, results))) == 1
