"""HTML: one self-contained page (no scripts, no remote resources). Every piece of record or
rule text goes through :func:`escape.html`."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .._report import ErrorReport, Report
from . import escape
from .common import (
    SEVERITY_STYLES,
    Result,
    by_severity,
    display_value,
    error_lines,
    progress_line,
    summary_line,
)

__all__ = ["HTML_PAGE_END", "html_fragment", "html_page_start", "render_html"]

h = escape.html

_SEVERITY_CSS = "".join(
    f".{severity}{{border-color:{style.colour}}}" for severity, style in SEVERITY_STYLES.items()
)
_STYLE = (
    """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}
.finding{border-left:4px solid #999;padding:.4rem .8rem;margin:.8rem 0;background:#fafafa}
.meta{color:#666;font-size:.9rem}.remedy{color:#1b5e20}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.3rem .6rem}
svg text{font-size:10px}
"""
    + _SEVERITY_CSS
)


def _network_svg(report: Report) -> str:
    """A picture of who the findings are about: partners on a ring, flagged ones coloured."""
    flagged: dict[str, str] = {}
    for finding in report.findings:
        flagged.setdefault(finding.subject, finding.severity)
    nodes = sorted(s for s in flagged if s.split(":", 1)[0] in ("partner", "stakeholder", "body"))
    if not nodes:
        return ""
    size, radius = 360, 130
    centre = size / 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}"'
        ' role="img" aria-label="subjects with findings">',
        f'<circle cx="{centre}" cy="{centre}" r="18" fill="#37474f"/>',
    ]
    for i, node in enumerate(nodes):
        angle = 2 * math.pi * i / len(nodes)
        x, y = centre + radius * math.cos(angle), centre + radius * math.sin(angle)
        colour = SEVERITY_STYLES[flagged[node]].colour
        parts.append(f'<line x1="{centre}" y1="{centre}" x2="{x:.1f}" y2="{y:.1f}" stroke="#bbb"/>')
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="{colour}"/>')
        parts.append(f'<text x="{x:.1f}" y="{y + 20:.1f}" text-anchor="middle">{h(node)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _report(report: Report) -> list[str]:
    body = [
        f"<h1>Partnership health check: {h(report.partnership.name)}</h1>",
        f'<p class="meta">{h(report.source or report.partnership.id)} · as of '
        f"{report.as_of.isoformat()} · rulesets: {h(', '.join(report.rulesets))}</p>",
        f"<p><strong>{h(summary_line(report))}</strong></p>",
    ]
    if report.progress is not None:
        body.append(f"<p><strong>{h(progress_line(report))}</strong></p><ul>")
        for label, items in (("Resolved", report.progress.resolved), ("New", report.progress.new)):
            body += [f"<li>{label}: {h(f'{i.rule} {i.title} ({i.subject})')}</li>" for i in items]
        body.append("</ul>")
    body.append(_network_svg(report))
    for severity, group in by_severity(report.findings):
        body.append(f"<h2>{SEVERITY_STYLES[severity].heading} ({len(group)})</h2>")
        for f in group:
            evidence = "; ".join(f"{k} = {display_value(v)}" for k, v in f.evidence.items())
            body.append(
                f'<div class="finding {severity}">'
                f"<strong>{h(f.rule)} {h(f.title)}</strong>"
                f' <span class="meta">{h(f.subject)} · {h(f.category)}</span>'
                f"<p>{h(f.message)}</p>"
                f'<p class="remedy"><strong>Remedy:</strong> {h(f.remedy)}</p>'
                f'<p class="meta">Evidence: {h(evidence)}<br>'
                f"Sources: {h('; '.join(str(r) for r in f.references))}</p></div>"
            )
    if report.indicative_levels:
        body.append(
            "<h2>Indicative levels (not an inspection grade)</h2>"
            "<table><tr><th>Theme</th><th>Level</th><th>Capped by</th></tr>"
        )
        for level in report.indicative_levels:
            body.append(
                f"<tr><td>{h(level.title)}</td><td>{level.level}</td>"
                f"<td>{h(', '.join(level.capped_by) or '-')}</td></tr>"
            )
        body.append("</table>")
    return body


def render_html(results: Sequence[Result]) -> str:
    """Results in order, as one HTML page."""
    return html_page_start() + "\n".join(html_fragment(r) for r in results) + HTML_PAGE_END


def html_page_start() -> str:
    """The page up to the first result (a batch writes the results one by one after it)."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Partnership health check</title>"
        f"<style>{_STYLE}</style></head><body>\n"
    )


HTML_PAGE_END = "\n</body></html>\n"


def html_fragment(result: Result) -> str:
    """One result's part of the page; fragments are joined by newlines."""
    if isinstance(result, ErrorReport):
        lines = [f"<h1>{h(result.source)}: cannot audit</h1><ul>"]
        lines += [f"<li>{h(problem)}</li>" for problem in error_lines(result)]
        lines.append("</ul>")
        return "\n".join(lines)
    return "\n".join(_report(result))
