"""Chart geometry for server-drawn SVG (DESIGN.md §8: nothing from a CDN, pages print cleanly).

Views hand plain numbers to these functions; templates/_charts.html draws the shapes. Colours are SVG
fills rather than CSS backgrounds, so the charts print as they show.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

STATUS_COLOURS = {"met": "#1e7b34", "at_risk": "#b54708", "missed": "#b42318", "outside_range": "#b42318",
                  "no_target": "#52606d", "monitored": "#52606d", "no_data": "#cbd2d9",
                  "too_few": "#52606d"}


@dataclasses.dataclass
class Bar:
    label: str
    value: Decimal | None
    text: str
    y: float
    width: float
    colour: str
    target_x: float | None = None


@dataclasses.dataclass
class BarChart:
    bars: list[Bar]
    height: float
    left: float
    room: float
    width: float = 680
    row_height: float = 28


def bar_chart(rows: list[tuple[str, Decimal | None, str, str, Decimal | None]], left: float = 140,
              room: float = 420) -> BarChart:
    """Horizontal bars from rows of (label, value, value text, status, target); a target is a tick."""
    values = [value for _l, value, _t, _s, _g in rows if value is not None]
    values += [target for *_rest, target in rows if target is not None]
    largest = max([Decimal(0), *values])
    chart = BarChart([], len(rows) * 28 + 10, left, room)

    def x_of(amount: Decimal) -> float:
        return float(amount / largest) * room if largest else 0.0

    for index, (label, value, text, status, target) in enumerate(rows):
        chart.bars.append(Bar(label, value, text, index * chart.row_height + 5,
                              round(x_of(value), 1) if value is not None and value > 0 else 0.0,
                              STATUS_COLOURS.get(status, "#52606d"),
                              round(left + x_of(target), 1) if target is not None else None))
    return chart


@dataclasses.dataclass
class LineChart:
    points: list[tuple[float, float, str, str]]  # x, y, period label, value text
    segments: list[str]  # SVG polyline point lists; a gap in the data breaks the line
    labels: list[tuple[float, str]]
    ticks: list[tuple[float, str]]
    band: tuple[float, float] | None  # y of the normal range's top and bottom
    target: list[str]  # polyline points of the targets, when there are any
    width: float = 680
    height: float = 240
    left: float = 50
    top: float = 15
    plot_height: float = 180


def line_chart(series: list[tuple[str, Decimal | None, Decimal | None]], band: tuple[Decimal, Decimal] | None = None,
               width: float = 680) -> LineChart:
    """A line over periods from (label, value, target); ``band`` shades a normal range (e.g. 103–107)."""
    chart = LineChart([], [], [], [], None, [], width=width)
    known = [value for _l, value, _t in series if value is not None]
    known += [target for *_rest, target in series if target is not None]
    if band:
        known += list(band)
    low, high = (min(known), max(known)) if known else (Decimal(0), Decimal(1))
    if low == high:
        low, high = low - 1, high + 1
    margin = (high - low) / 10
    low, high = max(Decimal(0), low - margin) if low >= 0 else low - margin, high + margin
    plot_width = width - chart.left - 20
    step = plot_width / max(len(series) - 1, 1)

    def y_of(value: Decimal) -> float:
        return round(chart.top + chart.plot_height * float((high - value) / (high - low)), 1)

    current: list[str] = []
    targets: list[str] = []
    for index, (label, value, target) in enumerate(series):
        x = round(chart.left + index * step, 1)
        chart.labels.append((x, label))
        if target is not None:
            targets.append(f"{x},{y_of(target)}")
        if value is None:
            if current:
                chart.segments.append(" ".join(current))
            current = []
            continue
        y = y_of(value)
        current.append(f"{x},{y}")
        chart.points.append((x, y, label, f"{value:.2f}"))
    if current:
        chart.segments.append(" ".join(current))
    chart.target = [" ".join(targets)] if len(targets) > 1 else []
    chart.ticks = [(y_of(low + (high - low) * Decimal(n) / 4), f"{low + (high - low) * Decimal(n) / 4:.1f}")
                   for n in range(5)]
    if band:
        chart.band = (y_of(band[1]), y_of(band[0]))
    return chart
