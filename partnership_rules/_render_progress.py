"""Render a comparison of two audits and a partnership's history: text, JSON and Markdown.

Each function returns a string; nothing here prints. Text from records (names, titles,
subjects, file names) goes through the render package's escaping for each kind of output.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._errors import UsageError
from ._report import Finding, TrackedFinding
from ._subjects import subject_label
from ._vocabulary import PROGRESS_FORMATS, SEVERITIES
from .render import escape
from .render.as_json import dump_json
from .render.common import DIMENSION_TITLES, category_title

if TYPE_CHECKING:  # only in annotations: rendering needs neither module loaded
    from ._compare import Comparison, ScoreChange
    from ._history import History, HistoryEntry

__all__ = ["PROGRESS_FORMATS", "render_comparison", "render_history"]


Item = Finding | TrackedFinding


def _check(fmt: str) -> None:
    if fmt not in PROGRESS_FORMATS:
        raise UsageError(f"unknown format '{fmt}' (use one of: {', '.join(PROGRESS_FORMATS)})")


def _counts(summary: dict[str, int]) -> str:
    counts = [f"{summary[s]} {s}" for s in SEVERITIES if summary.get(s)]
    return ", ".join(counts) if counts else "no findings"


def _signed(number: int) -> str:
    return f"{number:+d}" if number else "0"


def _score(score: int | None, band: str | None = None) -> str:
    if score is None:
        return "-"
    return f"{score} ({band})" if band else str(score)


def _change(change: ScoreChange) -> str:
    if not change.change:
        return f"{change.after} (no change)"
    return f"{change.before} -> {change.after} ({_signed(change.change)})"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _about(item: Item) -> str:
    """What a finding is about, by name (``Partner: Riverside Nursing Home``)."""
    return subject_label(item.subject, item.subject_name)


def _changed_categories(c: Comparison) -> list[tuple[str, ScoreChange]]:
    return [(name, change) for name, change in c.categories.items() if change.change]


def render_comparison(comparison: Comparison, fmt: str = "text") -> str:
    """Render what changed between two audits (``PROGRESS_FORMATS``: text, json, markdown)."""
    _check(fmt)
    if fmt == "json":
        return dump_json(comparison.to_dict(), indent=2)
    if fmt == "markdown":
        return _comparison_markdown(comparison)
    return _comparison_text(comparison)


def _headline(c: Comparison) -> str:
    waived = f", {len(c.waived)} accepted risk(s) (waived)" if c.waived else ""
    return (
        f"{len(c.resolved)} resolved, {len(c.new)} new, {len(c.unchanged)} unchanged{waived}"
        " (counted rule by rule and subject)."
    )


def _comparison_text(c: Comparison) -> str:
    width = 9
    out = [
        escape.terminal(c.partnership.name),
        f"{'Before:':<{width}}{c.before.as_of.isoformat()}  {_source(c.before.source)}",
        f"{'':<{width}}{_counts(c.before.summary)}",
        f"{'After:':<{width}}{c.after.as_of.isoformat()}  {_source(c.after.source)}",
        f"{'':<{width}}{_counts(c.after.summary)}",
    ]
    if c.score is not None:
        out.append(
            f"{'Health:':<{width}}{_score(c.before.score, c.before.band)} ->"
            f" {_score(c.after.score, c.after.band)}: {_signed(c.score.change)}"
        )
        dimensions = ", ".join(f"{name} {_change(d)}" for name, d in c.dimensions.items())
        out.append(f"{'':<{width}}{dimensions}")
        changed = _changed_categories(c)
        if changed:
            moved = ", ".join(f"{category_title(n).lower()} {_change(d)}" for n, d in changed)
            out.append(f"{'':<{width}}by category: {moved}")
    out += ["", _headline(c)]
    for label, items in _lists(c):
        if items:
            out += ["", f"{label} ({len(items)})"]
            out += [f"  {_text_item(f)}" for f in items]
    return "\n".join(out) + "\n"


def _lists(c: Comparison) -> tuple[tuple[str, list[Finding]], ...]:
    """The comparison's lists of findings, each with its heading."""
    return (
        ("Resolved", c.resolved),
        ("New", c.new),
        ("Unchanged", c.unchanged),
        ("Accepted risks (waived)", c.waived),
    )


def _source(source: str | None) -> str:
    return escape.terminal(source) if source else "-"


def _text_item(item: Item) -> str:
    return (
        f"{item.severity:<8} {item.rule} {escape.terminal(item.title)}"
        f" ({escape.terminal(_about(item))})"
    )


def _comparison_markdown(c: Comparison) -> str:
    out = [
        f"# Progress: {escape.markdown(c.partnership.name)}",
        "",
        _headline(c),
        "",
        "| | Before | After | Change |",
        "|---|---|---|---|",
        f"| As of | {c.before.as_of.isoformat()} | {c.after.as_of.isoformat()} | |",
        f"| Source | {escape.markdown(c.before.source or '-')}"
        f" | {escape.markdown(c.after.source or '-')} | |",
    ]
    if c.score is not None:
        out.append(
            f"| **Health** | {_score(c.before.score, c.before.band)}"
            f" | {_score(c.after.score, c.after.band)} | {_signed(c.score.change)} |"
        )
        for name, dimension in c.dimensions.items():
            out.append(_score_row(DIMENSION_TITLES.get(name, name), dimension))
    change = c.summary_change()
    for severity in SEVERITIES:
        out.append(
            f"| {severity.capitalize()} findings | {c.before.summary.get(severity, 0)}"
            f" | {c.after.summary.get(severity, 0)} | {_signed(change[severity])} |"
        )
    changed = _changed_categories(c)
    if changed:
        out += ["", "## Scores that changed, by category", ""]
        out += ["| Category | Before | After | Change |", "|---|---|---|---|"]
        out += [_score_row(category_title(name), d) for name, d in changed]
    for label, items in _lists(c):
        if items:
            out += ["", f"## {label} ({len(items)})", "", *_markdown_table(items)]
    return "\n".join(out) + "\n"


def _score_row(title: str, change: ScoreChange) -> str:
    return f"| {title} | {change.before} | {change.after} | {_signed(change.change)} |"


def _markdown_table(items: Sequence[Item]) -> list[str]:
    rows = ["| Severity | Rule | Finding | About |", "|---|---|---|---|"]
    rows += [
        f"| {f.severity} | {f.rule} | {escape.markdown(f.title)} | {escape.markdown(_about(f))} |"
        for f in items
    ]
    return rows


def render_history(history: History, fmt: str = "text") -> str:
    """Render a partnership's audits over time (``PROGRESS_FORMATS``: text, json, markdown)."""
    _check(fmt)
    if fmt == "json":
        return dump_json(history.to_dict(), indent=2)
    if fmt == "markdown":
        return _history_markdown(history)
    return _history_text(history)


def _history_text(h: History) -> str:
    out = [
        f"{escape.terminal(h.partnership.name)} ({escape.terminal(h.partnership.id)}):"
        f" {_plural(len(h.entries), 'audit')} in {escape.terminal(h.database)}",
        "",
        f"{'#':>4}  {'as of':<10}  {'health':<14}  {'findings':>8}  {'crit':>4} {'high':>4}"
        f" {'med':>4} {'low':>4} {'info':>4}  {'opened':>6} {'closed':>6}  source",
    ]
    for e in h.entries:
        s = e.summary
        out.append(
            f"{e.audit_id:>4}  {e.as_of.isoformat():<10}  {_score(e.score, e.band):<14}"
            f"  {e.findings:>8}  {s.get('critical', 0):>4} {s.get('high', 0):>4}"
            f" {s.get('medium', 0):>4} {s.get('low', 0):>4} {s.get('info', 0):>4}"
            f"  {len(e.opened):>6} {len(e.closed):>6}  {_source(e.source)}"
        )
    for e in h.entries[1:]:
        if e.opened or e.closed:
            out += ["", f"Audit {e.audit_id} ({e.as_of.isoformat()}):"]
            out += [f"  opened  {_text_item(f)}" for f in e.opened]
            out += [f"  closed  {_text_item(f)}" for f in e.closed]
    return "\n".join(out) + "\n"


def _history_markdown(h: History) -> str:
    dimensions = list(DIMENSION_TITLES)
    out = [
        f"# History: {escape.markdown(h.partnership.name)}",
        "",
        f"{_plural(len(h.entries), 'audit')} of {escape.markdown(h.partnership.id)}.",
        "",
        "| Audit | As of | Health | "
        + " | ".join(d.capitalize() for d in dimensions)
        + " | Findings | Critical | High | Medium | Low | Info | Opened | Closed | Source |",
        "|---" * (len(dimensions) + 12) + "|",
    ]
    for e in h.entries:
        scores = " | ".join(str(e.dimensions.get(d, "-")) for d in dimensions)
        counts = " | ".join(str(e.summary.get(s, 0)) for s in SEVERITIES)
        out.append(
            f"| {e.audit_id} | {e.as_of.isoformat()} | {_score(e.score, e.band)} | {scores}"
            f" | {e.findings} | {counts} | {len(e.opened)} | {len(e.closed)}"
            f" | {escape.markdown(e.source or '-')} |"
        )
    for e in h.entries[1:]:
        out += _entry_changes_markdown(e)
    return "\n".join(out) + "\n"


def _entry_changes_markdown(e: HistoryEntry) -> list[str]:
    if not (e.opened or e.closed):
        return []
    out = ["", f"## Audit {e.audit_id}, {e.as_of.isoformat()}"]
    for label, items in (("Opened", e.opened), ("Closed", e.closed)):
        if items:
            out += ["", f"{label} ({len(items)}):", "", *_markdown_table(items)]
    return out
