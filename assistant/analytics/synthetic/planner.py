"""Planning a synthetic day: who writes, when, on which channel, and what each turn did, with
the figures counted as each conversation is drawn. The day and seed fix every draw."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import List, Sequence, Tuple

from assistant.analytics.synthetic.answers import AnswerMoves
from assistant.analytics.synthetic.errands import ErrandMoves
from assistant.analytics.synthetic.expected import Expected
from assistant.analytics.synthetic.mix import (
    ASPECTS,
    CHANNELS,
    DOWN_REASONS,
    LOOKUPS,
    MOVES,
    PETITION_WEIGHTS,
    PROCEDURES,
    START_HOURS,
    TURNS,
    weighted,
)
from assistant.analytics.synthetic.steps import Conversation, Turn
from assistant.analytics.synthetic.words import FAQS, UNANSWERED
from assistant.localtime import LOCAL
from assistant.settings import PROJECT_ROOT, get_settings

SEED_CATALOG = PROJECT_ROOT / "data" / "catalog" / "seed.yml"


def sender_id(day: date, seed: int, n: int) -> str:
    return f"synthetic-{day.isoformat()}-{seed}-{n:05d}"


def local_day_bounds(day: date) -> Tuple[float, float]:
    """Epoch seconds of the local day's first and last instant (start inclusive, end not)."""
    start = datetime.combine(day, time(0), LOCAL)
    return start.timestamp(), (start + timedelta(days=1)).timestamp()


@lru_cache(maxsize=1)
def _seed_procedures() -> Tuple[Tuple[str, str], ...]:
    try:
        import yaml

        data = yaml.safe_load(SEED_CATALOG.read_text(encoding="utf-8")) or {}
        found = [(str(p["code"]), str(p["name"])) for p in data.get("procedures") or []]
    except (OSError, ValueError, KeyError, TypeError):
        found = []
    if len(found) < PROCEDURES:
        found += [(f"1.9{n:05d}", f"Thủ tục mẫu số {n}") for n in range(1, PROCEDURES + 1)]
    return tuple(found[:PROCEDURES])


@lru_cache(maxsize=4)
def _communes(province: str) -> Tuple[Tuple[str, str], ...]:
    try:
        from assistant.petitions.communes import communes

        found = tuple((c.code, c.name) for c in communes(province))
    except Exception:  # noqa: BLE001 - the dataset is optional for synthetic traffic
        found = ()
    return found or (("", "Phường Trung Tâm"), ("", "Xã Bình Minh"), ("", "Phường Tân An"))


def _petition_categories() -> List[Tuple[str, str, int]]:
    from assistant.petitions.config import categories

    return [(c.key, c.name, c.days) for c in categories()]


class Planner(AnswerMoves, ErrandMoves):
    """Draws one day's conversations: who, when, which channel, what each turn did. The
    moves, each one thing a citizen does, come from :class:`AnswerMoves` and
    :class:`ErrandMoves`."""

    def __init__(self, day: date, seed: int, procedures: Sequence[Tuple[str, str]] | None) -> None:
        self.day, self.seed = day, seed
        self.rng = random.Random(f"synthetic-{day.isoformat()}-{seed}")
        # The ranking does not depend on the day, so a month has a meaningful top 20.
        ranking = random.Random(f"synthetic-ranking-{seed}")
        chosen = list(procedures or _seed_procedures())[:PROCEDURES]
        ranking.shuffle(chosen)
        self.procedures = weighted({p: 1 / (rank + 1) ** 1.1 for rank, p in enumerate(chosen)})
        places = list(_communes(get_settings().petition_province))
        ranking.shuffle(places)
        self.communes = weighted({c: 1 / (rank + 1) for rank, c in enumerate(places[:30])})
        self.categories = weighted(
            {c: PETITION_WEIGHTS.get(c[0], 5) for c in _petition_categories()}
        )
        self.channels = weighted(CHANNELS)
        self.hours = weighted(START_HOURS)
        self.turn_counts = weighted({n + 1: w for n, w in enumerate(TURNS)})
        self.moves = weighted(MOVES)
        self.aspects = weighted(ASPECTS)
        self.lookups = weighted(LOOKUPS)
        self.reasons = weighted(DOWN_REASONS)
        self.faqs = weighted({f: 1 / (rank + 1) for rank, f in enumerate(FAQS)})
        self.clusters = weighted({c: 1 / (rank + 1) for rank, c in enumerate(UNANSWERED)})
        self.day_start = datetime.combine(day, time(0), LOCAL).timestamp()

    def conversation(self, n: int, expected: Expected) -> Conversation:
        rng = self.rng
        wanted = self.pick(self.turn_counts)
        channel = self.pick(self.channels)
        turns: List[Turn] = []
        if rng.random() < (0.45 if wanted > 1 else 0.15):
            turns += self.greet()
        while len(turns) < wanted:
            if wanted - len(turns) == 1 and turns and rng.random() < 0.3:
                turns += self.smalltalk(closing=True)
                continue
            move = self.pick(self.moves)
            turns += getattr(self, move)()
            if move == "handoff":
                break  # the conversation goes on with a person, or the citizen waits for a call
        if len(turns) > wanted and rng.random() < 0.85:
            wanted = min(len(TURNS), len(turns))  # most finish what they started
        turns = turns[:wanted]
        hour = self.pick(self.hours)
        started = self.day_start + hour * 3600 + rng.random() * 3599
        conversation = Conversation(sender_id(self.day, self.seed, n), channel, turns, started)
        self.time(conversation)
        self.count(conversation, expected)
        return conversation

    def time(self, conversation: Conversation) -> None:
        rng, clock = self.rng, conversation.started + 0.02
        for turn in conversation.turns:
            turn.message_id = self.hex(32)
            turn.at = clock
            if rng.random() < 0.03:
                latency = rng.uniform(1.0, 3.0)  # a slow model or action server
            else:
                latency = min(0.9, 0.05 * turn.speed * math.exp(rng.gauss(0.0, 0.45)))
            last_bot = max(i for i, s in enumerate(turn.steps) if s.kind == "bot")
            turn.times = [
                turn.at + latency * (i + 1) / (last_bot + 1)
                if i <= last_bot
                else turn.at + latency + 0.0001 * (i - last_bot)
                for i in range(len(turn.steps))
            ]
            turn.times[last_bot] = turn.at + latency
            turn.end = turn.times[-1] + 0.0002
            median = 5.0 if turn.button else 22.0
            think = min(240.0, max(2.0, median * math.exp(rng.gauss(0.0, 0.7))))
            clock = turn.end + think

    def count(self, conversation: Conversation, expected: Expected) -> None:
        figures = expected.channels[conversation.channel]
        figures.conversations += 1
        handoff, procedure = False, None
        for turn in conversation.turns:
            figures.messages += 1
            tag = turn.tag or {}
            outcome = tag.get("outcome", "other")
            figures.turns[outcome] += 1
            if outcome == "answer":
                procedure = tag.get("procedure")
                figures.procedures[(procedure, tag.get("aspect"))] += 1
            if outcome == "dossier" and tag.get("lookup"):
                figures.lookups[tag["lookup"]] += 1
            handoff = handoff or outcome == "handoff"
            last_bot = max(at for s, at in zip(turn.steps, turn.times) if s.kind == "bot")
            figures.latencies_ms.append((last_bot - turn.at) * 1000.0)
            at = _utc(last_bot)
            for kind, record in turn.records:
                if kind == "reason":
                    rating, reason = record
                    rating.reason, rating.reason_at = reason, at
                    continue
                record.sender_id, record.channel, record.at = (
                    conversation.sender_id,
                    conversation.channel,
                    at,
                )
                if kind == "ticket":
                    record.procedure_code = procedure  # what the conversation was about
                {
                    "rating": expected.ratings,
                    "ticket": expected.tickets,
                    "report": expected.reports,
                    "unanswered": expected.unanswered,
                }[kind].append(record)
        figures.handoff_conversations += handoff


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, timezone.utc).replace(tzinfo=None)
