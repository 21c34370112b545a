"""A staff member sees correct numbers after a known synthetic day.

One day of synthetic traffic with its desk rows, rolled up, then the report: every section, for
all channels and for Zalo alone, is compared with what the generator says it wrote. The
expected figures are computed here from the generator's own counts and records (latency
percentiles from its latencies through the histogram's bounds), never copied from a run.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Dict, List

import pytest

from assistant.analytics import fold
from assistant.analytics.outcomes import ANSWERED, OUTCOME_LABELS, OUTCOMES
from assistant.analytics.report import LOOKUP_LABELS, build_report
from assistant.analytics.rollup import Rollup
from assistant.analytics.synthetic import (
    ChannelFigures,
    DeskCounts,
    Expected,
    catalog_procedures,
    generate,
    generate_desk_rows,
)
from assistant.analytics.synthetic.words import UNANSWERED
from assistant.answering.replies import ASPECT_LABELS
from assistant.db.session import session_scope
from assistant.feedback.service import REASONS
from assistant.petitions import config as petition_config
from assistant.petitions import repository as petition_repository
from assistant.petitions.statuses import LABELS as STATUS_LABELS
from assistant.settings import get_settings

DAY = date(2026, 11, 30)
LABEL = "30/11"
SEED = 11
CONVERSATIONS = 300
NOW = datetime(2026, 12, 10, 3, 0)  # naive UTC: when staff read it (some petitions overdue)
COLUMNS = {"rest": "Cổng (widget)", "zalo": "Zalo", "facebook": "Messenger"}
SECTIONS = [
    "traffic",
    "containment",
    "outcomes",
    "feedback",
    "handoffs",
    "procedures",
    "unanswered",
    "dossiers",
    "petitions_category",
    "petitions_status",
    "petitions_commune",
    "latency",
]
TOP_PROCEDURES = 20
TOP_UNANSWERED = 10
TOP_COMMUNES = 20


def share(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def nearest_rank(values: List[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(fraction * len(ordered)) - 1]


@dataclass
class Seen:
    """What the generator wrote, as a report on ``channel`` ("" for all) must show it."""

    channel: str
    conversations: Dict[str, int]  # per channel
    tracker: ChannelFigures
    ratings: Counter = field(default_factory=Counter)  # up | down of the answers
    desk_ratings: Counter = field(default_factory=Counter)  # up | down of live help
    reasons: Counter = field(default_factory=Counter)
    tickets: Counter = field(default_factory=Counter)  # live | message
    waits_s: List[float] = field(default_factory=list)
    categories: Dict[str, List[int]] = field(default_factory=dict)  # key -> [sent, overdue]
    statuses: Counter = field(default_factory=Counter)
    communes: Dict[str, List[int]] = field(default_factory=dict)  # name -> [sent, overdue]
    declined: List[str] = field(default_factory=list)  # texts the inbox received
    rated_down: List[str] = field(default_factory=list)  # 👎 answers' questions, inbox too


def seen(expected: Expected, channel: str = "") -> Seen:
    def mine(record) -> bool:
        return not channel or record.channel == channel

    view = Seen(
        channel,
        {
            name: figures.conversations if not channel or name == channel else 0
            for name, figures in expected.channels.items()
        },
        expected.channels[channel] if channel else expected.total(),
    )
    for rating in filter(mine, expected.ratings):
        view.ratings[rating.rating] += 1
        if rating.rating == "down":
            view.rated_down.append(rating.question)
            if rating.reason:
                view.reasons[rating.reason] += 1
    for ticket in filter(mine, expected.tickets):
        view.tickets[ticket.kind] += 1
        if ticket.wait_s is not None:
            view.waits_s.append(ticket.wait_s)
        if ticket.rating:
            view.desk_ratings[ticket.rating] += 1
    for petition in filter(mine, expected.reports):
        for table, key in (
            (view.categories, petition.category),
            (view.communes, petition.commune_name),
        ):
            counts = table.setdefault(key, [0, 0])
            counts[0] += 1
            counts[1] += petition.overdue
        view.statuses[petition.status] += 1
    view.declined = [u.text for u in expected.unanswered if mine(u)]
    return view


def check_against_desk_counts(view: Seen, desk: DeskCounts) -> None:
    """The records the test reads agree with what generate_desk_rows says it added."""
    assert view.ratings == desk.feedback
    assert view.desk_ratings == desk.desk_feedback
    assert view.reasons == desk.reasons
    kinds = Counter()
    for (kind, _), n in desk.handoffs.items():
        kinds[kind] += n
    assert view.tickets == kinds
    assert sorted(view.waits_s) == sorted(desk.waits_s)
    assert {k: v[0] for k, v in view.categories.items()} == desk.petitions_by_category
    assert view.statuses == desk.petitions_by_status
    assert sum(v[1] for v in view.categories.values()) == desk.overdue
    assert len(view.declined) + len(view.rated_down) == sum(desk.unanswered.values())


@pytest.fixture
def known_day(seeded_database, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'known-day-tracker.db'}"
    monkeypatch.setenv("TRACKER_STORE_URL", url)
    get_settings.cache_clear()
    # Overdue petitions are counted at the moment the report is built: make it NOW.
    monkeypatch.setattr(petition_repository, "utcnow", lambda: NOW)
    procedures = catalog_procedures()
    expected = generate(url, DAY, CONVERSATIONS, seed=SEED, procedures=procedures)
    with session_scope() as session:
        desk = generate_desk_rows(session, DAY, expected, seed=SEED, now=NOW)
    rolled = Rollup(url).run()
    assert rolled["events"] == expected.events
    return expected, desk, dict(procedures)


@pytest.mark.parametrize("channel", ["", "zalo"])
def test_a_known_day_shows_the_numbers_it_was_made_of(known_day, channel):
    expected, desk, names = known_day
    check_against_desk_counts(seen(expected), desk)
    view = seen(expected, channel)
    report = build_report(DAY, DAY, channel)
    assert [s.key for s in report.sections] == SECTIONS
    # Enough of everything that a wrong figure could not hide behind a zero.
    assert view.tracker.conversations > 50 and view.tracker.handoff_conversations
    assert view.tickets["live"] and view.tickets["message"] and view.ratings["down"]
    assert view.categories and view.reasons and view.declined and view.waits_s
    assert channel or sum(overdue for _, overdue in view.categories.values())
    assert channel or first_topic_is_biggest(view)  # the biggest group is known exactly

    assert_traffic(report.section("traffic"), view)
    assert_containment(report.section("containment"), view)
    assert_outcomes(report.section("outcomes"), view)
    assert_procedures(report.section("procedures"), view, names)
    assert_lookups(report.section("dossiers"), view)
    assert_latency(report.section("latency"), view)
    assert_feedback(report.section("feedback"), view)
    assert_handoffs(report.section("handoffs"), view)
    assert_unanswered(report.section("unanswered"), view)
    assert_petitions(report, view)


# --- One section each -------------------------------------------------------------------


def assert_traffic(section, view: Seen) -> None:
    per = [view.conversations[name] for name in COLUMNS]
    assert section.columns == ["Ngày", *COLUMNS.values(), "Tổng hội thoại", "Tin nhắn"]
    assert section.rows == [[LABEL, *per, sum(per), view.tracker.messages]]
    assert sum(per) == view.tracker.conversations
    assert section.summary == {"Hội thoại": sum(per), "Tin nhắn": view.tracker.messages}


def assert_containment(section, view: Seen) -> None:
    total = view.tracker.conversations
    kept = total - view.tracker.handoff_conversations
    assert section.rows == [[LABEL, total, kept, share(kept, total)]]
    assert section.summary == {"Tỉ lệ tự giải quyết (%)": share(kept, total)}


def assert_outcomes(section, view: Seen) -> None:
    turns = view.tracker.turns
    total = sum(turns.values())
    assert total == view.tracker.messages
    assert section.rows == [
        [OUTCOME_LABELS[outcome], turns[outcome], share(turns[outcome], total)]
        for outcome in OUTCOMES
    ]
    assert section.summary == {
        "Lượt hỏi đáp": total,
        "Trả lời được (%)": share(sum(turns[o] for o in ANSWERED), total),
        "Chưa trả lời được (%)": share(turns["decline"], total),
    }


def assert_procedures(section, view: Seen, names: Dict[str, str]) -> None:
    totals: Counter = Counter()
    aspects: Dict[str, Counter] = {}
    for (code, aspect), n in view.tracker.procedures.items():
        totals[code] += n
        aspects.setdefault(code, Counter())[aspect] += n
    shown = min(TOP_PROCEDURES, len(totals))
    assert len(section.rows) == shown
    assert section.summary == {"Số thủ tục khác nhau": len(totals)}
    counts = sorted(totals.values(), reverse=True)
    assert [row[3] for row in section.rows] == counts[:shown]
    # Codes above the last shown count are all there; at that count, ties may go either way.
    last = counts[shown - 1]
    codes = [row[1] for row in section.rows]
    assert len(set(codes)) == shown
    assert {c for c in codes if totals[c] > last} == {c for c, n in totals.items() if n > last}
    for name, code, asked, count in section.rows:
        assert totals[code] == count and name == names[code]
        parts = [(ASPECT_LABELS[a], n) for a, n in aspects[code].items()]
        # Most asked aspect first; equal counts in any order.
        parts.sort(key=lambda p: (-p[1], (asked + ",").index(f"{p[0]} {p[1]},")))
        assert asked == ", ".join(f"{label} {n}" for label, n in parts)


def assert_lookups(section, view: Seen) -> None:
    lookups = view.tracker.lookups
    assert section.rows == [[label, lookups[key]] for key, label in LOOKUP_LABELS.items()]
    assert section.summary == {"Lượt tra cứu": sum(lookups.values())}
    assert sum(lookups.values()) == view.tracker.turns["dossier"]


def assert_latency(section, view: Seen) -> None:
    bounds = [fold.latency_bucket(ms) for ms in view.tracker.latencies_ms]
    values = [math.inf if b == fold.OVERFLOW else float(b) for b in bounds]

    def shown(fraction: float):
        value = nearest_rank(values, fraction)
        return "> 10000" if value == math.inf else int(value)

    assert section.rows == [[LABEL, shown(0.5), shown(0.95), len(values)]]
    assert len(values) == view.tracker.messages
    assert section.summary == {"p50 (ms)": shown(0.5), "p95 (ms)": shown(0.95)}
    assert shown(0.5) in fold.LATENCY_BOUNDS and shown(0.5) <= shown(0.95)


def assert_feedback(section, view: Seen) -> None:
    up, down = view.ratings["up"], view.ratings["down"]
    assert section.rows == [
        ["👍 Hài lòng", up],
        ["👎 Chưa hài lòng", down],
        *[[f"Lý do: {label}", view.reasons[key]] for key, label in REASONS.items()],
        ["Hỗ trợ của cán bộ 👍", view.desk_ratings["up"]],
        ["Hỗ trợ của cán bộ 👎", view.desk_ratings["down"]],
    ]
    assert section.summary == {
        "Lượt đánh giá": up + down,
        "Tỉ lệ hài lòng (%)": share(up, up + down),
    }


def assert_handoffs(section, view: Seen) -> None:
    live, message = view.tickets["live"], view.tickets["message"]
    waits = view.waits_s
    median = round(statistics.median(waits)) if waits else None
    p90 = round(nearest_rank(waits, 0.9)) if waits else None
    assert section.rows == [[LABEL, live + message, live, message, median, p90]]
    assert section.summary == {
        "Yêu cầu": live + message,
        "Chờ trung vị (giây)": median,
        "Chờ p90 (giây)": p90,
    }


def assert_unanswered(section, view: Seen) -> None:
    sizes = [count for _, count in section.rows]
    inbox = view.declined + view.rated_down
    assert 0 < len(sizes) <= TOP_UNANSWERED and section.summary == {"Nhóm": len(sizes)}
    assert sizes == sorted(sizes, reverse=True) and sum(sizes) <= len(inbox)
    assert {text for text, _ in section.rows} <= set(inbox)
    asked = Counter(inbox)
    topics = [sum(asked[text] for text in wordings) for wordings in UNANSWERED]
    # Identical questions always share a group, and so do the first topic's wordings (all
    # about "hỗ trợ tiền điện"): the biggest group is at least each of these.
    assert sizes[0] >= max(*asked.values(), topics[0])
    if first_topic_is_biggest(view):
        text, count = section.rows[0]
        assert count == topics[0] and text in UNANSWERED[0]
        assert asked[text] == max(asked[t] for t in UNANSWERED[0])  # its most asked wording


def first_topic_is_biggest(view: Seen) -> bool:
    """Whether the first topic outnumbers any other topic and all the 👎 questions together,
    so that (topics not mixing) no other group can be as big."""
    asked = Counter(view.declined)
    topics = [sum(asked[text] for text in wordings) for wordings in UNANSWERED]
    return topics[0] > max(*topics[1:], len(view.rated_down))


def assert_petitions(report, view: Seen) -> None:
    names = {c.key: c.name for c in petition_config.categories()}
    categories = report.section("petitions_category")
    assert {row[0]: row[1:] for row in categories.rows} == {
        names[key]: counts for key, counts in view.categories.items()
    }
    sent = [row[1] for row in categories.rows]
    assert sent == sorted(sent, reverse=True)
    assert categories.summary == {
        "Phản ánh": sum(v[0] for v in view.categories.values()),
        "Quá hạn": sum(v[1] for v in view.categories.values()),
    }
    assert report.section("petitions_status").rows == [
        [label, view.statuses[key]] for key, label in STATUS_LABELS.items()
    ]
    communes = sorted(view.communes.items(), key=lambda item: (-item[1][0], item[0]))
    assert report.section("petitions_commune").rows == [
        [name, *counts] for name, counts in communes[:TOP_COMMUNES]
    ]
