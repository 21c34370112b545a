"""Replies to Zalo and Messenger users that are retried, in order, until sent or given up.

Both channels hand their messages to an :class:`Outbox`, which writes them to the
``reply_outbox`` table *before* the first send (see ``outbox_repository``), then sends them in
order per recipient. A failed send is retried with exponential backoff by a background task,
across restarts: a new process picks up what is pending. After ``OUTBOX_MAX_ATTEMPTS`` (or at
once for a failure no retry can fix) the reply is dead-lettered and staff see it under
"Tin nhắn gửi lỗi", where "Gửi lại" queues it again.

Logs name a recipient by a short hash and a failure by status codes, never by text.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Awaitable, Callable, Dict, List, Sequence

from assistant.channels.outbox_repository import OutboxRepository, utcnow
from assistant.db.session import session_scope
from assistant.sender_hash import sender_ref
from assistant.settings import get_settings

logger = logging.getLogger(__name__)

# A claimed row is due again after this long if its sender died mid-send; longer than any
# send (HTTP timeout plus a token refresh) takes.
LEASE = timedelta(minutes=2)
# How long stopping a channel waits for its worker and for the pending count it logs.
CLOSE_SECONDS = 5.0


def recipient_ref(recipient: str) -> str:
    """A short, stable stand-in for a user id in logs and on the staff page (keyed, like
    the inbox's sender hashes, so a guessable platform id cannot be looked up)."""
    return sender_ref(recipient)


@dataclass(frozen=True)
class Failure:
    """Why a send failed, in words that hold no personal data (status, error code)."""

    reason: str
    permanent: bool = False  # no retry can fix it (bad parameter, user cannot be messaged)


# Sends one message to one recipient: None when the platform accepted it.
Deliver = Callable[[str, Dict[str, Any]], Awaitable[Failure | None]]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_delay: float  # seconds before the 2nd attempt; doubled for each next one
    max_delay: float
    poll: float  # seconds between looks for rows other processes or staff made due

    @classmethod
    def from_settings(cls) -> RetryPolicy:
        s = get_settings()
        return cls(
            s.outbox_max_attempts,
            s.outbox_retry_base_seconds,
            s.outbox_retry_max_seconds,
            s.outbox_poll_seconds,
        )

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt."""
        return min(self.max_delay, self.base_delay * 2 ** max(0, attempts - 1))


class Outbox:
    """One channel's outgoing replies. ``start()`` (or the first ``send``) runs the worker."""

    def __init__(
        self,
        channel: str,
        deliver: Deliver,
        database_url: str | None = None,
        policy: RetryPolicy | None = None,
        label: str | None = None,
    ) -> None:
        self.channel = channel
        self.deliver = deliver
        # Bound now: a worker keeps to the database its channel was made for.
        self.url = database_url or get_settings().database_url
        self.policy = policy or RetryPolicy.from_settings()
        self.label = label or channel.capitalize()
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._wake: asyncio.Event | None = None
        self._worker: asyncio.Task | None = None
        self._closing = False

    # --- public ---------------------------------------------------------------------------

    async def send(self, recipient: str, messages: Sequence[Dict[str, Any]]) -> bool:
        """Store ``messages`` for ``recipient``, then send what is due for them, in order.
        True if these messages went out now; False if some wait for a retry."""
        messages = [message for message in messages if message]
        if not messages:
            return True
        try:
            ids = await asyncio.to_thread(self._store, recipient, messages)
        except Exception as error:  # noqa: BLE001 - no database: one try beats silence
            logger.error(
                "%s outbox unavailable (%s): reply to user %s sent once, without retry",
                self.label,
                type(error).__name__,
                recipient_ref(recipient),
            )
            results = [await self.deliver(recipient, message) for message in messages]
            return all(result is None for result in results)
        self.start()
        try:
            sent = await self._flush(recipient)
        except Exception as error:  # noqa: BLE001 - stored: the worker sends it later
            logger.error("%s outbox: send deferred (%s)", self.label, type(error).__name__)
            return False
        return set(ids) <= sent

    def start(self) -> None:
        """Run the retry worker in this event loop (idempotent)."""
        self._closing = False
        if self._worker is None or self._worker.done():
            self._wake = asyncio.Event()
            self._worker = asyncio.ensure_future(self._run())
        else:
            self._wake.set()

    async def aclose(self) -> None:
        """Stop the worker; what is pending stays in the database. Bounded: a stop never waits
        more than CLOSE_SECONDS on the worker or on the count it logs."""
        # The flag as well as the cancel: Python 3.10's wait_for can swallow a cancel that
        # arrives as the awaited thing completes, and the worker must stop all the same.
        self._closing = True
        if self._worker is not None and not self._worker.done():
            self._worker.cancel()
            done, _ = await asyncio.wait({self._worker}, timeout=CLOSE_SECONDS)
            if not done:
                logger.warning("%s outbox worker did not stop in %.0f s", self.label, CLOSE_SECONDS)
        try:
            waiting = await asyncio.wait_for(asyncio.to_thread(self.pending), CLOSE_SECONDS)
        except Exception:  # noqa: BLE001 - only a log line is lost
            return
        if waiting:
            logger.warning(
                "%s channel stopping: %d reply(ies) pending in the outbox, sent after restart",
                self.label,
                waiting,
            )

    def pending(self) -> int:
        with session_scope(self.url) as session:
            return OutboxRepository(session).count(channel=self.channel)

    # --- the worker -----------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._closing:
            self._wake.clear()
            wait = self.policy.poll
            try:
                for recipient in await asyncio.to_thread(self._due_recipients):
                    await self._flush(recipient)
                next_due = await asyncio.to_thread(self._next_due)
                if next_due is not None:
                    wait = min(wait, (next_due - utcnow()).total_seconds())
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - the worker must outlive a bad minute
                logger.error("%s outbox worker: %s", self.label, type(error).__name__)
            woken = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({woken}, timeout=max(wait, 0.01))
            finally:
                woken.cancel()

    async def _flush(self, recipient: str) -> set:
        """Send ``recipient``'s due replies oldest first; stop at the first that must wait.
        Returns the ids sent."""
        sent: set = set()
        lock = self._locks.get(recipient)
        if lock is None:
            lock = self._locks[recipient] = asyncio.Lock()
        async with lock:
            while not self._closing:
                now = utcnow()
                row = await asyncio.to_thread(self._claim_head, recipient, now)
                if row is None:
                    return sent
                row_id, attempts, message = row
                try:
                    failure = await self.deliver(recipient, message)
                except Exception as error:  # noqa: BLE001 - a bug in a send is a failure too
                    failure = Failure(type(error).__name__)
                if failure is None:
                    await asyncio.to_thread(self._sent, row_id)
                    sent.add(row_id)
                    if attempts:
                        logger.info(
                            "Pending %s reply to user %s delivered after %d attempt(s)",
                            self.label,
                            recipient_ref(recipient),
                            attempts + 1,
                        )
                    continue
                if not await asyncio.to_thread(self._failed, row_id, attempts + 1, failure):
                    return sent  # waits for its retry: nothing newer goes out before it
        return sent  # the channel is stopping: the rest waits in the database

    # --- database work (in a thread) ------------------------------------------------------

    def _store(self, recipient: str, messages: List[Dict[str, Any]]) -> List[int]:
        with session_scope(self.url) as session:
            return OutboxRepository(session).add(self.channel, recipient, messages)

    def _claim_head(self, recipient: str, now) -> tuple | None:
        with session_scope(self.url) as session:
            repo = OutboxRepository(session)
            row = repo.head(self.channel, recipient)
            if row is None or not repo.claim(row.id, now, LEASE):
                return None
            return row.id, row.attempts, row.message

    def _sent(self, row_id: int) -> None:
        with session_scope(self.url) as session:
            OutboxRepository(session).sent(row_id)

    def _failed(self, row_id: int, attempts: int, failure: Failure) -> bool:
        """Record the failure; True if the row is dead (the next reply may go)."""
        dead = failure.permanent or attempts >= self.policy.max_attempts
        delay = self.policy.delay(attempts)
        retry_at = None if dead else utcnow() + timedelta(seconds=delay)
        with session_scope(self.url) as session:
            OutboxRepository(session).failed(row_id, attempts, failure.reason, retry_at)
        if dead:
            logger.error(
                "%s reply #%d given up after %d attempt(s) (%s): shown to staff as "
                "'Tin nhắn gửi lỗi'",
                self.label,
                row_id,
                attempts,
                failure.reason,
            )
        else:
            logger.warning(
                "%s reply #%d pending: attempt %d of %d failed (%s), next in %.1f s",
                self.label,
                row_id,
                attempts,
                self.policy.max_attempts,
                failure.reason,
                delay,
            )
        return dead

    def _due_recipients(self) -> List[str]:
        with session_scope(self.url) as session:
            return OutboxRepository(session).due_recipients(self.channel, utcnow())

    def _next_due(self):
        with session_scope(self.url) as session:
            return OutboxRepository(session).next_due(self.channel)
