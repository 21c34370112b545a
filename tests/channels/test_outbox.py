"""The reply outbox shared by Zalo and Messenger, against each platform's fake on loopback
(tests/channels/fake_zalo.py, fake_graph.py) and a throw-away database: every test runs for
both channels, so Messenger is shown to use the same outbox as Zalo."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, List

import pytest

from assistant.channels.facebook import MessengerInput
from assistant.channels.outbox import Failure, Outbox, RetryPolicy
from assistant.channels.outbox_repository import DEAD, PENDING, OutboxRepository
from assistant.channels.zalo import ZaloInput
from assistant.db.session import session_scope
from tests.channels.fake_graph import FakeGraph
from tests.channels.fake_zalo import APP_SECRET, FakeZalo

APP_ID = "4381902311"
USER, OTHER = "8475630011223344", "8475630099887766"
FAST = RetryPolicy(max_attempts=8, base_delay=0.02, max_delay=0.1, poll=0.05)


class ZaloPlatform:
    name = "zalo"

    async def start(self) -> None:
        self.fake = await FakeZalo(APP_ID).start()

    async def stop(self) -> None:
        await self.fake.stop()

    def channel(self, policy: RetryPolicy = FAST) -> ZaloInput:
        """A new channel (as after a restart) on the test database."""
        return ZaloInput(
            APP_ID,
            "oa-secret",
            APP_SECRET,
            "access-0",
            "refresh-0",
            self.fake.url,
            self.fake.url,
            retry=policy,
            refresh_backoff=0.01,
        )

    def fail(self, times: int) -> None:
        self.fake.send_failures = times

    def recover(self) -> None:
        self.fake.send_failures = 0

    def texts(self, user: str) -> List[str]:
        return self.fake.texts(user)

    def attempts(self) -> int:
        return len(self.fake.sends())

    async def wait(self, count: int, timeout: float = 20.0) -> None:
        await self.fake.wait_delivered(count, timeout)


class MessengerPlatform:
    name = "facebook"

    async def start(self) -> None:
        self.fake = await FakeGraph().start()

    async def stop(self) -> None:
        await self.fake.stop()

    def channel(self, policy: RetryPolicy = FAST) -> MessengerInput:
        return MessengerInput("verify", "secret", "page-token", self.fake.base_url, retry=policy)

    def fail(self, times: int) -> None:
        self.fake.fail_next(min(times, 10_000), status=500)  # plenty for "down for now"

    def recover(self) -> None:
        self.fake.recover()

    def texts(self, user: str) -> List[str]:
        return [
            r.json["message"].get("text")
            for r in self.fake.requests
            if r.status == 200 and r.json["recipient"]["id"] == user
        ]

    def attempts(self) -> int:
        return len(self.fake.requests)

    async def wait(self, count: int, timeout: float = 20.0) -> None:
        await self.fake.wait_for(count, timeout)


@pytest.fixture(params=[ZaloPlatform, MessengerPlatform], ids=["zalo", "messenger"])
async def platform(request, database_url):
    platform = request.param()
    await platform.start()
    yield platform
    await platform.stop()


def count(status: str, channel: str | None = None) -> int:
    with session_scope() as session:
        return OutboxRepository(session).count(status, channel)


async def until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_a_platform_failing_n_times_gets_each_reply_once_in_order(platform):
    channel = platform.channel()
    out = channel.get_output_channel()
    platform.fail(3)
    for text in ("một", "hai", "ba"):
        await out.send_text_message(USER, text)
    await out.send_text_message(OTHER, "khác")
    await platform.wait(4)
    await until(lambda: count(PENDING) == 0)
    await asyncio.sleep(0.3)  # room for a duplicate to show up
    assert platform.texts(USER) == ["một", "hai", "ba"]
    assert platform.texts(OTHER) == ["khác"]
    assert platform.attempts() == 3 + 4
    await channel.outbox.aclose()


async def test_each_reply_is_stored_before_it_is_sent(platform):
    channel = platform.channel(RetryPolicy(8, base_delay=60, max_delay=60, poll=60))
    platform.fail(1)
    assert not await channel.outbox.send(USER, [{"text": "chờ"}])
    with session_scope() as session:
        row = OutboxRepository(session).head(platform.name, USER)
    assert (row.message, row.attempts, row.status) == ({"text": "chờ"}, 1, PENDING)
    assert row.last_error == "HTTP 500" or row.last_error.startswith("HTTP 500")
    assert 55 < (row.next_attempt_at - row.created_at).total_seconds() < 65
    await channel.outbox.aclose()


async def test_a_restart_sends_what_was_pending_once(platform):
    before = platform.channel(RetryPolicy(8, base_delay=0.2, max_delay=0.2, poll=0.05))
    platform.fail(10**6)
    out = before.get_output_channel()
    await out.send_text_message(USER, "một")
    await out.send_text_message(USER, "hai")
    await before.outbox.aclose()  # the process stops; its replies stay in the database
    assert count(PENDING, platform.name) == 2
    platform.recover()
    after = platform.channel()  # a new process on the same database
    after.outbox.start()  # as the channel's after_server_start listener does
    await platform.wait(2)
    await until(lambda: count(PENDING) == 0)
    await asyncio.sleep(0.3)
    assert platform.texts(USER) == ["một", "hai"]
    await after.outbox.aclose()


async def test_after_the_last_attempt_a_reply_is_dead_and_the_next_one_goes(platform, caplog):
    caplog.set_level(logging.INFO)
    channel = platform.channel(RetryPolicy(3, base_delay=0.02, max_delay=0.05, poll=0.05))
    out = channel.get_output_channel()
    platform.fail(3)
    await out.send_text_message(USER, "Số của Anh/Chị: 0987654321")
    await out.send_text_message(USER, "tiếp theo")
    await platform.wait(1)
    await until(lambda: count(PENDING) == 0)
    assert platform.texts(USER) == ["tiếp theo"]
    assert count(DEAD, platform.name) == 1
    with session_scope() as session:
        [row] = OutboxRepository(session).dead()
    assert (row.attempts, row.channel, row.last_error) == (3, platform.name, row.last_error)
    assert "HTTP 500" in row.last_error
    assert "given up after 3 attempt(s)" in caplog.text
    for leak in ("0987654321", USER, "tiếp theo"):
        assert leak not in caplog.text
    await channel.outbox.aclose()


async def test_more_than_a_thousand_pending_replies_are_all_sent(database_url):
    # Zalo's old in-memory queue dropped everything past 1,000 waiting replies.
    platform = ZaloPlatform()
    await platform.start()
    channel = platform.channel(RetryPolicy(10**6, base_delay=0.05, max_delay=0.2, poll=0.05))
    out = channel.get_output_channel()
    platform.fail(10**6)
    users = [f"{USER}{i}" for i in range(3)]
    total = 1005
    for i in range(total):
        await out.send_text_message(users[i % 3], f"Tin {i}")
    assert count(PENDING, platform.name) == total
    platform.recover()
    await platform.wait(total, timeout=240)
    for k, user in enumerate(users):
        assert platform.texts(user) == [f"Tin {i}" for i in range(k, total, 3)]
    await channel.outbox.aclose()
    await platform.stop()


async def test_without_a_database_a_reply_is_still_tried_once(
    database_url, tmp_path, monkeypatch, caplog
):
    # Messenger only: Zalo's tokens live in the database too.
    platform = MessengerPlatform()
    await platform.start()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'not-migrated.db'}")
    from assistant.settings import get_settings

    get_settings.cache_clear()
    channel = platform.channel()  # its outbox is bound to the database without tables
    assert await channel.outbox.send(USER, [{"text": "vẫn gửi"}])
    assert platform.texts(USER) == ["vẫn gửi"]
    assert "outbox unavailable" in caplog.text
    await channel.outbox.aclose()
    await platform.stop()


def test_backoff_doubles_up_to_the_cap():
    policy = RetryPolicy(max_attempts=8, base_delay=10, max_delay=60, poll=5)
    assert [policy.delay(n) for n in range(1, 6)] == [10, 20, 40, 60, 60]


def test_the_policy_reads_the_settings(monkeypatch):
    from assistant.settings import get_settings

    for name, value in {
        "OUTBOX_MAX_ATTEMPTS": "4",
        "OUTBOX_RETRY_BASE_SECONDS": "2",
        "OUTBOX_RETRY_MAX_SECONDS": "30",
        "OUTBOX_POLL_SECONDS": "1",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        assert RetryPolicy.from_settings() == RetryPolicy(4, 2.0, 30.0, 1.0)
    finally:
        get_settings.cache_clear()


async def test_a_permanent_failure_is_dead_at_once(database_url):
    calls: List[Any] = []

    async def deliver(recipient: str, message: dict) -> Failure | None:
        calls.append(message)
        return Failure("HTTP 400, Graph error code 551", permanent=True)

    outbox = Outbox("facebook", deliver, policy=FAST)
    assert not await outbox.send(USER, [{"text": "a"}])
    assert calls == [{"text": "a"}] and count(DEAD) == 1
    await outbox.aclose()


async def test_stopping_a_channel_is_bounded_when_the_database_hangs(platform, monkeypatch):
    monkeypatch.setattr("assistant.channels.outbox.CLOSE_SECONDS", 0.3)
    channel = platform.channel()
    channel.outbox.start()
    monkeypatch.setattr(Outbox, "pending", lambda self: time.sleep(3) or 0)
    started = time.monotonic()
    await channel.outbox.aclose()
    assert time.monotonic() - started < 2
    assert channel.outbox._worker.done()


async def test_a_worker_that_misses_its_cancel_still_stops(platform, monkeypatch):
    """Python 3.10's wait_for can swallow a cancel that arrives as what it awaits completes.
    A cancel that never arrives stands in for that here: the closing flag alone stops the
    worker, and what it had not sent stays pending."""
    channel = platform.channel(RetryPolicy(50, base_delay=0.05, max_delay=0.05, poll=0.05))
    platform.fail(10**6)
    await channel.get_output_channel().send_text_message(USER, "một")
    await asyncio.sleep(0.2)  # the worker retries
    worker = channel.outbox._worker
    monkeypatch.setattr(worker, "cancel", lambda *args: False)
    try:
        await channel.outbox.aclose()
        stopped = worker.done()
    finally:
        monkeypatch.undo()
        worker.cancel()
    assert stopped
    attempts = platform.attempts()
    await asyncio.sleep(0.3)
    assert platform.attempts() == attempts  # nothing is sent after the stop
    assert count(PENDING, platform.name) == 1
