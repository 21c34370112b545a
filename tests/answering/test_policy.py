"""The calibrated decision's evidence: features of a hit and its probability."""

from __future__ import annotations

from assistant.answering.policy import FEATURES, calibration, probability, score_hits
from assistant.catalog.search import Hit


def hit(code: str, score: float, cover: float = 0.5) -> Hit:
    return Hit(code, f"Thủ tục {code}", "", score, cover, False, cover, 10.0)


def test_the_margin_is_over_the_next_hit_and_no_more_than_the_gap_to_the_one_above():
    hits = [hit("A", 10), hit("B", 9), hit("C", 1), hit("D", 0.5)]
    scored = {s.hit.code: s for s in score_hits(hits, set(), 8)}
    assert round(scored["A"].values["margin"], 2) == 0.1
    # B leads C by 89 %, but trails A by 10 %: a close second stands clear of nothing.
    assert round(scored["B"].values["margin"], 2) == 0.1
    assert round(scored["C"].values["margin"], 2) == 0.5
    assert scored["D"].values["margin"] == 0.5


def test_the_search_score_counts_against_the_best_hit():
    scored = {s.hit.code: s for s in score_hits([hit("A", 90), hit("B", 30)], set(), 8)}
    assert scored["A"].values["relative"] == 1.0
    assert round(scored["B"].values["relative"], 2) == 0.33
    [lone] = score_hits([hit("A", 0.0)], set(), 8)
    assert lone.values["relative"] == 0.0


def test_a_lone_hit_has_the_whole_margin():
    [only] = score_hits([hit("A", 3)], set(), 5)
    assert only.values["margin"] == 1.0


def test_probability_rises_with_the_name_said_and_stays_in_range():
    weak = score_hits([hit("A", 5, 0.2), hit("B", 4, 0.2)], set(), 8)[0]
    strong = score_hits([hit("A", 5, 1.0), hit("B", 4, 0.2)], set(), 8)[0]
    assert 0.0 < weak.probability < strong.probability < 1.0
    assert set(strong.values) == set(FEATURES)
    assert all(0.0 <= v <= 1.0 for v in strong.values.values())


def test_the_calibration_orders_its_thresholds():
    cal = calibration()
    assert cal.answer > cal.confirm >= cal.clarify >= cal.choice > 0
    extreme = {name: 1.0 for name in FEATURES}
    assert 0.0 < probability(extreme, cal) <= 1.0
