"""Scoring what the assistant did with a labelled question (pure functions).

A label says what a right answer is: ``expect: procedure`` with the acceptable ``codes`` and
the ``aspect``; ``expect: faq`` with the ``faq`` key; or ``expect: decline``. What the
assistant did is the ``answer_decision`` it recorded (kind, code, aspect, candidates, faq)
and, when no decision was recorded, the actions it ran (an out-of-scope or fallback reply
is a decline).
"""

from __future__ import annotations

from collections import Counter
from typing import Dict, Iterable, List

OUTCOMES = ("helpful", "confirmed", "clarified", "clarified_without", "declined", "missed", "wrong")

TARGETS = {
    "wrong_rate": 0.03,
    "wrong_rate_chat": 0.02,
    "answerable_ok_rate": 0.70,
    "answerable_ok_rate_chat": 0.95,
    "decline_ok_rate": 0.90,
    "same_outcome_rate": 0.95,
    "buttons_recall": 0.80,
}


def _kind(got: dict) -> str:
    decision = got.get("decision") or {}
    if decision.get("kind"):
        return decision["kind"]
    return "decline"  # out of scope, fallback, small talk: nothing presented as an answer


def outcome(label: dict, got: dict) -> str:
    """One of OUTCOMES for a labelled question and what the assistant did with it."""
    decision = got.get("decision") or {}
    kind = _kind(got)
    codes = set(label.get("codes") or [])
    expect = label["expect"]
    if kind == "decline":
        return "declined" if expect == "decline" else "missed"
    if kind == "faq":
        if expect == "faq" and decision.get("faq") == label.get("faq"):
            return "helpful"
        return "wrong"
    if kind == "ask":
        return "clarified_without"  # "which procedure?": nothing presented as the answer
    if expect == "decline":
        # Asking "is it this one?" or "which one?" presents nothing as the answer.
        return "clarified_without" if kind in ("confirm", "clarify") else "wrong"
    if kind == "answer":
        if expect == "procedure" and decision.get("code") in codes:
            return "helpful" if decision.get("aspect") == label.get("aspect") else "wrong"
        return "wrong"
    offered = {decision.get("code")} if kind == "confirm" else set(decision.get("candidates") or [])
    if expect == "procedure" and offered & codes:
        return "confirmed" if kind == "confirm" else "clarified"
    return "clarified_without"


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def figures(rows: List[dict]) -> dict:
    """The benchmark's figures for one slice of scored rows (one row = one question, one view)."""
    counts = Counter(r["outcome"] for r in rows)
    answerable = [r for r in rows if r["expect"] != "decline"]
    declines = [r for r in rows if r["expect"] == "decline"]
    ok = sum(1 for r in answerable if r["outcome"] in ("helpful", "confirmed", "clarified"))
    decline_ok = sum(1 for r in declines if r["outcome"] in ("declined", "clarified_without"))
    with_buttons = [
        r for r in answerable if (r.get("decision") or {}).get("kind") in ("confirm", "clarify")
    ]
    recalled = sum(1 for r in with_buttons if r["outcome"] in ("confirmed", "clarified"))
    pairs = _pairs(rows)
    same = sum(1 for a, b in pairs if a == b)
    return {
        "questions": len(rows),
        "outcomes": {name: counts.get(name, 0) for name in OUTCOMES},
        "wrong_rate": _rate(counts.get("wrong", 0), len(rows)),
        "answerable_ok_rate": _rate(ok, len(answerable)),
        "helpful_rate": _rate(counts.get("helpful", 0), len(answerable)),
        "decline_ok_rate": _rate(decline_ok, len(declines)),
        "buttons_recall": _rate(recalled, len(with_buttons)),
        "same_outcome_rate": _rate(same, len(pairs)),
    }


def _pairs(rows: Iterable[dict]) -> List[tuple]:
    by_question: Dict[str, Dict[str, str]] = {}
    for r in rows:
        by_question.setdefault(f"{r['set']}/{r['id']}", {})[r["view"]] = r["outcome"]
    return [
        (views["written"], views["stripped"])
        for views in by_question.values()
        if "written" in views and "stripped" in views
    ]


def summarise(rows: List[dict]) -> Dict[str, dict]:
    """Figures for the whole set, each style, and each view."""
    slices = {"all": rows}
    for style in ("long", "chat"):
        slices[style] = [r for r in rows if r.get("style") == style]
    for view in ("written", "stripped"):
        slices[view] = [r for r in rows if r["view"] == view]
    return {name: figures(part) for name, part in slices.items() if part}


def check_targets(summary: Dict[str, dict]) -> List[str]:
    """One line per target: ✔ or ✘, the figure and the target."""
    lines = []

    def check(label: str, value: float, target: float, at_most: bool) -> None:
        ok = value <= target if at_most else value >= target
        sign = "≤" if at_most else "≥"
        lines.append(f"{'✔' if ok else '✘'} {label}: {value:.1%} (target {sign} {target:.0%})")

    for view in ("written", "stripped"):
        f = summary.get(view)
        if f:
            check(f"wrong, {view}", f["wrong_rate"], TARGETS["wrong_rate"], True)
            check(
                f"helpful+, {view}", f["answerable_ok_rate"], TARGETS["answerable_ok_rate"], False
            )
            check(f"decline ok, {view}", f["decline_ok_rate"], TARGETS["decline_ok_rate"], False)
            check(f"buttons recall, {view}", f["buttons_recall"], TARGETS["buttons_recall"], False)
    chat = summary.get("chat")
    if chat:
        check("wrong, chat", chat["wrong_rate"], TARGETS["wrong_rate_chat"], True)
        check(
            "helpful+, chat", chat["answerable_ok_rate"], TARGETS["answerable_ok_rate_chat"], False
        )
    if summary.get("all"):
        check(
            "same outcome with/without diacritics",
            summary["all"]["same_outcome_rate"],
            TARGETS["same_outcome_rate"],
            False,
        )
    return lines
