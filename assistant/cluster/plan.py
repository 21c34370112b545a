"""What `assistant cluster run` starts, as data: ports, files, environment, command lines.

Pure functions of the environment and a var directory, so that the tests read the plan
without starting anything and nginx.py renders its configuration from the same ports.
Everything listens on 127.0.0.1; only nginx's front port is meant to be published.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Tuple

from assistant.devservices import free_port

DEFAULT_REPLICAS = 2  # CLUSTER_RASA
DEFAULT_ACTION_SERVERS = 2  # CLUSTER_ACTIONS
# Connections a replica's kernel queues before its event loop accepts them (Sanic's default is
# 100). nginx opens one per turn: with 200 citizens on the one replica left after a kill, a
# full queue dropped connects for 10 s, nginx counted the living replica as failed too and
# answered every turn with the apology for FAIL_TIMEOUT (benchmarks/load.py).
SANIC_BACKLOG = 1024
DEFAULT_FRONT = 8000  # CLUSTER_PORT: nginx, the one address to publish
# nginx on loopback, in front of the replicas for the portal (Rasa's HTTP API included)
# and in front of the action servers for the replicas (Rasa's action_endpoint is one URL).
DEFAULT_RASA_UPSTREAM = 5004  # CLUSTER_RASA_UPSTREAM_PORT
DEFAULT_ACTIONS_UPSTREAM = 5054  # CLUSTER_ACTIONS_UPSTREAM_PORT
# Not 5432/6379, where a system PostgreSQL or Redis may already listen.
DEFAULT_POSTGRES = 5433  # CLUSTER_POSTGRES_PORT
DEFAULT_REDIS = 6380  # CLUSTER_REDIS_PORT
# A replica or action server serves its /metrics on its own port + this (5005 → 15005), as
# the systemd units do ("1%i"): several processes cannot share METRICS_PORT_RASA.
METRICS_OFFSET = 10000
DATABASE = "assistant"  # database and its owner role
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Ports:
    front: int
    web: int
    rasa: Tuple[int, ...]
    actions: Tuple[int, ...]
    rasa_upstream: int
    actions_upstream: int
    postgres: int
    redis: int
    metrics_rasa: Tuple[int, ...]  # one per replica; 0 = not served
    metrics_actions: Tuple[int, ...]  # one per action server; 0 = not served

    def named(self) -> List[Tuple[str, int]]:
        """Every port the cluster listens on, with who listens there."""
        pairs = [
            ("nginx front", self.front),
            ("portal", self.web),
            *((f"rasa-{i}", p) for i, p in enumerate(self.rasa, 1)),
            *((f"actions-{i}", p) for i, p in enumerate(self.actions, 1)),
            ("nginx rasa upstream", self.rasa_upstream),
            ("nginx actions upstream", self.actions_upstream),
            ("postgres", self.postgres),
            ("redis", self.redis),
            *((f"rasa-{i} metrics", p) for i, p in enumerate(self.metrics_rasa, 1)),
            *((f"actions-{i} metrics", p) for i, p in enumerate(self.metrics_actions, 1)),
        ]
        return [(name, port) for name, port in pairs if port]


@dataclass(frozen=True)
class Layout:
    """Where the cluster keeps its state (var/cluster by default)."""

    root: Path

    @property
    def postgres(self) -> Path:
        return self.root / "postgres"  # PGDATA: kept between runs

    @property
    def redis(self) -> Path:
        return self.root / "redis"

    @property
    def nginx(self) -> Path:
        return self.root / "nginx"  # rendered nginx.conf, pid, temp files

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def secrets(self) -> Path:
        return self.root / "secrets.env"

    @property
    def endpoints(self) -> Path:
        return self.root / "endpoints.yml"

    @property
    def state(self) -> Path:
        return self.root / "state.json"

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"


def ports_from_state(data: Mapping[str, object]) -> Ports:
    """The ports as state.json (run.py) lists them."""
    return Ports(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    value = environ.get(name) or ""
    try:
        return int(value) if value.strip() else default
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a number") from None


def sizes(environ: Mapping[str, str]) -> Tuple[int, int]:
    """(Rasa replicas, action servers) from CLUSTER_RASA and CLUSTER_ACTIONS."""
    replicas = _int(environ, "CLUSTER_RASA", DEFAULT_REPLICAS)
    action_servers = _int(environ, "CLUSTER_ACTIONS", DEFAULT_ACTION_SERVERS)
    if replicas < 1 or action_servers < 1:
        raise ValueError("CLUSTER_RASA and CLUSTER_ACTIONS must be at least 1")
    return replicas, action_servers


def configured_ports(environ: Mapping[str, str], replicas: int, action_servers: int) -> Ports:
    """The ports the settings name: replicas from RASA_PORT up, action servers from
    ACTION_PORT up, the portal on WEB_PORT (the same variables as `make run`)."""
    rasa = _int(environ, "RASA_PORT", 5005)
    actions = _int(environ, "ACTION_PORT", 5055)
    rasa_ports = tuple(rasa + i for i in range(replicas))
    action_ports = tuple(actions + i for i in range(action_servers))
    metrics_on_rasa = _int(environ, "METRICS_PORT_RASA", 9105) != 0
    metrics_on_actions = _int(environ, "METRICS_PORT_ACTIONS", 9106) != 0
    return Ports(
        front=_int(environ, "CLUSTER_PORT", DEFAULT_FRONT),
        web=_int(environ, "WEB_PORT", 8080),
        rasa=rasa_ports,
        actions=action_ports,
        rasa_upstream=_int(environ, "CLUSTER_RASA_UPSTREAM_PORT", DEFAULT_RASA_UPSTREAM),
        actions_upstream=_int(environ, "CLUSTER_ACTIONS_UPSTREAM_PORT", DEFAULT_ACTIONS_UPSTREAM),
        postgres=_int(environ, "CLUSTER_POSTGRES_PORT", DEFAULT_POSTGRES),
        redis=_int(environ, "CLUSTER_REDIS_PORT", DEFAULT_REDIS),
        metrics_rasa=tuple(p + METRICS_OFFSET if metrics_on_rasa else 0 for p in rasa_ports),
        metrics_actions=tuple(
            p + METRICS_OFFSET if metrics_on_actions else 0 for p in action_ports
        ),
    )


def free_ports(replicas: int, action_servers: int, pick: Callable[[], int] = free_port) -> Ports:
    """Ports the kernel says are free now, all different (tests, a second cluster)."""
    count = 6 + 2 * (replicas + action_servers)
    chosen: List[int] = []
    while len(chosen) < count:
        port = pick()
        if port not in chosen:
            chosen.append(port)
    take = iter(chosen)
    fixed = [next(take) for _ in range(6)]
    return Ports(
        front=fixed[0],
        web=fixed[1],
        rasa=tuple(next(take) for _ in range(replicas)),
        actions=tuple(next(take) for _ in range(action_servers)),
        rasa_upstream=fixed[2],
        actions_upstream=fixed[3],
        postgres=fixed[4],
        redis=fixed[5],
        metrics_rasa=tuple(next(take) for _ in range(replicas)),
        metrics_actions=tuple(next(take) for _ in range(action_servers)),
    )


def check(ports: Ports) -> None:
    """Refuse a plan where two servers would want one port, or a port out of range."""
    named = ports.named()
    bad = [f"{name} ({port})" for name, port in named if not 0 < port < 65536]
    if bad:
        raise ValueError("ports out of range: " + ", ".join(bad))
    taken = Counter(port for _, port in named)
    clashes = sorted({port for port, count in taken.items() if count > 1})
    if clashes:
        owners = "; ".join(
            f"{port}: " + ", ".join(n for n, p in named if p == port) for port in clashes
        )
        raise ValueError(f"two servers on one port ({owners})")


def database_url(ports: Ports, secrets: Mapping[str, str]) -> str:
    password = secrets["CLUSTER_DATABASE_PASSWORD"]
    return f"postgresql://{DATABASE}:{password}@{LOOPBACK}:{ports.postgres}/{DATABASE}"


def environment(
    ports: Ports, secrets: Mapping[str, str], base: Mapping[str, str], root: Path
) -> Dict[str, str]:
    """The one environment every process of the cluster gets: ``base`` (the caller's, so the
    settings of README's Configuration apply as with `make run`) with the cluster's database,
    tracker store, lock store, shared secrets and internal URLs. A SENDER_HASH_SECRET or
    RASA_API_TOKEN already in ``base`` wins over the generated one."""
    env = dict(base)
    url = database_url(ports, secrets)
    redis_password = secrets["CLUSTER_REDIS_PASSWORD"]
    trusted = [p.strip() for p in env.get("TRUSTED_PROXIES", "").split(",") if p.strip()]
    env.update(
        DATABASE_URL=url,
        TRACKER_STORE_URL=url,
        LOCK_STORE_URL=f"redis://:{redis_password}@{LOOPBACK}:{ports.redis}/0",
        SENDER_HASH_SECRET=base.get("SENDER_HASH_SECRET") or secrets["SENDER_HASH_SECRET"],
        RASA_API_TOKEN=base.get("RASA_API_TOKEN") or secrets["RASA_API_TOKEN"],
        ACTION_SERVER_URL=f"http://{LOOPBACK}:{ports.actions_upstream}/webhook",
        RASA_URL=f"http://{LOOPBACK}:{ports.rasa_upstream}",
        # A model switch goes to each replica, not to the one the upstream picks.
        RASA_REPLICA_URLS=",".join(f"http://{LOOPBACK}:{port}" for port in ports.rasa),
        WEB_HOST=LOOPBACK,
        WEB_PORT=str(ports.web),
        RASA_HOST=LOOPBACK,
        ACTION_HOST=LOOPBACK,
        # nginx on this host: its X-Forwarded-For names the citizen (verification limits).
        TRUSTED_PROXIES=",".join(trusted if LOOPBACK in trusted else [*trusted, LOOPBACK]),
        PYTHONPATH=base.get("PYTHONPATH") or str(root),
        RASA_TELEMETRY_ENABLED="false",
        SANIC_BACKLOG=base.get("SANIC_BACKLOG") or str(SANIC_BACKLOG),  # Rasa reads it
    )
    return env


def logged(command: List[str], log: Path) -> List[str]:
    """``command`` with its output appended to ``log`` (the shell execs it: same pid)."""
    return ["sh", "-c", 'exec "$@" >>"$0" 2>&1', str(log), *command]


def with_env(command: List[str], **variables: object) -> List[str]:
    return ["env", *(f"{k}={v}" for k, v in variables.items()), *command]


def commands(
    ports: Ports,
    layout: Layout,
    actions_command: Callable[[int], List[str]],
    nginx_binary: str,
    python: str = sys.executable,
) -> Dict[str, List[str]]:
    """Every supervised process: action servers, replicas, the portal, nginx.

    ``actions_command(port)`` is `assistant run`'s action-server line (cli.server_commands).
    A replica is started through `assistant cluster replica`, which looks up the live model
    at each start, so a replica restarted after a model switch loads the new one.
    """
    cli = [python, "-m", "assistant.cli"]
    result: Dict[str, List[str]] = {}
    for i, (port, metrics) in enumerate(zip(ports.actions, ports.metrics_actions), 1):
        name = f"actions-{i}"
        line = with_env(actions_command(port), METRICS_PORT_ACTIONS=metrics)
        result[name] = logged(line, layout.log(name))
    for i, (port, metrics) in enumerate(zip(ports.rasa, ports.metrics_rasa), 1):
        name = f"rasa-{i}"
        line = [*cli, "cluster", "replica", "--port", str(port)]
        line += ["--endpoints", str(layout.endpoints)]
        result[name] = logged(with_env(line, METRICS_PORT_RASA=metrics), layout.log(name))
    result["web"] = logged([*cli, "web"], layout.log("web"))
    conf = layout.nginx / "nginx.conf"
    error_log = layout.nginx / "error.log"
    nginx = [nginx_binary, "-p", f"{layout.nginx}/", "-c", str(conf), "-e", str(error_log)]
    result["nginx"] = logged(nginx, layout.log("nginx"))
    return result


def describe(ports: Ports, layout: Layout) -> List[str]:
    """What `make cluster` prints: the front URL and every component's port."""

    def joined(values: Tuple[int, ...]) -> str:
        return ", ".join(str(v) for v in values)

    metrics = ""
    if any(ports.metrics_rasa) or any(ports.metrics_actions):
        metrics = (
            f"  /metrics on loopback: replicas {joined(ports.metrics_rasa)}, "
            f"action servers {joined(ports.metrics_actions)}, portal {ports.web}"
        )
    lines = [
        f"Front (nginx): http://{LOOPBACK}:{ports.front}  "
        "(/webhooks/ → Rasa replicas; /api/chat, /admin, / → portal)",
        f"  portal (assistant web)       {ports.web}",
        f"  Rasa replicas                {joined(ports.rasa)}",
        f"  action servers               {joined(ports.actions)}",
        f"  nginx → replicas (RASA_URL)  {ports.rasa_upstream}",
        f"  nginx → action servers       {ports.actions_upstream}",
        f"  PostgreSQL 15                {ports.postgres}  (data: {layout.postgres})",
        f"  Redis lock store             {ports.redis}",
    ]
    if metrics:
        lines.append(metrics)
    lines.append(f"  logs: {layout.logs}/  (Ctrl-C stops everything)")
    return lines
