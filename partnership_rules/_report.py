"""Findings and reports: the public output contract (the JSON report; README, "Command line")."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._errors import Problem, RecordError, UsageError
from ._loader import parse_text, read_text
from ._rule_model import Reference
from ._vocabulary import SEVERITIES, Category, Severity

__all__ = [
    "AuditError",
    "Progress",
    "TrackedFinding",
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
    parts: list[Finding] = Field(default_factory=list)

    def units(self) -> list[Finding]:
        """The single-rule findings this finding stands for: its parts, or itself. Comparing
        audits matches these by rule and subject, so a baseline saved before a group formed
        (or after it broke up) still matches, part by part."""
        return list(self.parts) if self.parts else [self]

    def sort_key(self) -> tuple[int, str, str]:
        """Severity (most severe first), then rule id, then subject."""
        return (SEVERITIES.index(self.severity), self.rule, self.subject)


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


class TrackedFinding(_Frozen):
    """A finding as progress tracking sees it: which rule, about what."""

    rule: str
    subject: str
    title: str
    severity: Severity


class Progress(_Frozen):
    """What changed since a baseline report of the same partnership."""

    baseline_as_of: dt.date
    resolved: list[TrackedFinding]
    new: list[TrackedFinding]
    remaining: list[TrackedFinding]


class Report(_Frozen):
    """The audit of one record."""

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
    ) -> Report:
        """A report with findings sorted and the per-severity summary filled in."""
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
        )

    def worst_severity(self) -> str | None:
        """The most severe finding's severity, or None when there are no findings."""
        return self.findings[0].severity if self.findings else None

    def fails(self, fail_on: str) -> bool:
        """True if any finding is at or above ``fail_on``."""
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
