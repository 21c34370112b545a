"""The portal, the staff app and Rasa over HTTP, for the end-to-end tests of the live desk and
petitions: a database with staff accounts, the servers' addresses, chat, staff login, event
streams, Rasa's tracker, and waiting for a condition."""

from __future__ import annotations

import json
import queue
import re
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict

import requests

from assistant.catalog.importer import import_catalog
from assistant.db.migrate import upgrade
from assistant.db.session import session_scope

FORM_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PAGE_CSRF = re.compile(r'data-csrf="([^"]+)"')


def seeded_database(path: Path, seed: Path, password: str, *editors: str) -> str:
    """A migrated SQLite database at ``path`` with the catalog from ``seed`` and an editor
    account per name in ``editors``, all with ``password``; returns its URL."""
    from assistant.staff.repository import StaffRepository

    database_url = f"sqlite:///{path}"
    upgrade(database_url)
    import_catalog(seed, database_url)
    with session_scope(database_url) as session:
        for name in editors:
            StaffRepository(session).add_user("test", name, password, "editor")
    return database_url


def stack_of(running: dict, database_url: str, **more: Any) -> dict:
    """launch()'s result with the database URL, the portal's (``web``) and Rasa's (``rasa``)
    base URLs, and ``more``."""
    ports = running["ports"]
    return {
        **running,
        "db": database_url,
        "web": f"http://127.0.0.1:{ports['web']}",
        "rasa": f"http://127.0.0.1:{ports['rasa']}",
        **more,
    }


def chat(web: str, sender: str, text: str) -> list:
    """One message to the portal's chat API; returns the bot's replies."""
    reply = requests.post(f"{web}/api/chat", json={"sender": sender, "message": text}, timeout=30)
    assert reply.status_code == 200, reply.text
    return reply.json()


def form_csrf(html: str) -> str:
    """The CSRF token of the form on a staff app page."""
    return FORM_CSRF.search(html).group(1)


def staff_login(web: str, username: str, password: str) -> requests.Session:
    """A session logged in to the staff app at ``web``."""
    http = requests.Session()
    page = http.get(f"{web}/admin/login", timeout=10)
    response = http.post(
        f"{web}/admin/login",
        data={"username": username, "password": password, "csrf_token": form_csrf(page.text)},
        timeout=30,
    )
    assert response.status_code == 200 and "Đăng xuất" in response.text
    return http


def desk_login(web: str, username: str, password: str) -> requests.Session:
    """A staff session that sends the live desk page's CSRF token with every request."""
    http = staff_login(web, username, password)
    live = http.get(f"{web}/admin/live", timeout=10)
    http.headers["X-CSRF-Token"] = PAGE_CSRF.search(live.text).group(1)
    return http


class Stream:
    """An event stream read in a thread: (event, data, monotonic time) on a queue."""

    def __init__(
        self,
        http: requests.Session,
        url: str,
        params: Dict[str, str] | None = None,
        read_timeout: float = 120.0,
    ) -> None:
        self.events: queue.Queue = queue.Queue()
        self.response = http.get(url, params=params, stream=True, timeout=(5, read_timeout))
        assert self.response.status_code == 200, self.response.text
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        name, data = "message", []
        try:
            for line in self.response.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif not line and data:
                    self.events.put((name, json.loads("\n".join(data)), time.monotonic()))
                    name, data = "message", []
        except Exception:  # noqa: BLE001 - the stream was closed by the test
            pass
        self.events.put(("closed", None, time.monotonic()))

    def next(
        self, wanted: Callable[[str, Any], bool] = lambda name, data: True, seconds: float = 20.0
    ):
        """The next event that ``wanted`` accepts, or the stream's end ("closed")."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                name, data, at = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if name == "closed" or wanted(name, data):
                return name, data, at
        raise AssertionError("no such event in time")

    def close(self) -> None:
        self.response.close()


def tracker(rasa: str, token: str, sender: str) -> dict:
    """Rasa's tracker for ``sender``, read with the HTTP API's ``token``."""
    reply = requests.get(
        f"{rasa}/conversations/{sender}/tracker", params={"token": token}, timeout=10
    )
    assert reply.status_code == 200
    return reply.json()


def wait_until(condition: Callable[[], Any], what: str, seconds: float = 30.0):
    """The first true value of ``condition()``, polled every 0.1 s for up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not in {seconds:.0f} s: {what}")
