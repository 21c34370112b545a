"""The cluster's conversation lock: Rasa's Redis ticket lock, made safe for replicas that die
and timed.

Rasa takes a ticket lock per conversation before handling a message (``Agent.handle_message``):
a second message of the same conversation, on any replica, waits until the first is done,
polling Redis. Rasa's own ``RedisLockStore`` has two faults that show when a replica is
killed under load (tests/cluster/test_load.py):

- A ticket's lifetime runs from when it is issued, waiting included. A turn that waited for
  a dead replica's ticket to expire got the lock with almost none of its own lifetime left;
  its ticket expired while it ran, and the conversation's next turn ran at the same time.
  The two turns read the same tracker and one turn's events were lost from the store.
- Each change reads the lock, changes it in Python and writes it back: two replicas changing
  one conversation's lock at once lose one change (a ticket issued on one replica while the
  other deletes the emptied lock disappears, and its turn fails with ``LockError``).

Here a live ticket is kept alive: a waiting turn renews its ticket at each poll, and the turn
holding the lock renews it every ``lifetime / RENEWALS`` seconds until it is done. Only a
dead replica's ticket expires, ``lifetime`` seconds after it last renewed it, so the lifetime
can be short: ``TICKET_LOCK_LIFETIME``, by default 15 s (Rasa's is 60 s), under the REST
channel's REPLY_TIMEOUT (20 s), so the turn after one lost with a killed replica is answered,
not apologised for. Every
change is one Redis transaction (``WATCH``/``MULTI``, retried when another replica changed
the lock meanwhile), and the key itself expires when nobody renews it.

Each acquisition adds its wait to counters in the same Redis (``INCRBYFLOAT``), summed over
all replicas; ``totals`` reads them back (the load benchmark does). A failed write of the
counters is logged and ignored, never costs a citizen the turn.

Named in the endpoints.yml of every Rasa process sharing Redis (assistant/endpoints.py: the
cluster's replicas, systemd's, ``assistant run`` with LOCK_STORE_URL); Rasa 3.6 builds a
lock store named by module path with ``cls(endpoint_config=…)``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections import deque
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any, AsyncGenerator, Callable, Dict, Tuple, TypeVar

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LockError, RedisLockStore
from redis.exceptions import RedisError, WatchError

logger = logging.getLogger(__name__)

COUNTERS = ("wait_seconds", "acquired", "contended")
# Seconds a conversation's lock outlives a replica that died holding it or waiting for it.
LOCK_LIFETIME = float(os.environ.get("TICKET_LOCK_LIFETIME") or 15)
RENEWALS = 5  # a held ticket is renewed this many times per lifetime
Result = TypeVar("Result")


@dataclass
class Place:
    """A turn's place in its conversation's queue: its ticket, and whether it is served."""

    ticket: int
    served: bool


class ClusterLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {**endpoint_config.kwargs, **kwargs}
            kwargs.setdefault("host", endpoint_config.url or "localhost")
        super().__init__(**kwargs)

    # -- one conversation's lock, changed in one transaction ----------------------------------

    def change(
        self,
        conversation_id: str,
        edit: Callable[[TicketLock], Result],
        lifetime: float,
    ) -> Result:
        """``edit`` the conversation's lock (a new one if there is none) and save it, or
        delete it when no ticket is left; repeated if another replica changed it meanwhile."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    lock = lock or TicketLock(conversation_id)
                    lock.remove_expired_tickets()
                    result = edit(lock)
                    pipe.multi()
                    if lock.tickets:
                        # The key outlives its last renewal by a lifetime, then goes by itself.
                        pipe.set(key, lock.dumps(), px=max(1, int(2000 * lifetime)))
                    else:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except WatchError:
                    continue

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self.take_place(conversation_id, lock_lifetime).ticket

    def take_place(self, conversation_id: str, lifetime: float) -> Place:
        """A new ticket and whether it is served at once, in one transaction (an uncontended
        turn needs no other before it runs)."""

        def edit(lock: TicketLock) -> Place:
            ticket = lock.issue_ticket(lifetime)
            return Place(ticket, lock.now_serving == ticket)

        try:
            return self.change(conversation_id, edit, lifetime)
        except (RedisError, OSError) as error:
            raise LockError(f"Error while issuing a ticket: {type(error).__name__}") from error

    def renew(self, conversation_id: str, ticket: int, lifetime: float) -> Tuple[bool, bool]:
        """Push the ticket's expiry ``lifetime`` ahead: (whether it was still there,
        whether it is the one served now)."""

        def edit(lock: TicketLock) -> Tuple[bool, bool]:
            mine = next((t for t in lock.tickets if t.number == ticket), None)
            if mine is None:
                return False, False
            mine.expires = time.time() + lifetime
            return True, lock.now_serving == ticket

        return self.change(conversation_id, edit, lifetime)

    def finish(self, conversation_id: str, ticket: int, lifetime: float) -> None:
        """Give the ticket back; the lock goes when no ticket is left."""
        self.change(conversation_id, lambda lock: lock.remove_ticket_for(ticket), lifetime)

    # -- Rasa's interface ----------------------------------------------------------------------

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        started = time.perf_counter()
        place = self.take_place(conversation_id, lock_lifetime)
        keeper: asyncio.Task | None = None
        try:
            await self.wait_for_turn(conversation_id, place, lock_lifetime, wait_time_in_seconds)
            self.record(time.perf_counter() - started, wait_time_in_seconds)
            keeper = asyncio.ensure_future(self.keep(conversation_id, place.ticket, lock_lifetime))
            # What Rasa gets (none of its callers reads it): the lock as this turn holds it.
            expires = time.time() + lock_lifetime
            yield TicketLock(conversation_id, deque([Ticket(place.ticket, expires)]))
        finally:
            if keeper is not None:
                keeper.cancel()
                with suppress(asyncio.CancelledError):
                    await keeper
            try:
                self.finish(conversation_id, place.ticket, lock_lifetime)
            except (RedisError, OSError) as error:  # the ticket expires by itself
                logger.warning("Conversation lock not released: %s", type(error).__name__)

    async def wait_for_turn(
        self, conversation_id: str, place: Place, lifetime: float, poll: float
    ) -> None:
        """Poll until ``place`` is served, renewing its ticket each time. If the ticket
        expired meanwhile (e.g. the event loop was blocked longer than the lifetime), ``place``
        takes a new one, so the caller gives back the ticket it holds, whatever happens."""
        while not place.served:
            await asyncio.sleep(poll)
            try:
                alive, place.served = self.renew(conversation_id, place.ticket, lifetime)
            except (RedisError, OSError) as error:
                raise LockError(f"Error while waiting: {type(error).__name__}") from error
            if not alive:
                logger.warning("A waiting conversation's ticket expired; queueing again")
                again = self.take_place(conversation_id, lifetime)
                place.ticket, place.served = again.ticket, again.served

    async def keep(self, conversation_id: str, ticket: int, lifetime: float) -> None:
        """Renew the held ticket until cancelled (the turn is done)."""
        while True:
            await asyncio.sleep(lifetime / RENEWALS)
            try:
                alive, _ = self.renew(conversation_id, ticket, lifetime)
            except (RedisError, OSError) as error:
                logger.warning("Conversation lock not renewed: %s", type(error).__name__)
                continue
            if not alive:
                logger.warning("A conversation's lock expired while its turn ran")
                return

    # -- the wait counters ---------------------------------------------------------------------

    def counter_key(self, name: str) -> str:
        return f"{self.key_prefix}timing:{name}"

    def record(self, seconds: float, poll_interval: float) -> None:
        """Add one acquisition; ``contended`` when it had to poll at least once."""
        try:
            pipeline = self.red.pipeline(transaction=False)
            pipeline.incrbyfloat(self.counter_key("wait_seconds"), seconds)
            pipeline.incr(self.counter_key("acquired"))
            if seconds >= poll_interval:
                pipeline.incr(self.counter_key("contended"))
            pipeline.execute()
        except (RedisError, OSError) as error:  # the counters are a measurement, not the service
            logger.warning("Lock wait not recorded: %s", type(error).__name__)

    def totals(self) -> Dict[str, float]:
        values = self.red.mget([self.counter_key(name) for name in COUNTERS])
        return {name: float(value or 0) for name, value in zip(COUNTERS, values)}

    def reset_totals(self) -> None:
        self.red.delete(*(self.counter_key(name) for name in COUNTERS))
