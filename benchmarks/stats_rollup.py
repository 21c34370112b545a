"""Statistics on a month of synthetic traffic: roll-up rate, incremental roll-up, report and page.

In a scratch directory: a migrated SQLite app database (seed catalog, one editor) and a SQLite
tracker store. Synthetic conversations (assistant/analytics/synthetic/) are written until
about ``--events`` tracker events, spread over ``--days`` local days ending yesterday, with the
desk's rows of each day. Then it times
  (a) the roll-up of the whole backlog,
  (b) an incremental roll-up after one more day (today, ``--incremental`` conversations),
  (c) ``build_report`` for the month, and ``GET /admin/stats`` for it through the real aiohttp
      app with a logged-in editor (10 loads; target p95 ≤ 1 s),
and checks the rolled-up figures (conversations, messages, turns by outcome, procedures, look-
ups, latency buckets, per day and channel) against what the generator says it wrote.
Writes benchmarks/reports/stats_rollup.json.

    .venv/bin/python benchmarks/stats_rollup.py [--events 1000000] [--days 30] [--keep]
    .venv/bin/python benchmarks/stats_rollup.py --events 20000      # a smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import statistics
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from _common import ROOT, percentile, write_report
from tqdm import tqdm

from assistant.settings import get_settings

TARGET_PAGE_P95_MS = 1000.0
PAGE_LOADS = 10
REPORT_RUNS = 5
FIRST_GUESS = 28.0  # tracker events per synthetic conversation, refined as days are written


def setup(scratch: Path) -> tuple[str, str]:
    """Point the settings at scratch databases (before anything reads them) and migrate."""
    app_url = f"sqlite:///{scratch / 'app.db'}"
    tracker_url = f"sqlite:///{scratch / 'tracker.db'}"
    os.environ["DATABASE_URL"] = app_url
    os.environ["TRACKER_STORE_URL"] = tracker_url
    os.environ["STATS_ROLLUP_SECONDS"] = "86400"  # the portal's own roll-up stays out of the way
    os.environ.setdefault("SENDER_HASH_SECRET", secrets.token_hex(32))
    get_settings.cache_clear()

    from assistant.catalog.importer import import_catalog
    from assistant.db.migrate import upgrade
    from assistant.db.session import session_scope
    from assistant.staff.repository import StaffRepository
    from tests.web.staff_client import PASSWORD

    upgrade(app_url)
    import_catalog(ROOT / "data" / "catalog" / "seed.yml", app_url)
    with session_scope() as session:
        StaffRepository(session).add_user("bench", "bench", PASSWORD, "editor")
    return app_url, tracker_url


def local_today() -> date:
    return (datetime.now(timezone.utc) + timedelta(hours=7)).date()


def write_days(tracker_url: str, days: list, target: int, seed: int, procedures) -> tuple:
    """Generate ``days`` (with desk rows) sized to reach about ``target`` events in total."""
    from assistant.analytics.synthetic import generate, generate_desk_rows
    from assistant.db.session import session_scope

    expectations, written, conversations = [], 0, 0
    started = time.perf_counter()
    with tqdm(total=target, desc="generate", unit=" events", mininterval=1.0) as bar:
        for index, day in enumerate(days):
            per_conversation = written / conversations if conversations else FIRST_GUESS
            left = max(0, target - written) / (len(days) - index)
            size = max(1, round(left / per_conversation))
            before = [0]

            def advance(done: int, _total: int, before=before) -> None:
                bar.update(done - before[0])
                before[0] = done

            expected = generate(
                tracker_url, day, size, seed=seed, progress=advance, procedures=procedures
            )
            with session_scope() as session:
                generate_desk_rows(session, day, expected, seed=seed)
            expectations.append(expected)
            written += expected.events
            conversations += size
    return expectations, written, time.perf_counter() - started


def roll_up(tracker_url: str, label: str, first_id: int = 0) -> tuple[dict, float]:
    """Roll up what is new; the bar follows the event ids read, from ``first_id``."""
    from assistant.analytics.rollup import Rollup

    started = time.perf_counter()
    with tqdm(desc=label, unit=" events", initial=first_id, mininterval=1.0) as bar:

        def advance(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        result = Rollup(tracker_url).run(progress=advance)
    return result, time.perf_counter() - started


def expected_figures(expectations) -> Counter:
    """What stats_daily must hold, in the roll-up's vocabulary, from the generator's counts."""
    from assistant.analytics.fold import latency_bucket

    figures: Counter = Counter()
    for expected in expectations:
        for channel, counts in expected.channels.items():

            def put(metric: str, key: str, n: int, day=expected.day, channel=channel) -> None:
                if n:
                    figures[(day, channel, metric, key)] += n

            put("conversations", "", counts.conversations)
            put("messages", "", counts.messages)
            put("handoff_conversations", "", counts.handoff_conversations)
            for outcome, n in counts.turns.items():
                put("turns", outcome, n)
            for (code, aspect), n in counts.procedures.items():
                put("procedure", f"{code}|{aspect}", n)
            for lookup, n in counts.lookups.items():
                put("dossier", lookup, n)
            for milliseconds in counts.latencies_ms:
                put("latency", latency_bucket(milliseconds), 1)
    return figures


def compare(expectations) -> dict:
    from sqlalchemy import select

    from assistant.db.models import StatsDaily
    from assistant.db.session import session_scope

    wanted = expected_figures(expectations)
    metrics = {metric for _, _, metric, _ in wanted}
    with session_scope() as session:
        query = select(
            StatsDaily.day, StatsDaily.channel, StatsDaily.metric, StatsDaily.key, StatsDaily.value
        ).where(StatsDaily.metric.in_(metrics))
        found = Counter({tuple(row[:4]): row[4] for row in session.execute(query) if row[4]})
    wrong = sorted(set(wanted) | set(found), key=str)
    wrong = [k for k in wrong if wanted.get(k, 0) != found.get(k, 0)]
    for key in wrong[:10]:
        print(f"  mismatch {key}: expected {wanted.get(key, 0)}, rolled up {found.get(key, 0)}")
    return {"figures": len(wanted), "mismatches": len(wrong)}


async def page_loads(start: date, end: date) -> list:
    from tests.web.staff_client import logged_in

    client = await logged_in("bench")
    try:
        query = {"range": "custom", "from": start.isoformat(), "to": end.isoformat()}
        times = []
        for _ in range(PAGE_LOADS):
            began = time.perf_counter()
            response = await client.get("/admin/stats", params=query)
            body = await response.text()
            times.append((time.perf_counter() - began) * 1000)
            if response.status != 200:
                raise SystemExit(f"/admin/stats answered {response.status}: {body[:300]}")
        return times
    finally:
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="tracker events to write")
    parser.add_argument("--days", type=int, default=30, help="local days ending yesterday")
    parser.add_argument("--incremental", type=int, default=1000, help="conversations today")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-stats-"))
    try:
        _, tracker_url = setup(scratch)
        from assistant.analytics.synthetic import catalog_procedures, generate, generate_desk_rows
        from assistant.db.session import session_scope

        today = local_today()
        days = [today - timedelta(days=args.days - i) for i in range(args.days)]
        expectations, written, seconds = write_days(
            tracker_url, days, args.events, args.seed, catalog_procedures()
        )
        conversations = sum(e.conversations for e in expectations)
        results: dict = {
            "days": args.days,
            "events": written,
            "conversations": conversations,
            "generate": {
                "seconds": round(seconds, 1),
                "events_per_second": round(written / seconds),
            },
            "tracker_mb": round((scratch / "tracker.db").stat().st_size / 1e6, 1),
        }
        print(
            f"generated {written:,} events ({conversations:,} conversations, {args.days} days) "
            f"in {seconds:.1f} s: {written / seconds:,.0f} events/s"
        )

        result, seconds = roll_up(tracker_url, "roll-up")
        results["rollup"] = {
            **result,
            "seconds": round(seconds, 1),
            "events_per_second": round(result["events"] / seconds) if seconds else None,
        }
        print(
            f"roll-up of the backlog: {result['events']:,} events, {result['turns']:,} turns "
            f"in {seconds:.1f} s ({results['rollup']['events_per_second']:,} events/s)"
        )
        results["rollup"]["check"] = compare(expectations)

        from assistant.analytics.tracker_events import TrackerEvents

        first_id = TrackerEvents(tracker_url).last_id()
        extra = generate(tracker_url, today, args.incremental, seed=args.seed)
        with session_scope() as session:
            generate_desk_rows(session, today, extra, seed=args.seed)
        result, seconds = roll_up(tracker_url, "incremental", first_id)
        results["incremental"] = {
            **result,
            "conversations": args.incremental,
            "seconds": round(seconds, 2),
        }
        print(f"incremental roll-up, one more day ({extra.events:,} events): {seconds:.2f} s")
        results["incremental"]["check"] = compare([*expectations, extra])

        from assistant.analytics.report import build_report

        start, end = days[0], days[-1]
        report_ms = []
        for _ in range(REPORT_RUNS):
            began = time.perf_counter()
            report = build_report(start, end, channel="")
            report_ms.append((time.perf_counter() - began) * 1000)
        shown = report.section("traffic").summary
        if shown.get("Hội thoại") != conversations or shown.get("Tin nhắn") != sum(
            e.messages for e in expectations
        ):
            print(f"  the report shows {shown}, the generator wrote {conversations} conversations")
            results["rollup"]["check"]["mismatches"] += 1
        page_ms = asyncio.run(page_loads(start, end))
        results["report"] = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "build_ms_median": round(statistics.median(report_ms), 1),
        }
        results["page"] = {
            "loads": len(page_ms),
            "p50_ms": round(percentile(page_ms, 50), 1),
            "p95_ms": round(percentile(page_ms, 95), 1),
            "max_ms": round(max(page_ms), 1),
            "target_p95_ms": TARGET_PAGE_P95_MS,
        }
        results["page"]["met"] = results["page"]["p95_ms"] <= TARGET_PAGE_P95_MS
        checks = (results["rollup"]["check"], results["incremental"]["check"])
        results["figures_match"] = all(c["mismatches"] == 0 for c in checks)
        print(
            f"report {start}…{end}: build_report median {results['report']['build_ms_median']} "
            f"ms; /admin/stats p50 {results['page']['p50_ms']} ms, p95 "
            f"{results['page']['p95_ms']} ms (target ≤ {TARGET_PAGE_P95_MS:.0f} ms "
            f"{'✔' if results['page']['met'] else '✘'}); rolled-up figures "
            f"{'match' if results['figures_match'] else 'DO NOT match'} the generated ones"
        )
        write_report("stats_rollup", results)
    finally:
        from assistant.db.session import dispose_engines

        dispose_engines()
        if args.keep:
            print(f"scratch files kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
