"""One retraining, start to verdict: build the data, train a candidate with visible progress,
score it (and the live model when its scores are missing or stale), let the gate decide,
then make it live and load it into the running Rasa, or keep it as rejected with the reason.

Whatever goes wrong, the live model is untouched: it is only switched after the gate accepted
a candidate that was trained and scored completely. ``python -m assistant.training.job ID``
runs a queued run (``runner.start_training`` spawns it); ``assistant train`` runs one in the
foreground through the same :func:`run_job`.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable, List

from assistant.audit import utcnow
from assistant.db.session import session_scope
from assistant.settings import get_settings
from assistant.training.data import build_training_data, data_fingerprint
from assistant.training.gate import decide
from assistant.training.progress import TRAINING_END, TrainingProgress
from assistant.training.rasa_train import TrainingFailed, train_candidate
from assistant.training.reporter import Echo, Reporter, progress_printer
from assistant.training.runs import TrainingRunRepository
from assistant.training.scoring import HELDOUT, INFORMAL, TEST_STORIES, score_model

logger = logging.getLogger(__name__)

KEPT = "Mô hình đang chạy không thay đổi."
# Overall progress of the scoring steps: the candidate, then (when needed) the live model.
SCORING_STEPS = {
    "as_written": (0.0, "câu hỏi kiểm tra, bản có dấu"),
    "stripped": (0.2, "câu hỏi kiểm tra, bản bỏ dấu"),
    "informal": (0.4, "câu hỏi kiểm tra, cách viết thông thường"),
    "stories": (0.5, "kịch bản hội thoại kiểm thử"),
}
CANDIDATE_SCORING = (TRAINING_END, 0.88)
LIVE_SCORING = (0.88, 0.98)


def tests_fingerprint() -> str:
    """Scores are comparable only on the same test files."""
    import hashlib

    digest = hashlib.sha256()
    for path in (HELDOUT, INFORMAL, TEST_STORIES):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _scored(reporter: Reporter, model: Path, span) -> dict:
    start, end = span

    def step(name: str) -> None:
        share, label = SCORING_STEPS[name]
        reporter.set(stage=f"Đang chấm điểm: {label}", progress=start + share * (end - start))

    scores = score_model(model, progress=step)
    scores["tests"] = tests_fingerprint()
    return scores


def _live_scores(reporter: Reporter) -> dict | None:
    """The live model's scores, computed and stored when missing or from other test files;
    None when there is no live model to compare with."""
    from assistant.training.registry import ModelRegistry

    with session_scope() as session:
        live = ModelRegistry(session).live()
        if live is None or not Path(live.path).exists():
            return None
        if live.scores and live.scores.get("tests") == tests_fingerprint():
            return live.scores
        live_id, path = live.id, Path(live.path)
    reporter.set(stage="Đang chấm điểm mô hình đang chạy để so sánh", progress=LIVE_SCORING[0])
    scores = _scored(reporter, path, LIVE_SCORING)
    with session_scope() as session:
        live = ModelRegistry(session).get(live_id)
        live.scores = scores
    return scores


def _failure_reason(error: BaseException) -> str:
    from assistant.training.scoring import ScoringError

    if isinstance(error, TrainingFailed):
        last = next((x for x in reversed(error.tail.splitlines()) if x.strip()), "")
        detail = f" ({last[:300]})" if last else ""
        return f"Huấn luyện thất bại: {error}{detail}. {KEPT}"
    if isinstance(error, ScoringError):
        return f"Không chấm điểm được mô hình mới: {str(error).splitlines()[0]}. {KEPT}"
    return f"Huấn luyện thất bại do lỗi {type(error).__name__}: {error}. {KEPT}"


def _finish(reporter: Reporter, status: str, reason: str, stage: str) -> None:
    fields = {"status": status, "reason": reason, "stage": stage, "finished_at": utcnow()}
    if status in ("accepted", "rejected"):
        fields["progress"] = 1.0
    try:
        reporter.set(force=True, **fields)
    except Exception:  # the database itself failed: the verdict is in the job's log
        logger.exception("Could not record the end of training run %s", reporter.run_id)


def _verdict(run_id: int, candidate: Path, fingerprint: str, scores: dict, live: dict | None):
    """Register the candidate as live or rejected; returns (accepted, reason)."""
    from assistant.training.registry import ModelRegistry

    accepted, reason = decide(scores, live, get_settings().model_gate_margin)
    with session_scope() as session:
        run = TrainingRunRepository(session).get(run_id)
        registry = ModelRegistry(session)
        status = "live" if accepted else "rejected"
        version = registry.register(
            candidate, fingerprint, scores, status, reason, run.started_by or "system"
        )
        run.model_version_id = version.id
    if not accepted:
        with session_scope() as session:
            ModelRegistry(session).prune_rejected()
    return accepted, reason


def run_job(run_id: int, echo: Echo | None = None, raw: Callable[[str], None] | None = None) -> str:
    """Run a queued run to its verdict; returns the final status (accepted, rejected,
    failed, interrupted). ``echo(stage, progress)`` follows the progress, ``raw(line)`` gets
    Rasa's output lines (progress bars excepted)."""
    from assistant.training.rasa_api import NOT_LOADED_YET, load_model

    with session_scope() as session:
        run = TrainingRunRepository(session).get(run_id)
        if run is None:
            raise KeyError(f"no training run {run_id}")
        if run.status != "queued":  # started twice: the first one owns it
            return run.status
    reporter = Reporter(run_id, echo, raw)
    workdir = Path(tempfile.mkdtemp(prefix=f"training-{run_id}-"))
    candidate: Path | None = None
    registered = False
    verdict = ("", "")
    try:
        reporter.set(
            force=True,
            status="training",
            stage="Đang chuẩn bị dữ liệu huấn luyện",
            progress=0.01,
            pid=os.getpid(),
        )
        with session_scope() as session:
            data_dir = build_training_data(session, workdir / "data")
        fingerprint = data_fingerprint(data_dir)

        parser = TrainingProgress()
        reporter.set(stage=parser.stage, progress=parser.progress)

        def on_line(line: str) -> None:
            reporter.line(line)
            if parser.feed(line):
                reporter.set(stage=parser.stage, progress=parser.progress)

        name = f"candidate-{time.strftime('%Y%m%d-%H%M%S')}"
        # Known before Rasa starts: a training stopped half-way leaves no stray file.
        candidate = get_settings().models_dir / f"{name}.tar.gz"
        started = time.perf_counter()
        candidate = train_candidate(data_dir, name, on_line)
        training_seconds = round(time.perf_counter() - started, 1)
        reporter.line(f"Trained {candidate.name} in {training_seconds:.0f} s")

        reporter.set(force=True, status="scoring", stage="Đang chấm điểm mô hình mới")
        scores = _scored(reporter, candidate, CANDIDATE_SCORING)
        scores["training_seconds"] = training_seconds
        reporter.line(f"Scored {candidate.name} in {scores.get('seconds', 0):.0f} s")
        live = _live_scores(reporter)

        accepted, reason = _verdict(run_id, candidate, fingerprint, scores, live)
        registered = True
        verdict = ("accepted" if accepted else "rejected", reason)
        if accepted:
            reporter.set(force=True, stage="Đang nạp mô hình mới vào Rasa", progress=0.99)
            if not load_model(candidate):
                reason += NOT_LOADED_YET
            _finish(reporter, "accepted", reason, "Đã đưa mô hình mới vào sử dụng")
            return "accepted"
        _finish(reporter, "rejected", reason, "Giữ mô hình đang chạy")
        return "rejected"
    except Exception as error:
        logger.exception("Training run %s failed", run_id)
        _finish(reporter, "failed", _failure_reason(error), "Thất bại")
        return "failed"
    except BaseException:  # Ctrl-C, SIGTERM
        from assistant.training.runner import INTERRUPTED_REASON

        if verdict[0]:  # stopped while Rasa was loading the model the gate had accepted
            _finish(reporter, verdict[0], verdict[1], "Đã dừng sau khi có kết quả")
        else:
            _finish(reporter, "interrupted", INTERRUPTED_REASON, "Đã dừng")
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if candidate is not None and not registered:
            candidate.unlink(missing_ok=True)


def _terminate(signum, _frame) -> None:
    raise SystemExit(128 + signum)


def main(argv: Iterable[str] | None = None) -> int:
    args: List[str] = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or not args[0].isdigit():
        print("usage: python -m assistant.training.job RUN_ID", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=get_settings().log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    signal.signal(signal.SIGTERM, _terminate)

    raw = lambda line: print(line, flush=True)  # noqa: E731
    try:
        status = run_job(int(args[0]), echo=progress_printer(), raw=raw)
    except KeyError as error:
        print(error.args[0], file=sys.stderr)
        return 2
    return 0 if status == "accepted" else 1


if __name__ == "__main__":
    sys.exit(main())
