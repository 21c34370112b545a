"""`assistant model build|list|rollback|activate` and `assistant train`: the developer build,
the model history, and the staff retrain behind the gate (the same job as the staff app's
button)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import List

from assistant.settings import PROJECT_ROOT, get_settings


def rasa_command(*args: str) -> List[str]:
    return [sys.executable, "-m", "rasa", *args]


def cmd_model_build(args: argparse.Namespace) -> int:
    """The developer build: a model from the repository's data, named after its fingerprint."""
    from assistant.modelstore import MODEL_DIR, current_model, fingerprint, record_training

    existing = current_model()
    if existing and not args.force:
        print(f"Model up to date: {existing.relative_to(PROJECT_ROOT)}")
        return 0
    fp = fingerprint()
    started = time.perf_counter()
    result = subprocess.run(
        rasa_command("train", "--out", str(MODEL_DIR), "--fixed-model-name", f"model-{fp}"),
        cwd=PROJECT_ROOT,
    )
    if result.returncode == 0:
        seconds = time.perf_counter() - started
        print(f"Trained model-{fp} in {seconds:.0f} s")
        record_training(fp, seconds)
        # Keep the newest three models: enough to go back, not enough to fill the disk. A
        # model the registry still needs (live, or among the newest accepted) stays.
        protected = _registered_models()
        models = sorted(MODEL_DIR.glob("model-*.tar.gz"), key=lambda p: p.stat().st_mtime)
        for old in models[:-3]:
            if old.resolve() in protected:
                continue
            old.unlink()
            old.with_suffix("").with_suffix(".json").unlink(missing_ok=True)
    return result.returncode


def _registered_models() -> set:
    """Model files the registry protects; empty when there is no database yet."""
    from sqlalchemy.exc import SQLAlchemyError

    from assistant.db.session import session_scope
    from assistant.training.registry import ModelRegistry

    url = get_settings().database_url
    if url.startswith("sqlite") and not Path(url.split("///", 1)[-1]).exists():
        return set()  # `make model` on a fresh clone: do not create a database for this
    try:
        with session_scope() as session:
            return ModelRegistry(session).protected_paths()
    except SQLAlchemyError:  # not migrated yet, or the server is down
        return set()


def cli_actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (KeyError, OSError):
        return "cli"


def _scores_line(scores: dict | None) -> str:
    from assistant.training.gate import summary

    return summary(scores, lambda value: f"{value:.3f}") if scores else "chưa chấm điểm"


def cmd_model_list(args: argparse.Namespace) -> int:
    from assistant.db.migrate import upgrade
    from assistant.db.session import session_scope
    from assistant.training.registry import ModelRegistry

    upgrade()
    with session_scope() as session:
        versions = ModelRegistry(session).history(limit=args.limit)
        if not versions:
            print("Chưa có mô hình nào được ghi nhận (assistant run hoặc assistant train).")
        for v in versions:
            missing = "" if Path(v.path).exists() else "  [tệp đã xoá]"
            print(f"#{v.id:<4} {v.status:9} {v.created_at:%Y-%m-%d %H:%M}  {v.name}{missing}")
            print(f"      {_scores_line(v.scores)}")
            if v.reason:
                print(f"      {v.reason}")
    return 0


def cmd_model_rollback(args: argparse.Namespace) -> int:
    """Make a model live. Only accepted ones, unless ``--override`` with ``--reason``: the
    emergency use of a rejected model, audited like the staff app's admin form (whoever runs
    this CLI on the server has the database, so is an admin by position)."""
    from assistant.db.migrate import upgrade
    from assistant.training.registry import ModelNotAccepted
    from assistant.training.runner import rollback

    override = getattr(args, "override", False)
    if override and args.reason is None:
        print('Dùng khẩn cấp cần lý do: --reason "..."', file=sys.stderr)
        return 2
    upgrade()
    try:
        version, loaded = rollback(cli_actor(), args.id, args.reason if override else None)
    except (KeyError, ValueError) as error:
        message = error.args[0] if error.args else str(error)
        print(f"Không chuyển được mô hình: {message}", file=sys.stderr)
        if isinstance(error, ModelNotAccepted):
            hint = 'Nếu thật cần: assistant model activate ID --override --reason "..."'
            print(hint, file=sys.stderr)
        return 2
    print(f"Mô hình đang chạy: #{version.id} {version.name}")
    if override:
        print("Đã dùng khẩn cấp; lý do được ghi vào nhật ký thay đổi.")
    if not loaded:
        print(
            "Rasa chưa nạp được ngay (không chạy, hoặc thiếu RASA_API_TOKEN); mô hình sẽ được "
            "dùng ở lần khởi động tới."
        )
    return 0


def cmd_train(_: argparse.Namespace) -> int:
    """The staff retrain, in the foreground: the same job as the staff app's button."""
    from assistant.db.migrate import upgrade
    from assistant.db.session import session_scope
    from assistant.training.job import run_job
    from assistant.training.reporter import progress_printer
    from assistant.training.runner import TrainingBusy, create_run
    from assistant.training.runs import TrainingRunRepository

    upgrade()
    try:
        run_id = create_run(cli_actor(), pid=os.getpid())
    except TrainingBusy as busy:
        print(busy, file=sys.stderr)
        return 1
    print(f"Lần huấn luyện #{run_id}")
    status = run_job(run_id, echo=progress_printer())
    with session_scope() as session:
        run = TrainingRunRepository(session).get(run_id)
        print(f"Kết quả: {run.status}. {run.reason}")
        if status == "failed" and run.log_tail:
            print("Những dòng cuối của Rasa:\n" + run.log_tail, file=sys.stderr)
    return 0 if status == "accepted" else 1


def live_model() -> Path | None:
    """The registry's live model when its file is there; otherwise the developer build
    (trained if needed), registered as live so that retraining has something to beat."""
    from assistant.db.session import session_scope
    from assistant.modelstore import current_model
    from assistant.training.registry import ModelRegistry
    from assistant.training.runner import mark_interrupted

    with session_scope() as session:
        if mark_interrupted(session):
            print("A training run was interrupted; the live model is unchanged.")
        live = ModelRegistry(session).live()
        if live is not None and Path(live.path).exists():
            print(f"Live model: {live.name}")
            return Path(live.path)
    if cmd_model_build(argparse.Namespace(force=False)) != 0:
        return None
    with session_scope() as session:
        return Path(ModelRegistry(session).adopt(current_model()).path)


def register(sub) -> None:
    """Add ``model`` and ``train`` to the ``assistant`` command's subparsers."""
    model = sub.add_parser("model", help="trained models").add_subparsers(
        dest="model_command", required=True
    )
    p = model.add_parser("build", help="train from the repository's data unless up to date")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_model_build)
    p = model.add_parser("list", help="models with their scores, newest first")
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(func=cmd_model_list)
    p = model.add_parser("rollback", help="make an earlier model live again")
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_model_rollback, override=False, reason=None)
    p = model.add_parser("activate", help="make a model live; --override for a rejected one")
    p.add_argument("id", type=int)
    p.add_argument("--override", action="store_true", help="emergency: use a rejected model")
    p.add_argument("--reason", help="why (required with --override; kept in the audit log)")
    p.set_defaults(func=cmd_model_rollback)
    p = sub.add_parser("train", help="retrain with staff data; the gate decides if it goes live")
    p.set_defaults(func=cmd_train)
