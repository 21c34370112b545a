"""Turns from tracker events: the pure part of the roll-up.

Rasa stores a turn as the citizen's message (``user``), the actions and the bot's messages,
then ``action_listen``. :class:`Fold` reads events in id order and counts each turn when it
closes (at ``action_listen``, or at the sender's next message when the bot stayed silent, as
during a live conversation with staff): under its local day (Vietnam time) and channel, its
outcome (``metadata["turn"]`` of its first tagged bot message, else ``other``), the procedure
and aspect of an answer, the result of a dossier look-up, and its latency (from the message to
the bot's last reply) in a histogram bucket. Turns still open at the end of a batch are handed
back as plain JSON, to be resumed by the next run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Dict, Iterable, List, Tuple

from assistant.analytics.outcomes import read as read_tag
from assistant.localtime import LOCAL

# Upper bounds (ms) of the latency buckets; percentiles are reported as these bounds.
LATENCY_BOUNDS = (25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 2000, 5000, 10000)
OVERFLOW = "inf"
Figure = Tuple[date, str, str, str]  # day, channel, metric, key
# Not citizens: `assistant run` and the tests warm Rasa up as this sender.
NOT_CITIZENS = frozenset({"__warmup__"})
# Bot events that are not the assistant's reply: a staff member's message in a live
# conversation, a petition update pushed later (their metadata says so; see handoff/pump.py
# and web/notices.py). They neither reply to a turn nor time it.
NOT_THE_ASSISTANT = ("staff", "petition_notice")


def local_day(timestamp: float) -> date:
    return datetime.fromtimestamp(timestamp, LOCAL).date()


def latency_bucket(milliseconds: float) -> str:
    for bound in LATENCY_BOUNDS:
        if milliseconds <= bound:
            return str(bound)
    return OVERFLOW


@dataclass
class Fold:
    """Counts of the turns closed so far; ``open`` holds the unfinished turns by sender key."""

    open: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    # (day, sender key) → channel, for every conversation-day with a message in this fold
    conversations: Dict[Tuple[date, str], str] = field(default_factory=dict)
    handoffs: set = field(default_factory=set)  # (day, sender key) that reached a person

    def feed(self, events: Iterable[Any], key_of: Callable[[str], str]) -> None:
        """``events``: objects with sender_id, type_name, timestamp, action_name and data
        (the decoded JSON). ``key_of`` turns a sender id into the key stored (a hash)."""
        for event in events:
            if event.sender_id in NOT_CITIZENS:
                continue
            key = key_of(event.sender_id)
            if event.type_name == "user":
                self._close(key)
                self._open(key, event)
            elif event.type_name == "bot":
                self._bot(key, event)
            elif event.type_name == "action" and event.action_name == "action_listen":
                turn = self.open.get(key)
                if turn is not None and turn.get("replied"):
                    self._close(key)

    def close_older_than(self, timestamp: float) -> None:
        """Count turns that stayed open too long (the conversation ended in the middle)."""
        for key in [k for k, t in self.open.items() if t["t"] < timestamp]:
            self._close(key)

    def _open(self, key: str, event: Any) -> None:
        day = local_day(event.timestamp)
        channel = str(event.data.get("input_channel") or "")[:32]
        self.open[key] = {"t": event.timestamp, "day": day.isoformat(), "channel": channel}
        self.counts[(day, channel, "messages", "")] += 1
        self.conversations.setdefault((day, key), channel)

    def _bot(self, key: str, event: Any) -> None:
        turn = self.open.get(key)
        metadata = event.data.get("metadata")
        if turn is None or (
            isinstance(metadata, dict) and any(k in metadata for k in NOT_THE_ASSISTANT)
        ):
            return
        turn["replied"] = event.timestamp
        tag = read_tag(event.data)
        if tag is not None and "outcome" not in turn:
            turn.update(
                outcome=tag["outcome"],
                procedure=tag.get("procedure"),
                aspect=tag.get("aspect"),
                lookup=tag.get("lookup"),
            )

    def _close(self, key: str) -> None:
        turn = self.open.pop(key, None)
        if turn is None:
            return
        day = date.fromisoformat(turn["day"])
        channel = turn["channel"]
        outcome = turn.get("outcome") or "other"
        self.counts[(day, channel, "turns", outcome)] += 1
        if outcome == "answer" and turn.get("procedure"):
            aspect = turn.get("aspect") or ""
            self.counts[(day, channel, "procedure", f"{turn['procedure']}|{aspect}"[:160])] += 1
        if turn.get("lookup"):
            self.counts[(day, channel, "dossier", turn["lookup"])] += 1
        if outcome == "handoff":
            self.handoffs.add((day, key))
            self.conversations.setdefault((day, key), channel)
        if turn.get("replied"):
            milliseconds = max(0.0, (turn["replied"] - turn["t"]) * 1000)
            self.counts[(day, channel, "latency", latency_bucket(milliseconds))] += 1


def percentile(buckets: Dict[str, int], share: float) -> float | None:
    """The bucket bound under which ``share`` of the turns fall (None without turns;
    ``inf`` turns count above the last bound)."""
    total = sum(buckets.values())
    if not total:
        return None
    rank = share * total
    seen = 0
    for bound in [*map(str, LATENCY_BOUNDS), OVERFLOW]:
        seen += buckets.get(bound, 0)
        if seen >= rank:
            return float("inf") if bound == OVERFLOW else float(bound)
    return float("inf")


def sum_buckets(rows: Iterable[Tuple[str, int]]) -> Dict[str, int]:
    result: Dict[str, int] = {}
    for bound, value in rows:
        result[bound] = result.get(bound, 0) + int(value)
    return result


def latency_keys() -> List[str]:
    return [*map(str, LATENCY_BOUNDS), OVERFLOW]
