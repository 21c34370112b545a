"""`assistant cluster run`: start the whole service in order, supervise it, stop all of it.

Order: the secrets; PostgreSQL (initdb the first time), its role and database; Redis; the
database migrated and seeded as `assistant run` does it (catalogs, FAQ, demo dossiers, the
live model) and Rasa's events table; endpoints.yml with the Redis lock store; nginx's
configuration. Then the supervised processes (assistant/supervise.py): action servers,
replicas, portal, nginx, each restarted when it exits. PostgreSQL and Redis are watched
(assistant/cluster/watch.py): one that stops is started again, and the servers reconnect by
themselves; only one that cannot be started again stops the whole cluster (exit code 1).
Ctrl-C or SIGTERM stops the servers (SIGTERM, SIGKILL after 10 s), then Redis, then
PostgreSQL with ``pg_ctl stop``.
"""

from __future__ import annotations

import json
import logging
import os
import pwd
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import List

from assistant.cluster import keys, plan
from assistant.cluster.nginx import TEMP_DIRS, render_main
from assistant.cluster.postgres import ClusterPostgres
from assistant.cluster.watch import Relaunched, Watched, watch_services
from assistant.devservices import ServiceUnavailable, start_redis
from assistant.settings import PROJECT_ROOT, get_settings
from assistant.supervise import Supervisor

logger = logging.getLogger(__name__)


class Interrupted(Exception):
    """Ctrl-C or SIGTERM before the servers were started."""


def _interrupt(*_args) -> None:
    raise Interrupted


def say(text: str) -> None:
    print(text, flush=True)


def find_nginx() -> str:
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise ServiceUnavailable("nginx not found: make cluster-deps (apt-get install -y nginx)")


def nginx_user() -> pwd.struct_passwd | None:
    """Whom nginx's workers run as when we are root (nginx's master stays root)."""
    if os.geteuid() != 0:
        return None
    for name in ("www-data", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    return None


def prepare_nginx(ports: plan.Ports, layout: plan.Layout) -> None:
    user = nginx_user()
    for kind in TEMP_DIRS:
        directory = layout.nginx / "temp" / kind
        directory.mkdir(parents=True, exist_ok=True)
        if user is not None:
            os.chown(directory, user.pw_uid, user.pw_gid)
    conf = render_main(ports, layout, user.pw_name if user else None)
    (layout.nginx / "nginx.conf").write_text(conf, encoding="utf-8")


def write_endpoints(layout: plan.Layout) -> None:
    """`assistant run`'s endpoints.yml with LOCK_STORE_URL's Redis lock store (password
    included), copied private into the cluster's directory: its replicas read their own.
    The lock store is lockstore.ClusterLockStore."""
    from assistant.endpoints import endpoints_file

    written = endpoints_file(layout.endpoints)
    if written != layout.endpoints:  # no LOCK_STORE_URL: the project's own endpoints.yml
        raise ServiceUnavailable("no Redis lock store for the cluster: LOCK_STORE_URL?")


def prepare_database(env: dict) -> Path | None:
    """What `assistant run` does before starting servers, on the cluster's PostgreSQL."""
    from assistant.analytics.tracker_events import TrackerEvents
    from assistant.db.migrate import upgrade
    from assistant.startup import import_catalogs_if_changed, seed_demo_dossiers, seed_faq
    from assistant.training.cli import live_model

    os.environ.update(env)
    get_settings.cache_clear()
    upgrade()
    import_catalogs_if_changed()
    seed_faq()
    seed_demo_dossiers()
    # Rasa's table, made once here: replicas starting together would race to create it.
    events = TrackerEvents(env["TRACKER_STORE_URL"])
    if not events.exists():
        events.create()
    events.engine.dispose()
    return live_model()


def announce_ready(ports: plan.Ports) -> None:
    """Send each replica a first question (the first turns build TensorFlow graphs), then
    say so."""
    from assistant.startup import warm_up

    threads = [threading.Thread(target=warm_up, args=(p,), daemon=True) for p in ports.rasa]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    say(f"Ready: {len(ports.rasa)} Rasa replicas answer at http://127.0.0.1:{ports.front}")


def write_state(layout: plan.Layout, ports: plan.Ports) -> None:
    """Who listens where, for scripts and tests (removed when the cluster stops)."""
    state = {"pid": os.getpid(), "url": f"http://127.0.0.1:{ports.front}", "ports": asdict(ports)}
    layout.state.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")


def run(var: Path, free: bool = False) -> int:
    replicas, action_servers = plan.sizes(os.environ)
    if free:
        ports = plan.free_ports(replicas, action_servers)
    else:
        ports = plan.configured_ports(os.environ, replicas, action_servers)
    plan.check(ports)
    layout = plan.Layout(Path(var).resolve())
    for directory in (layout.root, layout.logs, layout.redis, layout.nginx):
        directory.mkdir(parents=True, exist_ok=True)
    secrets = keys.load_or_create(layout.secrets)
    try:
        nginx_binary = find_nginx()
        postgres = ClusterPostgres(
            layout.postgres,
            ports.postgres,
            secrets["CLUSTER_POSTGRES_PASSWORD"],
            layout.log("postgres"),
        )
    except ServiceUnavailable as error:
        print(error, file=sys.stderr)
        return 2
    env = plan.environment(ports, secrets, os.environ, PROJECT_ROOT)
    handlers = {s: signal.signal(s, _interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    redis: Relaunched | None = None
    supervisor: Supervisor | None = None
    watcher: threading.Thread | None = None
    failed: List[str] = []
    code = 0
    try:
        say(f"PostgreSQL: {layout.postgres} on port {ports.postgres}")
        postgres.start()
        postgres.ensure_database(plan.DATABASE, secrets["CLUSTER_DATABASE_PASSWORD"])
        password = secrets["CLUSTER_REDIS_PASSWORD"]
        redis = Relaunched(lambda: start_redis(layout.redis, ports.redis, password=password))
        model = prepare_database(env)
        if model is None:
            return 1
        write_endpoints(layout)
        prepare_nginx(ports, layout)
        from assistant.startup import server_commands

        def actions_command(port: int) -> List[str]:
            lines = server_commands(
                model,
                action_port=port,
                rasa_port=ports.rasa[0],
                rasa_host=plan.LOOPBACK,
                endpoints=layout.endpoints,
                token=None,
                action_host=plan.LOOPBACK,
            )
            return lines["actions"]

        commands = plan.commands(ports, layout, actions_command, nginx_binary)
        supervisor = Supervisor(commands, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL)
        for sig in handlers:
            signal.signal(sig, supervisor.stop)
        supervisor.start()
        write_state(layout, ports)
        say("\n".join(plan.describe(ports, layout)))
        threading.Thread(target=announce_ready, args=(ports,), daemon=True).start()
        watched = [
            Watched("PostgreSQL", postgres.running, postgres.start),
            Watched("Redis", redis.running, redis.start),
        ]
        watcher = threading.Thread(target=watch_services, args=(supervisor, watched, failed))
        watcher.start()
        code = supervisor.run()  # until Ctrl-C, SIGTERM, a crash loop or a dead service
        if code:
            say("A server keeps crashing: everything was stopped (see var/cluster/logs)")
        elif failed:
            code = 1
            say(f"{failed[0]} could not be started again: everything was stopped")
    except Interrupted:
        say("Interrupted before the servers started")
    except ServiceUnavailable as error:
        print(error, file=sys.stderr)
        code = 2
    finally:
        for sig in handlers:  # a second Ctrl-C must not cut the shutdown short
            signal.signal(sig, signal.SIG_IGN)
        if supervisor is not None:
            supervisor.stop()  # the watcher too: it must not start what is being stopped
            supervisor.terminate()
        if watcher is not None:
            watcher.join(timeout=180)  # a start under way (pg_ctl start -t 120) ends first
        if redis is not None:
            redis.stop()
        from assistant.db.session import dispose_engines

        dispose_engines()
        postgres.stop()
        layout.state.unlink(missing_ok=True)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    say("Cluster stopped")
    return code
