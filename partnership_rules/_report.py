"""Findings and reports: the public output contract (the JSON report; README, "Command line")."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
)

from ._errors import Problem, RecordError, UsageError
from ._loader import parse_text, read_text
from ._record import Waiver
from ._rule_model import Reference
from ._vocabulary import SEVERITIES, Category, Severity

__all__ = [
    "ActionItem",
    "AuditError",
    "ContributionShare",
    "Disagreements",
    "HealthProfile",
    "ItemDisagreement",
    "PairDisagreement",
    "SurveyFactorScore",
    "NetworkEdge",
    "NetworkNode",
    "PartnerRow",
    "PartnershipNetwork",
    "Score",
    "ScoreCause",
    "Progress",
    "TrackedFinding",
    "WaivedFinding",
    "ErrorReport",
    "Finding",
    "IndicativeLevel",
    "PartnershipRef",
    "Report",
    "read_reports",
    "reports_from_data",
    "severity_rank",
]


def severity_rank(severity: str) -> int:
    """0 for critical up to 4 for info; raises :class:`UsageError` for an unknown severity."""
    try:
        return SEVERITIES.index(severity)
    except ValueError:
        raise UsageError(
            f"unknown severity '{severity}' (use one of: {', '.join(SEVERITIES)})"
        ) from None


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Extended(_Frozen):
    """A model of the first report format with fields added since (``_additions``). The JSON
    leaves the additions out while every one of them holds its default, so that a report of
    a record without the data they carry reads exactly as before; reading a report fills
    them back in."""

    _additions: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _without_empty_additions(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        fields = type(self).model_fields
        if isinstance(data, dict) and all(
            getattr(self, name) == fields[name].get_default(call_default_factory=True)
            for name in self._additions
        ):
            for name in self._additions:
                data.pop(name, None)
        return data


class Finding(_Frozen):
    """One rule firing on one subject, or a group's finding: one cause, with the findings
    of its part rules in ``parts`` (empty for a single rule's finding)."""

    rule: str
    title: str
    severity: Severity
    category: Category
    subject: str
    message: str
    evidence: dict[str, Any]
    remedy: str
    references: list[Reference]
    ruleset: str = ""
    name: str = ""
    subject_name: str = ""
    """The subject's name in the record (a partner's name, an objective's statement)."""
    parts: list[Finding] = Field(default_factory=list)

    def units(self) -> list[Finding]:
        """The single-rule findings this finding stands for: its parts (theirs, for a part
        that is itself a group's finding), or itself. Comparing
        audits matches these by rule and subject, so a baseline saved before a group formed
        (or after it broke up) still matches, part by part."""
        return [unit for part in self.parts for unit in part.units()] if self.parts else [self]

    def sort_key(self) -> tuple[int, str, str]:
        """Severity (most severe first), then rule id, then subject."""
        return (SEVERITIES.index(self.severity), self.rule, self.subject)


class WaivedFinding(_Frozen):
    """A finding the record's ``waivers`` accept for now: the finding as the audit found it,
    and the waiver that accepts it (its justification, approver and expiry). Reports list
    these apart from ``findings``; they count toward neither ``--fail-on`` nor the health
    scores."""

    finding: Finding
    waiver: Waiver


class PartnershipRef(_Frozen):
    id: str
    name: str


class IndicativeLevel(_Frozen):
    """An HGIOCLD-style level for one theme, derived from findings; never an inspection grade."""

    theme: str
    title: str
    level: int
    capped_by: list[str] = Field(default_factory=list)
    note: str = "indicative only, derived from the record; not an inspection grade"
    label: str = ""  # the level's name on the scale ("good"), beside its number
    scale: str = ""  # the source that defines the scale


class TrackedFinding(_Frozen):
    """A finding as progress tracking sees it: which rule, about what."""

    rule: str
    subject: str
    title: str
    severity: Severity
    subject_name: str = ""
    """The subject's name in the record, where the finding carried one."""

    @classmethod
    def of(cls, finding: Finding) -> TrackedFinding:
        """The tracked form of one finding."""
        return cls(
            rule=finding.rule,
            subject=finding.subject,
            title=finding.title,
            severity=finding.severity,
            subject_name=finding.subject_name,
        )


class Progress(_Extended):
    """What changed since a baseline report of the same partnership. A waived finding counts
    as a finding of its audit: waiving one does not resolve it, and one whose waiver expired
    is not new."""

    _additions = ("waived",)

    baseline_as_of: dt.date
    resolved: list[TrackedFinding]
    new: list[TrackedFinding]
    remaining: list[TrackedFinding]
    waived: list[TrackedFinding] = Field(default_factory=list)
    """The accepted risks of this audit (waived findings), apart from ``remaining``."""


class ScoreCause(_Frozen):
    """A rule whose findings took points off a score."""

    rule: str
    title: str
    severity: Severity
    category: Category
    findings: int
    """How many findings of the rule the score counts."""
    cost: float
    """Points the rule takes off its category's score (README, "Health profile")."""


class Score(_Frozen):
    """A health score from 0 to 100, its band, and what pulled it down (costliest first)."""

    score: int
    band: str
    points: float = 0
    """The findings' cost in all, before the formula turns it into a score."""
    capped_at: int | None = None
    """The ceiling a critical or high finding put on it, when that ceiling was lower."""
    causes: list[ScoreCause] = Field(default_factory=list)


class SurveyFactorScore(_Frozen):
    """One factor of a survey instrument as the respondents answered it: the mean of its
    answers, that mean as a score from 0 to 100, and its band (README, "Health profile")."""

    instrument: str
    factor: str
    name: str
    dimension: str | None = None
    """The QCA dimension the health-profile catalogue places the factor in, if any."""
    mean: float
    """The mean of every answer to the factor's items, on the instrument's scale."""
    scale_min: int
    scale_max: int
    respondents: int
    """How many respondents answered at least one of its items."""
    answers: int
    score: int
    """The mean placed on 0 to 100: 0 at the scale's lowest answer, 100 at its highest."""
    band: str
    """``concern`` (mean below the factor's concern band), ``borderline`` (below the
    instrument's favourable answer) or ``strength``."""
    concern_below: float


class HealthProfile(_Extended):
    """Scores overall, per QCA dimension (results, process, relationships) and per category
    of the rules that ran; the formula is in the README ("Health profile"). With a survey,
    what the respondents said of each factor beside them (``survey``; it does not change the
    scores: a factor in its concern band is a finding, which does)."""

    _additions = ("survey",)

    overall: Score
    dimensions: dict[str, Score]
    categories: dict[str, Score]
    survey: list[SurveyFactorScore] = Field(default_factory=list)
    """Each factor of the survey's instrument, in the instrument's order (empty without a
    survey)."""


class ActionItem(_Frozen):
    """One row of the action plan, in the action-chart form of the Teach Too material:
    action to be taken, by whom, by when, achieved?, further actions needed. A report's
    ``action_plan[i]`` is the row for its ``findings[i]``: the action to be taken is that
    finding's remedy, about its subject (kept there once, so a report stays within its size
    limit)."""

    rule: str
    severity: Severity
    subject: str
    by_whom: str
    """The suggested owner's name: the partner the finding concerns, else the lead partner
    (empty when the record names neither)."""
    by_whom_id: str | None = None
    by_when: dt.date
    """Suggested: the audit date plus the days its severity allows (README)."""
    achieved: str = ""
    further_actions: str = ""


class ContributionShare(_Frozen):
    """What one partner puts in of one kind of contribution, and its share of the total of
    that kind and unit across partners (None when amounts are missing)."""

    kind: str
    unit: str | None = None
    amount: float | None = None
    share: float | None = None


class PartnerRow(_Extended):
    """One row of the partner table."""

    _additions = ("trust", "value", "rated_by")

    id: str
    name: str
    kind: str
    lead: bool
    seats: int
    chairs: int
    funding_share: float | None
    contributions: list[ContributionShare]
    accountable_actions: int
    responsible_actions: int
    communication_degree: int
    cut_point: bool
    benefits: list[str]
    findings: list[str]
    """Rule ids of the findings about this partner, most severe first."""
    worst_severity: Severity | None = None
    trust: float | None = None
    """How far the other partners trust it: the mean of their trust ratings of it
    (reliability, support for the mission, openness; 1 to 4, as in the PARTNER tool); None
    when no partner rated its trust."""
    value: float | None = None
    """How much the other partners value it: the mean of their value ratings of it (power
    or influence, involvement, resources; 1 to 4); None when no partner rated its value."""
    rated_by: int = 0
    """How many partners rated it (trust or value)."""


class NetworkNode(_Frozen):
    """A partner, stakeholder, governance body or large channel in the network drawing."""

    key: str
    kind: str
    name: str
    lead: bool = False
    severity: Severity | None = None
    """The worst severity of the findings about it, if any."""


class NetworkEdge(_Extended):
    """A relation drawn between two nodes: ``member`` (of a body), ``chair`` (of a body),
    ``communication`` (a shared channel), ``accountability`` (accountable for actions the
    other is responsible for) or ``relationship`` (what two partners say of each other);
    ``count`` relations of that kind joined into one line."""

    _additions = ("trust", "value")

    source: str
    target: str
    relation: str
    count: int = 1
    trust: float | None = None
    """A ``relationship``: the trust of the less trusting side (the mean of its trust ratings
    of the other, 1 to 4), as the low-trust rule reads a pair."""
    value: float | None = None
    """A ``relationship``: the mean of the two sides' value ratings of each other (1 to 4)."""


class PairDisagreement(_Frozen):
    """Two partners whose ratings of each other disagree: each side's view, in the order of
    ``partners``, and why the pair is listed."""

    partners: list[str]
    """The two partners' ids."""
    names: list[str]
    levels: list[str | None]
    """The level of collaboration each side says the two have."""
    trust: list[float | None]
    """Each side's trust in the other (the mean of its trust ratings, 1 to 4)."""
    value: list[float | None]
    """Each side's value of the other (the mean of its value ratings, 1 to 4)."""
    reasons: list[str]
    """In words: the levels, or the trust ratings, too far apart."""


class ItemDisagreement(_Frozen):
    """A survey item the respondents answered far apart (worth discussing in itself)."""

    instrument: str
    item: str
    wording: str
    factor: str
    """The factor's name."""
    respondents: int
    mean: float
    lowest: int
    highest: int
    spread: float
    """The standard deviation of the answers."""


class Disagreements(_Frozen):
    """Where partners disagree: pairs whose two sides rate each other far apart, and survey
    items with a wide spread of answers."""

    pairs: list[PairDisagreement] = Field(default_factory=list)
    items: list[ItemDisagreement] = Field(default_factory=list)


class PartnershipNetwork(_Frozen):
    """The partnership as the HTML report draws it (laid out when drawn)."""

    nodes: list[NetworkNode]
    edges: list[NetworkEdge]


class Report(_Extended):
    """The audit of one record.

    ``findings`` (sorted: severity, rule, subject) and ``summary`` (findings per severity)
    say what is wrong; ``waived`` holds the findings the record's waivers accept for now,
    each with its waiver (:class:`WaivedFinding`). ``profile`` is the health profile,
    ``action_plan`` one :class:`ActionItem` per finding, ``partners`` one
    :class:`PartnerRow` per partner (with trust and value where partners rated each other),
    ``network`` the partnership as the HTML report draws it (relationship edges carry trust
    and value) and ``disagreements`` the pairs and survey statements partners disagree on
    (None for a record with no ``relationships`` or ``survey``). ``progress`` compares with
    a baseline report when one was given; ``to_dict()`` is the JSON report.
    """

    _additions = ("disagreements", "waived")

    partnership: PartnershipRef
    source: str | None = None
    as_of: dt.date
    rulesets: list[str]
    engine: str
    findings: list[Finding]
    summary: dict[str, int]
    indicative_levels: list[IndicativeLevel] = Field(default_factory=list)
    progress: Progress | None = None
    # Messages, remedies and evidence values cut short to keep findings within their limits,
    # and findings left out once the report reached its size limit (least severe first).
    truncated_texts: int = 0
    omitted_findings: int = 0
    profile: HealthProfile | None = None
    action_plan: list[ActionItem] = Field(default_factory=list)
    partners: list[PartnerRow] = Field(default_factory=list)
    network: PartnershipNetwork | None = None
    """Partners, stakeholders and bodies and the relations between them, as the HTML report
    draws them."""
    disagreements: Disagreements | None = None
    """Where partners disagree (relationship ratings, survey answers); None for a record
    with neither."""
    waived: list[WaivedFinding] = Field(default_factory=list)
    """Accepted risks: the findings the record's waivers accept until their expiry, each with
    its waiver, in finding order. Not in ``findings``, ``summary``, the health profile or the
    action plan, and never counted toward ``--fail-on``."""

    @classmethod
    def build(
        cls,
        *,
        partnership: PartnershipRef,
        source: str | None,
        as_of: dt.date,
        rulesets: list[str],
        engine: str,
        findings: list[Finding],
        indicative_levels: list[IndicativeLevel] | None = None,
        truncated_texts: int = 0,
        omitted_findings: int = 0,
        profile: HealthProfile | None = None,
        action_plan: list[ActionItem] | None = None,
        partners: list[PartnerRow] | None = None,
        network: PartnershipNetwork | None = None,
        disagreements: Disagreements | None = None,
        waived: list[WaivedFinding] | None = None,
    ) -> Report:
        """A report with findings (and waived findings) sorted and the per-severity summary
        of the findings filled in."""
        ordered = sorted(findings, key=Finding.sort_key)
        summary = {s: 0 for s in SEVERITIES}
        for finding in ordered:
            summary[finding.severity] += 1
        return cls(
            partnership=partnership,
            source=source,
            as_of=as_of,
            rulesets=rulesets,
            engine=engine,
            findings=ordered,
            summary=summary,
            indicative_levels=indicative_levels or [],
            truncated_texts=truncated_texts,
            omitted_findings=omitted_findings,
            profile=profile,
            action_plan=action_plan or [],
            partners=partners or [],
            network=network,
            disagreements=disagreements,
            waived=sorted(waived or [], key=lambda w: w.finding.sort_key()),
        )

    def worst_severity(self) -> str | None:
        """The most severe finding's severity, or None when there are no findings."""
        return self.findings[0].severity if self.findings else None

    def fails(self, fail_on: str) -> bool:
        """True if any finding is at or above ``fail_on`` (waived findings never count)."""
        limit = severity_rank(fail_on)
        return any(SEVERITIES.index(f.severity) <= limit for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (dates as ISO text)."""
        return self.model_dump(mode="json", exclude_none=False)

    def compared_with(self, baseline: Report) -> Report:
        """This report with ``progress`` filled in: findings resolved, new and remaining since
        ``baseline`` (an earlier report on the same partnership), matched by rule and subject.

        Raises :class:`UsageError` when ``baseline`` is about another partnership."""
        from ._compare import compare_reports  # _compare builds on this module

        progress = compare_reports(baseline, self).progress()
        return self.model_copy(update={"progress": progress})


class AuditError(_Frozen):
    """Why one input could not be audited."""

    message: str
    path: str | None = None
    line: int | None = None
    problems: list[str] = Field(default_factory=list)

    @classmethod
    def from_problems(cls, source: str, problems: list[Problem]) -> AuditError:
        first = problems[0]
        return cls(
            message=first.message,
            path=first.path or None,
            line=first.line,
            problems=[p.describe(source) for p in problems],
        )


class ErrorReport(_Frozen):
    """The element a batch holds for an input that could not be audited."""

    source: str
    error: AuditError

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


MAX_REPORT_BYTES = 64 * 1024 * 1024  # a batch report of thousands of records


def read_reports(path: str | os.PathLike[str]) -> list[Report]:
    """Reports saved earlier with ``--format json`` (one object or an array); elements for
    inputs that could not be audited are skipped. The file is read by the bounded loader (size,
    depth, values, duplicate keys). Raises :class:`UsageError` naming the file."""
    source = os.fspath(path)
    try:
        data, _ = parse_text(read_text(path, max_bytes=MAX_REPORT_BYTES), json_format=True)
    except RecordError as error:
        first = error.problems[0]
        raise UsageError(
            f"{Problem(first.message, first.path, first.line).describe(source)}"
            " (expected a JSON report saved with --format json)"
        ) from None
    return reports_from_data(data, source=source)


def reports_from_data(data: Any, *, source: str = "") -> list[Report]:
    """Reports from parsed JSON (one report object or an array); elements for inputs that could
    not be audited are skipped. Raises :class:`UsageError` naming ``source`` and the field."""
    items = data if isinstance(data, list) else [data]
    reports = []
    prefix = f"{source}: " if source else ""
    for index, item in enumerate(items):
        if isinstance(item, dict) and "error" in item and "findings" not in item:
            continue
        try:
            reports.append(Report.model_validate(item))
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"])
            at = f"[{index}]" + (f".{where}" if where else "") if isinstance(data, list) else where
            raise UsageError(
                f"{prefix}{at + ': ' if at else ''}{first['msg']}"
                " (expected a report saved with --format json)"
            ) from None
    return reports
