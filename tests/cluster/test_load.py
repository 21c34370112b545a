"""Correct under load, reduced (issue 16): 20 citizens × 8 turns through nginx, a Rasa replica
SIGKILLed in the middle, by the code of the load benchmark (benchmarks/load.py runs 200 × 20).

No turn gets an error, a 5xx or silence (a turn on the killed replica gets the apology); the
tracker store holds every answered turn in order with the replies that were sent; each
dossier is opened by its own conversation only; the replicas timed their lock waits.
"""

from __future__ import annotations

import pytest

from assistant.cluster.loadrun import measure, summary

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(1800)]


def test_twenty_citizens_at_once_lose_nothing_when_a_replica_dies(var_dir):
    report = measure(var_dir, conversations=20, turns=8, kill_after=4)
    print("\n" + "\n".join(summary(report)))
    assert report["turns"] == 160 and report["failed_turns"] == 0
    for name, result in report["checks"].items():
        assert result["passed"], (name, result["examples"])
    assert report["passed"] and report["cluster_exit_code"] == 0
    locks = report["lock_store"]
    assert locks["acquisitions"] >= 160 - report["apologies"]
    assert 0 < locks["wait_seconds_total"] and report["throughput_turns_per_second"] > 0
