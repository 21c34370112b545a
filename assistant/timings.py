"""Percentiles of measured timings, as the load run and the benchmark scripts report them."""

from __future__ import annotations

from typing import Iterable


def percentile(values: Iterable[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by the nearest rank; 0.0 when nothing was measured."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]
