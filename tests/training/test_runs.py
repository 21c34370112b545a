"""Training runs are queued, found by status, listed newest first and updated in place."""

from __future__ import annotations

from assistant.db.session import session_scope
from assistant.training.runs import TrainingRunRepository


def test_a_run_from_queued_to_its_verdict(database_url):
    with session_scope(database_url) as session:
        runs = TrainingRunRepository(session)
        first = runs.add_queued("an.nguyen", pid=4242).id
        second = runs.add_queued("").id
    with session_scope(database_url) as session:
        runs = TrainingRunRepository(session)
        queued = runs.get(first)
        assert (queued.status, queued.started_by, queued.pid) == ("queued", "an.nguyen", 4242)
        assert runs.get(second).started_by == "system"
        runs.update(first, status="training", progress=0.4)
        runs.update(9999, status="failed")  # a run that is gone: nothing to do
    with session_scope(database_url) as session:
        runs = TrainingRunRepository(session)
        assert [r.id for r in runs.with_status(["training", "scoring"])] == [first]
        assert [r.id for r in runs.with_status(["queued", "training"])] == [first, second]
        assert runs.latest().id == second
        assert [r.id for r in runs.recent(1)] == [second]
        assert runs.get(first).progress == 0.4 and runs.get(9999) is None
