"""The only place that reads and writes ``training_runs``: each staff retrain from queued to
its verdict (the staff app shows them, the job updates its own)."""

from __future__ import annotations

from typing import Iterable, List

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.audit import utcnow
from assistant.db.models import TrainingRun


class TrainingRunRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_queued(self, actor: str, pid: int | None = None) -> TrainingRun:
        run = TrainingRun(
            status="queued",
            stage="Đang chờ bắt đầu",
            progress=0.0,
            log_tail="",
            reason="",
            started_by=actor or "system",
            started_at=utcnow(),
            pid=pid,
        )
        self.session.add(run)
        self.session.flush()
        return run

    def get(self, run_id: int) -> TrainingRun | None:
        return self.session.get(TrainingRun, run_id)

    def update(self, run_id: int, **fields) -> None:
        """Set these columns of the run (a run that is gone is left alone)."""
        run = self.get(run_id)
        if run is not None:
            for key, value in fields.items():
                setattr(run, key, value)

    def with_status(self, statuses: Iterable[str]) -> List[TrainingRun]:
        """Runs in any of ``statuses``, oldest first."""
        query = select(TrainingRun).where(TrainingRun.status.in_(list(statuses)))
        return list(self.session.scalars(query.order_by(TrainingRun.id)))

    def latest(self) -> TrainingRun | None:
        return self.session.scalars(select(TrainingRun).order_by(TrainingRun.id.desc())).first()

    def recent(self, limit: int = 20) -> List[TrainingRun]:
        query = select(TrainingRun).order_by(TrainingRun.id.desc()).limit(limit)
        return list(self.session.scalars(query))

    def flush(self) -> None:
        self.session.flush()
