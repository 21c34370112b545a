"""Gauges read from the database at scrape time, for the portal's ``/metrics``.

Each source (live desk, petitions, outbox, catalog, FAQ, live model) is read in its own short
session through the repository that owns its table, so one broken table costs only its own
gauges. All reads of a scrape run in one daemon thread that the scrape waits for at most
``timeout`` seconds: a database that is down or hung leaves the gauges out and counts the
failure (``assistant_scrape_errors_total``, ``assistant_database_up 0``), and the scrape
itself still answers. While a hung read is still running, the next scrapes do not start
another one.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any, Callable, Dict, Iterable, Iterator, Mapping, Tuple

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily
from prometheus_client.registry import Collector

from assistant.audit import utcnow
from assistant.db.session import session_scope

logger = logging.getLogger(__name__)

OUTBOX_CHANNELS = ("zalo", "facebook")
Reader = Callable[[str | None, datetime], Any]


def read_handoff(url: str | None, now: datetime) -> Dict[str, int]:
    from assistant.handoff.live_repository import LiveRepository

    with session_scope(url) as session:
        return LiveRepository(session).count_open()


def read_petitions(url: str | None, now: datetime) -> Tuple[int, int]:
    from assistant.petitions.repository import PetitionRepository

    with session_scope(url) as session:
        return PetitionRepository(session).count_open(now)


def read_outbox(url: str | None, now: datetime) -> Dict[Tuple[str, str], int]:
    from assistant.channels.outbox_repository import DEAD, PENDING, OutboxRepository

    with session_scope(url) as session:
        repo = OutboxRepository(session)
        return {
            (channel, status): repo.count(status, channel)
            for channel in OUTBOX_CHANNELS
            for status in (PENDING, DEAD)
        }


def read_catalog(url: str | None, now: datetime) -> Tuple[int, datetime | None]:
    from assistant.catalog.repository import CatalogRepository

    with session_scope(url) as session:
        return CatalogRepository(session).revision_state()


def read_faq(url: str | None, now: datetime) -> Tuple[int, datetime | None]:
    from assistant.faq.repository import FaqRepository

    with session_scope(url) as session:
        return FaqRepository(session).revision_state()


def read_model(url: str | None, now: datetime) -> Tuple[str, str] | None:
    from assistant.training.registry import ModelRegistry

    with session_scope(url) as session:
        live = ModelRegistry(session).live()
        return (live.name, live.fingerprint or "") if live is not None else None


READERS: Dict[str, Reader] = {
    "handoff": read_handoff,
    "petitions": read_petitions,
    "outbox": read_outbox,
    "catalog": read_catalog,
    "faq": read_faq,
    "model": read_model,
}


def read_all(
    url: str | None, now: datetime, readers: Mapping[str, Reader], into: Dict[str, Any]
) -> None:
    """Fill ``into`` source by source: a value, or the exception that source raised."""
    for source, reader in readers.items():
        try:
            into[source] = reader(url, now)
        except Exception as error:  # noqa: BLE001 - any failure only leaves its gauges out
            into[source] = error


class DatabaseCollector(Collector):
    """prometheus_client collector: ``collect()`` reads the database, ``describe()`` not."""

    def __init__(
        self,
        url: str | None = None,
        timeout: float = 3.0,
        readers: Mapping[str, Reader] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.readers = dict(READERS if readers is None else readers)
        self.clock = clock
        self.errors: Dict[str, int] = dict.fromkeys(self.readers, 0)
        self._lock = threading.Lock()
        self._running: threading.Thread | None = None
        self._up = True

    def describe(self) -> Iterable[Any]:
        return list(self._families({}, self.clock(), up=False))

    def collect(self) -> Iterator[Any]:
        now = self.clock()
        results = self._read(now)
        read = {s: v for s, v in results.items() if not isinstance(v, Exception)}
        failed = {s: type(results.get(s, TimeoutError())).__name__ for s in self.readers}
        failed = {s: reason for s, reason in failed.items() if s not in read}
        for source in failed:
            self.errors[source] += 1
        self._log(failed)
        yield from self._families(read, now, up=not failed)

    def _read(self, now: datetime) -> Dict[str, Any]:
        results: Dict[str, Any] = {}
        with self._lock:
            if self._running is not None and self._running.is_alive():
                return {}  # the last read still hangs: do not pile up another
            thread = threading.Thread(
                target=read_all,
                args=(self.url, now, self.readers, results),
                name="metrics-database",
                daemon=True,
            )
            self._running = thread
            thread.start()
        thread.join(self.timeout)
        return dict(results)  # what was read in time; a source still being read is missing

    def _log(self, failed: Dict[str, str]) -> None:
        """Once when reads start failing (error names only), once when they work again."""
        if failed and self._up:
            logger.warning("Database metrics not read: %s", failed)
        elif not failed and not self._up:
            logger.info("Database metrics read again")
        self._up = not failed

    def _families(self, read: Dict[str, Any], now: datetime, up: bool) -> Iterator[Any]:
        """Every family, with samples for the sources in ``read`` (source -> value)."""
        ok = read.get
        queue = GaugeMetricFamily(
            "assistant_handoff_queue",
            "Live desk conversations waiting for staff, and held by staff",
            labels=["status"],
        )
        for status, count in sorted((ok("handoff") or {}).items()):
            queue.add_metric([status], count)
        yield queue

        petitions = ok("petitions")
        open_ = GaugeMetricFamily("assistant_petitions_open", "Petitions not yet closed")
        overdue = GaugeMetricFamily(
            "assistant_petitions_overdue", "Open petitions past their due date"
        )
        if petitions is not None:
            open_.add_metric([], petitions[0])
            overdue.add_metric([], petitions[1])
        yield open_
        yield overdue

        pending = GaugeMetricFamily(
            "assistant_outbox_pending",
            "Zalo and Messenger replies waiting to be sent (retried with backoff)",
            labels=["channel"],
        )
        dead = GaugeMetricFamily(
            "assistant_outbox_dead",
            "Zalo and Messenger replies whose attempts ran out (staff: Tin nhắn gửi lỗi)",
            labels=["channel"],
        )
        for (channel, status), count in sorted((ok("outbox") or {}).items()):
            (dead if status == "dead" else pending).add_metric([channel], count)
        yield pending
        yield dead

        for source, what in (("catalog", "catalog"), ("faq", "FAQ")):
            yield from _revision(source, what, ok(source), now)

        model = InfoMetricFamily(
            "assistant_model",
            "The live model of the model registry (the one Rasa serves or loads at its start)",
            labels=["model_id", "fingerprint"],
        )
        if ok("model") is not None:
            name, fingerprint = ok("model")
            model.add_metric([name, fingerprint], {})
        yield model

        database_up = GaugeMetricFamily(
            "assistant_database_up", "1 if every database gauge was read at this scrape"
        )
        database_up.add_metric([], 1 if up else 0)
        yield database_up

        errors = CounterMetricFamily(
            "assistant_scrape_errors",
            "Database gauges left out of a scrape (error or timeout), by source",
            labels=["source"],
        )
        for source, count in self.errors.items():
            errors.add_metric([source], count)
        yield errors


def _revision(source: str, what: str, state: Any, now: datetime) -> Iterator[Any]:
    revision = GaugeMetricFamily(
        f"assistant_{source}_revision", f"Revision counter of the {what} (bumped on each change)"
    )
    age = GaugeMetricFamily(
        f"assistant_{source}_revision_age_seconds",
        f"Seconds since the {what} last changed (absent until it has changed once)",
    )
    if state is not None:
        number, changed_at = state
        revision.add_metric([], number)
        if changed_at is not None:
            age.add_metric([], max(0.0, (now - changed_at).total_seconds()))
    yield revision
    yield age
