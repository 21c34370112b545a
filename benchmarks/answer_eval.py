"""Answer correctness on citizens' questions, through the citizen's path.

Every question of ``tests/answer_eval/dev/`` (the development set, tuned on) and
``tests/answer_eval/probe/`` (written afterwards, never tuned on) is sent, as written and
stripped of diacritics by code, to the real servers (action server, Rasa, the portal) on
loopback ports, each in a fresh conversation. The outcome is read from what the assistant
did (the tracker's ``answer_decision`` and the actions it ran) and compared with the label:

- helpful: the right procedure and aspect (or the right FAQ);
- confirmed / clarified: the right procedure among those offered;
- clarified without it; honest decline; missed (declined although the catalog answers it);
- wrong: a wrong procedure, a wrong aspect, or an FAQ, presented as the answer.

Prints the figures against the targets, a reliability table of the decision's probability,
the worst examples, and writes ``benchmarks/reports/answer_eval.json``. ``--fit`` refits the
decision's calibration on the development set (``assistant/answering/calibration.json``).
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List

import requests
import yaml
from _common import ROOT, national_snapshot, percentile, write_report

from assistant.answering.evaluation import TARGETS, check_targets, outcome, summarise
from assistant.text.normalize import strip_diacritics

SETS = {"dev": ROOT / "tests/answer_eval/dev", "probe": ROOT / "tests/answer_eval/probe"}
# A turn (the REST webhook: NLU, dialogue, action server, tracker store) on one connection.
TURN_P95_MS = 100


def load_set(name: str) -> List[dict]:
    questions = []
    for path in sorted(SETS[name].glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]:
            questions.append({**item, "set": name})
    return questions


def prepare_database(workdir: Path) -> str:
    """A scratch database with the national snapshot, the seed catalog and the seed FAQ."""
    from assistant.catalog.importer import import_catalog
    from assistant.db.migrate import upgrade
    from assistant.db.session import session_scope
    from assistant.faq.seed import import_seed
    from assistant.settings import get_settings

    url = f"sqlite:///{workdir}/answers.db"
    upgrade(url)
    # The labels name national codes: without the snapshot the figures would mean nothing.
    import_catalog(national_snapshot(), url)
    import_catalog(get_settings().seed_catalog, url)
    with session_scope(url) as session:
        import_seed(session)
    return url


# One connection for every request, as a channel keeps one open: the turn's time is the
# assistant's, not a TCP handshake's (the target is a turn under 100 ms on one connection).
HTTP = requests.Session()


def turn(base: str, token: str, sender: str, text: str) -> dict:
    """One message in a fresh conversation: the replies and what the tracker recorded."""
    started = time.perf_counter()
    reply = HTTP.post(
        f"{base}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    )
    seconds = time.perf_counter() - started
    reply.raise_for_status()
    tracker = HTTP.get(
        f"{base}/conversations/{sender}/tracker", params={"token": token}, timeout=30
    ).json()
    events = tracker.get("events") or []
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    after = events[last_user + 1 :]
    decision = None
    for event in after:
        if event.get("event") == "slot" and event.get("name") == "answer_decision":
            decision = event.get("value")
    parse = events[last_user].get("parse_data", {}) if last_user >= 0 else {}
    return {
        "messages": reply.json(),
        "decision": decision,
        "actions": [e.get("name") for e in after if e.get("event") == "action"],
        "intent": (parse.get("intent") or {}).get("name"),
        "entities": parse.get("entities") or [],
        "seconds": seconds,
    }


def run(questions: List[dict], servers: dict, token: str, progress: bool = True) -> List[dict]:
    base = f"http://127.0.0.1:{servers['ports']['rasa']}"
    rows = []
    for n, item in enumerate(questions, start=1):
        for view, text in (("written", item["text"]), ("stripped", strip_diacritics(item["text"]))):
            sender = f"eval-{item['set']}-{item['id']}-{view}-{secrets.token_hex(3)}"
            got = turn(base, token, sender, text)
            rows.append({**item, "view": view, "asked": text, **got, "outcome": outcome(item, got)})
        if progress and (n % 25 == 0 or n == len(questions)):
            print(f"  {item['set']}: {n}/{len(questions)} questions", flush=True)
    return rows


def print_table(name: str, figures: Dict[str, dict]) -> None:
    print(f"\n== {name} ==")
    header = f"{'slice':<22}{'n':>5}{'wrong':>8}{'helpful+':>10}{'decline ok':>11}{'buttons':>9}"
    print(header)
    for label, f in figures.items():
        print(
            f"{label:<22}{f['questions']:>5}{f['wrong_rate']:>8.1%}{f['answerable_ok_rate']:>10.1%}"
            f"{f['decline_ok_rate']:>11.1%}{f['buttons_recall']:>9.1%}"
        )


def reliability(rows: List[dict]) -> List[dict]:
    """Decision probability against how often the proposed procedure was right."""
    bins = defaultdict(Counter)
    for row in rows:
        d = row.get("decision") or {}
        if d.get("kind") not in ("answer", "confirm", "clarify"):
            continue
        p = float(d.get("p") or 0)
        label = f"{min(int(p * 10), 9) / 10:.1f}"
        right = row["expect"] == "procedure" and d.get("code") in set(row.get("codes") or [])
        bins[label]["n"] += 1
        bins[label]["right"] += right
    return [
        {"p_from": k, "n": v["n"], "right": round(v["right"] / v["n"], 3)}
        for k, v in sorted(bins.items())
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="dev,probe", help="comma-separated: dev, probe")
    parser.add_argument("--fit", action="store_true", help="refit the calibration on dev")
    parser.add_argument("--worst", type=int, default=25, help="wrong examples to print")
    args = parser.parse_args()
    names = [n for n in args.sets.split(",") if n and any(SETS[n].glob("*.yml"))]

    from tests.e2e.launch import launch

    workdir = Path(tempfile.mkdtemp(prefix="answer-eval-"))
    print("preparing the database (national snapshot, seed catalog, seed FAQ) …", flush=True)
    url = prepare_database(workdir)
    token = secrets.token_hex(16)
    report: dict = {"sets": {}, "targets": {**TARGETS, "turn_p95_ms": TURN_P95_MS}}
    all_rows: List[dict] = []
    with launch(workdir, url, rasa_api_token=token) as servers:
        for name in names:
            questions = load_set(name)
            print(f"{name}: {len(questions)} questions × 2 views", flush=True)
            rows = run(questions, servers, token)
            all_rows.extend(rows)
            figures = summarise(rows)
            print_table(
                f"{name} ({'tuned on' if name == 'dev' else 'blind, never tuned on'})", figures
            )
            timings = [r["seconds"] * 1000 for r in rows]
            p95 = percentile(timings, 95)
            verdicts = check_targets(figures) + [
                f"{'✔' if p95 < TURN_P95_MS else '✘'} turn p95 on one connection: "
                f"{p95:.0f} ms (target < {TURN_P95_MS} ms)"
            ]
            for line in verdicts:
                print("  " + line)
            report["sets"][name] = {
                "figures": figures,
                "targets_met": all(v.startswith("✔") for v in verdicts),
                "verdicts": verdicts,
                "turn_ms": {"p50": percentile(timings, 50), "p95": percentile(timings, 95)},
                "reliability": reliability(rows),
                "wrong": [_example(r) for r in rows if r["outcome"] == "wrong"],
                "missed": [_example(r) for r in rows if r["outcome"] == "missed"],
                "clarified_without": [
                    _example(r) for r in rows if r["outcome"] == "clarified_without"
                ],
            }
            print(f"  turn p50 {percentile(timings, 50):.0f} ms, p95 {p95:.0f} ms")
            print("  reliability (p → share right):", report["sets"][name]["reliability"])
            worst = [r for r in rows if r["outcome"] == "wrong"][: args.worst]
            for row in worst:
                print(f"  ✘ {row['id']} [{row['view']}] {row['asked'][:110]}")
                print(f"      expected {_expected(row)}; got {row.get('decision')}")
        if args.fit:
            from answer_fit import fit, search_rows

            # The development set and the search benchmark's queries (README: which sets).
            fit([r for r in all_rows if r["set"] == "dev"] + search_rows(), url)
    write_report("answer_eval", report)


def _expected(row: dict) -> str:
    if row["expect"] == "procedure":
        return f"{row.get('codes')} / {row.get('aspect')}"
    if row["expect"] == "faq":
        return f"faq {row.get('faq')}"
    return f"decline ({row.get('reason')})"


def _example(row: dict) -> dict:
    return {
        "id": row["id"],
        "view": row["view"],
        "text": row["asked"],
        "expected": _expected(row),
        "decision": row.get("decision"),
        "actions": row.get("actions"),
    }


if __name__ == "__main__":
    main()
