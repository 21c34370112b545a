"""Keep `assistant run`'s servers up, the way systemd's ``Restart=always`` would.

A server that exits is started again after a pause that doubles with each recent restart
(1, 2, 4 … s, capped), so a crash costs citizens seconds, not the whole stack. A server that
keeps dying (more than ``max_restarts`` restarts within ``window`` seconds) is a crash loop:
restarting it would only hide the fault, so everything is stopped with a clear message and a
non-zero exit. Ctrl-C or SIGTERM (``stop``) stops everything too.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Deque, Dict, List, Mapping

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 1.0  # seconds before the first restart
    max_delay: float = 30.0  # the doubling stops here
    max_restarts: int = 5  # more restarts than this within `window` is a crash loop
    window: float = 60.0  # seconds; a server up longer than this starts again at first_delay
    stop_grace: float = 10.0  # seconds between SIGTERM and SIGKILL when stopping

    def delay(self, recent_restarts: int) -> float:
        return min(self.first_delay * 2**recent_restarts, self.max_delay)


class Supervisor:
    """Start named command lines, restart those that exit, stop them all on request."""

    def __init__(
        self,
        commands: Mapping[str, List[str]],
        *,
        policy: RestartPolicy = RestartPolicy(),
        poll_seconds: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
        **popen_kwargs,
    ) -> None:
        self.commands = dict(commands)
        self.policy = policy
        self.poll_seconds = poll_seconds
        self.clock = clock
        self.popen_kwargs = popen_kwargs
        self.children: Dict[str, subprocess.Popen] = {}
        self.restarts: Dict[str, Deque[float]] = {name: deque() for name in self.commands}
        self._due: Dict[str, float] = {}  # name -> when a crashed server is started again
        self.stopping = threading.Event()

    def start(self) -> None:
        for name in self.commands:
            self._spawn(name)

    def stop(self, *_args) -> None:
        """Ask the loop to stop everything (usable as a signal handler)."""
        self.stopping.set()

    def run(self) -> int:
        """Supervise until `stop` (exit code 0) or a crash loop (1); the children are stopped."""
        if not self.children:
            self.start()
        try:
            while not self.stopping.wait(self.poll_seconds):
                if not self._check():
                    return 1
            return 0
        finally:
            self.terminate()

    def _check(self) -> bool:
        """One round: note exits, start what is due; False on a crash loop."""
        now = self.clock()
        for name, child in self.children.items():
            if name in self._due or child.poll() is None:
                continue
            recent = self.restarts[name]
            while recent and now - recent[0] > self.policy.window:
                recent.popleft()
            if len(recent) >= self.policy.max_restarts:
                logger.error(
                    "%s stopped with code %s after %d restarts within %.0f s: a crash loop; "
                    "stopping everything",
                    name,
                    child.returncode,
                    len(recent),
                    self.policy.window,
                )
                return False
            delay = self.policy.delay(len(recent))
            logger.warning(
                "%s stopped with code %s; restarting it in %.0f s", name, child.returncode, delay
            )
            self._due[name] = now + delay
        for name, due in list(self._due.items()):
            if now >= due:
                del self._due[name]
                self.restarts[name].append(now)
                self._spawn(name)
                logger.warning("%s restarted (pid %d)", name, self.children[name].pid)
        return True

    def _spawn(self, name: str) -> None:
        self.children[name] = subprocess.Popen(self.commands[name], **self.popen_kwargs)

    def terminate(self) -> None:
        """SIGTERM to every running child, SIGKILL to those still up after the grace time."""
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.policy.stop_grace
        for child in self.children.values():
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
