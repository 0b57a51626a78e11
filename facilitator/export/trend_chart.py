"""The trend chart of a participant record, drawn with reportlab.graphics.

Two panels over the record's date range: check-in mood, craving and anxiety (0–10), and PHQ-9 /
GAD-7 totals. A missing value breaks the line (a gap, never a zero). Each series differs by
dash pattern and marker shape as well as colour, so the chart reads in black and white.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors

from . import fmt, fonts
from .model import TrendPoint


@dataclass(frozen=True)
class _Series:
    attr: str
    label: str
    color: colors.Color
    dash: tuple[float, ...] | None
    marker: str  # "circle" | "square" | "diamond"


CHECKIN = (
    _Series("mood", "Mood", colors.HexColor("#1f77b4"), None, "circle"),
    _Series("craving", "Craving", colors.HexColor("#c0392b"), (4, 2), "square"),
    _Series("anxiety", "Anxiety", colors.HexColor("#7d5ba6"), (1, 1.5), "diamond"),
)
MEASURES = (
    _Series("phq9_total", "PHQ-9 total", colors.HexColor("#2e7d32"), None, "circle"),
    _Series("gad7_total", "GAD-7 total", colors.HexColor("#e67e22"), (4, 2), "square"),
)
_LEFT, _RIGHT, _PANEL_H, _GAP = 30, 8, 105, 42


def segments(points: Sequence[TrendPoint], attr: str) -> list[list[tuple[date, float]]]:
    """The unbroken stretches of one series: a point without a value ends a stretch."""
    out: list[list[tuple[date, float]]] = []
    current: list[tuple[date, float]] = []
    for p in sorted(points, key=lambda p: p.day):
        value = getattr(p, attr)
        if value is None:
            if current:
                out.append(current)
            current = []
        else:
            current.append((p.day, float(value)))
    if current:
        out.append(current)
    return out


def trend_drawing(points: Sequence[TrendPoint], start: date, end: date,
                  width: float) -> Drawing:
    """Both panels, stacked, as one Drawing ``width`` points wide."""
    height = 2 * _PANEL_H + 2 * _GAP + 14  # room above the top panel's title
    d = Drawing(width, height, initialFontName=fonts.REGULAR)  # else Helvetica, unembedded
    _panel(d, points, start, end, width, _GAP + _PANEL_H + _GAP, "Check-in (0–10)", CHECKIN,
           10, (0, 2, 4, 6, 8, 10))
    _panel(d, points, start, end, width, _GAP, "PHQ-9 / GAD-7 total", MEASURES, 27,
           (0, 5, 10, 15, 20, 27))
    return d


def _panel(d: Drawing, points: Sequence[TrendPoint], start: date, end: date, width: float,
           y0: float, title: str, series: Sequence[_Series], y_max: float,
           ticks: Sequence[int]) -> None:
    plot_w = width - _LEFT - _RIGHT
    span = max((end - start).days, 1)

    def x_of(day: date) -> float:
        return _LEFT + plot_w * (day - start).days / span

    def y_of(value: float) -> float:
        return y0 + _PANEL_H * min(max(value, 0), y_max) / y_max

    d.add(String(_LEFT, y0 + _PANEL_H + 6, title, fontName=fonts.BOLD, fontSize=8.5))
    d.add(Rect(_LEFT, y0, plot_w, _PANEL_H, fillColor=None, strokeColor=colors.grey,
               strokeWidth=0.5))
    for t in ticks:
        y = y_of(t)
        d.add(Line(_LEFT, y, _LEFT + plot_w, y, strokeColor=colors.HexColor("#e3e3e3"),
                   strokeWidth=0.4))
        d.add(String(_LEFT - 4, y - 2.5, str(t), fontName=fonts.REGULAR, fontSize=6.5,
                     textAnchor="end"))
    for i in range(6):
        day = start + (end - start) * i / 5
        anchor = "start" if i == 0 else "end" if i == 5 else "middle"
        d.add(String(x_of(day), y0 - 9, fmt.short_day(day), fontName=fonts.REGULAR,
                     fontSize=6.5, textAnchor=anchor))
    for s in series:
        for stretch in segments(points, s.attr):
            coords = [c for day, v in stretch for c in (x_of(day), y_of(v))]
            if len(stretch) > 1:
                d.add(PolyLine(coords, strokeColor=s.color, strokeWidth=1.2,
                               strokeDashArray=s.dash))
            for day, v in stretch:
                d.add(_marker(s, x_of(day), y_of(v)))
    _legend(d, series, y0 - 24)


def _marker(s: _Series, x: float, y: float, r: float = 2.0) -> Circle | Rect | Polygon:
    if s.marker == "square":
        return Rect(x - r, y - r, 2 * r, 2 * r, fillColor=s.color, strokeColor=None)
    if s.marker == "diamond":
        return Polygon([x, y - r * 1.3, x + r * 1.3, y, x, y + r * 1.3, x - r * 1.3, y],
                       fillColor=s.color, strokeColor=None)
    return Circle(x, y, r, fillColor=s.color, strokeColor=None)


def _legend(d: Drawing, series: Sequence[_Series], y: float) -> None:
    x = _LEFT
    group = Group()
    for s in series:
        group.add(Line(x, y + 2.5, x + 18, y + 2.5, strokeColor=s.color, strokeWidth=1.2,
                       strokeDashArray=s.dash))
        group.add(_marker(s, x + 9, y + 2.5))
        group.add(String(x + 22, y, s.label, fontName=fonts.REGULAR, fontSize=7.5))
        x += 30 + 5.2 * len(s.label)
    group.add(String(x + 6, y, "Gaps: no data that day.", fontName=fonts.REGULAR, fontSize=7,
                     fillColor=colors.grey))
    d.add(group)
