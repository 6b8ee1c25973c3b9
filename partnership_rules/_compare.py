"""Compare two audits of one partnership: which findings are new, resolved and unchanged.

Findings are matched by rule and subject (``OBJ001`` on ``objective:maths`` is the same
finding in both audits even if its message changed); a group's finding (one per cause) is
compared as its parts, so whether findings were grouped never makes one new or resolved. A
waived finding (an accepted risk) is still a finding of its audit for matching: waiving a
finding does not resolve it, and a finding whose waiver has expired is not new; the accepted
risks of the later audit are listed apart (``waived``).
This is the one implementation behind ``audit --baseline``, ``partnership-rules diff`` and
the opened/closed columns of the history.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from ._errors import RecordError, UsageError
from ._loader import parse_text, read_text
from ._report import (
    MAX_REPORT_BYTES,
    ErrorReport,
    Finding,
    PartnershipRef,
    Progress,
    Report,
    Score,
    TrackedFinding,
    reports_from_data,
    severity_rank,
)
from ._vocabulary import SEVERITIES

if TYPE_CHECKING:  # comparing saved reports (and the history) needs no rule engine loaded
    from ._audit import Auditor

__all__ = [
    "AuditSide",
    "Comparison",
    "ScoreChange",
    "compare_reports",
    "compare_with_baseline",
    "load_report",
    "report_score",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AuditSide(_Frozen):
    """One side of a comparison: when the audit was, of which file, its counts and its
    overall health score and band (None for a report saved without a health profile)."""

    as_of: dt.date
    source: str | None
    summary: dict[str, int]
    score: int | None = None
    band: str | None = None


class ScoreChange(_Frozen):
    """A health score (0 to 100) before and after, and the change (after minus before)."""

    before: int
    after: int
    change: int

    @classmethod
    def between(cls, before: Score, after: Score) -> ScoreChange:
        """The change from one score of the health profile to the same score later."""
        return cls(before=before.score, after=after.score, change=after.score - before.score)


class Comparison(_Frozen):
    """What changed between two audits of the same partnership."""

    partnership: PartnershipRef
    before: AuditSide
    after: AuditSide
    new: list[Finding]
    resolved: list[Finding]
    unchanged: list[Finding]
    waived: list[Finding] = Field(default_factory=list)
    """The later audit's accepted risks (its waived findings, part by part): neither new,
    resolved nor unchanged, and never a regression."""
    score: ScoreChange | None = None
    """The overall health score's change; None unless both reports carry a profile."""
    dimensions: dict[str, ScoreChange] = Field(default_factory=dict)
    """Per QCA dimension (results, process, relationships); empty without profiles."""
    categories: dict[str, ScoreChange] = Field(default_factory=dict)
    """Per category scored in both audits; empty without profiles."""

    def summary_change(self) -> dict[str, int]:
        """Per severity, findings after minus findings before."""
        return {s: self.after.summary.get(s, 0) - self.before.summary.get(s, 0) for s in SEVERITIES}

    def fails(self, fail_on: str) -> bool:
        """True if a *new* finding is at or above ``fail_on`` (a regression)."""
        limit = severity_rank(fail_on)
        return any(severity_rank(f.severity) <= limit for f in self.new)

    def progress(self) -> Progress:
        """The ``progress`` block of the later report (report format: resolved, new, remaining)."""
        return Progress(
            baseline_as_of=self.before.as_of,
            resolved=[TrackedFinding.of(f) for f in self.resolved],
            new=[TrackedFinding.of(f) for f in self.new],
            remaining=[TrackedFinding.of(f) for f in self.unchanged],
            waived=[TrackedFinding.of(f) for f in self.waived],
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``partnership``, ``before``, ``after``, ``new``, ``resolved``,
        ``unchanged``, ``waived`` (the later audit's accepted risks), ``summary_change``,
        ``score`` (null when a report carries no health profile), ``dimensions`` and
        ``categories``."""
        data = self.model_dump(mode="json")
        data["summary_change"] = self.summary_change()
        return data


def report_score(report: Report) -> int | None:
    """The report's overall health score, or None for a report saved without a profile."""
    return report.profile.overall.score if report.profile is not None else None


def _side(report: Report) -> AuditSide:
    profile = report.profile
    return AuditSide(
        as_of=report.as_of,
        source=report.source,
        summary=dict(report.summary),
        score=profile.overall.score if profile else None,
        band=profile.overall.band if profile else None,
    )


def _changes(before: dict[str, Score], after: dict[str, Score]) -> dict[str, ScoreChange]:
    return {key: ScoreChange.between(before[key], after[key]) for key in after if key in before}


def compare_reports(before: Report, after: Report) -> Comparison:
    """Compare an earlier audit ``before`` with a later one ``after`` of the same partnership.

    Findings are matched by rule and subject, a waived finding counting as a finding of its
    audit (see the module's docstring). Raises :class:`UsageError` when the two reports
    are about different partnerships (different ``partnership.id``).
    """
    if before.partnership.id != after.partnership.id:
        raise UsageError(
            "cannot compare audits of different partnerships:"
            f" '{before.partnership.id}'{_from(before)} and"
            f" '{after.partnership.id}'{_from(after)}"
        )
    # Single-rule findings: a group's finding counts as its parts (same rule ids as ever).
    before_units = sorted((u for f in before.findings for u in f.units()), key=Finding.sort_key)
    after_units = sorted((u for f in after.findings for u in f.units()), key=Finding.sort_key)
    before_waived = [u for w in before.waived for u in w.finding.units()]
    after_waived = sorted(
        (u for w in after.waived for u in w.finding.units()), key=Finding.sort_key
    )
    before_keys = {(f.rule, f.subject) for f in (*before_units, *before_waived)}
    after_keys = {(f.rule, f.subject) for f in (*after_units, *after_waived)}
    # An accepted risk that no longer fires at all is resolved too.
    before_units = sorted([*before_units, *before_waived], key=Finding.sort_key)
    old, new = before.profile, after.profile
    return Comparison(
        partnership=after.partnership,
        before=_side(before),
        after=_side(after),
        new=[f for f in after_units if (f.rule, f.subject) not in before_keys],
        resolved=[f for f in before_units if (f.rule, f.subject) not in after_keys],
        unchanged=[f for f in after_units if (f.rule, f.subject) in before_keys],
        waived=after_waived,
        score=ScoreChange.between(old.overall, new.overall) if old and new else None,
        dimensions=_changes(old.dimensions, new.dimensions) if old and new else {},
        categories=_changes(old.categories, new.categories) if old and new else {},
    )


def _from(report: Report) -> str:
    return f" (from {report.source})" if report.source else ""


def compare_with_baseline(
    results: Sequence[Report | ErrorReport], baseline: Sequence[Report], *, source: str = ""
) -> list[Report | ErrorReport]:
    """Each report of ``results`` with its ``progress`` since the baseline report of the same
    partnership (an input that could not be audited is passed through).

    Every audited partnership must have a report in ``baseline``: a baseline about other
    partnerships is refused with :class:`UsageError` (``source`` names the baseline file in
    the message), never ignored. Where the baseline holds several reports on one partnership,
    the one from the same source file is used.
    """
    by_id: dict[str, list[Report]] = {}
    for report in baseline:
        by_id.setdefault(report.partnership.id, []).append(report)
    held = ", ".join(f"'{key}'" for key in by_id) or "no reports"
    where = f"{source}: " if source else ""
    out: list[Report | ErrorReport] = []
    for result in results:
        if isinstance(result, ErrorReport):
            out.append(result)
            continue
        pid = result.partnership.id
        candidates = by_id.get(pid, [])
        if len(candidates) > 1:
            candidates = [c for c in candidates if c.source == result.source]
        if not candidates:
            raise UsageError(
                f"{where}the baseline has no report on partnership '{pid}'{_from(result)}"
                f" (it holds {held})"
            )
        if len(candidates) > 1:
            raise UsageError(
                f"{where}the baseline holds {len(candidates)} reports on partnership '{pid}'"
                f" from the same source; keep one"
            )
        progress = compare_reports(candidates[0], result).progress()
        out.append(result.model_copy(update={"progress": progress}))
    return out


def load_report(
    path: str | os.PathLike[str],
    *,
    auditor: Auditor | None = None,
    as_of: dt.date | None = None,
) -> Report:
    """The report for ``path``: a JSON report saved with ``audit --format json`` is read as
    it is; any other file is a record, audited with ``auditor`` (default: the rulesets each
    record names) as of ``as_of`` (default: its ``assessed_on``).

    Raises :class:`RecordError` for a file that cannot be read or a record that cannot be
    loaded, and :class:`UsageError` for a report file that holds no report, or several.
    """
    source = os.fspath(path)
    if Path(path).suffix.lower() == ".json":
        try:
            data, _ = parse_text(read_text(path, max_bytes=MAX_REPORT_BYTES), json_format=True)
        except RecordError as error:
            raise RecordError(source, error.problems) from None
        # A report has findings; a batch report is an array. Anything else is a record.
        if isinstance(data, list) or (isinstance(data, dict) and "findings" in data):
            reports = reports_from_data(data, source=source)
            if len(reports) != 1:
                raise UsageError(
                    f"{source}: holds {len(reports)} reports; give a report on one partnership"
                )
            return reports[0]
    if auditor is None:
        from ._audit import Auditor

        auditor = Auditor()
    return auditor.audit(source, as_of=as_of)
