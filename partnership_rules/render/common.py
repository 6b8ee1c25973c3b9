"""What every renderer shares: severity headings and colours, summary lines, value display,
and every part of a report in words (subjects by name, evidence by meaning, sources by title,
profile, partner table and action plan cells). Renderers escape these texts for their kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from .._errors import UsageError
from .._report import (
    ActionItem,
    ErrorReport,
    Finding,
    ItemDisagreement,
    PairDisagreement,
    PartnerRow,
    Report,
    Score,
    ScoreCause,
    SurveyFactorScore,
    WaivedFinding,
)
from .._subjects import subject_label
from .._templates import display_value
from .._vocabulary import SEVERITIES

if TYPE_CHECKING:  # the history module loads sqlite3: only a caller with a history needs it
    from .._history import History, Trend

__all__ = [
    "ACCEPTED_RISKS",
    "ACTION_COLUMNS",
    "BAND_COLOURS",
    "ITEM_DISAGREEMENT_COLUMNS",
    "PAIR_DISAGREEMENT_COLUMNS",
    "RATING_COLUMNS",
    "SURVEY_COLUMNS",
    "item_disagreement_cells",
    "pair_disagreement_cells",
    "partner_columns",
    "rating_text",
    "survey_cells",
    "survey_line",
    "CATEGORY_TITLES",
    "DIMENSION_TITLES",
    "PARTNER_COLUMNS",
    "SEVERITY_STYLES",
    "action_cells",
    "category_title",
    "causes_text",
    "contributions_text",
    "evidence_items",
    "evidence_text",
    "findings_about",
    "partner_cells",
    "percent",
    "references_text",
    "score_text",
    "subject_text",
    "top_causes",
    "check_histories",
    "trend_for",
    "trend_points",
    "trend_text",
    "waiver_text",
    "Result",
    "SeverityStyle",
    "TrendPoint",
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

# A health band's colour on a page (the profile chart, the score badge, the trend), and a
# survey factor's band in the colour of the health band it reads like.
BAND_COLOURS = {
    "strong": "#2e7d32",
    "fair": "#9e9d24",
    "weak": "#ef6c00",
    "poor": "#c62828",
    "strength": "#2e7d32",
    "borderline": "#9e9d24",
    "concern": "#c62828",
}


def by_severity(findings: list[Finding]) -> list[tuple[str, list[Finding]]]:
    """Findings grouped by severity, most severe first, empty groups left out."""
    groups: dict[str, list[Finding]] = {s: [] for s in SEVERITIES}
    for finding in findings:
        groups[finding.severity].append(finding)
    return [(s, group) for s, group in groups.items() if group]


def summary_line(report: Report) -> str:
    """``"3 findings: 1 high, 2 medium."`` or ``"No findings."``, followed by the number of
    accepted risks (waived findings) when there are any."""
    total = len(report.findings)
    waived = len(report.waived)
    accepted = f" {waived} accepted risk{'s' if waived != 1 else ''} (waived)." if waived else ""
    if not total:
        return "No findings." + accepted
    counts = [f"{n} {s}" for s, n in report.summary.items() if n]
    return f"{total} finding{'s' if total != 1 else ''}: " + ", ".join(counts) + "." + accepted


# The heading every format gives the waived findings.
ACCEPTED_RISKS = "Accepted risks"


def waiver_text(waived: WaivedFinding) -> str:
    """Why a finding is waived, in one sentence: until when, approved by whom, and why."""
    waiver = waived.waiver
    return (
        f"Accepted until {waiver.expires.isoformat()} by {waiver.approved_by}:"
        f" {waiver.justification}"
    )


def progress_line(report: Report) -> str:
    """What changed since the baseline, in one line (the report must have ``progress``)."""
    progress = report.progress
    assert progress is not None
    return (
        f"Since {progress.baseline_as_of.isoformat()}: {len(progress.resolved)} resolved,"
        f" {len(progress.new)} new, {len(progress.remaining)} remaining"
        + (f", {len(progress.waived)} accepted (waived)." if progress.waived else ".")
    )


def error_lines(result: ErrorReport) -> list[str]:
    """The problems that stopped an input being audited, one line each (untrusted text)."""
    return result.error.problems or [result.error.message]


# --- Presentation of report parts shared by every format ------------------------------------

DIMENSION_TITLES = {
    "results": "Results (what the partnership achieves)",
    "process": "Process (how it works)",
    "relationships": "Relationships (between partners and with stakeholders)",
}
CATEGORY_TITLES = {
    "vague-objectives": "Clear objectives",
    "missing-governance": "Governance",
    "power-imbalance": "Balance of power",
    "absent-metrics": "Measures of success",
    "unclear-roles": "Roles",
    "weak-communication": "Communication",
    "stakeholder-voice": "Stakeholder voice",
    "no-review": "Review",
    "sustainability": "Sustainability",
    "information-sharing": "Information sharing",
    "resourcing": "Resourcing",
    "delivery": "Delivery",
    "self-assessment": "Self-assessment",
    "compliance": "Compliance",
    "relationships": "What partners say of each other",
}
# What the partner table's columns are called (never the model's field names).
PARTNER_COLUMNS = (
    "Partner",
    "Kind",
    "Decision seats",
    "Chairs",
    "Share of funding",
    "Contributions (share of each kind)",
    "Actions accountable for",
    "Actions responsible for",
    "Communicates with",
    "Cut point?",
    "Benefits stated",
    "Findings about it",
)
ACTION_COLUMNS = (
    "#",
    "Action to be taken",
    "About",
    "By whom",
    "By when",
    "Achieved?",
    "Further actions needed",
)


def subject_text(finding: Finding) -> str:
    """What a finding is about, by name: ``Partner: Calder Engineering``."""
    return subject_label(finding.subject, finding.subject_name)


def category_title(category: str) -> str:
    """A category in words (``Balance of power``)."""
    return CATEGORY_TITLES.get(category, category.replace("-", " ").capitalize())


def references_text(finding: Finding) -> str:
    """The finding's sources by title and section, separated by semicolons."""
    return "; ".join(str(r) for r in finding.references)


def evidence_items(finding: Finding) -> list[tuple[str, str]]:
    """The finding's evidence as (what it is, in words; its value), in the rule's order."""
    from ..facts import FACT_SCHEMAS  # the facts package loads networkx: only when needed

    schema = FACT_SCHEMAS.get(finding.subject.partition(":")[0], {})
    items = []
    for name, value in finding.evidence.items():
        field = schema.get(name)
        label = field.doc if field is not None else name.replace("_", " ").capitalize()
        items.append((label, display_value(value)))
    return items


def evidence_text(finding: Finding) -> str:
    """The evidence in one line: ``what: value; what: value``."""
    return "; ".join(f"{label}: {value}" for label, value in evidence_items(finding))


def percent(share: float | None) -> str:
    """A share from 0 to 1 as a whole percentage, or "-" when unknown."""
    return "-" if share is None else f"{share:.0%}"


def contributions_text(row: PartnerRow) -> str:
    """``funding 45% (14000 GBP); staff-time 54% (900 hours)``; "none" when it gives none."""
    parts = []
    for c in row.contributions:
        amount = "" if c.amount is None else f" ({display_value(c.amount)} {c.unit or ''})"
        parts.append(f"{c.kind} {percent(c.share)}{amount.replace(' )', ')')}")
    return "; ".join(parts) or "none"


# The partner table's columns for what partners say of each other (after the others, and
# only in a report where some partner was rated).
RATING_COLUMNS = ("Trust from others (1-4)", "Value to others (1-4)")


def rating_text(rating: float | None) -> str:
    """A mean rating to one decimal (``3.2``), or "-" when there is none."""
    return "-" if rating is None else f"{rating:.1f}"


def partner_columns(report: Report) -> tuple[str, ...]:
    """The partner table's columns for ``report``: the rating columns when some partner was
    rated by the others."""
    rated = any(row.rated_by for row in report.partners)
    return PARTNER_COLUMNS + RATING_COLUMNS if rated else PARTNER_COLUMNS


def partner_cells(
    row: PartnerRow, findings: dict[str, Finding], ratings: bool = False
) -> list[str]:
    """One partner table row as text cells, in the order of PARTNER_COLUMNS (then
    RATING_COLUMNS if ``ratings``)."""
    about = [
        f"{rule} {findings[rule].title}" if rule in findings else rule for rule in row.findings
    ]
    rated = [_rated(row.trust, row.rated_by), _rated(row.value, row.rated_by)] if ratings else []
    return [
        row.name + (" (lead)" if row.lead else ""),
        row.kind,
        str(row.seats),
        str(row.chairs),
        percent(row.funding_share),
        contributions_text(row),
        str(row.accountable_actions),
        str(row.responsible_actions),
        str(row.communication_degree),
        "yes" if row.cut_point else "no",
        "; ".join(row.benefits) or "none stated",
        "; ".join(about) or "none",
        *rated,
    ]


def _rated(rating: float | None, raters: int) -> str:
    if rating is None:
        return "not rated"
    return f"{rating_text(rating)} (from {raters} partner{'s' if raters != 1 else ''})"


# --- Where partners disagree, and what the survey says ---------------------------------------

PAIR_DISAGREEMENT_COLUMNS = ("Partners", "What the first says", "What the second says", "Why")
ITEM_DISAGREEMENT_COLUMNS = ("Survey item", "Factor", "Answers", "Mean", "Range", "Spread")
SURVEY_COLUMNS = ("Factor", "Dimension", "Mean answer", "Score", "Band", "Respondents")


def _side_text(pair: PairDisagreement, index: int) -> str:
    level = pair.levels[index]
    parts = [
        f"{pair.names[index]}:",
        f"says {level}" if level else "gives no level",
        f"trust {rating_text(pair.trust[index])}",
        f"value {rating_text(pair.value[index])}",
    ]
    return " ".join(parts[:2]) + "; " + ", ".join(parts[2:])


def pair_disagreement_cells(pair: PairDisagreement) -> list[str]:
    """One row of the pairs table as text cells, in the order of PAIR_DISAGREEMENT_COLUMNS."""
    return [
        " and ".join(pair.names),
        _side_text(pair, 0),
        _side_text(pair, 1),
        "; ".join(pair.reasons),
    ]


def item_disagreement_cells(item: ItemDisagreement) -> list[str]:
    """One row of the survey items table, in the order of ITEM_DISAGREEMENT_COLUMNS."""
    return [
        item.wording,
        item.factor,
        str(item.respondents),
        f"{item.mean:.1f}",
        f"{item.lowest} to {item.highest}",
        f"{item.spread:.2f}",
    ]


def survey_cells(factor: SurveyFactorScore) -> list[str]:
    """One row of the survey factors table, in the order of SURVEY_COLUMNS."""
    return [
        factor.name,
        DIMENSION_TITLES.get(factor.dimension, factor.dimension).split(" (")[0]
        if factor.dimension
        else "-",
        f"{factor.mean:.2f} (of {factor.scale_min} to {factor.scale_max})",
        f"{factor.score}/100",
        factor.band,
        str(factor.respondents),
    ]


def survey_line(report: Report) -> str:
    """The survey factors in one line: ``Survey: Environment 3.4 (borderline), ...``."""
    assert report.profile is not None
    return (
        "Survey factors (mean answer): "
        + ", ".join(f"{f.name} {f.mean:.1f} ({f.band})" for f in report.profile.survey)
        + "."
    )


def findings_about(report: Report, subject_kind: str = "partner") -> dict[str, Finding]:
    """Rule id -> the first finding of that rule about a subject of this kind (for titles)."""
    found: dict[str, Finding] = {}
    for finding in report.findings:
        if finding.subject.startswith(subject_kind + ":"):
            found.setdefault(finding.rule, finding)
    return found


def action_cells(number: int, item: ActionItem, finding: Finding) -> list[str]:
    """One action plan row (for ``finding``) as text cells, in the order of ACTION_COLUMNS."""
    return [
        str(number),
        finding.remedy,
        f"{subject_text(finding)} ({item.rule}, {item.severity})",
        item.by_whom or "to agree",
        item.by_when.isoformat(),
        item.achieved,
        item.further_actions,
    ]


def score_text(score: Score) -> str:
    """``54/100 (weak)``."""
    return f"{score.score}/100 ({score.band})"


def causes_text(score: Score, limit: int = 3) -> str:
    """The costliest causes of a score in words, or "nothing" when it is untouched."""
    if not score.causes:
        return "nothing"
    shown = [
        f"{c.rule} {c.title} ({c.severity}"
        + (f", {c.findings} findings" if c.findings > 1 else "")
        + f", -{display_value(c.cost)})"
        for c in score.causes[:limit]
    ]
    more = len(score.causes) - limit
    if more > 0:
        shown.append(f"and {more} more")
    text = "; ".join(shown)
    if score.capped_at is not None:
        text += f"; held at {score.capped_at} by its worst finding"
    return text


def top_causes(
    report: Report, count: int = 3
) -> list[tuple[ScoreCause, Finding, ActionItem | None]]:
    """The ``count`` most serious causes overall, each with its first finding and that
    finding's row of the action plan (what to do first)."""
    if report.profile is None:
        return []
    first: dict[str, int] = {}
    for index, finding in enumerate(report.findings):
        first.setdefault(finding.rule, index)
    out = []
    for cause in report.profile.overall.causes[:count]:
        index = first[cause.rule]
        plan = report.action_plan[index] if index < len(report.action_plan) else None
        out.append((cause, report.findings[index], plan))
    return out


# --- Health over time (a report rendered with the partnership's history) --------------------


class TrendPoint(NamedTuple):
    """One audit on the trend: a saved audit, or the report being rendered (``current``,
    always the last)."""

    label: str
    as_of: dt.date
    score: int | None
    band: str | None
    summary: dict[str, int]
    current: bool
    accepted: int = 0
    """Accepted risks (waived findings), not in ``summary``."""

    @property
    def findings(self) -> int:
        """How many findings the audit had (all severities)."""
        return sum(self.summary.values())


def trend_for(report: Report, histories: Sequence[History | Trend]) -> History | Trend | None:
    """The history among ``histories`` of the report's partnership, if one is given."""
    for history in histories:
        if history.partnership.id == report.partnership.id:
            return history
    return None


def check_histories(results: Sequence[Result], histories: Sequence[History | Trend]) -> None:
    """Refuse a history that matches none of the reports (it would be silently left out)."""
    ids = {r.partnership.id for r in results if isinstance(r, Report)}
    for history in histories:
        if history.partnership.id not in ids:
            raise UsageError(
                f"the history of partnership '{history.partnership.id}' ({history.database})"
                " matches no report rendered"
            )


def trend_points(history: History | Trend, report: Report) -> list[TrendPoint]:
    """The saved audits of the report's partnership, oldest first, then the report itself
    (so the history is the one read before this audit is saved, as ``audit --save DB
    --history DB`` does)."""
    overall = report.profile.overall if report.profile is not None else None
    this = TrendPoint(
        "this audit",
        report.as_of,
        overall.score if overall else None,
        overall.band if overall else None,
        {s: report.summary.get(s, 0) for s in SEVERITIES},
        True,
        len(report.waived),
    )
    points = [
        TrendPoint(
            f"audit {e.audit_id}",
            e.as_of,
            e.score,
            e.band,
            {s: e.summary.get(s, 0) for s in SEVERITIES},
            False,
            getattr(e, "accepted", 0),  # a full History's entries do not count them
        )
        for e in history.entries
    ]
    return [*points, this]


def trend_text(points: Sequence[TrendPoint]) -> str:
    """The trend in one line: ``Health over 3 audits: 40 (2024-05-01), 55, 62 (this audit);
    findings 12, 9, 7.``"""
    scores = ", ".join("-" if p.score is None else str(p.score) for p in points)
    counts = ", ".join(str(p.findings) for p in points)
    first, last = points[0], points[-1]
    accepted = (
        "; accepted risks " + ", ".join(str(p.accepted) for p in points)
        if any(p.accepted for p in points)
        else ""
    )
    return (
        f"Health over {len(points)} audit{'s' if len(points) != 1 else ''}"
        f" ({first.as_of.isoformat()} to {last.as_of.isoformat()}): {scores};"
        f" findings {counts}{accepted}."
    )
