"""The daily statistics, rolled up incrementally from the tracker store's events.

Each run reads the events after the last one it read, in batches, folds them into turns
(:mod:`assistant.analytics.fold`) and adds the counts to ``stats_daily`` in the same
transaction that moves its place on, so a crash or a second roll-up running at the same time
never counts an event twice (the second one's transaction is refused and retried later).
The portal server runs it every STATS_ROLLUP_SECONDS; ``assistant stats rollup`` runs it once.

:func:`prune` deletes raw events older than CONVERSATION_RETENTION_DAYS that have been rolled
up; the daily figures stay.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from functools import lru_cache
from typing import Callable, Dict

from assistant.analytics.fold import Fold, local_day
from assistant.analytics.repository import StateConflict, StatsRepository
from assistant.analytics.tracker_events import TrackerEvents
from assistant.db.session import session_scope
from assistant.sender_hash import sender_hash
from assistant.settings import get_settings

logger = logging.getLogger(__name__)
SEEN_DAYS = 3  # conversation-days remembered, for messages of a day that arrive late
STALE_TURN_SECONDS = 3600  # a turn open this long is counted as it is
Progress = Callable[[int, int], None]


@lru_cache(maxsize=65536)
def _key(sender_id: str) -> str:
    return sender_hash(sender_id)


class Rollup:
    def __init__(self, tracker_url: str | None = None) -> None:
        self.source = TrackerEvents(tracker_url or get_settings().tracker_store_url)

    def run(self, batch: int = 5000, progress: Progress | None = None) -> Dict[str, int]:
        """Reads every event not yet rolled up; returns how many events and turns."""
        if not self.source.exists():
            return {"events": 0, "turns": 0}
        total_events = turns = 0
        newest = self.source.last_id()
        while True:
            with session_scope() as session:
                repository = StatsRepository(session)
                state, read_at = repository.state()
                last_id = int(state.get("last_id") or 0)
                events = self.source.after(last_id, batch)
                fold = Fold(open=dict(state.get("open") or {}))
                fold.feed(events, _key)
                if not events or len(events) < batch:
                    # Caught up: a turn open for an hour is not going to finish.
                    fold.close_older_than(time.time() - STALE_TURN_SECONDS)
                self._save(repository, fold)
                new_state = {"last_id": events[-1].id if events else last_id, "open": fold.open}
                repository.save_state(new_state, read_at)
                if events:
                    horizon = local_day(events[-1].timestamp) - timedelta(days=SEEN_DAYS)
                    repository.forget_seen_before(horizon)
            total_events += len(events)
            turns += sum(v for (_, _, metric, _), v in fold.counts.items() if metric == "turns")
            if progress is not None and events:
                progress(min(events[-1].id, newest), newest)
            if len(events) < batch:
                return {"events": total_events, "turns": turns}

    @staticmethod
    def _save(repository: StatsRepository, fold: Fold) -> None:
        pairs = set(fold.conversations) | fold.handoffs
        known = repository.seen(pairs)
        new = {pair: fold.conversations.get(pair, "") for pair in pairs if pair not in known}
        for (day, _), channel in new.items():
            fold.counts[(day, channel, "conversations", "")] += 1
        for pair in fold.handoffs:
            if not known.get(pair, False):
                channel = new.get(pair) or fold.conversations.get(pair) or ""
                fold.counts[(pair[0], channel, "handoff_conversations", "")] += 1
        repository.mark_seen(new, fold.handoffs)
        repository.set_handoff(pair for pair in fold.handoffs if pair in known)
        repository.add(fold.counts)


def prune(tracker_url: str | None = None) -> int:
    """Deletes raw events older than the retention that the roll-up has read."""
    days = get_settings().conversation_retention_days
    source = TrackerEvents(tracker_url or get_settings().tracker_store_url)
    if days <= 0 or not source.exists():
        return 0
    with session_scope() as session:
        state, _ = StatsRepository(session).state()
    return source.prune(time.time() - days * 86400, int(state.get("last_id") or 0))


async def roll_up_periodically(interval: float | None = None) -> None:
    """Forever: roll up, prune once a day, sleep. Failures are logged (type only) and the
    work is retried at the next tick; another process rolling up at the same time is fine."""
    interval = interval or get_settings().stats_rollup_seconds
    last_prune = 0.0
    while True:
        try:
            counts = await asyncio.to_thread(Rollup().run)
            if counts["events"]:
                logger.info("Statistics rolled up: %s", counts)
            if time.time() - last_prune > 86400:
                pruned = await asyncio.to_thread(prune)
                last_prune = time.time()
                if pruned:
                    logger.info("Pruned %s conversation events past the retention", pruned)
        except StateConflict:
            logger.info("Statistics: another process is rolling up")
        except Exception as error:  # noqa: BLE001 - housekeeping must never stop the server
            logger.warning("Statistics roll-up failed: %s", type(error).__name__)
        await asyncio.sleep(interval)
