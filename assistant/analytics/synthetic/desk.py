"""The staff desk's rows of a generated day: each rating, ticket, petition and declined
question of the conversations, stored as the services would have stored them, with plausible
staff handling up to a given instant, and the counts of what was added."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Dict, List

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.analytics.synthetic.expected import Expected, Rating, Report, Ticket, Unanswered
from assistant.analytics.synthetic.words import OUT_OF_SCOPE_REASON, RESOLVED_REPLY

STAFF = "canbo_mau"  # the staff member named on synthetic desk rows


@dataclass
class DeskCounts:
    """What :func:`generate_desk_rows` added."""

    feedback: Counter = field(default_factory=Counter)  # up | down (answers)
    reasons: Counter = field(default_factory=Counter)  # the reason of a 👎, when given
    desk_feedback: Counter = field(default_factory=Counter)  # up | down (live conversations)
    handoffs: Counter = field(default_factory=Counter)  # (kind, status)
    waits_s: List[float] = field(default_factory=list)  # live: created -> taken, taken only
    petitions_by_category: Counter = field(default_factory=Counter)
    petitions_by_status: Counter = field(default_factory=Counter)
    petitions_by_commune: Counter = field(default_factory=Counter)  # commune code
    overdue: int = 0  # open with due_at before ``now``
    unanswered: Counter = field(default_factory=Counter)  # inbox reason

    def as_dict(self) -> Dict[str, Any]:
        return {
            "feedback": dict(self.feedback),
            "reasons": dict(self.reasons),
            "desk_feedback": dict(self.desk_feedback),
            "handoffs": {f"{kind}/{status}": n for (kind, status), n in self.handoffs.items()},
            "waits_s": list(self.waits_s),
            "petitions_by_category": dict(self.petitions_by_category),
            "petitions_by_status": dict(self.petitions_by_status),
            "petitions_by_commune": dict(self.petitions_by_commune),
            "overdue": self.overdue,
            "unanswered": dict(self.unanswered),
        }


def generate_desk_rows(
    session: Session,
    day: date,
    expected: Expected,
    seed: int = 0,
    now: datetime | None = None,
) -> DeskCounts:
    """Add ``expected``'s day of desk rows through ``session`` (the caller commits): each
    rating, ticket, petition and declined question of the generated conversations, with
    plausible staff handling up to ``now`` (naive UTC; by default the present). How each
    ticket and petition was handled is also written on its record in ``expected``, so the
    figures of one channel can be told apart."""
    if expected.day != day:
        raise ValueError(f"expected figures are for {expected.day}, not {day}")
    desk = _Desk(session, random.Random(f"synthetic-desk-{day.isoformat()}-{seed}"), now)
    for record in expected.unanswered:
        desk.unanswered(record)
    for record in expected.ratings:
        desk.rating(record)
    for record in expected.tickets:
        desk.ticket(record)
    desk.petitions(day.year, expected.reports)  # days are local, as the codes' years
    session.flush()
    return desk.counts


class _Desk:
    """Adds one day's desk rows, as the services would have stored them."""

    def __init__(self, session: Session, rng: random.Random, now: datetime | None) -> None:
        from assistant.sender_hash import sender_hash

        self.session, self.rng = session, rng
        self.now = now or datetime.now(timezone.utc).replace(tzinfo=None)
        self.counts = DeskCounts()
        self.hash = lru_cache(maxsize=None)(sender_hash)

    def seconds(self, median: float, spread: float, cap: float) -> float:
        return min(cap, median * math.exp(self.rng.gauss(0.0, spread)))

    def unanswered(self, record: Unanswered) -> None:
        from assistant.db.models import UnansweredMessage

        resolved = record.at < self.now - timedelta(days=2) and self.rng.random() < 0.3
        self.session.add(
            UnansweredMessage(
                sender_hash=self.hash(record.sender_id),
                channel=record.channel,
                text=record.text,
                intent=record.intent,
                confidence=record.confidence,
                reason=record.reason,
                status=self.rng.choice(("paraphrase", "noise")) if resolved else "open",
                resolved_by=STAFF if resolved else None,
                resolved_at=record.at + timedelta(days=1) if resolved else None,
                created_at=record.at,
            )
        )
        self.counts.unanswered[record.reason] += 1

    def rating(self, record: Rating) -> None:
        """A 👍/👎 on an answer; a 👎 also enters the inbox (``thumbs_down``)."""
        from assistant.db.models import AnswerFeedback, UnansweredMessage

        about = {"ref": record.ref, "source": record.source}
        for name in ("procedure_code", "aspect", "faq_key"):
            if getattr(record, name):
                about[name] = getattr(record, name)
        inbox = None
        if record.rating == "down":
            if record.reason:
                about.update(reason=record.reason, comment=None)
                self.counts.reasons[record.reason] += 1
            inbox = UnansweredMessage(
                sender_hash=self.hash(record.sender_id),
                channel=record.channel,
                text=record.question,
                intent="",
                confidence=0.0,
                reason="thumbs_down",
                answered=about,
                status="open",
                created_at=record.at,
            )
            self.session.add(inbox)
            self.session.flush()
            self.counts.unanswered["thumbs_down"] += 1
        self.session.add(
            AnswerFeedback(
                sender_hash=self.hash(record.sender_id),
                answer_ref=record.ref,
                channel=record.channel,
                source=record.source,
                procedure_code=record.procedure_code,
                aspect=record.aspect,
                faq_key=record.faq_key,
                question=record.question,
                rating=record.rating,
                reason=record.reason,
                model_id="synthetic",
                inbox_message_id=inbox.id if inbox is not None else None,
                created_at=record.at,
                updated_at=record.reason_at or record.at,
            )
        )
        self.counts.feedback[record.rating] += 1

    def ticket(self, record: Ticket) -> None:
        from assistant.db.models import AnswerFeedback, Handoff

        rng = self.rng
        context = {"procedure_code": record.procedure_code} if record.procedure_code else None
        if record.kind == "message":
            draw = rng.random()
            status = "done" if draw < 0.65 else "assigned" if draw < 0.85 else "open"
            done = record.at + timedelta(hours=rng.uniform(1, 30)) if status == "done" else None
            self.session.add(
                Handoff(
                    kind="message",
                    status=status,
                    channel=record.channel,
                    conversation_id=record.sender_id,
                    context=context,
                    message=record.message,
                    phone=None,  # the citizen declined to leave a number
                    assigned_to=STAFF if status != "open" else None,
                    note="Đã liên hệ qua tin nhắn." if done else "",
                    created_at=record.at,
                    done_at=done,
                )
            )
            self.counts.handoffs[("message", status)] += 1
            record.status = status
            return
        wait = self.seconds(40.0, 0.9, 900.0)
        taken = None
        if wait > 600.0:
            status, done = "missed", record.at + timedelta(seconds=600)
        elif rng.random() < 0.06:
            status, done = "cancelled", record.at + timedelta(seconds=wait / 2)
        else:
            status, taken = "closed", record.at + timedelta(seconds=wait)
            done = taken + timedelta(seconds=self.seconds(240.0, 0.6, 3600.0))
        row = Handoff(
            kind="live",
            status=status,
            channel=record.channel,
            conversation_id=record.sender_id,
            context=context,
            assigned_to=STAFF if taken else None,
            created_at=record.at,
            taken_at=taken,
            done_at=done,
            # Rasa's conversation was resumed: nothing left for the desk's pump to do.
            resumed_at=done + timedelta(seconds=1),
        )
        self.session.add(row)
        self.counts.handoffs[("live", status)] += 1
        record.status = status
        if taken is None:
            return
        record.wait_s = (taken - record.at).total_seconds()
        self.counts.waits_s.append(record.wait_s)
        if rng.random() < 0.4:  # the citizen rated the conversation with staff
            self.session.flush()
            rating = "up" if rng.random() < 0.8 else "down"
            self.session.add(
                AnswerFeedback(
                    sender_hash=self.hash(record.sender_id),
                    answer_ref=f"{rng.getrandbits(32):08x}",
                    channel=record.channel,
                    source="handoff",
                    handoff_id=row.id,
                    rating=rating,
                    model_id="synthetic",
                    created_at=done + timedelta(seconds=30),
                    updated_at=done + timedelta(seconds=30),
                )
            )
            self.counts.desk_feedback[rating] += 1
            record.rating = rating

    def petitions(self, year: int, records: List[Report]) -> None:
        """Petitions with codes PA-<year>-9xxxxx (after any already there), which the real
        counter, starting at 1 each year, does not reach."""
        from assistant.db.models import Petition

        prefix = f"PA-{year}-9"
        taken = self.session.scalars(select(Petition.code).where(Petition.code.like(prefix + "%")))
        number = max((int(code[-6:]) for code in taken), default=900000)
        for record in records:
            number += 1
            if number > 999999:
                raise ValueError(f"no synthetic petition codes left for {year}")
            self.petition(f"PA-{year}-{number:06d}", record)

    def petition(self, code: str, record: Report) -> None:
        from assistant.db.models import Petition
        from assistant.petitions import statuses
        from assistant.petitions.config import category
        from assistant.text.normalize import fold

        rng, now = self.rng, self.now
        config = category(record.category)
        days = config.days if config else 15
        due = record.at + timedelta(days=days)
        if (now - record.at).total_seconds() < 86400:
            weights = {statuses.NEW: 60, statuses.RECEIVED: 30, statuses.IN_PROGRESS: 10}
        else:
            weights = {statuses.NEW: 8, statuses.RECEIVED: 12, statuses.IN_PROGRESS: 20}
            weights.update({statuses.RESOLVED: 50, statuses.OUT_OF_SCOPE: 10})
        status = rng.choices(list(weights), list(weights.values()))[0]
        closed = None
        if status in statuses.CLOSED:
            closed = min(now, record.at + timedelta(days=days * rng.uniform(0.2, 1.3)))
        updated = closed or min(now, record.at + timedelta(hours=rng.uniform(0, 48)))
        searched = f"{code} {record.commune_name} {record.location} {record.description}"
        self.session.add(
            Petition(
                code=code,
                category=record.category,
                commune_code=record.commune_code,
                commune_name=record.commune_name,
                location=record.location,
                description=record.description,
                search_key=" ".join(fold(searched).split()),
                consent=False,
                sender_hash=self.hash(record.sender_id),
                conversation_id=record.sender_id,
                channel=record.channel,
                status=status,
                status_reason=OUT_OF_SCOPE_REASON if status == statuses.OUT_OF_SCOPE else "",
                public_reply=RESOLVED_REPLY if status == statuses.RESOLVED else "",
                unit=config.unit if config else "",
                due_at=due,
                created_at=record.at,
                updated_at=max(updated, record.at),
                closed_at=closed,
            )
        )
        self.counts.petitions_by_category[record.category] += 1
        self.counts.petitions_by_status[status] += 1
        self.counts.petitions_by_commune[record.commune_code] += 1
        record.status, record.overdue = status, status in statuses.OPEN and due < now
        self.counts.overdue += record.overdue
