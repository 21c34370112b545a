"""Correct under load (issue 16): many citizens at once through nginx, then checked.

Starts a whole cluster (`assistant cluster run`: PostgreSQL, Redis, N Rasa replicas, M
action servers, the portal, nginx) in a scratch directory in /tmp, seeds one dossier per
conversation, and runs every conversation at once through nginx's front port: a procedure and
its follow-ups, FAQ, a look-up of the citizen's own dossier with the phone's last digits (half
of them first try another citizen's digits), thanks; every fourth citizen first files a
petition (assistant/cluster/loadgen.py). With
--kill-replica-after N one Rasa replica is SIGKILLed once N turns of every conversation are
done. Then (assistant/cluster/loadcheck.py): no error, 5xx or silence; no apology unless a
replica was killed; every conversation's events in the tracker store complete and in order,
no reply lost or duplicated; each dossier opened only by its own conversation; each petition
filed once, by its own conversation, under a code told to nobody else. Figures:
throughput, latency percentiles, time spent waiting on the Redis lock store (summed by the
replicas' ClusterLockStore). Writes ``benchmarks/reports/load.json``; exit 1 when a check
fails. Heavy: run it alone (``flock /tmp/heavy.lock``).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time

from _common import write_report

from assistant.cluster.loadrun import measure, scratch_directory, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--turns", type=int, default=20, help="turns per conversation")
    parser.add_argument("--replicas", type=int, default=2, help="Rasa replicas")
    parser.add_argument("--actions", type=int, default=2, help="action servers")
    parser.add_argument(
        "--kill-replica-after", type=int, default=0, metavar="N",
        help="SIGKILL a Rasa replica after N turns of every conversation (0: no kill)",
    )  # fmt: skip
    parser.add_argument(
        "--think", type=float, default=0.0,
        help="mean seconds a citizen waits between an answer and the next message",
    )  # fmt: skip
    parser.add_argument("--report", default="load", help="report name in benchmarks/reports")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args()
    if not 0 <= args.kill_replica_after < args.turns:
        parser.error("--kill-replica-after must be below --turns")
    root = scratch_directory()
    started = time.monotonic()
    try:
        report = measure(
            root, args.conversations, args.turns, args.replicas, args.actions,
            kill_after=args.kill_replica_after, think=args.think,
        )  # fmt: skip
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    report["elapsed_seconds"] = round(time.monotonic() - started, 1)
    print("\n".join(summary(report)))
    print(f"{'PASSED' if report['passed'] else 'FAILED'} in {report['elapsed_seconds']} s")
    write_report(args.report, report)
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
