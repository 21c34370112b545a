"""Keep the cluster's PostgreSQL and Redis up while the servers run.

The supervised servers (assistant/supervise.py) are its children; PostgreSQL (started by
``pg_ctl``, which detaches it) and Redis are not, so they are watched here: every
``WATCH_SECONDS`` each one is asked whether it runs. One found stopped (a crash, an
operator's ``pg_ctl stop``, an out-of-memory kill) is started again after a pause that doubles
with each failed attempt; before each attempt it is asked again, so an operator's ``pg_ctl
restart`` that brought it back meanwhile is left alone. The servers reconnect by themselves
(their SQLAlchemy pools ping a connection before using it; Redis clients connect per
command). A service that cannot be started ``attempts`` times in a row is beyond this: the
watcher reports it and the cluster stops, as a crash loop stops it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable, List, Sequence

from assistant.devservices import Service
from assistant.supervise import Supervisor

logger = logging.getLogger(__name__)
WATCH_SECONDS = 2.0


@dataclass(frozen=True)
class Backoff:
    first_delay: float = 1.0  # seconds from finding a service stopped to starting it
    max_delay: float = 16.0  # the doubling stops here
    attempts: int = 5  # failed starts in a row before giving up (1+2+4+8+16 s of pauses)

    def delay(self, failures: int) -> float:
        return min(self.first_delay * 2**failures, self.max_delay)


@dataclass(frozen=True)
class Watched:
    name: str
    running: Callable[[], bool]
    start: Callable[[], None]  # raises when the service cannot be started


class Relaunched:
    """A devservices ``Service`` (Redis) whose process ``launch`` starts anew each time."""

    def __init__(self, launch: Callable[[], Service]) -> None:
        self.launch = launch
        self.current = launch()

    def running(self) -> bool:
        return self.current.running

    def start(self) -> None:
        self.current.stop()  # reaps the dead process
        self.current = self.launch()

    def stop(self) -> None:
        self.current.stop()


def revive(service: Watched, supervisor: Supervisor, policy: Backoff) -> bool:
    """Start a stopped service again; False when every attempt failed."""
    logger.warning("%s stopped; starting it again", service.name)
    found = time.monotonic()
    for failures in range(policy.attempts):
        if supervisor.stopping.wait(policy.delay(failures)):
            return True  # the cluster is stopping anyway
        if service.running():  # brought back meanwhile (pg_ctl restart)
            logger.warning("%s runs again (started elsewhere)", service.name)
            return True
        try:
            service.start()
        except Exception as error:  # noqa: BLE001 - logged; the next attempt may work
            logger.error(
                "%s did not start (attempt %d of %d): %s",
                service.name,
                failures + 1,
                policy.attempts,
                error,
            )
            continue
        if service.running():
            seconds = time.monotonic() - found
            logger.warning(
                "%s started again, %.1f s after it was found stopped", service.name, seconds
            )
            return True
    logger.error(
        "%s could not be started again (%d attempts): stopping the cluster",
        service.name,
        policy.attempts,
    )
    return False


def watch_services(
    supervisor: Supervisor,
    services: Sequence[Watched],
    failed: List[str],
    policy: Backoff = Backoff(),
    period: float = WATCH_SECONDS,
) -> None:
    """Until the supervisor stops: start again what stopped; a service that will not start
    is appended to ``failed`` and the supervisor is stopped."""
    while not supervisor.stopping.wait(period):
        for service in services:
            if not service.running() and not revive(service, supervisor, policy):
                failed.append(service.name)
                supervisor.stop()
                return
