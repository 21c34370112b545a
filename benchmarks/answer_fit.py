"""Refits the answer decision's calibration on the development set (never on the probe).

Every catalog hit the resolver returns for a dev question is an example: positive when its
code is one the label accepts. A logistic regression over the hit's features gives the
probability that a hit is the procedure meant; the thresholds are then the lowest
probabilities at which the best hit is right often enough to answer (95 %), to ask "is it
this one?" (60 %), and to offer choices.
"""

from __future__ import annotations

import json
from typing import List

from assistant.answering.policy import CALIBRATION, FEATURES
from assistant.answering.service import AnswerService, procedure_spans
from assistant.catalog.service import CatalogService

ANSWER_PRECISION = 0.95
CONFIRM_PRECISION = 0.60
CLARIFY_RECALL = 0.60
CHOICE_SHARE = 0.5  # a further choice scores at least this share of the clarify threshold


def search_rows() -> List[dict]:
    """The search benchmark's labelled queries (a development set too) as fit rows."""
    import yaml
    from _common import ROOT

    path = ROOT / "benchmarks" / "search_queries.yml"
    queries = yaml.safe_load(path.read_text(encoding="utf-8"))["queries"]
    return [
        {
            "id": f"search-{n}",
            "view": "written",
            "asked": q["text"],
            "expect": "procedure",
            "codes": [q["code"], *q.get("also", [])],
            "entities": [],
        }
        for n, q in enumerate(queries)
    ]


def _examples(rows: List[dict], service: AnswerService):
    for row in rows:
        codes = set(row.get("codes") or []) if row["expect"] == "procedure" else set()
        for s in service.candidates(row["asked"], procedure_spans(row)):
            yield row, s, s.hit.code in codes


def _threshold(pairs, precision: float) -> float:
    """The lowest p at which the share of right best hits at or above it is ``precision``."""
    pairs = sorted(pairs, key=lambda x: -x[0])
    best, right = 1.0, 0
    for n, (p, ok) in enumerate(pairs, start=1):
        right += ok
        if right / n >= precision:
            best = p
    return round(best, 3)


def fit(rows: List[dict], database_url: str) -> None:
    from sklearn.linear_model import LogisticRegression

    service = AnswerService(catalog=CatalogService(database_url))
    examples = list(_examples(rows, service))
    x = [[s.values[f] for f in FEATURES] for _, s, _ in examples]
    y = [int(ok) for _, _, ok in examples]
    model = LogisticRegression(C=1.0, class_weight=None, max_iter=1000).fit(x, y)
    data = json.loads(CALIBRATION.read_text(encoding="utf-8"))
    data["weights"] = {f: round(float(w), 4) for f, w in zip(FEATURES, model.coef_[0])}
    data["bias"] = round(float(model.intercept_[0]), 4)
    CALIBRATION.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    # Thresholds from the best hit per question under the new weights.
    from assistant.answering import policy

    policy.calibration.cache_clear()
    best = {}
    for row in rows:
        key = (row["id"], row["view"])
        scored = service.candidates(row["asked"], procedure_spans(row))
        if scored:
            codes = set(row.get("codes") or []) if row["expect"] == "procedure" else set()
            top = scored[0].probability
            among = any(
                s.hit.code in codes for s in scored[:5] if s.probability >= top * CHOICE_SHARE
            )
            best[key] = (top, scored[0].hit.code in codes, among)
    pairs = [(p, ok) for p, ok, _ in best.values()]
    data["answer"] = _threshold(pairs, ANSWER_PRECISION)
    data["confirm"] = min(_threshold(pairs, CONFIRM_PRECISION), data["answer"])
    # Choices: below "confirm", offered when the right one is among them often enough.
    offered = [(p, among) for p, _, among in best.values() if p < data["confirm"]]
    data["clarify"] = min(_threshold(offered, CLARIFY_RECALL), data["confirm"])
    data["choice"] = round(data["clarify"] * CHOICE_SHARE, 3)
    CALIBRATION.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"fitted on {len(examples)} hits of {len(rows)} dev turns: {json.dumps(data)}")
