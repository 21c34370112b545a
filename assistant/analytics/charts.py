"""Inline SVG charts for the statistics page, drawn on the server from a :class:`Section`.

No JavaScript and no chart library: the page stays readable with scripts off, in a screen
reader (``role="img"``, a ``<title>`` and a Vietnamese ``<desc>``) and when printed. Every bar
and point carries a ``<title>`` tooltip with its full label and value, so category labels can
be cut short on the axis. Colours are the Okabe–Ito palette, distinguishable with the common
kinds of colour blindness. Values are drawn from 0 up: empty, non-numeric and negative cells
count as 0 (the figures are counts, rates and durations).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import Any, List, Sequence, Tuple

from assistant.analytics.sections import Section

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
EMPTY_TEXT = "Chưa có số liệu trong khoảng thời gian này."
KIND_NAMES = {
    "bar": "Biểu đồ cột",
    "stacked": "Biểu đồ cột chồng",
    "line": "Biểu đồ đường",
    "hbar": "Biểu đồ thanh ngang",
}
WIDTH = 640  # viewBox units; at 100% of a tablet-wide column one unit is about one pixel
FONT = 13  # labels; value labels are 12
CHAR = 7.2  # rough advance of one 13px sans-serif character, diacritics included
HBAR_LABEL_CHARS = 28
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass
class _Data:
    labels: List[str]
    series: List[Tuple[str, List[float]]]  # (name, one value per label)
    unit: str

    @property
    def top(self) -> float:
        return max(max(values) for _, values in self.series)


def format_number(value: Any) -> str:
    """1234 → "1.234", 12.5 → "12,5": Vietnamese separators, at most two decimals."""
    if not _is_number(value):
        return "" if value is None else str(value)
    value = float(value)
    if value.is_integer():
        text = f"{int(value):,}"
    else:
        exponent = Decimal("0.01") if abs(value) < 10 else Decimal("0.1")
        rounded = Decimal(repr(value)).quantize(exponent, ROUND_HALF_UP)  # 71,25 → 71,3
        text = f"{rounded:,f}".rstrip("0").rstrip(".")
    return text.translate(str.maketrans(",.", ".,"))


def svg(section: Section) -> str:
    """The section's chart as an ``<svg>`` element, or "" for a table-only section."""
    chart = section.chart
    if chart is None:
        return ""
    if chart.kind not in KIND_NAMES:
        raise ValueError(f"unknown chart kind {chart.kind!r}")
    base = "chart-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", section.key) or "section")
    data = _data(section)
    if not data.labels or not data.series or data.top <= 0:
        body = f'<text x="{WIDTH / 2:g}" y="34" text-anchor="middle">{_esc(EMPTY_TEXT)}</text>'
        return _root(section, base, 56, EMPTY_TEXT, body, "empty")
    legend_h, legend = (
        _legend([name for name, _ in data.series]) if len(data.series) > 1 else (0, "")
    )
    if chart.kind == "hbar":
        height, body = _horizontal(data, legend_h)
    else:
        height, body = _vertical(data, chart.kind, legend_h)
    return _root(section, base, height, _desc(section, data), legend + body, chart.kind)


def _root(section: Section, base: str, height: float, desc: str, body: str, kind: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:g}" '
        f'width="100%" role="img" aria-labelledby="{base}-title {base}-desc" '
        f'class="chart chart-{kind}" font-family="system-ui, sans-serif" font-size="{FONT}" '
        f'fill="#222">'
        f'<title id="{base}-title">{_esc(section.title)}</title>'
        f'<desc id="{base}-desc">{_esc(desc)}</desc>{body}</svg>'
    )


def _data(section: Section) -> _Data:
    chart = section.chart
    assert chart is not None

    def cell(row: Sequence[Any], index: int) -> Any:
        return row[index] if 0 <= index < len(row) else None

    labels = [_label(cell(row, chart.x)) for row in section.rows]
    series = []
    for index in chart.ys:
        name = section.columns[index] if 0 <= index < len(section.columns) else f"Cột {index + 1}"
        series.append((str(name), [_number(cell(row, index)) for row in section.rows]))
    return _Data(labels, series, chart.unit)


def _is_number(value: Any) -> bool:
    """int, float or Decimal (what SQL averages come back as), finite, and not a bool."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return False
    return (
        not (value.is_nan() or value.is_infinite())
        if isinstance(value, Decimal)
        else math.isfinite(value)
    )


def _number(value: Any) -> float:
    return max(float(value), 0.0) if _is_number(value) else 0.0


def _label(value: Any) -> str:
    return format_number(value) if _is_number(value) else str("" if value is None else value)


def _with_unit(value: float, unit: str) -> str:
    if not unit:
        return format_number(value)
    return format_number(value) + ("" if unit == "%" else " ") + unit


def _desc(section: Section, data: _Data) -> str:
    chart = section.chart
    assert chart is not None
    axis = section.columns[chart.x] if 0 <= chart.x < len(section.columns) else "mục"
    parts = [f"{KIND_NAMES[chart.kind]}: {len(data.labels)} mục theo {str(axis).lower()}."]
    for name, values in data.series:
        high = max(range(len(values)), key=values.__getitem__)
        peak = f"cao nhất {_with_unit(values[high], data.unit)} ({data.labels[high]})"
        if data.unit:  # rates and durations do not add up
            low = min(range(len(values)), key=values.__getitem__)
            rest = f"thấp nhất {_with_unit(values[low], data.unit)} ({data.labels[low]})"
            parts.append(f"{name}: {peak}, {rest}.")
        else:
            parts.append(f"{name}: tổng {format_number(sum(values))}, {peak}.")
    return " ".join(parts)


def _ticks(top: float) -> List[float]:
    """0 and a few round values (1, 2, 2,5 or 5 × 10ⁿ apart) up to at least ``top``."""
    raw = top / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    count = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def _legend(names: List[str]) -> Tuple[float, str]:
    parts, x, y = [], 12.0, 8.0
    for i, name in enumerate(names):
        width = 22 + min(len(name), 30) * CHAR + 18
        if x + width > WIDTH - 12 and x > 12:
            x, y = 12.0, y + 22
        parts.append(
            f'<rect class="key" x="{x:g}" y="{y + 2:g}" width="14" height="14" '
            f'fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{x + 20:g}" y="{y + 14:g}">{_short(name, 30)}</text>'
        )
        x += width
    return y + 26, '<g class="legend">' + "".join(parts) + "</g>"


def _vertical(data: _Data, kind: str, legend_h: float) -> Tuple[float, str]:
    height, top, bottom = 320.0, legend_h + 22, 34.0
    stacked = kind == "stacked"
    peak = max(map(sum, zip(*(v for _, v in data.series)))) if stacked else data.top
    ticks = _ticks(peak)
    left = 14 + max(len(_with_unit(t, data.unit)) for t in ticks) * CHAR
    plot_w, plot_h = WIDTH - left - 12, height - top - bottom
    n, base = len(data.labels), height - bottom
    band = plot_w / n

    def y(value: float) -> float:
        return base - value / ticks[-1] * plot_h

    out = [_hgrid(ticks, data.unit, left, y)]
    # Every step-th label, so that labels up to 16 characters (dates) are shown whole
    step = max(1, math.ceil((min(max(map(len, data.labels)), 16) + 1) * CHAR / band))
    chars = max(1, int(band * step / CHAR) - 1)
    for i in range(0, n, step):
        half = min(len(data.labels[i]), chars) * CHAR / 2  # kept inside the picture
        cx = min(max(left + (i + 0.5) * band, half + 2), WIDTH - half - 2)
        out.append(
            f'<text x="{cx:.1f}" y="{base + 20:g}" text-anchor="middle">'
            f"{_short(data.labels[i], chars)}</text>"
        )
    out.append((_lines if kind == "line" else _columns)(data, stacked, left, band, y))
    out.append(
        f'<line x1="{left:g}" x2="{WIDTH - 12:g}" y1="{base:g}" y2="{base:g}" stroke="#767676"/>'
    )
    return height, "".join(out)


def _columns(data: _Data, stacked: bool, left: float, band: float, y: Any) -> str:
    group = band * (0.7 if stacked else 0.8)
    width = group if stacked else group / len(data.series)
    out = []
    for i, label in enumerate(data.labels):
        x0, floor = left + i * band + (band - group) / 2, 0.0
        for j, (name, values) in enumerate(data.series):
            value, x = values[i], x0 if stacked else x0 + j * width
            lower = floor if stacked else 0.0
            if value > 0:
                tip = f"{label} – {name}: {_with_unit(value, data.unit)}"
                out.append(_bar(x, y(lower + value), width, y(lower) - y(lower + value), j, tip))
                if not stacked:
                    out.append(_value(x + width / 2, y(value) - 4, value, data.unit, width))
            floor += value
        if stacked and floor > 0:  # the total above the stack
            out.append(_value(x0 + group / 2, y(floor) - 4, floor, data.unit, group))
    return "".join(out)


def _lines(data: _Data, _stacked: bool, left: float, band: float, y: Any) -> str:
    out = []
    show_values = len(data.series) == 1 and len(data.labels) <= 12
    for j, (name, values) in enumerate(data.series):
        colour = PALETTE[j % len(PALETTE)]
        points = [(left + (i + 0.5) * band, y(v)) for i, v in enumerate(values)]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        out.append(
            f'<polyline class="series" points="{path}" fill="none" stroke="{colour}" '
            f'stroke-width="2.5"/>'
        )
        for (px, py), label, value in zip(points, data.labels, values):
            tip = f"{label} – {name}: {_with_unit(value, data.unit)}"
            out.append(
                f'<circle class="point" cx="{px:.1f}" cy="{py:.1f}" r="4" '
                f'fill="{colour}"><title>{_esc(tip)}</title></circle>'
            )
            if show_values:
                out.append(_value(px, py - 8, value, data.unit, band))
    return "".join(out)


def _horizontal(data: _Data, legend_h: float) -> Tuple[float, str]:
    count = len(data.series)
    thick = 20.0 if count == 1 else 14.0
    band, top = thick * count + 10, legend_h + 8
    ticks = _ticks(data.top)
    label_w = min(max(map(len, data.labels)), HBAR_LABEL_CHARS) * CHAR + 10
    value_w = max(len(_with_unit(v, data.unit)) for _, vs in data.series for v in vs) * CHAR
    left, right = 12 + label_w, WIDTH - 12 - max(value_w, len(_with_unit(ticks[-1], "")) * CHAR)
    base = top + band * len(data.labels)

    def x(value: float) -> float:
        return left + value / ticks[-1] * (right - left)

    out = []
    for tick in ticks:
        out.append(
            f'<line class="grid" x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top:g}" '
            f'y2="{base:g}" stroke="#ddd"/><text class="tick" x="{x(tick):.1f}" y="{base + 18:g}" '
            f'text-anchor="middle">{_esc(_with_unit(tick, data.unit))}</text>'
        )
    for i, label in enumerate(data.labels):
        y0 = top + i * band + 5
        out.append(
            f'<text x="{left - 8:g}" y="{y0 - 5 + band / 2:g}" text-anchor="end" '
            f'dominant-baseline="middle">{_short(label, HBAR_LABEL_CHARS)}</text>'
        )
        for j, (name, values) in enumerate(data.series):
            if values[i] > 0:
                tip = f"{label} – {name}: {_with_unit(values[i], data.unit)}"
                by = y0 + j * thick
                out.append(_bar(left, by, x(values[i]) - left, thick - 2, j, tip))
                out.append(
                    f'<text class="value" x="{x(values[i]) + 4:.1f}" y="{by + thick / 2:g}" '
                    f'dominant-baseline="middle" font-size="12">'
                    f"{_esc(_with_unit(values[i], data.unit))}</text>"
                )
    out.append(f'<line x1="{left:g}" x2="{left:g}" y1="{top:g}" y2="{base:g}" stroke="#767676"/>')
    return base + 28, "".join(out)


def _hgrid(ticks: List[float], unit: str, left: float, y: Any) -> str:
    return "".join(
        f'<line class="grid" x1="{left:g}" x2="{WIDTH - 12:g}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
        f'stroke="#ddd"/><text class="tick" x="{left - 6:g}" y="{y(t) + 4:.1f}" text-anchor="end">'
        f"{_esc(_with_unit(t, unit))}</text>"
        for t in ticks
    )


def _bar(x: float, y: float, width: float, height: float, series: int, tip: str) -> str:
    return (
        f'<rect class="bar" x="{x:.1f}" y="{y:.2f}" width="{width:.1f}" height="{height:.2f}" '
        f'fill="{PALETTE[series % len(PALETTE)]}"><title>{_esc(tip)}</title></rect>'
    )


def _value(cx: float, y: float, value: float, unit: str, room: float) -> str:
    """A value label centred above a bar or point, left out where it would not fit."""
    text = _with_unit(value, unit)
    if len(text) * CHAR * 12 / FONT > room:
        return ""
    return (
        f'<text class="value" x="{cx:.1f}" y="{y:.1f}" text-anchor="middle" '
        f'font-size="12">{_esc(text)}</text>'
    )


def _short(text: str, chars: int) -> str:
    """At most ``chars`` characters, cut with "…"; the whole text then shows as a tooltip."""
    if len(text) <= chars:
        return _esc(text)
    return f"<title>{_esc(text)}</title>{_esc(text[: max(chars - 1, 0)].rstrip())}…"


def _esc(text: Any) -> str:
    """Data becomes text, never markup; characters XML 1.0 forbids are dropped."""
    return escape(_INVALID_XML.sub("", str(text)), quote=True)
