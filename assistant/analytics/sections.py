"""What a statistics report is made of: sections, each a table that a chart draws.

A :class:`Section` is plain data (Vietnamese titles and column names, rows of cells), so the
staff page, the CSV and XLSX exports, the ``assistant report`` command and the IOC's JSON API
all show the same figures. ``chart`` says how the page draws the table: the categories come
from column ``chart.x`` and one series from each column in ``chart.ys``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Dict, List

Cell = Any  # str | int | float | None


def share(part: float, whole: float) -> float:
    """``part`` as a percentage of ``whole``, to one decimal; 0 of nothing is 0."""
    return round(100.0 * part / whole, 1) if whole else 0.0


@dataclass
class Chart:
    kind: str  # "bar" (grouped bars), "stacked" (stacked bars), "line", "hbar" (horizontal)
    x: int = 0  # the column holding the category labels
    ys: List[int] = field(default_factory=lambda: [1])  # the columns drawn as series
    unit: str = ""  # e.g. "%", "ms", shown after values


@dataclass
class Section:
    key: str  # stable identifier: traffic, containment, outcomes, ...
    title: str
    columns: List[str]
    rows: List[List[Cell]]
    chart: Chart | None = None  # None: a table only
    note: str = ""  # how to read it (e.g. percentiles are bucket bounds)
    summary: Dict[str, Cell] = field(default_factory=dict)  # headline figures

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    start: date  # first local day (Vietnam time), inclusive
    end: date  # last local day, inclusive
    channel: str  # "" for all channels
    generated_at: datetime  # naive UTC
    sections: List[Section]

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def as_dict(self) -> Dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "channel": self.channel or None,
            "generated_at": self.generated_at.isoformat() + "Z",
            "sections": [s.as_dict() for s in self.sections],
        }
