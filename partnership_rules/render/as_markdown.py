"""Markdown: the report as a document (GitHub-flavoured tables). Every piece of record or rule
text goes through :func:`escape.markdown`, so none of it can become markup."""

from __future__ import annotations

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

__all__ = ["render_markdown"]

md = escape.markdown


def render_markdown(results: Sequence[Result]) -> str:
    """Results in order, one document section per result."""
    return "\n\n".join(_result(r) for r in results) + "\n"


def _result(result: Result) -> str:
    if isinstance(result, ErrorReport):
        lines = [f"## {md(result.source)}: cannot audit", ""]
        lines += [f"- {md(problem)}" for problem in error_lines(result)]
        return "\n".join(lines)
    return "\n".join(_report(result)).rstrip()


def _report(report: Report) -> list[str]:
    out = [
        f"# Partnership health check: {md(report.partnership.name)}",
        "",
        f"Source: {md(report.source or report.partnership.id)} · as of"
        f" {report.as_of.isoformat()} · rulesets: {md(', '.join(report.rulesets))}",
        "",
        f"**{summary_line(report)}**",
        "",
    ]
    if report.findings:
        out += ["| Severity | Count |", "|---|---|"]
        out += [f"| {s} | {n} |" for s, n in report.summary.items() if n]
        out.append("")
    for severity, group in by_severity(report.findings):
        out += [f"## {SEVERITY_STYLES[severity].heading} ({len(group)})", ""]
        for finding in group:
            out += [
                f"### {md(finding.rule)} {md(finding.title)}",
                "",
                f"*{md(finding.subject)}* · {md(finding.category)}",
                "",
                md(finding.message),
                "",
                f"**Remedy:** {md(finding.remedy)}",
                "",
            ]
            if finding.evidence:
                evidence = "; ".join(
                    f"{k} = {display_value(v)}" for k, v in finding.evidence.items()
                )
                out += [f"Evidence: {md(evidence)}", ""]
            out += [f"Sources: {md('; '.join(str(r) for r in finding.references))}", ""]
    if report.progress is not None:
        out += ["## Progress", "", progress_line(report), ""]
        for label, items in (("Resolved", report.progress.resolved), ("New", report.progress.new)):
            out += [f"- {label}: {md(f'{i.rule} {i.title} ({i.subject})')}" for i in items]
        out.append("")
    if report.indicative_levels:
        out += [
            "## Indicative levels (not an inspection grade)",
            "",
            "| Theme | Level | Capped by |",
            "|---|---|---|",
        ]
        for level in report.indicative_levels:
            capped = md(", ".join(level.capped_by)) or "-"
            out.append(f"| {md(level.title)} | {level.level} | {capped} |")
        out.append("")
    if report.findings:
        out += [
            "## Action plan",
            "",
            "| # | Action | About | By whom | By when | Achieved |",
            "|---|---|---|---|---|---|",
        ]
        for n, finding in enumerate(report.findings, 1):
            about = md(f"{finding.subject} ({finding.rule})")
            out.append(f"| {n} | {md(finding.remedy)} | {about} |  |  |  |")
        out.append("")
    return out
