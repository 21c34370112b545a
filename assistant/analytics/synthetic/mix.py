"""What a synthetic day is made of, in shares: channels, starting hours, conversation lengths,
the moves citizens make and what they ask. :class:`Draws` is the random source that the
planner and its moves share; one seeded ``random.Random`` makes a day reproducible."""

from __future__ import annotations

import random
from typing import Any, Dict, List, Tuple

CHANNELS = {"rest": 45, "zalo": 35, "facebook": 20}
START_HOURS = {h: w for h, w in zip(range(7, 21), (3, 7, 10, 10, 8, 5, 4, 6, 8, 8, 6, 4, 3, 2))}
TURNS = (22, 22, 17, 12, 9, 7, 6, 5)  # weights of conversations of 1 … 8 turns
MOVES = {
    "answer": 44,
    "faq": 12,
    "confirm": 6,
    "clarify": 6,
    "decline": 8,
    "dossier": 7,
    "smalltalk": 12,
    "handoff": 3,
    "petition": 2,
}
ASPECTS = {
    "documents": 30,
    "fee": 20,
    "time": 15,
    "place": 12,
    "steps": 12,
    "conditions": 5,
    "form": 3,
    "result": 2,
    "legal_basis": 1,
}
LOOKUPS = {"verified": 70, "failed": 25, "locked": 5}
DOWN_REASONS = {"wrong_info": 40, "wrong_procedure": 25, "unclear": 25, "other": 10}
PROCEDURES = 40  # distinct procedures asked about, Zipf-distributed
PETITION_WEIGHTS = {  # by category; a category not listed weighs 5
    "giao_thong": 25,
    "chieu_sang": 15,
    "ve_sinh_moi_truong": 20,
    "cap_thoat_nuoc": 12,
    "trat_tu_do_thi": 12,
    "an_ninh_trat_tu": 6,
    "thu_tuc_hanh_chinh": 4,
    "khac": 6,
}

Table = Tuple[List[Any], List[float]]  # keys and their cumulative weights


def weighted(table: Dict[Any, float]) -> Table:
    keys = list(table)
    total, cumulative = 0.0, []
    for key in keys:
        total += table[key]
        cumulative.append(total)
    return keys, cumulative


class Draws:
    """The day's random source; every draw goes through it, in a fixed order."""

    rng: random.Random

    def pick(self, table: Table) -> Any:
        keys, cumulative = table
        return self.rng.choices(keys, cum_weights=cumulative)[0]

    def hex(self, digits: int) -> str:
        return f"{self.rng.getrandbits(4 * digits):0{digits}x}"
