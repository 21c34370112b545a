"""A value kept in memory and rebuilt when a revision counter in the database moves.

The catalog search index, the catalog phrases of the NLU matcher and the FAQ index are each
built from database rows and must follow staff edits within seconds, without a restart. They
share this one helper, so they also fail the same way: a failed check or rebuild keeps
serving the value built before (and logs the error's type, never its text, which may quote
data); only when nothing was ever built does :meth:`LiveValue.get` raise.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Dict, Generic, Hashable, TypeVar, Union

logger = logging.getLogger(__name__)

T = TypeVar("T")
Seconds = Union[float, Callable[[], float]]


def one_per_database(registry: Dict[str, T], make: Callable[[str], T], url: str | None) -> T:
    """The process's one ``make(url)`` for a database (DATABASE_URL by default), so a live
    index is built once per database, not once per caller."""
    from assistant.settings import get_settings

    key = url or get_settings().database_url
    if key not in registry:
        registry[key] = make(key)
    return registry[key]


class LiveValue(Generic[T]):
    """``build()``'s result, rebuilt when ``revision()`` changes, checked every ``interval`` s.

    ``interval`` may be a callable, so a setting read at each check takes effect without a
    restart. The revision is read before the build: a change made during a build shows as a
    new revision at the next check and costs one more rebuild, never a missed change. After a
    failure the next attempt also waits ``interval``, so a database that is down is not
    hammered once per message.
    """

    def __init__(
        self,
        name: str,
        revision: Callable[[], Hashable],
        build: Callable[[], T],
        interval: Seconds,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._read_revision = revision
        self._build = build
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._value: T | None = None
        self._built = False
        self._revision: Hashable = None
        self._checked = float("-inf")
        self._error: BaseException | None = None

    def interval(self) -> float:
        return float(self._interval() if callable(self._interval) else self._interval)

    def _fresh(self) -> bool:
        return self._clock() - self._checked < self.interval()

    def get(self) -> T:
        """The current value; raises the last error only if no value was ever built."""
        if self._built and self._fresh():
            return self._value  # type: ignore[return-value]
        with self._lock:
            if not self._fresh():  # another thread may have checked meanwhile
                self._refresh()
            if not self._built:
                assert self._error is not None
                raise self._error.with_traceback(None)  # not one frame more per message
            return self._value  # type: ignore[return-value]

    def expire(self) -> None:
        """Check the revision at the next :meth:`get`, whatever the interval."""
        with self._lock:
            self._checked = float("-inf")

    def _refresh(self) -> None:
        self._checked = self._clock()
        try:
            revision = self._read_revision()
            if self._built and revision == self._revision:
                return
            value = self._build()
        except Exception as error:  # noqa: BLE001 - any failure: keep what we have
            self._error = error
            if self._built:
                logger.warning(
                    "%s not refreshed, still serving revision %s: %s",
                    self.name,
                    self._revision,
                    type(error).__name__,
                )
            else:
                logger.error("%s unavailable: %s", self.name, type(error).__name__)
            return
        self._value, self._revision, self._built, self._error = value, revision, True, None
        logger.info("%s rebuilt at revision %s", self.name, revision)
