"""Start a retraining in the background, find runs that died, roll back.

One run at a time: a second start while one is queued, training or scoring (and its process
is alive) is refused. The job runs as its own detached process
(``python -m assistant.training.job <id>``), so it outlives the web request that started it
and a crash of the job cannot take the web app down; its output goes to
``var/training-<id>.log``. A run whose process is gone without a verdict is marked
``interrupted``: nothing was switched, the live model keeps answering.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Iterator, List, Tuple

from sqlalchemy.orm import Session

from assistant.audit import utcnow
from assistant.db.models import ModelVersion, TrainingRun
from assistant.db.session import session_scope
from assistant.settings import PROJECT_ROOT, get_settings
from assistant.training.runs import TrainingRunRepository

RUNNING = ("queued", "training", "scoring")
INTERRUPTED_REASON = "Quá trình huấn luyện bị dừng giữa chừng; mô hình đang chạy không thay đổi."
# A run just created has no process yet: give its starter this long to spawn one.
SPAWN_GRACE = timedelta(seconds=60)
LOG_DIR = PROJECT_ROOT / "var"


class TrainingBusy(Exception):
    """Another training is still running."""

    def __init__(self, run_id: int) -> None:
        super().__init__(f"Đang có lần huấn luyện #{run_id} chạy, vui lòng chờ.")
        self.run_id = run_id


def pid_alive(pid: int | None) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    if not pid:
        return False
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)  # reaps our own finished children
        if finished == pid:
            return False
    except ChildProcessError:
        pass  # not our child
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def _running(session: Session) -> List[TrainingRun]:
    return TrainingRunRepository(session).with_status(RUNNING)


def _alive(run: TrainingRun) -> bool:
    if run.pid is None:
        return utcnow() - run.started_at < SPAWN_GRACE
    return pid_alive(run.pid)


def mark_interrupted(session: Session) -> int:
    """Runs left queued/training/scoring by a process that no longer exists become
    ``interrupted``. Returns how many."""
    count = 0
    for run in _running(session):
        if _alive(run):
            continue
        run.status = "interrupted"
        run.reason = INTERRUPTED_REASON
        run.stage = "Đã dừng"
        run.finished_at = utcnow()
        count += 1
    TrainingRunRepository(session).flush()
    return count


def latest_run(session: Session) -> TrainingRun | None:
    return TrainingRunRepository(session).latest()


def runs(session: Session, limit: int = 20) -> List[TrainingRun]:
    return TrainingRunRepository(session).recent(limit)


@contextlib.contextmanager
def _start_lock() -> Iterator[None]:
    """Two staff pressing the button at once: only one gets past the busy check."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with open(LOG_DIR / "training.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def create_run(actor: str, pid: int | None = None) -> int:
    """A new ``queued`` run, unless one is running (TrainingBusy)."""
    with _start_lock(), session_scope() as session:
        mark_interrupted(session)
        busy = _running(session)
        if busy:
            raise TrainingBusy(busy[0].id)
        return TrainingRunRepository(session).add_queued(actor, pid).id


def log_path(run_id: int) -> Path:
    return LOG_DIR / f"training-{run_id}.log"


def _job_env() -> dict:
    settings = get_settings()
    env = dict(os.environ)
    env["DATABASE_URL"] = settings.database_url
    env.setdefault("PYTHONPATH", str(PROJECT_ROOT))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if settings.rasa_api_token:
        env["RASA_API_TOKEN"] = settings.rasa_api_token
    return env


def start_training(actor: str) -> int:
    """Queue a run and start its job in the background; returns the run id at once."""
    run_id = create_run(actor)
    try:
        with open(log_path(run_id), "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "assistant.training.job", str(run_id)],
                cwd=PROJECT_ROOT,
                env=_job_env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # survives the web app's Ctrl-C and restarts
            )
    except OSError as error:
        with session_scope() as session:
            TrainingRunRepository(session).update(
                run_id,
                status="failed",
                finished_at=utcnow(),
                reason=f"Không khởi động được quá trình huấn luyện ({error}); "
                "mô hình đang chạy không thay đổi.",
            )
        raise
    with session_scope() as session:
        run = TrainingRunRepository(session).get(run_id)
        if run.pid is None and run.status in RUNNING:
            run.pid = process.pid
    return run_id


def rollback(
    actor: str, version_id: int, override_reason: str | None = None
) -> Tuple[ModelVersion, bool]:
    """Make an earlier model live again and load it into the running Rasa. The bool says
    whether Rasa loaded it now (otherwise it is used from the next start). A model the gate
    did not accept needs ``override_reason`` (see ``ModelRegistry.activate``)."""
    from assistant.training.rasa_api import load_model
    from assistant.training.registry import ModelRegistry

    with session_scope() as session:
        version = ModelRegistry(session).activate(actor, version_id, override_reason)
        path = version.path
    return version, load_model(path)
