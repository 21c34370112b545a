"""``assistant cluster …``: the whole service on one machine (`make cluster`).

assistant cluster run [--var DIR] [--free-ports]   PostgreSQL, Redis, CLUSTER_RASA replicas,
                                                   CLUSTER_ACTIONS action servers, the portal
                                                   and nginx on CLUSTER_PORT; Ctrl-C stops all
assistant cluster replica --port P [--endpoints F] one Rasa replica with the live model
                                                   (the supervisor's and systemd's way)
assistant cluster nginx-conf [--listen ADDR]       the nginx site for these ports (what
                                                   deploy/nginx/assistant.conf holds)
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from assistant.settings import PROJECT_ROOT


def cmd_cluster_run(args: argparse.Namespace) -> int:
    from assistant.cluster.run import run

    return run(Path(args.var), free=args.free_ports)


def cmd_cluster_replica(args: argparse.Namespace) -> int:
    from assistant.cluster.replica import exec_replica

    return exec_replica(args.port, Path(args.endpoints) if args.endpoints else None)


def cmd_cluster_nginx_conf(args: argparse.Namespace) -> int:
    from assistant.cluster.nginx import production_template
    from assistant.cluster.plan import configured_ports, sizes

    ports = configured_ports(os.environ, *sizes(os.environ))
    print(production_template(ports, listen=args.listen), end="")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    cluster = sub.add_parser(
        "cluster", help="the whole service on one machine behind nginx"
    ).add_subparsers(dest="cluster_command", required=True)
    p = cluster.add_parser("run", help="start everything; Ctrl-C or SIGTERM stops everything")
    p.add_argument(
        "--var",
        default=str(PROJECT_ROOT / "var" / "cluster"),
        help="state directory: PostgreSQL's data, secrets, logs (default var/cluster)",
    )
    p.add_argument(
        "--free-ports",
        action="store_true",
        help="ports the kernel picks instead of the configured ones (tests, a second cluster)",
    )
    p.set_defaults(func=cmd_cluster_run)
    p = cluster.add_parser("replica", help="one Rasa replica with the live model")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--endpoints", default=None, help="default: as `assistant run` makes it")
    p.set_defaults(func=cmd_cluster_replica)
    p = cluster.add_parser("nginx-conf", help="print the nginx site for the configured ports")
    p.add_argument("--listen", default="80", help="the front's nginx listen address")
    p.set_defaults(func=cmd_cluster_nginx_conf)
