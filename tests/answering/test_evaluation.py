"""Scoring what the assistant did against a label (the answer benchmark's rules)."""

from __future__ import annotations

import pytest

from assistant.answering.evaluation import check_targets, figures, outcome

PROCEDURE = {"expect": "procedure", "codes": ["1.1", "1.2"], "aspect": "fee"}
FAQ = {"expect": "faq", "faq": "working_hours"}
DECLINE = {"expect": "decline", "reason": "penalty"}


def did(kind=None, **decision):
    return {"decision": {"kind": kind, **decision} if kind else None}


@pytest.mark.parametrize(
    "label, got, expected",
    [
        (PROCEDURE, did("answer", code="1.2", aspect="fee"), "helpful"),
        (PROCEDURE, did("answer", code="1.2", aspect="documents"), "wrong"),
        (PROCEDURE, did("answer", code="9.9", aspect="fee"), "wrong"),
        (PROCEDURE, did("confirm", code="1.1"), "confirmed"),
        (PROCEDURE, did("confirm", code="9.9"), "clarified_without"),
        (PROCEDURE, did("clarify", candidates=["9.9", "1.2"]), "clarified"),
        (PROCEDURE, did("clarify", candidates=["9.9"]), "clarified_without"),
        (PROCEDURE, did("ask"), "clarified_without"),
        (PROCEDURE, did("decline", reason="out_of_catalog"), "missed"),
        (PROCEDURE, did(), "missed"),  # an out-of-scope reply records no decision
        (PROCEDURE, did("faq", faq="working_hours"), "wrong"),
        (FAQ, did("faq", faq="working_hours"), "helpful"),
        (FAQ, did("faq", faq="hotline"), "wrong"),
        (FAQ, did("answer", code="1.1", aspect="fee"), "wrong"),
        (DECLINE, did("decline", reason="penalty"), "declined"),
        (DECLINE, did("confirm", code="1.1"), "clarified_without"),
        (DECLINE, did("answer", code="1.1", aspect="fee"), "wrong"),
        (DECLINE, did("faq", faq="hotline"), "wrong"),
    ],
)
def test_outcome(label, got, expected):
    assert outcome(label, got) == expected


def _row(qid, view, label, result):
    return {"set": "dev", "id": qid, "view": view, "style": "chat", **label, "outcome": result}


def test_figures_count_what_the_targets_need():
    rows = [
        _row("a", "written", PROCEDURE, "helpful"),
        _row("a", "stripped", PROCEDURE, "wrong"),
        _row("b", "written", DECLINE, "declined"),
        _row("b", "stripped", DECLINE, "declined"),
    ]
    f = figures(rows)
    assert f["wrong_rate"] == 0.25
    assert f["answerable_ok_rate"] == 0.5
    assert f["decline_ok_rate"] == 1.0
    assert f["same_outcome_rate"] == 0.5  # question a differs between its two views
    lines = check_targets({"written": f, "all": f})
    assert any(line.startswith("✘ wrong, written") for line in lines)
    assert any(line.startswith("✔ decline ok, written") for line in lines)
