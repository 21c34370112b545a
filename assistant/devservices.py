"""Throw-away PostgreSQL and Redis servers for tests and benchmarks, started from the binaries.

Production runs on PostgreSQL (and Redis for Rasa's tracker/lock store), but nobody should
need Docker or a shared server to check that the code works there. These start a private
server in a scratch directory, on a free loopback port, with no password (trust on loopback
only), no durability (fsync off, no Redis persistence) and nothing listening beyond
127.0.0.1; :meth:`Service.stop` (or leaving the ``with`` block, or interpreter exit) shuts it
down and deletes its data.

PostgreSQL refuses to run as root. Run as root (CI containers), the cluster is created and
run as the ``postgres`` system user (``nobody`` if there is none): its data directory goes in
a fresh directory under /tmp owned by that user, since the caller's work directory (e.g.
pytest's, mode 0700) may be unreachable for it; commands are started with that user's uid
and gid directly (no ``su``/``runuser`` needed). The server log stays in ``workdir``.

Binaries: ``PG_BIN`` (a directory) if set, else the newest /usr/lib/postgresql/*/bin, else
``initdb`` on PATH; ``redis-server`` on PATH. Missing binaries raise
:class:`ServiceUnavailable` with what to install.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Sequence

START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
DATABASE = "assistant"
SUPERUSER = "postgres"


class ServiceUnavailable(RuntimeError):
    """The server cannot be started here (binary missing, did not come up in time)."""


@dataclass
class Service:
    name: str
    url: str
    port: int
    process: subprocess.Popen
    log: Path
    remove_on_stop: List[Path] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Shut down (SIGINT: PostgreSQL's fast shutdown; Redis exits), then delete data."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        for path in self.remove_on_stop:
            shutil.rmtree(path, ignore_errors=True)
        self.remove_on_stop = []

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the kernel's pick; retried if taken later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- PostgreSQL ---------------------------------------------------------------------------


def _version_key(path: str) -> tuple:
    version = Path(path).parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def find_postgres_bin() -> Path:
    """The directory holding initdb and postgres."""
    configured = os.environ.get("PG_BIN")
    candidates: List[Path] = [Path(configured)] if configured else []
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    candidates += [Path(p) for p in found]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "postgres").exists():
            return directory
    raise ServiceUnavailable(
        "PostgreSQL server binaries not found (initdb, postgres): install postgresql"
        " (apt-get install -y postgresql) or set PG_BIN to their directory"
    )


def _server_user() -> pwd.struct_passwd | None:
    """Whom to run PostgreSQL as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise ServiceUnavailable("running as root and there is no postgres or nobody user")


def _as_user(user: pwd.struct_passwd | None, home: Path) -> dict:
    """subprocess arguments that drop to ``user`` (nothing when not root)."""
    if user is None:
        return {}
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8"}
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": [], "env": env}


def _run(command: Sequence[str], log: Path, **kwargs) -> None:
    with open(log, "ab") as out:
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, **kwargs)
    if result.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise ServiceUnavailable(f"{Path(command[0]).name} failed ({result.returncode}):\n{tail}")


def start_postgres(
    workdir: Path, port: int | None = None, timeout: float = START_TIMEOUT
) -> Service:
    """A fresh PostgreSQL cluster with an empty ``assistant`` database; ready when returned.

    ``url`` is ``postgresql://postgres@127.0.0.1:PORT/assistant``.
    """
    bindir = find_postgres_bin()
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "postgres.log"
    user = _server_user()
    if user is None:
        root = Path(tempfile.mkdtemp(prefix="pg-", dir=workdir))
    else:
        root = Path(tempfile.mkdtemp(prefix="assistant-pg-", dir="/tmp"))
        os.chown(root, user.pw_uid, user.pw_gid)
    data = root / "data"
    drop = _as_user(user, root)
    service: Service | None = None
    try:
        _run(
            [
                str(bindir / "initdb"),
                "-D", str(data),
                "-U", SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            log,
            cwd=root,
            **drop,
        )  # fmt: skip
        attempts = 1 if port else 3
        for attempt in range(attempts):
            chosen = port or free_port()
            process = _spawn(
                [
                    str(bindir / "postgres"),
                    "-D", str(data),
                    "-p", str(chosen),
                    "-h", "127.0.0.1",
                    "-k", "",  # no Unix socket: nothing outside loopback TCP
                    "-c", "fsync=off",
                    "-c", "synchronous_commit=off",
                    "-c", "full_page_writes=off",
                    "-c", "max_connections=50",
                ],
                log,
                cwd=root,
                **drop,
            )  # fmt: skip
            service = Service("postgres", "", chosen, process, log, [root])
            if _wait_postgres(bindir, service, timeout):
                break
            if process.poll() is None or attempt == attempts - 1:
                service.stop()
                raise ServiceUnavailable(
                    f"PostgreSQL did not start within {timeout:.0f} s:\n{service.log_tail()}"
                )
        _run(
            [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(chosen), "-U", SUPERUSER,
             DATABASE],
            log,
        )  # fmt: skip
    except BaseException:
        if service is not None:
            service.stop()
        shutil.rmtree(root, ignore_errors=True)
        raise
    service.url = f"postgresql://{SUPERUSER}@127.0.0.1:{chosen}/{DATABASE}"
    atexit.register(service.stop)
    return service


def _spawn(command: Sequence[str], log: Path, **kwargs) -> subprocess.Popen:
    with open(log, "ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, **kwargs
        )


def _wait_postgres(bindir: Path, service: Service, timeout: float) -> bool:
    """True once the server accepts connections; False if it exited or timed out."""
    deadline = time.monotonic() + timeout
    command = [
        str(bindir / "pg_isready"),
        "-q",
        "-h", "127.0.0.1",
        "-p", str(service.port),
        "-U", SUPERUSER,
        "-d", "postgres",
        "-t", "1",
    ]  # fmt: skip
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            return False
        probe = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if probe.returncode == 0:
            return True
        time.sleep(0.1)
    return False


# --- Redis --------------------------------------------------------------------------------


def start_redis(
    workdir: Path,
    port: int | None = None,
    timeout: float = START_TIMEOUT,
    password: str | None = None,
) -> Service:
    """A private Redis without persistence on loopback; ``url`` is ``redis://127.0.0.1:PORT/0``.

    With ``password`` (assistant/cluster) clients must AUTH; it goes in a configuration file
    readable by its owner only, not on the command line, and ``url`` carries it.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServiceUnavailable(
            "redis-server not found on PATH: install it (apt-get install -y redis-server)"
        )
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "redis.log"
    config: List[str] = []
    if password is not None:
        conf = workdir / "redis.conf"
        conf.unlink(missing_ok=True)
        descriptor = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(f"requirepass {password}\n")
        config = [str(conf)]
    attempts = 1 if port else 3
    for attempt in range(attempts):
        chosen = port or free_port()
        process = _spawn(
            [
                binary,
                *config,
                "--port", str(chosen),
                "--bind", "127.0.0.1",
                "--protected-mode", "yes",
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--dir", str(workdir),
                "--logfile", "",
            ],
            log,
            cwd=workdir,
        )  # fmt: skip
        auth = f":{password}@" if password is not None else ""
        service = Service("redis", f"redis://{auth}127.0.0.1:{chosen}/0", chosen, process, log)
        if _wait_redis(service, timeout, password):
            atexit.register(service.stop)
            return service
        if process.poll() is None or attempt == attempts - 1:
            service.stop()
            raise ServiceUnavailable(
                f"Redis did not start within {timeout:.0f} s:\n{service.log_tail()}"
            )
    raise AssertionError("unreachable")


def _wait_redis(service: Service, timeout: float, password: str | None = None) -> bool:
    deadline = time.monotonic() + timeout
    # Redis' inline protocol: fine for the cluster's hex passwords.
    hello = (f"AUTH {password}\r\n" if password is not None else "").encode() + b"PING\r\n"
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", service.port), timeout=1) as conn:
                conn.sendall(hello)
                reply = b""
                while b"PONG" not in reply and b"-" not in reply:
                    chunk = conn.recv(64)
                    if not chunk:
                        break
                    reply += chunk
                if b"+PONG" in reply:
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False
