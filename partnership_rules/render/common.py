"""What every renderer shares: severity headings and colours, summary lines, value display."""

from __future__ import annotations

from typing import NamedTuple

from .._report import ErrorReport, Finding, Report
from .._templates import display_value
from .._vocabulary import SEVERITIES

__all__ = [
    "SEVERITY_STYLES",
    "Result",
    "SeverityStyle",
    "by_severity",
    "display_value",
    "error_lines",
    "progress_line",
    "summary_line",
]

Result = Report | ErrorReport


class SeverityStyle(NamedTuple):
    """How a severity looks: its heading, its style on a terminal, its colour on a page."""

    heading: str
    terminal: str
    colour: str


# The one place a severity's look is decided (text, Markdown, HTML, the network drawing).
SEVERITY_STYLES: dict[str, SeverityStyle] = {
    "critical": SeverityStyle("Critical", "bold white on red", "#b00020"),
    "high": SeverityStyle("High", "bold red", "#e53935"),
    "medium": SeverityStyle("Medium", "bold yellow", "#f9a825"),
    "low": SeverityStyle("Low", "cyan", "#039be5"),
    "info": SeverityStyle("For information", "dim", "#9e9e9e"),
}
assert tuple(SEVERITY_STYLES) == SEVERITIES


def by_severity(findings: list[Finding]) -> list[tuple[str, list[Finding]]]:
    """Findings grouped by severity, most severe first, empty groups left out."""
    groups: dict[str, list[Finding]] = {s: [] for s in SEVERITIES}
    for finding in findings:
        groups[finding.severity].append(finding)
    return [(s, group) for s, group in groups.items() if group]


def summary_line(report: Report) -> str:
    """``"3 findings: 1 high, 2 medium."`` or ``"No findings."``."""
    total = len(report.findings)
    if not total:
        return "No findings."
    counts = [f"{n} {s}" for s, n in report.summary.items() if n]
    return f"{total} finding{'s' if total != 1 else ''}: " + ", ".join(counts) + "."


def progress_line(report: Report) -> str:
    """What changed since the baseline, in one line (the report must have ``progress``)."""
    progress = report.progress
    assert progress is not None
    return (
        f"Since {progress.baseline_as_of.isoformat()}: {len(progress.resolved)} resolved,"
        f" {len(progress.new)} new, {len(progress.remaining)} remaining."
    )


def error_lines(result: ErrorReport) -> list[str]:
    """The problems that stopped an input being audited, one line each (untrusted text)."""
    return result.error.problems or [result.error.message]
