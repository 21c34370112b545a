"""``assistant faq …``: FAQ import and export from the command line.

assistant faq import FILE      add or update FAQ entries from a .csv or .xlsx file
assistant faq export FILE      write every FAQ entry to a .csv or .xlsx file
assistant faq seed             add the repository's FAQ (data/nlu/faq.yml) where missing
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _format_of(path: Path) -> str | None:
    suffix = path.suffix.lower()
    return suffix[1:] if suffix in (".csv", ".xlsx") else None


def cmd_faq_import(args: argparse.Namespace) -> int:
    from assistant.db.migrate import upgrade
    from assistant.db.session import session_scope
    from assistant.faq.io import import_faq
    from assistant.faq.repository import FaqError

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as error:
        print(f"Không đọc được tệp {path}: {error.strerror or error}", file=sys.stderr)
        return 1
    upgrade()
    try:
        with session_scope() as session:
            report = import_faq(session, "cli", data, path.name)
    except FaqError as error:
        print(f"Không nhập được {path.name}: {error}", file=sys.stderr)
        return 1
    print(report.summary())
    for row, message in report.errors:
        print(f"  Dòng {row}: {message}", file=sys.stderr)
    if report.errors and not (report.created or report.updated or report.unchanged):
        return 1
    return 0


def cmd_faq_export(args: argparse.Namespace) -> int:
    from assistant.db.migrate import upgrade
    from assistant.db.session import session_scope
    from assistant.faq.io import export_faq
    from assistant.faq.repository import FaqRepository

    path = Path(args.file)
    fmt = _format_of(path)
    if fmt is None:
        print("Tên tệp xuất phải kết thúc bằng .csv hoặc .xlsx.", file=sys.stderr)
        return 1
    upgrade()
    with session_scope() as session:
        data = export_faq(session, fmt)
        count = FaqRepository(session).count()
    try:
        path.write_bytes(data)
    except OSError as error:
        print(f"Không ghi được tệp {path}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"Đã xuất {count} câu hỏi FAQ ra {path}.")
    return 0


def cmd_faq_seed(_: argparse.Namespace) -> int:
    from assistant.db.migrate import upgrade
    from assistant.db.session import session_scope
    from assistant.faq.seed import import_seed

    upgrade()
    with session_scope() as session:
        created = import_seed(session)
    print(f"Đã thêm {created} câu hỏi FAQ mẫu (các câu đã có được giữ nguyên).")
    return 0


def register(sub) -> None:
    """Adds ``faq import|export|seed`` to the ``assistant`` command's subparsers."""
    faq = sub.add_parser("faq", help="câu hỏi thường gặp (FAQ)").add_subparsers(
        dest="faq_command", required=True
    )
    p = faq.add_parser("import", help="nhập FAQ từ tệp .csv hoặc .xlsx")
    p.add_argument("file")
    p.set_defaults(func=cmd_faq_import)
    p = faq.add_parser("export", help="xuất toàn bộ FAQ ra tệp .csv hoặc .xlsx")
    p.add_argument("file")
    p.set_defaults(func=cmd_faq_export)
    faq.add_parser("seed", help="thêm FAQ mẫu của kho mã nguồn nếu còn thiếu").set_defaults(
        func=cmd_faq_seed
    )
