"""Render reports: text for a terminal, JSON, SARIF 2.1.0, Markdown and a self-contained HTML page.

Every renderer takes a list of results (a :class:`Report`, or an :class:`ErrorReport` for an
input that could not be audited) and returns a string; nothing here prints.
"""

from __future__ import annotations

import html
import io
import json
import math
import textwrap
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.text import Text

from ._errors import UsageError
from ._report import ErrorReport, Finding, Report
from ._vocabulary import SEVERITIES

__all__ = ["FORMATS", "render", "render_batch"]

FORMATS = ("text", "json", "sarif", "markdown", "html")
Result = Report | ErrorReport

_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "bold yellow",
    "low": "cyan",
    "info": "dim",
}
_HEADINGS = {
    "critical": "Critical",
    "high": "High",
    "medium": "Medium",
    "low": "Low",
    "info": "For information",
}


def render(result: Result, fmt: str = "text", *, color: bool = False, width: int = 100) -> str:
    """Render one report (JSON: one object)."""
    return render_batch([result], fmt, color=color, width=width, single=True)


def render_batch(
    results: Sequence[Result],
    fmt: str = "text",
    *,
    color: bool = False,
    width: int = 100,
    single: bool | None = None,
) -> str:
    """Render results in order. JSON gives an array unless ``single`` (default: one result)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}' (use one of: {', '.join(FORMATS)})")
    single = len(results) == 1 if single is None else single
    if fmt == "json":
        data: Any = [r.to_dict() for r in results]
        return json.dumps(data[0] if single and data else data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "sarif":
        return json.dumps(_sarif(results), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return "\n\n".join(_markdown(r) for r in results) + "\n"
    if fmt == "html":
        return _html(results)
    return _text(results, color=color, width=width)


def _summary_line(report: Report) -> str:
    counts = [f"{n} {s}" for s, n in report.summary.items() if n]
    total = len(report.findings)
    if not total:
        return "No findings."
    return f"{total} finding{'s' if total != 1 else ''}: " + ", ".join(counts) + "."


def _progress_line(report: Report) -> str:
    progress = report.progress
    assert progress is not None
    return (
        f"Since {progress.baseline_as_of.isoformat()}: {len(progress.resolved)} resolved,"
        f" {len(progress.new)} new, {len(progress.remaining)} remaining."
    )


def _text(results: Sequence[Result], *, color: bool, width: int) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        width=width,
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )
    for index, result in enumerate(results):
        if index:
            console.print()
        if isinstance(result, ErrorReport):
            console.print(Text(f"{result.source}: cannot audit", style="bold red"))
            for line in result.error.problems or [result.error.message]:
                console.print(Text(f"  {line}"))
            continue
        console.print(Text(result.partnership.name, style="bold"))
        console.print(
            Text(
                f"{result.source or result.partnership.id} · as of {result.as_of.isoformat()}"
                f" · rulesets: {', '.join(result.rulesets)}",
                style="dim",
            ),
            overflow="fold",
        )
        for severity in SEVERITIES:
            group = [f for f in result.findings if f.severity == severity]
            if not group:
                continue
            console.print()
            console.print(Text(f"{_HEADINGS[severity]} ({len(group)})", style=_STYLE[severity]))
            for finding in group:
                _text_finding(console, finding)
        for level in result.indicative_levels:
            console.print()
            console.print(
                Text(
                    f"Indicative level, {level.title}: {level.level} of 6 ({level.note})",
                    style="bold",
                )
            )
            if level.capped_by:
                console.print(Text(f"  capped by {', '.join(level.capped_by)}", style="dim"))
        if result.progress is not None:
            console.print()
            console.print(Text(_progress_line(result), style="bold"))
            for label, items in (
                ("resolved", result.progress.resolved),
                ("new", result.progress.new),
            ):
                for item in items:
                    console.print(Text(f"  {label}: {item.rule} {item.title} [{item.subject}]"))
        console.print()
        console.print(Text(_summary_line(result), style="bold"))
    return buffer.getvalue()


def _text_finding(console: Console, finding: Finding) -> None:
    head = Text("  ")
    head.append(f"{finding.rule}", style=_STYLE[finding.severity])
    head.append(f" {finding.title}", style="bold")
    head.append(f"  [{finding.subject}]", style="dim")
    console.print(head, soft_wrap=True)
    width = max(console.width - 4, 40)
    for text, style in ((finding.message, ""), (f"Remedy: {finding.remedy}", "green")):
        wrapped = textwrap.fill(text, width, initial_indent="    ", subsequent_indent="    ")
        console.print(Text(wrapped, style=style), soft_wrap=True)


def _sarif_level(severity: str) -> str:
    return {"critical": "error", "high": "error", "medium": "warning"}.get(severity, "note")


def _sarif(results: Sequence[Result]) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    sarif_results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    artifacts: list[str] = []
    for result in results:
        source = (
            result.source
            if isinstance(result, ErrorReport)
            else (result.source or result.partnership.id)
        )
        if source not in artifacts:
            artifacts.append(source)
        if isinstance(result, ErrorReport):
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": result.error.message},
                    "locations": [_sarif_location(source, result.error.line)],
                }
            )
            continue
        for finding in result.findings:
            rules.setdefault(
                finding.rule,
                {
                    "id": finding.rule,
                    "name": finding.name or finding.rule,
                    "shortDescription": {"text": finding.title},
                    "help": {"text": finding.remedy},
                    "defaultConfiguration": {"level": _sarif_level(finding.severity)},
                    "properties": {
                        "category": finding.category,
                        "severity": finding.severity,
                        "references": [str(r) for r in finding.references],
                    },
                },
            )
            sarif_results.append(
                {
                    "ruleId": finding.rule,
                    "level": _sarif_level(finding.severity),
                    "message": {"text": f"{finding.message} Remedy: {finding.remedy}"},
                    "locations": [
                        {
                            **_sarif_location(source, None),
                            "logicalLocations": [{"fullyQualifiedName": finding.subject}],
                        }
                    ],
                    "properties": {"subject": finding.subject, "evidence": finding.evidence},
                }
            )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "partnership-rules",
                "informationUri": "https://pypi.org/project/partnership-rules/",
                "rules": [rules[k] for k in sorted(rules)],
            }
        },
        "artifacts": [{"location": {"uri": a}} for a in artifacts],
        "results": sarif_results,
        "invocations": [
            {"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}
        ],
    }
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }


def _sarif_location(uri: str, line: int | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    if line:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(result: Result) -> str:
    if isinstance(result, ErrorReport):
        lines = [f"## {result.source}: cannot audit", ""]
        lines += [f"- {_md_escape(p)}" for p in (result.error.problems or [result.error.message])]
        return "\n".join(lines)
    out = [
        f"# Partnership health check: {result.partnership.name}",
        "",
        f"Source: `{result.source or result.partnership.id}` · as of {result.as_of.isoformat()}"
        f" · rulesets: {', '.join(result.rulesets)}",
        "",
        f"**{_summary_line(result)}**",
        "",
    ]
    if result.findings:
        out += ["| Severity | Count |", "|---|---|"]
        out += [f"| {s} | {n} |" for s, n in result.summary.items() if n]
        out.append("")
    for severity in SEVERITIES:
        group = [f for f in result.findings if f.severity == severity]
        if not group:
            continue
        out += [f"## {_HEADINGS[severity]} ({len(group)})", ""]
        for finding in group:
            out += [
                f"### {finding.rule} {finding.title}",
                "",
                f"*{finding.subject}* · {finding.category}",
                "",
                finding.message,
                "",
                f"**Remedy:** {finding.remedy}",
                "",
            ]
            if finding.evidence:
                evidence = "; ".join(f"{k} = {_value(v)}" for k, v in finding.evidence.items())
                out += [f"Evidence: {evidence}", ""]
            out += [f"Sources: {'; '.join(str(r) for r in finding.references)}", ""]
    if result.progress is not None:
        out += ["## Progress", "", _progress_line(result), ""]
        for label, items in (("Resolved", result.progress.resolved), ("New", result.progress.new)):
            out += [f"- {label}: {i.rule} {_md_escape(i.title)} ({i.subject})" for i in items]
        out.append("")
    if result.indicative_levels:
        out += [
            "## Indicative levels (not an inspection grade)",
            "",
            "| Theme | Level | Capped by |",
            "|---|---|---|",
        ]
        for level in result.indicative_levels:
            out.append(f"| {level.title} | {level.level} | {', '.join(level.capped_by) or '-'} |")
        out.append("")
    if result.findings:
        out += [
            "## Action plan",
            "",
            "| # | Action | About | By whom | By when | Achieved |",
            "|---|---|---|---|---|---|",
        ]
        for n, finding in enumerate(result.findings, 1):
            out.append(
                f"| {n} | {_md_escape(finding.remedy)} | {finding.subject} ({finding.rule})"
                " |  |  |  |"
            )
        out.append("")
    return "\n".join(out).rstrip()


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return str(value)


_HTML_STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}
.finding{border-left:4px solid #999;padding:.4rem .8rem;margin:.8rem 0;background:#fafafa}
.critical{border-color:#b00020}.high{border-color:#e53935}.medium{border-color:#f9a825}
.low{border-color:#039be5}.info{border-color:#9e9e9e}
.meta{color:#666;font-size:.9rem}.remedy{color:#1b5e20}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.3rem .6rem}
svg text{font-size:10px}
"""


def _network_svg(result: Report) -> str:
    """A picture of who the findings are about: partners on a ring, flagged ones in red."""
    flagged: dict[str, str] = {}
    for finding in result.findings:
        flagged.setdefault(finding.subject, finding.severity)
    nodes = sorted(
        {
            f.subject
            for f in result.findings
            if f.subject.split(":", 1)[0] in ("partner", "stakeholder", "body")
        }
    )
    if not nodes:
        return ""
    size, radius = 360, 130
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}"'
        ' role="img" aria-label="subjects with findings">'
    ]
    centre = size / 2
    parts.append(f'<circle cx="{centre}" cy="{centre}" r="18" fill="#37474f"/>')
    for i, node in enumerate(nodes):
        angle = 2 * math.pi * i / len(nodes)
        x, y = centre + radius * math.cos(angle), centre + radius * math.sin(angle)
        colour = {"critical": "#b00020", "high": "#e53935", "medium": "#f9a825"}.get(
            flagged[node], "#039be5"
        )
        parts.append(f'<line x1="{centre}" y1="{centre}" x2="{x:.1f}" y2="{y:.1f}" stroke="#bbb"/>')
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="{colour}"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{y + 20:.1f}" text-anchor="middle">{html.escape(node)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _html(results: Sequence[Result]) -> str:
    body: list[str] = []
    for result in results:
        if isinstance(result, ErrorReport):
            body.append(f"<h1>{html.escape(result.source)}: cannot audit</h1><ul>")
            body += [
                f"<li>{html.escape(p)}</li>"
                for p in (result.error.problems or [result.error.message])
            ]
            body.append("</ul>")
            continue
        body.append(f"<h1>Partnership health check: {html.escape(result.partnership.name)}</h1>")
        body.append(
            f'<p class="meta">{html.escape(result.source or result.partnership.id)} · as of '
            f"{result.as_of.isoformat()} · rulesets: {html.escape(', '.join(result.rulesets))}</p>"
        )
        body.append(f"<p><strong>{html.escape(_summary_line(result))}</strong></p>")
        if result.progress is not None:
            body.append(f"<p><strong>{html.escape(_progress_line(result))}</strong></p><ul>")
            for label, items in (
                ("Resolved", result.progress.resolved),
                ("New", result.progress.new),
            ):
                body += [
                    f"<li>{label}: {html.escape(i.rule)} {html.escape(i.title)}"
                    f" ({html.escape(i.subject)})</li>"
                    for i in items
                ]
            body.append("</ul>")
        body.append(_network_svg(result))
        for severity in SEVERITIES:
            group = [f for f in result.findings if f.severity == severity]
            if not group:
                continue
            body.append(f"<h2>{_HEADINGS[severity]} ({len(group)})</h2>")
            for f in group:
                evidence = "; ".join(f"{k} = {_value(v)}" for k, v in f.evidence.items())
                body.append(
                    f'<div class="finding {severity}">'
                    f"<strong>{html.escape(f.rule)} {html.escape(f.title)}</strong>"
                    f' <span class="meta">{html.escape(f.subject)}'
                    f" · {html.escape(f.category)}</span>"
                    f"<p>{html.escape(f.message)}</p>"
                    f'<p class="remedy"><strong>Remedy:</strong> {html.escape(f.remedy)}</p>'
                    f'<p class="meta">Evidence: {html.escape(evidence)}<br>'
                    f"Sources: {html.escape('; '.join(str(r) for r in f.references))}</p></div>"
                )
        if result.indicative_levels:
            body.append(
                "<h2>Indicative levels (not an inspection grade)</h2>"
                "<table><tr><th>Theme</th><th>Level</th><th>Capped by</th></tr>"
            )
            for level in result.indicative_levels:
                body.append(
                    f"<tr><td>{html.escape(level.title)}</td><td>{level.level}</td>"
                    f"<td>{html.escape(', '.join(level.capped_by) or '-')}</td></tr>"
                )
            body.append("</table>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Partnership health check</title>"
        f"<style>{_HTML_STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
