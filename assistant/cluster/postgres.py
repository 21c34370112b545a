"""The cluster's PostgreSQL: one server whose data stays in ``var/cluster/postgres``.

Unlike assistant/devservices.py's throw-away servers it keeps its data between runs, writes
durably (fsync on), asks for passwords (scram-sha-256: the superuser's for setup, the
``assistant`` role's for the servers) and is started and stopped with ``pg_ctl`` (``stop -m
fast`` waits for the shutdown checkpoint, so the next start needs no recovery). It listens on
127.0.0.1 only, without a Unix socket. Found and, as root, run as the ``postgres`` user the
way devservices does it. While the cluster runs, one that stops is started again
(assistant/cluster/watch.py).
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from assistant.devservices import (
    SUPERUSER,
    ServiceUnavailable,
    _as_user,
    _run,
    _server_user,
    find_postgres_bin,
)

# Two replicas, two action servers and the portal each keep SQLAlchemy pools (application
# database and tracker store): well under this.
MAX_CONNECTIONS = 200
SETTINGS = f"""
# Added by assistant/cluster/postgres.py at initdb.
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = {MAX_CONNECTIONS}
"""


def unreachable_parent(path: Path, user: pwd.struct_passwd) -> Path | None:
    """The first directory above ``path`` that ``user`` may not enter, if any."""
    for parent in Path(path).resolve().parents:
        info = parent.stat()
        if info.st_uid == user.pw_uid:
            bit = 0o100
        elif info.st_gid == user.pw_gid:
            bit = 0o010
        else:
            bit = 0o001
        if not info.st_mode & bit:
            return parent
    return None


class ClusterPostgres:
    def __init__(self, data: Path, port: int, superuser_password: str, log: Path) -> None:
        self.bindir = find_postgres_bin()
        self.data = Path(data).resolve()
        self.port = port
        self.password = superuser_password
        self.log = Path(log).resolve()
        self.user = _server_user()  # None unless we are root
        self.drop = _as_user(self.user, self.data)

    def _own(self, path: Path) -> None:
        if self.user is not None:
            os.chown(path, self.user.pw_uid, self.user.pw_gid)

    def _pg_ctl(self, *args: str) -> None:
        _run([str(self.bindir / "pg_ctl"), "-D", str(self.data), *args], self.log, **self.drop)

    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def init(self) -> None:
        """initdb with the superuser's password (from a private file, never the command line)."""
        self.data.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._own(self.data)
        os.chmod(self.data, 0o700)
        if self.user is not None:
            blocked = unreachable_parent(self.data, self.user)
            if blocked is not None:
                raise ServiceUnavailable(
                    f"PostgreSQL runs as {self.user.pw_name}, who cannot enter {blocked}: "
                    f"chmod o+x {blocked}, or choose another --var directory"
                )
        self._prepare_log()
        pwfile = self.data.parent / f".pg-password-{os.getpid()}"
        descriptor = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(self.password + "\n")
        self._own(pwfile)
        try:
            _run(
                [
                    str(self.bindir / "initdb"),
                    "-D", str(self.data),
                    "-U", SUPERUSER,
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "--encoding=UTF8",
                    "--no-locale",
                ],
                self.log,
                cwd=self.data,
                **self.drop,
            )  # fmt: skip
        finally:
            pwfile.unlink(missing_ok=True)
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(SETTINGS)

    def _prepare_log(self) -> None:
        """pg_ctl (as the server's user) appends the server's output here."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.log.touch()
        self._own(self.log)

    def pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def running(self) -> bool:
        """Whether the server of this data directory is up (whatever started it)."""
        pid = self.pid()
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def start(self, timeout: int = 120) -> None:
        if not self.initialised():
            self.init()
        if self.running():  # left behind by a run that was killed: start it on our port
            self.stop()
        self._prepare_log()
        port = f"-p {self.port}"
        self._pg_ctl("start", "-w", "-t", str(timeout), "-l", str(self.log), "-o", port)

    def stop(self, timeout: int = 60) -> None:
        """Fast shutdown (clients disconnected, a checkpoint written), waiting for the end."""
        if self.running():
            self._pg_ctl("stop", "-m", "fast", "-w", "-t", str(timeout))

    def restart(self, timeout: int = 60) -> None:
        """An operator's ``pg_ctl restart -m fast`` (the port is kept from the last start):
        clients are disconnected and must reconnect by themselves."""
        self._prepare_log()
        self._pg_ctl("restart", "-m", "fast", "-w", "-t", str(timeout), "-l", str(self.log))

    def ensure_database(self, name: str, password: str) -> None:
        """A role ``name`` with ``password`` owning a database ``name`` (made once; the
        password is set again at every start, so secrets.env stays the truth)."""
        import psycopg2
        from psycopg2 import sql

        connection = psycopg2.connect(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            password=self.password,
            dbname="postgres",
            connect_timeout=10,
        )
        connection.autocommit = True  # CREATE DATABASE cannot run in a transaction
        try:
            with connection.cursor() as cursor:
                role = sql.Identifier(name)
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
                verb = "ALTER" if cursor.fetchone() else "CREATE"
                cursor.execute(
                    sql.SQL(verb + " ROLE {} LOGIN PASSWORD %s").format(role), (password,)
                )
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cursor.fetchone() is None:
                    cursor.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(role, role))
        finally:
            connection.close()
