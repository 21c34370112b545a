"""One calibrated decision between answering, confirming, clarifying and declining.

The evidence that a question is about a procedure is summed up in a probability: a logistic
model over a few features of the best catalog hit (how much of the procedure's distinctive
name the question covers, how much of the question the name explains, whether a name or alias
is quoted whole, the margin over the next hit, the search's score against the best one's).
Its weights and the thresholds are fitted on the development set of ``tests/answer_eval/`` by
``benchmarks/answer_eval.py --fit`` and kept in ``calibration.json`` beside this module, so
the numbers have one source and can be refitted.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Set

from assistant.catalog.search import Hit

CALIBRATION = Path(__file__).with_name("calibration.json")

FEATURES = (
    "name_cover",
    "name_weight",
    "alias_cover",
    "coverage",
    "coverage_gap",
    "phrase",
    "margin",
    "span",
    "length",
    "focus_cover",
    "both",
    "relative",
)


@dataclass(frozen=True)
class Calibration:
    weights: Dict[str, float]
    bias: float
    answer: float  # answer at or above this probability …
    confirm: float  # … ask "is it this one?" at or above this …
    clarify: float  # … offer choices when the best is at or above this; else decline.
    choice: float  # a further choice is offered at or above this probability
    faq_min_terms: int  # distinctive FAQ terms a question must share to get that FAQ

    @classmethod
    def load(cls, path: Path = CALIBRATION) -> Calibration:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


@lru_cache(maxsize=1)
def calibration() -> Calibration:
    return Calibration.load()


def features(
    hit: Hit,
    runner_up: Hit | None,
    span: bool,
    query_size: int,
    best_coverage: float,
    focus_cover: float = 0.0,
    best_score: float = 0.0,
    above: Hit | None = None,
) -> Dict[str, float]:
    """The evidence one hit gives, each feature in [0, 1]. ``runner_up`` and ``above`` are
    the hits ranked next below and above it by the search."""
    # How far the hit stands from its neighbours in the search's order: the lead over the
    # next, and no more than it trails the one above (a close second is not clear of
    # anything, however far the third is behind).
    margin = 1.0 if runner_up is None or hit.score <= 0 else 1 - runner_up.score / hit.score
    if above is not None and above.score > 0:
        margin = min(margin, 1 - hit.score / above.score)
    return {
        "name_cover": hit.name_cover,
        "name_weight": min(hit.name_weight, 24.0) / 24.0,
        "alias_cover": hit.alias_cover,
        "coverage": hit.coverage,
        # What another candidate explains of the question and this one does not: a
        # qualifier ("rút", "dưới 14 tuổi", "nước ngoài") only the other name has.
        "coverage_gap": max(0.0, best_coverage - hit.coverage),
        "phrase": 1.0 if hit.phrase else 0.0,
        "margin": max(0.0, min(margin, 1.0)),
        "span": 1.0 if span else 0.0,
        "length": min(query_size, 40) / 40.0,
        # How much of the name the sentence that asks says (background sentences aside).
        "focus_cover": focus_cover,
        # A name said in full that also explains the question: the two together, not either.
        "both": max(hit.name_cover, focus_cover) * hit.coverage,
        # The search's own score against the best one's.
        "relative": hit.score / best_score if best_score > 0 else 0.0,
    }


def probability(values: Dict[str, float], cal: Calibration | None = None) -> float:
    cal = cal or calibration()
    z = cal.bias + sum(cal.weights.get(name, 0.0) * values[name] for name in FEATURES)
    return 1 / (1 + math.exp(-max(min(z, 30.0), -30.0)))


@dataclass
class Scored:
    hit: Hit
    probability: float
    values: Dict[str, float] = field(default_factory=dict)


def score_hits(
    hits: Sequence[Hit],
    from_spans: Set[str],
    query_size: int,
    focus: Callable[[str], float] | None = None,
) -> List[Scored]:
    """Each hit with its probability, most probable first; ``focus(code)`` is the share of
    the procedure's name said in the sentence that asks."""
    scored = []
    best_coverage = max((h.coverage for h in hits), default=0.0)
    best_score = max((h.score for h in hits), default=0.0)
    for i, hit in enumerate(hits):
        runner_up = hits[i + 1] if i + 1 < len(hits) else None
        values = features(
            hit,
            runner_up,
            hit.code in from_spans,
            query_size,
            best_coverage,
            focus(hit.code) if focus else hit.name_cover,
            best_score,
            hits[i - 1] if i else None,
        )
        scored.append(Scored(hit, probability(values), values))
    scored.sort(key=lambda s: -s.probability)
    return scored
