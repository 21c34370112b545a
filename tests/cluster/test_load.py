"""Correct under load, reduced (issue 16): 20 citizens × 8 turns at once through nginx, by the
code of the load benchmark (benchmarks/load.py runs 200 × 20), one Rasa replica SIGKILLed
once every conversation has had 4 turns.

No turn gets an error, a 5xx or silence; the only apologies are for turns the killed replica
had taken before it was gone (none for a turn sent after: the conversation's lock frees
itself, lockstore.py, and nginx sends the turns to the other replica); the tracker store
holds every turn in order with the replies that were sent; each dossier is opened by its own
conversation only; the replicas timed their lock waits.
A failed run's logs are kept in tests/artifacts/cluster/.
"""

from __future__ import annotations

import json

import pytest

from assistant.cluster import plan
from assistant.cluster.loadrun import measure, summary
from tests.cluster.helpers import keep_logs

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(1800)]


def test_twenty_citizens_at_once_lose_nothing_when_a_replica_dies(var_dir):
    report = measure(var_dir, conversations=20, turns=8, kill_after=4)
    print("\n" + "\n".join(summary(report)))
    if not report["passed"]:
        kept = keep_logs(plan.Layout(var_dir / "cluster"), var_dir / "cluster.out")
        (kept / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
        print(f"logs kept in {kept}")
    assert report["turns"] == 160 and report["failed_turns"] == 0
    assert report["apologies_after_kill"] == 0 and report["apologies"] < 20
    for name, result in report["checks"].items():
        assert result["passed"], (name, result["examples"])
    assert report["passed"] and report["cluster_exit_code"] == 0
    locks = report["lock_store"]
    assert locks["acquisitions"] >= 160 - report["apologies"]
    assert 0 < locks["wait_seconds_total"] and report["throughput_turns_per_second"] > 0
