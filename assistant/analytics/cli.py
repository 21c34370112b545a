"""``assistant report`` and ``assistant stats …``: the statistics from the command line.

assistant report --from D --to D [--channel C] [--format json|csv|xlsx] [--output FILE]
assistant stats rollup        roll new conversation events up into the daily statistics
assistant stats prune         delete raw events past CONVERSATION_RETENTION_DAYS (rolled up)
assistant stats synthetic     write a synthetic day of traffic (tracker store and desk tables)
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import date, timedelta
from pathlib import Path


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"không phải ngày YYYY-MM-DD: {text!r}") from None


def report_bytes(report, kind: str) -> bytes:
    """The report as JSON, as CSV (every section one after another, each under its title)
    or as XLSX."""
    from assistant.analytics.export import report_xlsx, section_csv

    if kind == "json":
        return (json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n").encode()
    if kind == "xlsx":
        return report_xlsx(report)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"Thống kê từ {report.start.isoformat()} đến {report.end.isoformat()}"])
    text = out.getvalue()
    for section in report.sections:
        text += "\n" + section.title + "\n"
        text += section_csv(section).decode("utf-8-sig")
    return ("\ufeff" + text).encode("utf-8")


def cmd_report(args: argparse.Namespace) -> int:
    from assistant.analytics.report import build_report
    from assistant.channels.names import CHANNEL_NAMES
    from assistant.db.migrate import upgrade

    if args.channel and args.channel not in CHANNEL_NAMES:
        print(f"Kênh phải là một trong: {', '.join(CHANNEL_NAMES)}", file=sys.stderr)
        return 2
    upgrade()
    try:
        report = build_report(args.start, args.end, args.channel or "")
    except ValueError as error:
        print(str(error), file=sys.stderr)
        return 2
    data = report_bytes(report, args.format)
    if args.output:
        Path(args.output).write_bytes(data)
        print(f"Đã ghi {args.output} ({len(data)} byte).", file=sys.stderr)
    elif args.format == "xlsx":
        print("XLSX cần --output TỆP.", file=sys.stderr)
        return 2
    else:
        sys.stdout.buffer.write(data)
    return 0


def _progress(done: int, total: int) -> None:
    print(f"\r  {done}/{total} sự kiện", end="", file=sys.stderr, flush=True)


def cmd_rollup(_: argparse.Namespace) -> int:
    from assistant.analytics.rollup import Rollup
    from assistant.db.migrate import upgrade

    upgrade()
    counts = Rollup().run(progress=_progress)
    print(f"\nĐã tổng hợp {counts['events']} sự kiện, {counts['turns']} lượt hỏi đáp.")
    return 0


def cmd_prune(_: argparse.Namespace) -> int:
    from assistant.analytics.rollup import Rollup, prune
    from assistant.db.migrate import upgrade
    from assistant.settings import get_settings

    upgrade()
    Rollup().run()  # what is pruned must be rolled up first
    removed = prune()
    days = get_settings().conversation_retention_days
    print(f"Đã xóa {removed} sự kiện hội thoại cũ hơn {days} ngày (số liệu tổng hợp vẫn giữ).")
    return 0


def cmd_synthetic(args: argparse.Namespace) -> int:
    from assistant.analytics.synthetic import generate, generate_desk_rows
    from assistant.db.migrate import upgrade
    from assistant.db.session import session_scope
    from assistant.settings import get_settings

    if not 1 <= args.conversations <= 100_000:
        print("--conversations phải từ 1 đến 100000.", file=sys.stderr)
        return 2
    upgrade()
    url = get_settings().tracker_store_url
    try:
        expected = generate(url, args.day, args.conversations, seed=args.seed, progress=_progress)
    except ValueError:
        print(
            f"Ngày {args.day.isoformat()} với --seed {args.seed} đã có dữ liệu mẫu; "
            "hãy chọn --seed khác.",
            file=sys.stderr,
        )
        return 2
    with session_scope() as session:
        generate_desk_rows(session, args.day, expected, seed=args.seed)
    print(
        f"\nĐã tạo {args.conversations} hội thoại mẫu ngày {args.day.isoformat()} "
        "(chạy `assistant stats rollup` hoặc chờ máy chủ cổng tổng hợp)."
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="statistics for a period (JSON, CSV or XLSX)")
    p.add_argument("--from", dest="start", type=_day, required=True, help="YYYY-MM-DD")
    p.add_argument("--to", dest="end", type=_day, required=True, help="YYYY-MM-DD")
    p.add_argument("--channel", default="", help="rest, zalo or facebook (default: all)")
    p.add_argument("--format", choices=("json", "csv", "xlsx"), default="json")
    p.add_argument("--output", help="file to write (default: standard output)")
    p.set_defaults(func=cmd_report)

    stats = sub.add_parser("stats", help="statistics roll-up and retention").add_subparsers(
        dest="stats_command", required=True
    )
    stats.add_parser("rollup", help="roll new conversation events up").set_defaults(func=cmd_rollup)
    stats.add_parser("prune", help="delete raw events past the retention").set_defaults(
        func=cmd_prune
    )
    p = stats.add_parser("synthetic", help="a synthetic day of traffic, for demos and tests")
    p.add_argument("--day", type=_day, default=date.today() - timedelta(days=1))
    p.add_argument("--conversations", type=int, default=500)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_synthetic)
