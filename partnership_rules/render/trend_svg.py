"""A partnership's health over time drawn as inline SVG (no script, nothing fetched): one
column per audit, oldest on the left, with the findings stacked by severity (right axis) and
the overall health score as a line over them (left axis, 0 to 100). Audits are evenly spaced
(dates under the columns), so that audits close in time stay readable."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .._vocabulary import SEVERITIES
from . import escape
from .common import BAND_COLOURS, SEVERITY_STYLES, TrendPoint

__all__ = ["trend_legend_html", "trend_svg"]

h = escape.html

_WIDTH, _HEIGHT = 760, 250
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 700, 18, 196  # the plot area
_SCORE_COLOUR = "#37474f"
_MAX_DATE_LABELS = 12


def _findings_axis(points: Sequence[TrendPoint]) -> int:
    """The right axis' top: four whole steps of 1, 2, 2.5 or 5 times a power of ten, at
    least the most findings of any audit."""
    quarter = max(max((p.findings for p in points), default=0), 1) / 4
    power = 10 ** math.floor(math.log10(quarter)) if quarter >= 1 else 1
    step = next(
        m * power for m in (1, 2, 2.5, 5, 10) if m * power >= quarter and m * power % 1 == 0
    )
    return int(4 * step)


def trend_svg(points: Sequence[TrendPoint]) -> str:
    """The chart of ``points`` (at least one)."""
    top_count = _findings_axis(points)
    plot_height = _BOTTOM - _TOP
    step = (_RIGHT - _LEFT) / len(points)
    bar = min(36.0, step * 0.55)
    label_every = max(1, math.ceil(len(points) / _MAX_DATE_LABELS))
    parts = [
        f'<svg class="trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH}'
        f' {_HEIGHT}" role="img" aria-label="Health score and findings by severity over'
        f' {len(points)} audits">'
    ]
    for tick in range(0, 101, 25):  # grid and both axes' labels
        y = _BOTTOM - plot_height * tick / 100
        count = top_count * tick / 100
        parts.append(
            f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_RIGHT}" y2="{y:.1f}" stroke="#e0e0e0"/>'
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>'
            f'<text x="{_RIGHT + 6}" y="{y + 4:.1f}">{count:g}</text>'
        )
    parts.append(
        f'<text x="{_LEFT - 6}" y="{_TOP - 6}" text-anchor="end" class="axis">health</text>'
        f'<text x="{_RIGHT + 6}" y="{_TOP - 6}" class="axis">findings</text>'
    )
    line: list[tuple[float, float]] = []
    for index, point in enumerate(points):
        centre = _LEFT + step * (index + 0.5)
        counts = "; ".join(f"{point.summary[s]} {s}" for s in SEVERITIES if point.summary[s])
        score = "no score" if point.score is None else f"health {point.score}/100 ({point.band})"
        title = (
            f"{point.label}, as of {point.as_of.isoformat()}: {score};"
            f" {point.findings} findings{': ' + counts if counts else ''}"
        )
        css = "audit current" if point.current else "audit"
        scored = "" if point.score is None else str(point.score)
        parts.append(
            f'<g class="{css}" data-as-of="{point.as_of.isoformat()}" data-score="{scored}"'
            f' data-findings="{point.findings}"><title>{h(title)}</title>'
        )
        base = float(_BOTTOM)
        for severity in reversed(SEVERITIES):  # the worst on top
            count = point.summary[severity]
            if not count:
                continue
            height = plot_height * count / top_count
            base -= height
            parts.append(
                f'<rect x="{centre - bar / 2:.1f}" y="{base:.1f}" width="{bar:.1f}"'
                f' height="{height:.1f}" fill="{SEVERITY_STYLES[severity].colour}"'
                f' fill-opacity="0.75"/>'
            )
        if index % label_every == 0 or point.current:
            weight = ' font-weight="bold"' if point.current else ""
            parts.append(
                f'<text x="{centre:.1f}" y="{_BOTTOM + 16}" text-anchor="middle"{weight}>'
                f"{point.as_of.isoformat()}</text>"
            )
            if point.current:
                parts.append(
                    f'<text x="{centre:.1f}" y="{_BOTTOM + 30}" text-anchor="middle"'
                    f"{weight}>this audit</text>"
                )
        parts.append("</g>")
        if point.score is not None:
            line.append((centre, _BOTTOM - plot_height * point.score / 100))
    if len(line) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in line)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{_SCORE_COLOUR}" stroke-width="2"/>'
        )
    for (x, y), point in zip(line, [p for p in points if p.score is not None], strict=True):
        colour = BAND_COLOURS.get(point.band or "", "#616161")
        parts.append(
            f'<circle class="score" cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}"'
            f' stroke="{_SCORE_COLOUR}"'
            f' stroke-width="1.5"/><text x="{x:.1f}" y="{y - 9:.1f}" text-anchor="middle"'
            f' font-weight="bold">{point.score}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def trend_legend_html(points: Sequence[TrendPoint]) -> str:
    """The chart's legend: the score line and the severities present."""
    items = [
        f'<li><svg width="28" height="16" aria-hidden="true"><line x1="2" y1="8" x2="26" y2="8"'
        f' stroke="{_SCORE_COLOUR}" stroke-width="2"/><circle cx="14" cy="8" r="4"'
        f' fill="#ffffff" stroke="{_SCORE_COLOUR}"/></svg>Overall health score (left axis,'
        " 0 to 100; the dot is coloured by band)</li>"
    ]
    for severity in SEVERITIES:
        if any(p.summary[severity] for p in points):
            items.append(
                f'<li><svg width="16" height="16" aria-hidden="true"><rect width="16"'
                f' height="16" fill="{SEVERITY_STYLES[severity].colour}" fill-opacity="0.75"/>'
                f"</svg>Findings: {severity} (right axis)</li>"
            )
    return '<ul class="legend">' + "".join(items) + "</ul>"
