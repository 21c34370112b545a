"""Rasa's Redis lock store, timing how long each turn waits for its conversation's lock.

Rasa takes a ticket lock per conversation before handling a message (``Agent.handle_message``):
a second message of the same conversation, on any replica, waits until the first is done,
polling Redis once a second. How much time the replicas spend there is the price of sharing
conversations, so each acquisition adds its seconds to counters in the same Redis
(``INCRBYFLOAT``), summed over all replicas: ``totals`` reads them back (the load benchmark
does). One extra round trip per turn; a failed write of the counters is logged and ignored,
never costs a citizen the turn.

Named in the cluster's endpoints.yml (``lock_store: {type:
assistant.cluster.lockstore.TimedRedisLockStore, url: …}``); Rasa 3.6 builds a lock store
named by module path with ``cls(endpoint_config=…)``.
"""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Dict

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

COUNTERS = ("wait_seconds", "acquired", "contended")


class TimedRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {**endpoint_config.kwargs, **kwargs}
            kwargs.setdefault("host", endpoint_config.url or "localhost")
        super().__init__(**kwargs)

    def counter_key(self, name: str) -> str:
        return f"{self.key_prefix}timing:{name}"

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        # LockStore.lock, with the acquisition (ticket included) timed.
        started = time.perf_counter()
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            acquired = await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
            self.record(time.perf_counter() - started, wait_time_in_seconds)
            yield acquired
        finally:
            self.cleanup(conversation_id, ticket)

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
