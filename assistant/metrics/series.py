"""What a process counts as it works: citizen messages, reply latency, errors.

The series live in prometheus_client's default registry of the process that updates them:
the channels run in the Rasa process, ``actions.base`` in the action server; each serves its
own (``assistant.metrics.server``). Labels are fixed words (a channel's name, a place in the
code), never anything a citizen typed.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterable, Iterator

from prometheus_client import Counter, Histogram

# Seconds; REPLY_TIMEOUT (20 by default) ends a REST wait, so the top buckets hold timeouts.
REPLY_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60)

MESSAGES = Counter(
    "assistant_messages_total",
    "Citizen messages handed to Rasa, by channel (one per turn; a photo is one turn)",
    ["channel"],
)
REPLY_SECONDS = Histogram(
    "assistant_reply_seconds",
    "Seconds from handing a citizen's message to Rasa until the turn ended, by channel "
    "(REST: until the reply was sent, at most REPLY_TIMEOUT)",
    ["channel"],
    buckets=REPLY_BUCKETS,
)
ERRORS = Counter(
    "assistant_errors_total",
    "Failures a citizen noticed as an apology, by where they were caught",
    ["where"],
)

# Where errors are counted, per process: listed so that each series exists at 0 from the
# start (a rate over a series that appears only with its first error misses that error).
REST_ERRORS = ("rest_failed", "rest_timeout", "rest_no_reply")
ZALO_ERRORS = ("zalo_failed", "zalo_no_reply")
MESSENGER_ERRORS = ("facebook_failed",)
ACTION_ERRORS = ("action_database",)


def prepare(channel: str | None = None, places: Iterable[str] = ()) -> None:
    """Create a channel's series and the error series of ``places`` at zero."""
    if channel:
        MESSAGES.labels(channel)
        REPLY_SECONDS.labels(channel)
    for where in places:
        ERRORS.labels(where)


def message_received(channel: str) -> None:
    MESSAGES.labels(channel).inc()


def observe_reply(channel: str, seconds: float) -> None:
    REPLY_SECONDS.labels(channel).observe(max(0.0, seconds))


@contextmanager
def reply_timer(channel: str) -> Iterator[None]:
    """Observe the time the block took, whether it returned or raised."""
    started = time.perf_counter()
    try:
        yield
    finally:
        observe_reply(channel, time.perf_counter() - started)


def error(where: str) -> None:
    ERRORS.labels(where).inc()
