"""What the statistics must show for a generated day, counted by the generator as it writes
(without any roll-up code), plus the records the desk's rows are made from: each rating,
ticket, petition and declined question of the generated conversations."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Dict, List, Sequence

from assistant.analytics.synthetic.mix import CHANNELS


@dataclass
class ChannelFigures:
    conversations: int = 0
    messages: int = 0  # user events
    turns: Counter = field(default_factory=Counter)  # outcome -> turns ("other": untagged)
    handoff_conversations: int = 0
    procedures: Counter = field(default_factory=Counter)  # (code, aspect) -> answer turns
    lookups: Counter = field(default_factory=Counter)  # verified | failed | locked
    latencies_ms: List[float] = field(default_factory=list)  # user event -> last bot event

    def add(self, other: ChannelFigures) -> None:
        self.conversations += other.conversations
        self.messages += other.messages
        self.turns.update(other.turns)
        self.handoff_conversations += other.handoff_conversations
        self.procedures.update(other.procedures)
        self.lookups.update(other.lookups)
        self.latencies_ms.extend(other.latencies_ms)

    def as_dict(self, latencies: bool = False) -> Dict[str, Any]:
        ordered = sorted(self.latencies_ms)
        figures = {
            "conversations": self.conversations,
            "messages": self.messages,
            "turns": dict(sorted(self.turns.items())),
            "handoff_conversations": self.handoff_conversations,
            "procedures": [[c, a, n] for (c, a), n in self.procedures.most_common()],
            "lookups": dict(sorted(self.lookups.items())),
            "latency_ms": {
                "count": len(ordered),
                "p50": _quantile(ordered, 0.50),
                "p95": _quantile(ordered, 0.95),
                "max": ordered[-1] if ordered else None,
            },
        }
        if latencies:
            figures["latencies_ms"] = list(self.latencies_ms)
        return figures


@dataclass
class Rating:
    """A 👍/👎 a citizen gave to an answer in a generated conversation."""

    ref: str
    source: str  # procedure | faq
    rating: str  # up | down
    question: str
    procedure_code: str | None = None
    aspect: str | None = None
    faq_key: str | None = None
    reason: str | None = None  # set when the citizen also chose a reason
    sender_id: str = ""
    channel: str = ""
    at: datetime | None = None  # naive UTC
    reason_at: datetime | None = None


@dataclass
class Ticket:
    """A citizen who reached a person: a live conversation or a message for a call-back."""

    kind: str  # live | message
    message: str = ""
    procedure_code: str | None = None
    sender_id: str = ""
    channel: str = ""
    at: datetime | None = None
    # How the desk handled it, filled in by generate_desk_rows:
    status: str = ""
    wait_s: float | None = None  # live, once taken: created -> taken
    rating: str | None = None  # live: the citizen's 👍/👎 of the help, when given


@dataclass
class Report:
    """A petition a generated conversation submitted."""

    category: str
    commune_code: str
    commune_name: str
    location: str
    description: str
    sender_id: str = ""
    channel: str = ""
    at: datetime | None = None
    # Filled in by generate_desk_rows:
    status: str = ""
    overdue: bool = False  # still open past its due date at ``now``


@dataclass
class Unanswered:
    """A question the assistant declined (it goes to the staff inbox)."""

    text: str
    intent: str
    confidence: float
    reason: str  # fallback | out_of_scope
    sender_id: str = ""
    channel: str = ""
    at: datetime | None = None


@dataclass
class Expected:
    """The figures of one generated local day, per channel, plus what the desk rows need."""

    day: date
    seed: int
    events: int = 0  # rows written to the tracker store
    channels: Dict[str, ChannelFigures] = field(
        default_factory=lambda: {name: ChannelFigures() for name in CHANNELS}
    )
    ratings: List[Rating] = field(default_factory=list)
    tickets: List[Ticket] = field(default_factory=list)
    reports: List[Report] = field(default_factory=list)
    unanswered: List[Unanswered] = field(default_factory=list)

    def total(self) -> ChannelFigures:
        """All channels together."""
        figures = ChannelFigures()
        for channel in self.channels.values():
            figures.add(channel)
        return figures

    @property
    def conversations(self) -> int:
        return sum(c.conversations for c in self.channels.values())

    @property
    def messages(self) -> int:
        return sum(c.messages for c in self.channels.values())

    @property
    def turns(self) -> Counter:
        return self.total().turns

    @property
    def handoff_conversations(self) -> int:
        return sum(c.handoff_conversations for c in self.channels.values())

    @property
    def procedures(self) -> Counter:
        return self.total().procedures

    @property
    def lookups(self) -> Counter:
        return self.total().lookups

    @property
    def latencies_ms(self) -> List[float]:
        return self.total().latencies_ms

    def as_dict(self, latencies: bool = False) -> Dict[str, Any]:
        """For JSON; latencies are summarised unless ``latencies``."""
        return {
            "day": self.day.isoformat(),
            "seed": self.seed,
            "events": self.events,
            "channels": {n: c.as_dict(latencies) for n, c in self.channels.items()},
            "total": self.total().as_dict(latencies),
            "ratings": len(self.ratings),
            "tickets": len(self.tickets),
            "reports": len(self.reports),
            "unanswered": len(self.unanswered),
        }


def _quantile(ordered: Sequence[float], q: float) -> float | None:
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]
