"""Markdown: the report as a document (GitHub-flavoured tables), with the HTML report's
sections but the network drawing: summary, health profile, partner table, findings by
severity, action plan. Every piece of record or rule text goes through
:func:`escape.markdown`, so none of it can become markup."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._report import ErrorReport, Report
from . import escape
from .common import (
    ACCEPTED_RISKS,
    ACTION_COLUMNS,
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
    evidence_text,
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

if TYPE_CHECKING:
    from .._history import History, Trend

__all__ = ["render_markdown"]

md = escape.markdown


def render_markdown(results: Sequence[Result], histories: Sequence[History | Trend] = ()) -> str:
    """Results in order, one document section per result; a report whose partnership has a
    history among ``histories`` shows its health over time (a table)."""
    return "\n\n".join(_result(r, histories) for r in results) + "\n"


def _result(result: Result, histories: Sequence[History | Trend]) -> str:
    if isinstance(result, ErrorReport):
        lines = [f"## {md(result.source)}: cannot audit", ""]
        lines += [f"- {md(problem)}" for problem in error_lines(result)]
        return "\n".join(lines)
    return "\n".join(_report(result, trend_for(result, histories))).rstrip()


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows), ""]


def _report(report: Report, history: History | Trend | None) -> list[str]:
    out = [
        f"# Partnership health check: {md(report.partnership.name)}",
        "",
        f"Source: {md(report.source or report.partnership.id)} · as of"
        f" {report.as_of.isoformat()} · rulesets: {md(', '.join(report.rulesets))}",
        "",
    ]
    out += _summary(report)
    out += _profile(report)
    if history is not None:
        out += _trend(report, history)
    if report.partners:
        titles = findings_about(report)
        columns = partner_columns(report)
        rated = len(columns) > len(PARTNER_COLUMNS)
        out += ["## Partners", ""]
        out += _table(
            columns, [[md(c) for c in partner_cells(r, titles, rated)] for r in report.partners]
        )
    out += _disagreements(report)
    out += _findings(report)
    out += _accepted_risks(report)
    if report.progress is not None:
        out += ["## Progress", "", progress_line(report), ""]
        for label, items in (("Resolved", report.progress.resolved), ("New", report.progress.new)):
            out += [f"- {label}: {md(f'{i.rule} {i.title} ({i.subject})')}" for i in items]
        out.append("")
    if report.action_plan:
        out += [
            "## Action plan",
            "",
            "Suggested owners and dates: agree them, then record what was achieved and what"
            " else is needed.",
            "",
        ]
        out += _table(
            ACTION_COLUMNS,
            [
                [md(c) for c in action_cells(n, item, finding)]
                for n, (item, finding) in enumerate(
                    zip(report.action_plan, report.findings, strict=False), 1
                )
            ],
        )
    return out


def _summary(report: Report) -> list[str]:
    out = ["## Summary", ""]
    if report.profile is not None:
        out += [f"**Overall health: {score_text(report.profile.overall)}.** {summary_line(report)}"]
    else:
        out += [f"**{summary_line(report)}**"]
    out.append("")
    causes = top_causes(report)
    if causes:
        out += ["Most serious causes:", ""]
        for n, (cause, finding, _) in enumerate(causes, 1):
            many = f", {cause.findings} findings" if cause.findings > 1 else ""
            out.append(f"{n}. {md(cause.title)} ({cause.severity}{many}): {md(finding.message)}")
        out += ["", "What to do first:", ""]
        for n, (_, finding, action) in enumerate(causes, 1):
            if action is not None:
                who = md(action.by_whom or "an owner to agree")
                out.append(f"{n}. {md(finding.remedy)} ({who}, by {action.by_when.isoformat()})")
        out.append("")
    return out


def _profile(report: Report) -> list[str]:
    profile = report.profile
    if profile is None:
        return []
    out = ["## Health profile", ""]
    rows = [["**Overall**", score_text(profile.overall), md(causes_text(profile.overall))]]
    rows += [
        [DIMENSION_TITLES.get(name, name), score_text(score), md(causes_text(score))]
        for name, score in profile.dimensions.items()
    ]
    out += _table(("Dimension", "Score", "Pulled down by"), rows)
    out += _table(
        ("Category", "Score", "Pulled down by"),
        [
            [category_title(name), score_text(score), md(causes_text(score))]
            for name, score in profile.categories.items()
        ],
    )
    out += [
        'Each finding costs points by its severity; the README\'s "Health profile" section'
        " gives the formula.",
        "",
    ]
    if profile.survey:
        out += [
            "### What the survey says, factor by factor",
            "",
            "Each factor's mean answer (its band: concern below the factor's concern band,"
            " strength from the instrument's favourable answer); beside the scores, not in them.",
            "",
        ]
        out += _table(SURVEY_COLUMNS, [[md(c) for c in survey_cells(f)] for f in profile.survey])
    if report.indicative_levels:
        out += ["### Indicative HGIOCLD levels (not an inspection grade)", ""]
        out += _table(
            ("Theme", "Level (of 6)", "Capped by"),
            [
                [
                    md(level.title),
                    f"{level.level} ({md(level.label)})" if level.label else str(level.level),
                    md(", ".join(level.capped_by)) or "-",
                ]
                for level in report.indicative_levels
            ],
        )
    return out


def _trend(report: Report, history: History | Trend) -> list[str]:
    points = trend_points(history, report)
    accepted = any(p.accepted for p in points)  # a column only when some audit has any
    rows = [
        [
            f"**{p.as_of.isoformat()}**" if p.current else p.as_of.isoformat(),
            md(p.label),
            "-" if p.score is None else f"{p.score} ({md(p.band or '')})",
            str(p.findings),
            *(str(n) for n in p.summary.values()),
            *([str(p.accepted)] if accepted else []),
        ]
        for p in points
    ]
    header = (
        "As of",
        "Audit",
        "Health",
        "Findings",
        *(s.heading for s in SEVERITY_STYLES.values()),
        *(["Accepted risks"] if accepted else []),
    )
    return ["## Health over time", "", trend_text(points), "", *_table(header, rows)]


def _disagreements(report: Report) -> list[str]:
    found = report.disagreements
    if found is None or not (found.pairs or found.items):
        return []
    out = ["## Where partners disagree", ""]
    if found.pairs:
        out += ["Pairs of partners whose ratings of each other are far apart:", ""]
        out += _table(
            PAIR_DISAGREEMENT_COLUMNS,
            [[md(c) for c in pair_disagreement_cells(p)] for p in found.pairs],
        )
    if found.items:
        out += ["Survey items the respondents answered far apart (worth discussing):", ""]
        out += _table(
            ITEM_DISAGREEMENT_COLUMNS,
            [[md(c) for c in item_disagreement_cells(i)] for i in found.items],
        )
    return out


def _findings(report: Report) -> list[str]:
    if not report.findings:
        return ["## Findings", "", "No findings.", ""]
    out = ["## Findings", ""]
    out += _table(("Severity", "Findings"), [[s, str(n)] for s, n in report.summary.items() if n])
    for severity, group in by_severity(report.findings):
        out += [f"### {SEVERITY_STYLES[severity].heading} ({len(group)})", ""]
        for finding in group:
            out += [
                f"#### {md(finding.rule)} {md(finding.title)}",
                "",
                f"*{md(subject_text(finding))}* · {md(category_title(finding.category))}",
                "",
                md(finding.message),
                "",
                f"**Remedy:** {md(finding.remedy)}",
                "",
            ]
            if finding.evidence:
                out += [f"Evidence: {md(evidence_text(finding))}", ""]
            out += [f"Sources: {md(references_text(finding))}", ""]
    return out


def _accepted_risks(report: Report) -> list[str]:
    if not report.waived:
        return []
    out = [
        f"## {ACCEPTED_RISKS} ({len(report.waived)})",
        "",
        "Findings the record's waivers accept until their expiry date: not counted toward the"
        " findings, the health profile or a failing exit code.",
        "",
    ]
    for waived in report.waived:
        finding = waived.finding
        out += [
            f"#### {md(finding.rule)} {md(finding.title)} ({finding.severity})",
            "",
            f"*{md(subject_text(finding))}* · {md(category_title(finding.category))}",
            "",
            md(finding.message),
            "",
            f"**{md(waiver_text(waived))}**",
            "",
            f"**Remedy:** {md(finding.remedy)}",
            "",
            f"Sources: {md(references_text(finding))}",
            "",
        ]
    return out
