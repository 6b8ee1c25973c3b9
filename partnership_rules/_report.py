"""Findings and reports: the public output contract (see DESIGN.md, "Findings and the JSON report")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ._errors import Problem, UsageError
from ._rules import SEVERITIES, Category, Reference, Severity

__all__ = [
    "AuditError",
    "ErrorReport",
    "Finding",
    "IndicativeLevel",
    "PartnershipRef",
    "Report",
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
    """One rule firing on one subject."""

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
        )

    def worst_severity(self) -> str | None:
        """The most severe finding's severity, or None when there are no findings."""
        return self.findings[0].severity if self.findings else None

    def fails(self, fail_on: str) -> bool:
        """True if any finding is at or above ``fail_on``."""
        limit = severity_rank(fail_on)
        return any(SEVERITIES.index(f.severity) <= limit for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of DESIGN.md (dates as ISO text)."""
        return self.model_dump(mode="json")


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
