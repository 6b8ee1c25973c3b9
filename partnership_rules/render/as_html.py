"""HTML: the report a client opens. One self-contained page (no script, no remote font, image
or style: it opens offline), readable on screen and printed (each section starts a page).

Sections: summary (overall health, the three most serious causes, what to do first), health
profile (a bar chart and what pulled each score down, with indicative HGIOCLD levels where
they apply), the health over time (when rendered with the partnership's history), the
partnership network drawn, the partner table, the findings by severity, the accepted risks
(findings the record's waivers set apart, each with its waiver) and the action plan.
Every piece of record or rule text goes through :func:`escape.html`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._report import ErrorReport, Finding, Report, Score
from . import escape
from .common import (
    ACCEPTED_RISKS,
    ACTION_COLUMNS,
    BAND_COLOURS,
    DIMENSION_TITLES,
    ITEM_DISAGREEMENT_COLUMNS,
    PAIR_DISAGREEMENT_COLUMNS,
    PARTNER_COLUMNS,
    SEVERITY_STYLES,
    SURVEY_COLUMNS,
    Result,
    action_cells,
    by_severity,
    category_title,
    causes_text,
    error_lines,
    evidence_items,
    findings_about,
    item_disagreement_cells,
    pair_disagreement_cells,
    partner_cells,
    partner_columns,
    progress_line,
    references_text,
    score_text,
    subject_text,
    summary_line,
    survey_cells,
    top_causes,
    trend_for,
    trend_points,
    trend_text,
    waiver_text,
)
from .network_svg import legend_html, network_svg
from .trend_svg import trend_legend_html, trend_svg

if TYPE_CHECKING:
    from .._history import History, Trend

__all__ = ["HTML_PAGE_END", "html_fragment", "html_page_start", "render_html"]

h = escape.html

_SEVERITY_CSS = "".join(
    f".{severity}{{border-color:{style.colour}}}.badge.{severity}{{background:{style.colour}}}"
    for severity, style in SEVERITY_STYLES.items()
)
_STYLE = (
    """
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:72rem;
margin:2rem auto;padding:0 1rem;color:#212121;line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2.4rem;border-bottom:2px solid #e0e0e0}
h3{margin-top:1.6rem}.meta{color:#616161;font-size:.9rem}
.headline{display:flex;gap:1.5rem;align-items:center;flex-wrap:wrap}
.score{font-size:2.6rem;font-weight:700;color:#fff;border-radius:.5rem;padding:.3rem 1rem}
.finding{border-left:5px solid #999;padding:.5rem .9rem;margin:.9rem 0;background:#fafafa;
break-inside:avoid}
.remedy{color:#1b5e20}.note{color:#616161;font-style:italic}
.finding.waived{border-left-style:dashed;background:#f5f5f5}.waiver{color:#4a148c}
.badge{color:#fff;border-radius:.3rem;padding:0 .4rem;font-size:.8rem;text-transform:uppercase}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.6rem 0}
td,th{border:1px solid #e0e0e0;padding:.3rem .5rem;vertical-align:top;text-align:left}
th{background:#f5f5f5}tr{break-inside:avoid}
td.write{min-width:7rem}
svg.network{width:100%;height:auto;border:1px solid #e0e0e0;border-radius:.4rem}
svg.network text{font-size:11px;fill:#212121}svg.chart text{font-size:12px;fill:#212121}
svg.trend{width:100%;max-width:52rem;height:auto}svg.trend text{font-size:11px;fill:#424242}
tr.current td{font-weight:600}
ul.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;font-size:.85rem}
ul.legend li{display:flex;align-items:center;gap:.3rem}
dl.evidence{display:grid;grid-template-columns:max-content auto;gap:0 1rem;font-size:.85rem;
margin:.3rem 0}dl.evidence dt{color:#616161}dl.evidence dd{margin:0}
@page{size:A4;margin:14mm}
@media print{
body{max-width:none;margin:0;font-size:10pt}
section{break-before:page}section.summary{break-before:auto}
h2{break-after:avoid}.finding{background:none}
svg.network{max-height:24cm}
}
"""
    + _SEVERITY_CSS
)


def render_html(results: Sequence[Result], histories: Sequence[History | Trend] = ()) -> str:
    """Results in order, as one HTML page; a report whose partnership has a history among
    ``histories`` shows its health over time."""
    title = (
        f"Partnership health check: {results[0].partnership.name}"
        if len(results) == 1 and isinstance(results[0], Report)
        else "Partnership health checks"
    )
    fragments = (
        html_fragment(r, trend_for(r, histories) if isinstance(r, Report) else None)
        for r in results
    )
    return html_page_start(title) + "\n".join(fragments) + HTML_PAGE_END


def html_page_start(title: str = "Partnership health checks") -> str:
    """The page up to the first result (a batch writes the results one by one after it)."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{h(title)}</title>"
        f"<style>{_STYLE}</style></head><body>\n"
    )


HTML_PAGE_END = "\n</body></html>\n"


def html_fragment(result: Result, history: History | Trend | None = None) -> str:
    """One result's part of the page, an ``<article>``; fragments are joined by newlines.
    With the ``history`` of the report's partnership, it draws the health over time."""
    if isinstance(result, ErrorReport):
        lines = [f'<article class="error"><h1>{h(result.source)}: cannot audit</h1><ul>']
        lines += [f"<li>{h(problem)}</li>" for problem in error_lines(result)]
        lines.append("</ul></article>")
        return "\n".join(lines)
    return "\n".join(["<article>", *_report(result, history), "</article>"])


def _report(report: Report, history: History | Trend | None = None) -> list[str]:
    out = [
        f"<h1>Partnership health check: {h(report.partnership.name)}</h1>",
        f'<p class="meta">{h(report.source or report.partnership.id)} · as of '
        f"{report.as_of.isoformat()} · rulesets: {h(', '.join(report.rulesets))}</p>",
    ]
    out += _summary(report)
    out += _profile(report)
    if history is not None:
        out += _trend(report, history)
    if report.network is not None and report.network.nodes:
        out += [
            '<section class="network"><h2>The partnership network</h2>',
            network_svg(report.network),
            legend_html(report.network),
            "</section>",
        ]
    out += _partners(report)
    out += _disagreements(report)
    out += _findings(report)
    out += _accepted_risks(report)
    if report.progress is not None:
        out.append(
            f'<section class="progress"><h2>Progress</h2><p>{h(progress_line(report))}</p><ul>'
        )
        for label, items in (("Resolved", report.progress.resolved), ("New", report.progress.new)):
            out += [f"<li>{label}: {h(f'{i.rule} {i.title}')}</li>" for i in items]
        out.append("</ul></section>")
    out += _action_plan(report)
    return out


def _score_badge(score: Score) -> str:
    colour = BAND_COLOURS.get(score.band, "#616161")
    return f'<span class="score" style="background:{colour}">{score.score}</span>'


def _summary(report: Report) -> list[str]:
    out = ['<section class="summary"><h2>Summary</h2>']
    if report.profile is not None:
        overall = report.profile.overall
        out.append(
            f'<div class="headline">{_score_badge(overall)}<p><strong>Overall health:'
            f" {h(score_text(overall))}.</strong><br>{h(summary_line(report))}</p></div>"
        )
    else:
        out.append(f"<p><strong>{h(summary_line(report))}</strong></p>")
    causes = top_causes(report)
    if causes:
        out.append("<h3>The most serious causes</h3><ol>")
        for cause, finding, _ in causes:
            many = f", {cause.findings} findings" if cause.findings > 1 else ""
            out.append(
                f"<li><strong>{h(cause.title)}</strong> ({h(cause.severity)}{many}):"
                f" {h(finding.message)}</li>"
            )
        out.append("</ol><h3>What to do first</h3><ol>")
        for _, finding, action in causes:
            if action is not None:
                who = action.by_whom or "an owner to agree"
                out.append(
                    f"<li>{h(finding.remedy)} <em>({h(who)}, by {action.by_when.isoformat()})</em>"
                    "</li>"
                )
        out.append("</ol>")
    out.append("</section>")
    return out


def _chart(rows: list[tuple[str, Score, bool]], label: str = "Health profile") -> str:
    """Horizontal bars, one per score, coloured by band."""
    label_width, bar_width, row_height = 330, 420, 22
    height = row_height * len(rows) + 10
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0'
        f' {label_width + bar_width + 60} {height}" role="img" aria-label="{h(label)}">'
    ]
    for index, (label, score, strong) in enumerate(rows):
        y = 5 + index * row_height
        colour = BAND_COLOURS.get(score.band, "#616161")
        weight = ' font-weight="bold"' if strong else ""
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end"{weight}>{h(label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{bar_width}" height="15" fill="#eeeeee"/>'
            f'<rect x="{label_width}" y="{y + 3}" width="{bar_width * score.score / 100:.1f}"'
            f' height="15" fill="{colour}"><title>{h(label)}: {h(score_text(score))}</title></rect>'
            f'<text x="{label_width + bar_width + 8}" y="{y + 15}">{score.score}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _profile(report: Report) -> list[str]:
    profile = report.profile
    if profile is None:
        return []
    rows: list[tuple[str, Score, bool]] = [("Overall", profile.overall, True)]
    rows += [
        (DIMENSION_TITLES.get(n, n).split(" (")[0], s, True) for n, s in profile.dimensions.items()
    ]
    rows += [(category_title(n), s, False) for n, s in profile.categories.items()]
    out = ['<section class="profile"><h2>Health profile</h2>', _chart(rows)]
    out.append("<table><tr><th>Score</th><th></th><th>Pulled down by</th></tr>")
    table_rows = [("Overall", profile.overall)]
    table_rows += [(DIMENSION_TITLES.get(n, n), s) for n, s in profile.dimensions.items()]
    table_rows += [(category_title(n), s) for n, s in profile.categories.items()]
    for label, score in table_rows:
        out.append(
            f"<tr><td>{h(label)}</td><td>{h(score_text(score))}</td>"
            f"<td>{h(causes_text(score))}</td></tr>"
        )
    out.append(
        '</table><p class="note">Each finding costs points by its severity; the README\'s'
        ' "Health profile" section gives the formula.</p>'
    )
    if profile.survey:
        out += [
            "<h3>What the survey says, factor by factor</h3>",
            _chart(
                [(f.name, Score(score=f.score, band=f.band), False) for f in profile.survey],
                "Survey factors",
            ),
            _table(SURVEY_COLUMNS, [survey_cells(f) for f in profile.survey], "survey"),
            '<p class="note">Each factor\'s mean answer, placed on 0 to 100; its band: concern'
            " below the factor's concern band, strength from the instrument's favourable answer."
            " Beside the scores, not in them.</p>",
        ]
    if report.indicative_levels:
        out.append(
            "<h3>Indicative HGIOCLD levels (not an inspection grade)</h3>"
            "<table><tr><th>Theme</th><th>Level (of 6)</th><th>Capped by</th></tr>"
        )
        for level in report.indicative_levels:
            out.append(
                f"<tr><td>{h(level.title)}</td><td>{level.level}"
                f"{' (' + h(level.label) + ')' if level.label else ''}</td>"
                f"<td>{h(', '.join(level.capped_by) or '-')}</td></tr>"
            )
        out.append("</table>")
    out.append("</section>")
    return out


def _trend(report: Report, history: History | Trend) -> list[str]:
    points = trend_points(history, report)
    rows = []
    accepted = any(point.accepted for point in points)
    for point in points:
        health = "-" if point.score is None else f"{point.score} ({point.band})"
        css = ' class="current"' if point.current else ""
        counts = "".join(f"<td>{point.summary[s]}</td>" for s in SEVERITY_STYLES)
        if accepted:
            counts += f"<td>{point.accepted}</td>"
        rows.append(
            f"<tr{css}><td>{point.as_of.isoformat()}</td><td>{h(point.label)}</td>"
            f"<td>{h(health)}</td><td>{point.findings}</td>{counts}</tr>"
        )
    head = "".join(f"<th>{style.heading}</th>" for style in SEVERITY_STYLES.values())
    head += "<th>Accepted risks</th>" if accepted else ""
    return [
        '<section class="trend"><h2>Health over time</h2>',
        f"<p>{h(trend_text(points))}</p>",
        trend_svg(points),
        trend_legend_html(points),
        '<table class="trend"><tr><th>As of</th><th>Audit</th><th>Health</th>'
        f"<th>Findings</th>{head}</tr>{''.join(rows)}</table>",
        "</section>",
    ]


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], css: str) -> str:
    head = "".join(f"<th>{h(c)}</th>" for c in header)
    body = "".join("<tr>" + "".join(f"<td>{h(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><tr>{head}</tr>{body}</table>'


def _partners(report: Report) -> list[str]:
    if not report.partners:
        return []
    titles = findings_about(report)
    columns = partner_columns(report)
    rated = len(columns) > len(PARTNER_COLUMNS)
    rows = [partner_cells(row, titles, rated) for row in report.partners]
    return [
        '<section class="partners"><h2>Partners</h2>',
        _table(columns, rows, "partners"),
        "</section>",
    ]


def _disagreements(report: Report) -> list[str]:
    found = report.disagreements
    if found is None or not (found.pairs or found.items):
        return []
    out = ['<section class="disagreements"><h2>Where partners disagree</h2>']
    if found.pairs:
        out += [
            "<p>Pairs of partners whose ratings of each other are far apart:</p>",
            _table(
                PAIR_DISAGREEMENT_COLUMNS,
                [pair_disagreement_cells(p) for p in found.pairs],
                "disagreement-pairs",
            ),
        ]
    if found.items:
        out += [
            "<p>Survey items the respondents answered far apart (worth discussing):</p>",
            _table(
                ITEM_DISAGREEMENT_COLUMNS,
                [item_disagreement_cells(i) for i in found.items],
                "disagreement-items",
            ),
        ]
    out.append("</section>")
    return out


def _finding(finding: Finding, waiver: str = "") -> str:
    """One finding; a waived one (``waiver`` says why) is marked and anchored apart."""
    evidence = "".join(
        f"<dt>{h(label)}</dt><dd>{h(value)}</dd>" for label, value in evidence_items(finding)
    )
    kind, anchor = ("finding waived", "waived") if waiver else ("finding", "finding")
    return (
        f'<div class="{kind} {finding.severity}" id="{anchor}-{h(finding.rule)}-'
        f'{h(finding.subject)}">'
        f"<strong>{h(finding.rule)} {h(finding.title)}</strong>"
        f' <span class="badge {finding.severity}">{finding.severity}</span>'
        f'<br><span class="meta">{h(subject_text(finding))} ·'
        f" {h(category_title(finding.category))}</span>"
        f"<p>{h(finding.message)}</p>"
        + (f'<p class="waiver"><strong>{h(waiver)}</strong></p>' if waiver else "")
        + f'<p class="remedy"><strong>Remedy:</strong> {h(finding.remedy)}</p>'
        + (f'<dl class="evidence">{evidence}</dl>' if evidence else "")
        + f'<p class="meta">Sources: {h(references_text(finding))}</p></div>'
    )


def _findings(report: Report) -> list[str]:
    out = ['<section class="findings"><h2>Findings</h2>']
    if not report.findings:
        out.append("<p>No findings.</p>")
    for severity, group in by_severity(report.findings):
        out.append(f"<h3>{SEVERITY_STYLES[severity].heading} ({len(group)})</h3>")
        out += [_finding(f) for f in group]
    out.append("</section>")
    return out


def _accepted_risks(report: Report) -> list[str]:
    if not report.waived:
        return []
    out = [
        f'<section class="accepted-risks"><h2>{ACCEPTED_RISKS} ({len(report.waived)})</h2>',
        '<p class="note">Findings the record\'s waivers accept until their expiry date: not'
        " counted toward the findings, the health profile or a failing exit code.</p>",
    ]
    out += [_finding(w.finding, waiver_text(w)) for w in report.waived]
    out.append("</section>")
    return out


def _action_plan(report: Report) -> list[str]:
    if not report.action_plan:
        return []
    head = "".join(f"<th>{h(c)}</th>" for c in ACTION_COLUMNS)
    rows = []
    for number, (item, finding) in enumerate(
        zip(report.action_plan, report.findings, strict=False), 1
    ):
        cells = action_cells(number, item, finding)
        rows.append(
            f'<tr class="action {item.severity}">'
            + "".join(f"<td>{h(c)}</td>" for c in cells[:5])
            + "".join(f'<td class="write">{h(c)}</td>' for c in cells[5:])
            + "</tr>"
        )
    return [
        '<section class="action-plan"><h2>Action plan</h2>',
        '<p class="note">Suggested owners and dates: agree them, then record what was achieved'
        " and what else is needed.</p>",
        f'<table class="action-plan"><tr>{head}</tr>{"".join(rows)}</table>',
        "</section>",
    ]
