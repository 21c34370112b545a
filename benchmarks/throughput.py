"""Messages per second and turn latency: our assistant against Rasa's stock moodbot.

Both bots run on this machine in the same run: moodbot (``rasa init``, trained once per Rasa
version in the temporary directory) and ours (the developer build, `assistant run`'s server
command lines, the action server, a throw-away SQLite database with the national snapshot
and the seed catalog, the SQL tracker store). After a warm-up, rounds alternate (ours,
moodbot, ours, moodbot…) at 1 and at 16 concurrent senders over the REST webhook, each sender
a closed loop: a conversation's messages one after another, then a fresh conversation.
Ours is sent the user turns of ``tests/test_stories.yml``; moodbot its own greetings and
moods. ``--replicas 2`` also measures ours with two Rasa processes (one shared action server,
the client spreading senders across them) against one.

Targets (issue 16): messages/s ≥ 0.9 × moodbot's at 16 senders; p50 ≤ 1.3 × moodbot's at one
sender; two replicas ≥ 1.5 × one. Writes ``benchmarks/reports/throughput.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import secrets
import statistics
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import yaml
from _common import ROOT, percentile, write_report
from _servers import moodbot, prepare_database, run_moodbot, run_ours

TARGETS = {"rate_16_ratio": 0.9, "p50_1_ratio": 1.3, "replicas_2_ratio": 1.5}
MOODBOT_CONVERSATIONS = [
    ["hi", "I am feeling sad", "yes", "bye"],
    ["hello there", "great, carry on", "goodbye"],
    ["hey", "I'm so sad", "no", "see you later"],
    ["good morning", "I am a bot?", "are you a human?", "bye bye"],
    ["hey there", "very good", "cu"],
]
ENTITY_MARKUP = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def our_conversations() -> List[List[str]]:
    """The user turns of each test story, entity markup removed."""
    stories = yaml.safe_load((ROOT / "tests/test_stories.yml").read_text(encoding="utf-8"))
    conversations = []
    for story in stories["stories"]:
        turns = [
            ENTITY_MARKUP.sub(r"\1", step["user"]).strip()
            for step in story["steps"]
            if "user" in step
        ]
        if turns:
            conversations.append(turns)
    return conversations


async def _sender(http, urls, n, conversations, stop_at, latencies, errors) -> None:
    url = urls[n % len(urls)]  # a sender stays on one replica
    k = n
    while time.perf_counter() < stop_at:
        sender = f"bench-{n}-{secrets.token_hex(4)}"
        for text in conversations[k % len(conversations)]:
            if time.perf_counter() >= stop_at:
                return
            started = time.perf_counter()
            async with http.post(url, json={"sender": sender, "message": text}) as reply:
                await reply.read()
                if reply.status != 200:
                    errors.append(reply.status)
                    continue
            latencies.append(time.perf_counter() - started)
        k += 1


async def _load(ports, conversations, senders: int, seconds: float) -> dict:
    import aiohttp

    urls = [f"http://127.0.0.1:{p}/webhooks/rest/webhook" for p in ports]
    latencies: List[float] = []
    errors: List[int] = []
    connector = aiohttp.TCPConnector(limit=senders * 2)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        started = time.perf_counter()
        stop_at = started + seconds
        await asyncio.gather(
            *(
                _sender(http, urls, n, conversations, stop_at, latencies, errors)
                for n in range(senders)
            )
        )
        elapsed = time.perf_counter() - started
    ms = [s * 1000 for s in latencies]
    return {
        "messages": len(latencies),
        "errors": len(errors),
        "seconds": round(elapsed, 2),
        "rate": len(latencies) / elapsed,
        "p50_ms": percentile(ms, 50),
        "p90_ms": percentile(ms, 90),
    }


def load(ports, conversations, senders: int, seconds: float) -> dict:
    return asyncio.run(_load(ports, conversations, senders, seconds))


def warm_up(ports, conversations) -> None:
    """The first turns build TensorFlow graphs: every conversation once on each replica."""
    import requests

    with requests.Session() as http:
        for port in ports:
            url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
            for n, turns in enumerate(conversations):
                for text in turns:
                    http.post(url, json={"sender": f"warm-{n}", "message": text}, timeout=120)
    load(ports, conversations, 2 * len(ports), 5)


def summarise(rounds: List[dict]) -> dict:
    """Medians over the rounds of one bot at one concurrency."""
    return {
        "rate": round(statistics.median(r["rate"] for r in rounds), 2),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in rounds), 1),
        "p90_ms": round(statistics.median(r["p90_ms"] for r in rounds), 1),
        "errors": sum(r["errors"] for r in rounds),
        "rounds": rounds,
    }


def measure(bots: Dict[str, tuple], concurrency: List[int], rounds: int, seconds: float):
    results = {name: {c: [] for c in concurrency} for name in bots}
    for c in concurrency:
        for r in range(rounds):
            for name, (ports, conversations) in bots.items():
                figures = load(ports, conversations, c, seconds)
                results[name][c].append(figures)
                print(
                    f"  {c:>2} senders, round {r + 1}/{rounds}, {name:<12} "
                    f"{figures['rate']:6.1f} msg/s  p50 {figures['p50_ms']:5.0f} ms  "
                    f"p90 {figures['p90_ms']:5.0f} ms  errors {figures['errors']}",
                    flush=True,
                )
    return {name: {c: summarise(v) for c, v in per.items()} for name, per in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="length of one round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per bot and concurrency")
    parser.add_argument("--senders", default="1,16", help="concurrencies, comma-separated")
    parser.add_argument("--replicas", type=int, default=1, help="2: also ours on 2 replicas")
    parser.add_argument("--fresh", action="store_true", help="train moodbot again")
    parser.add_argument("--model", type=Path, help="our model (default: the developer build)")
    args = parser.parse_args()
    concurrency = [int(c) for c in args.senders.split(",")]

    from assistant.modelstore import current_model

    model = args.model or current_model()
    if model is None:
        raise SystemExit("no trained model for the current data: run `make model` first")
    home = moodbot(args.fresh)
    workdir = Path(tempfile.mkdtemp(prefix="throughput-"))
    print("preparing the database (national snapshot, seed catalog, seed FAQ) …", flush=True)
    url = prepare_database(workdir)
    ours, mood = our_conversations(), MOODBOT_CONVERSATIONS
    report: dict = {"model": model.name, "targets": TARGETS, "seconds_per_round": args.seconds}
    print("starting the servers (ours and moodbot) …", flush=True)
    with run_ours(model, workdir, url, 1) as our_ports, run_moodbot(home, workdir) as mood_ports:
        print("warming up …", flush=True)
        warm_up(our_ports, ours)
        warm_up(mood_ports, mood)
        bots = {"ours": (our_ports, ours), "moodbot": (mood_ports, mood)}
        figures = measure(bots, concurrency, args.rounds, args.seconds)
    report["bots"] = figures
    ratios = {}
    top, one = max(concurrency), min(concurrency)
    ratios[f"rate_{top}_ratio"] = figures["ours"][top]["rate"] / figures["moodbot"][top]["rate"]
    ratios[f"p50_{one}_ratio"] = figures["ours"][one]["p50_ms"] / figures["moodbot"][one]["p50_ms"]
    if args.replicas > 1:
        print(f"ours on {args.replicas} Rasa replicas against 1, {top} senders …", flush=True)
        with run_ours(model, workdir, url, args.replicas) as ports:
            warm_up(ports, ours)
            more = measure({"ours_replicas": (ports, ours)}, [top], args.rounds, args.seconds)
        report["bots"]["ours_replicas"] = more["ours_replicas"]
        single = figures["ours"][top]["rate"]
        ratios[f"replicas_{args.replicas}_ratio"] = more["ours_replicas"][top]["rate"] / single
    report["ratios"] = {k: round(v, 3) for k, v in ratios.items()}
    print("\n== ours against moodbot (medians over rounds) ==")
    for name, per in report["bots"].items():
        for c, f in per.items():
            print(
                f"  {name:<14}{c:>3} senders  {f['rate']:6.1f} msg/s  p50 {f['p50_ms']:5.0f} ms"
                f"  p90 {f['p90_ms']:5.0f} ms"
            )
    for key, value in report["ratios"].items():
        target = TARGETS.get(key)
        ok = target is None or (value <= target if key.startswith("p50") else value >= target)
        print(f"  {'✔' if ok else '✘'} {key}: {value:.2f} (target {target})")
    write_report("throughput", report)


if __name__ == "__main__":
    main()
