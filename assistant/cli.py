"""``assistant``: the operators' and developers' command line.

assistant db upgrade                 migrate the database to the newest schema
assistant db prune                   forget old rate-limit rows (the portal does it hourly)
assistant catalog import PATH        import a national export (.jsonl[.gz]) or seed (.yml)
assistant catalog search QUERY       show what the resolver finds (for staff and debugging)
assistant catalog alias CODE ALIAS   add a colloquial name to a procedure, live at once
assistant model build [--force]      train from the repository's data unless up to date
assistant model list                 models with their scores; which one is live
assistant model rollback ID          make an earlier model live again (Rasa switches at once)
assistant model activate ID --override --reason TEXT   emergency: a rejected model, audited
assistant train                      retrain with staff data; live only if not worse
assistant faq import FILE | export FILE   the staff-owned FAQ as CSV or XLSX
assistant staff add USERNAME [--role editor|admin]   an account for the staff app (/admin)
assistant web                        the portal page with the chat box (:8080)
assistant run                        everything `make run` starts, Ctrl-C stops it all
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import List

from assistant import startup
from assistant.console import count_lines, progress_bar
from assistant.dossiers import seeding
from assistant.endpoints import endpoints_file
from assistant.settings import PROJECT_ROOT, get_settings
from assistant.supervise import Supervisor
from assistant.training.cli import cli_actor, live_model

logger = logging.getLogger("assistant")


def cmd_db_upgrade(_: argparse.Namespace) -> int:
    from assistant.db.migrate import upgrade

    upgrade()
    print(f"Database at the newest schema ({_safe_url(get_settings().database_url)})")
    return 0


def cmd_db_prune(_: argparse.Namespace) -> int:
    from assistant.db.migrate import upgrade
    from assistant.maintenance import prune

    upgrade()
    counts = prune()
    print(", ".join(f"{name}: {count} removed" for name, count in counts.items()))
    return 0


def _safe_url(url: str) -> str:
    """The database URL without its password, for printing."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def _import_file(path: Path, importer, total: int | None, succeeded, unit: str) -> int:
    """Migrate, run one importer with a progress bar, print its report."""
    from assistant.db.migrate import upgrade

    if not path.exists():
        print(f"Không tìm thấy tệp: {path}", file=sys.stderr)
        return 2
    upgrade()
    with progress_bar(total, f"Import {path.name}", unit) as bar:
        report = importer(path, progress=bar.update)
    print(report.summary())
    return 0 if succeeded(report) else 1


def cmd_catalog_import(args: argparse.Namespace) -> int:
    from assistant.catalog.importer import import_catalog

    path = Path(args.path)
    return _import_file(path, import_catalog, count_lines(path), lambda r: r.imported, " thủ tục")


def cmd_catalog_search(args: argparse.Namespace) -> int:
    from assistant.catalog.service import get_service

    service = get_service()
    resolution = service.resolve(args.query)
    print(f"resolution: {resolution.kind} {resolution.code or ''}")
    for hit in service.index().search(args.query, limit=args.limit):
        flag = "phrase" if hit.phrase else f"cov {hit.coverage:.2f}"
        print(f"{hit.score:7.2f}  {flag:9}  {hit.code:10}  {hit.level:18.18}  {hit.name}")
    return 0


def cmd_catalog_alias(args: argparse.Namespace) -> int:
    from assistant.catalog.repository import CatalogRepository
    from assistant.db.session import session_scope

    with session_scope() as session:
        try:
            added = CatalogRepository(session).add_alias(args.code, args.alias, actor=cli_actor())
        except KeyError:
            print(f"Không có thủ tục mã {args.code}", file=sys.stderr)
            return 2
    print("Đã thêm tên gọi." if added else "Tên gọi này đã có.")
    return 0


def cmd_dossiers_import(args: argparse.Namespace) -> int:
    from assistant.dossiers.importer import import_dossiers
    from assistant.dossiers.reading import count_rows

    path = Path(args.path)
    total = count_rows(path) if path.exists() else None
    return _import_file(path, import_dossiers, total, lambda r: r.created + r.updated, " hồ sơ")


def cmd_dossiers_generate(args: argparse.Namespace) -> int:
    from assistant.db.migrate import upgrade

    upgrade()
    seeding.generate_into_database(args.count, args.seed, out=args.out)
    print(
        f"{args.count} synthetic dossiers " + (f"written to {args.out}" if args.out else "stored")
    )
    return 0


def cmd_web(_: argparse.Namespace) -> int:
    from assistant.web.server import serve

    serve()
    return 0


def cmd_run(_: argparse.Namespace) -> int:
    """Prepare what is missing, then run the three servers until Ctrl-C."""
    import secrets

    from assistant.db.migrate import upgrade

    settings = get_settings()
    upgrade()
    startup.import_catalogs_if_changed()
    startup.seed_faq()
    startup.seed_demo_dossiers()
    model = live_model()
    if model is None:
        return 1
    env = startup.child_env()
    # Rasa's HTTP API switches models without a restart; the staff app (a child) uses the
    # same token, made up here when none is configured.
    token = settings.rasa_api_token or secrets.token_urlsafe(24)
    env["RASA_API_TOKEN"] = token
    commands = startup.server_commands(
        model,
        action_port=settings.action_port,
        rasa_port=settings.rasa_port,
        rasa_host=settings.rasa_host,
        endpoints=endpoints_file(),
        token=token,
    )
    supervisor = Supervisor(commands, cwd=PROJECT_ROOT, env=env)
    signal.signal(signal.SIGINT, supervisor.stop)
    signal.signal(signal.SIGTERM, supervisor.stop)
    supervisor.start()
    threading.Thread(target=startup.warm_up, args=(settings.rasa_port,), daemon=True).start()
    print(
        f"Portal: http://{settings.web_host}:{settings.web_port}  "
        f"Staff app: http://{settings.web_host}:{settings.web_port}/admin  "
        f"REST: http://127.0.0.1:{settings.rasa_port}/webhooks/rest/webhook  (Ctrl-C stops)"
    )
    # A crashed server is restarted; only a crash loop or Ctrl-C stops them all.
    code = supervisor.run()
    if code:
        print("A server keeps crashing: everything was stopped (see the log above)")
    return code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="apply all migrations").set_defaults(func=cmd_db_upgrade)
    db.add_parser("prune", help="forget old rate-limit rows and expired sessions").set_defaults(
        func=cmd_db_prune
    )

    catalog = sub.add_parser("catalog", help="procedure catalog").add_subparsers(
        dest="catalog_command", required=True
    )
    p = catalog.add_parser("import", help="import a national export or a seed file")
    p.add_argument("path")
    p.set_defaults(func=cmd_catalog_import)
    p = catalog.add_parser("search", help="what the resolver finds for a question")
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=8)
    p.set_defaults(func=cmd_catalog_search)
    p = catalog.add_parser("alias", help="add a colloquial name to a procedure")
    p.add_argument("code")
    p.add_argument("alias")
    p.set_defaults(func=cmd_catalog_alias)

    dossiers = sub.add_parser("dossiers", help="citizens' dossiers").add_subparsers(
        dest="dossiers_command", required=True
    )
    p = dossiers.add_parser("import", help="import a JSON export or CSV of dossiers")
    p.add_argument("path")
    p.set_defaults(func=cmd_dossiers_import)
    p = dossiers.add_parser("generate", help="synthetic dossiers for demos and benchmarks")
    p.add_argument("--count", type=int, default=300)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--out", default=None, help="write a JSON export instead of the database")
    p.set_defaults(func=cmd_dossiers_generate)

    from assistant.faq.cli import register as register_faq
    from assistant.training.cli import register as register_training

    register_training(sub)
    from assistant.analytics.cli import register as register_stats
    from assistant.staff.cli import register as register_staff

    register_faq(sub)
    register_staff(sub)
    register_stats(sub)
    from assistant.cluster.cli import register as register_cluster

    register_cluster(sub)
    sub.add_parser("web", help="serve the portal page and the staff app").set_defaults(func=cmd_web)
    sub.add_parser("run", help="set up and run all servers").set_defaults(func=cmd_run)
    return parser


def main(argv: List[str] | None = None) -> int:
    # Rasa reports usage and crashes to its servers unless told not to; citizens' questions
    # stay on this machine. Inherited by every rasa process started from here.
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    from assistant.privacy import install_log_masking

    install_log_masking()  # this process: the CLI, and the portal that `assistant web` serves
    logging.basicConfig(
        level=get_settings().log_level, format="%(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
