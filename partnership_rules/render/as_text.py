"""Text for a terminal: plain lines wrapped to the width, coloured on request.

Built as plain strings (rich's console layout costs about ten times the JSON rendering on a
large report); colour is rich's ANSI rendering of a style, computed once per style.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from .._report import ActionItem, Disagreements, ErrorReport, Finding, Report
from .._subjects import subject_label
from . import escape
from .common import (
    ACCEPTED_RISKS,
    SEVERITY_STYLES,
    Result,
    by_severity,
    causes_text,
    error_lines,
    item_disagreement_cells,
    pair_disagreement_cells,
    progress_line,
    references_text,
    score_text,
    subject_text,
    summary_line,
    survey_line,
    trend_for,
    trend_points,
    trend_text,
    waiver_text,
)

if TYPE_CHECKING:
    from .._history import History, Trend

__all__ = ["render_text", "wrap"]

Paint = Callable[[str, str], str]


def _plain(text: str, style: str) -> str:
    return text


@lru_cache(maxsize=32)
def _ansi(style: str) -> tuple[str, str]:
    from rich.color import ColorSystem
    from rich.style import Style

    marked = Style.parse(style).render("\0", color_system=ColorSystem.STANDARD)
    start, _, end = marked.partition("\0")
    return start, end


def _coloured(text: str, style: str) -> str:
    if not style or not text:
        return text
    start, end = _ansi(style)
    return "\n".join(start + line + end for line in text.split("\n"))


def wrap(text: str, width: int, indent: int = 0) -> str:
    """``text`` filled to ``width`` columns, every line indented by ``indent`` spaces.

    Runs of whitespace become one space. Greedy: the same lines as :func:`textwrap.fill`
    with ``break_on_hyphens=False`` gives for the same words, at a fraction of its cost (a
    report of thousands of findings wraps thousands of paragraphs)."""
    pad = " " * indent
    limit = max(width - indent, 1)
    words = text.split()
    if sum(map(len, words)) + len(words) - 1 <= limit:
        return pad + " ".join(words) if words else ""
    lines: list[str] = []
    current: list[str] = []
    size = 0
    for word in words:
        while len(word) > limit:  # a word longer than a line: fill the line, cut the word
            room = limit - size - 1 if current else limit
            if room <= 0:
                lines.append(" ".join(current))
                current, size = [], 0
                continue
            current.append(word[:room])
            lines.append(" ".join(current))
            current, size, word = [], 0, word[room:]
        if current and size + 1 + len(word) > limit:
            lines.append(" ".join(current))
            current, size = [], 0
        size += len(word) + (1 if current else 0)
        current.append(word)
    if current:
        lines.append(" ".join(current))
    return "\n".join(pad + line for line in lines)


class _Writer:
    """Lines of one rendering: wrapped to ``width``, untrusted text made terminal-safe."""

    def __init__(self, width: int, paint: Paint) -> None:
        self.width = max(width, 40)
        self.paint = paint
        self.lines: list[str] = []

    def blank(self) -> None:
        self.lines.append("")

    def line(self, text: str, style: str = "", indent: int = 0) -> None:
        """``text`` (untrusted) wrapped at ``indent`` and painted with ``style``."""
        wrapped = wrap(escape.terminal(text), self.width, indent)
        self.lines.append(self.paint(wrapped, style) if style else wrapped)

    def parts(self, parts: Sequence[tuple[str, str]], indent: int = 0) -> None:
        """One line of differently styled parts (each untrusted), not wrapped: a heading
        that the terminal folds if it must."""
        self.lines.append(
            " " * indent
            + "".join(self.paint(escape.terminal(text), style) for text, style in parts)
        )


def render_text(
    results: Sequence[Result],
    *,
    color: bool = False,
    width: int = 100,
    histories: Sequence[History | Trend] = (),
) -> str:
    """Results in order, for a terminal of ``width`` columns; ANSI colour if ``color``. A
    report whose partnership has a history among ``histories`` gets a line on its health
    over time."""
    out = _Writer(width, _coloured if color else _plain)
    for index, result in enumerate(results):
        if index:
            out.blank()
        if isinstance(result, ErrorReport):
            out.line(f"{result.source}: cannot audit", "bold red")
            for problem in error_lines(result):
                out.line(problem, indent=2)
            continue
        _report(out, result, trend_for(result, histories))
    return "\n".join(out.lines) + "\n"


def _report(out: _Writer, report: Report, history: History | Trend | None = None) -> None:
    out.line(report.partnership.name, "bold")
    out.line(
        f"{report.source or report.partnership.id} · as of {report.as_of.isoformat()}"
        f" · rulesets: {', '.join(report.rulesets)}",
        "dim",
    )
    if report.profile is not None:
        _profile(out, report)
    if history is not None:
        if report.profile is None:
            out.blank()
        out.line(trend_text(trend_points(history, report)), indent=2)
    plan = report.action_plan if len(report.action_plan) == len(report.findings) else []
    rows = dict(zip(map(id, report.findings), plan, strict=False))
    for severity, group in by_severity(report.findings):
        out.blank()
        style = SEVERITY_STYLES[severity]
        out.line(f"{style.heading} ({len(group)})", style.terminal)
        for finding in group:
            _finding(out, finding, rows.get(id(finding)))
    if report.waived:
        out.blank()
        out.line(f"{ACCEPTED_RISKS} ({len(report.waived)}): waived, not counted", "bold")
        for waived in report.waived:
            _finding(out, waived.finding, None, waiver_text(waived))
    for level in report.indicative_levels:
        out.blank()
        named = f" ({level.label})" if level.label else ""
        out.line(
            f"Indicative level, {level.title}: {level.level}{named} of 6 ({level.note})", "bold"
        )
        if level.scale:
            out.line(f"scale: {level.scale}", "dim", indent=2)
        if level.capped_by:
            out.line(f"capped by {', '.join(level.capped_by)}", "dim", indent=2)
    if report.disagreements is not None and (
        report.disagreements.pairs or report.disagreements.items
    ):
        _disagreements(out, report.disagreements)
    if report.progress is not None:
        out.blank()
        out.line(progress_line(report), "bold")
        for label, items in (("resolved", report.progress.resolved), ("new", report.progress.new)):
            for item in items:
                about = subject_label(item.subject)
                out.line(f"{label}: {item.rule} {item.title} ({about})", indent=2)
    out.blank()
    out.line(summary_line(report), "bold")


def _profile(out: _Writer, report: Report) -> None:
    profile = report.profile
    assert profile is not None
    out.blank()
    dimensions = ", ".join(f"{name} {score.score}" for name, score in profile.dimensions.items())
    out.line(f"Health: {score_text(profile.overall)}; {dimensions}.", "bold")
    if profile.overall.causes:
        out.line(f"Pulled down most by: {causes_text(profile.overall)}", indent=2)
    if profile.survey:
        out.line(survey_line(report), indent=2)


def _disagreements(out: _Writer, found: Disagreements) -> None:
    out.blank()
    out.line("Where partners disagree", "bold")
    for pair in found.pairs:
        first, second, why = pair_disagreement_cells(pair)[1:]
        out.line(f"{' and '.join(pair.names)}: {why}", indent=2)
        out.line(f"{first} / {second}", "dim", indent=4)
    for item in found.items:
        cells = item_disagreement_cells(item)
        out.line(
            f"Survey item ({item.factor}), answers {cells[4]} from {item.respondents}"
            f" respondents, spread {cells[5]}: {item.wording}",
            indent=2,
        )


def _finding(out: _Writer, finding: Finding, action: ActionItem | None, waiver: str = "") -> None:
    out.parts(
        [
            (finding.rule, SEVERITY_STYLES[finding.severity].terminal),
            (f" {finding.title}", "bold"),
            (f" · {subject_text(finding)}", "dim"),
        ],
        indent=2,
    )
    out.line(finding.message, indent=4)
    if waiver:
        out.line(waiver, "magenta", indent=4)
    out.line(f"Remedy: {finding.remedy}", "green", indent=4)
    out.line(f"Sources: {references_text(finding)}", "dim", indent=4)
    if action is not None:
        owner = action.by_whom or "owner to agree"
        out.line(f"Action: {owner}, by {action.by_when.isoformat()}", "dim", indent=4)
