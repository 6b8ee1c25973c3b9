"""CSV for spreadsheets: the action plan (``csv``) or the partner table (``csv-partners``).

One header row, then one row per action (or partner) of every report in order (the plan's
rows for its findings, ``Status`` "open", then a row for each accepted risk, ``Status``
"waived", with its waiver in ``Waiver`` and no number, owner or date), each row
starting with the partnership and the source so that a batch makes one table. Inputs that
could not be audited have no rows (their errors go to standard error as always). Every text
cell goes through :func:`escape.csv_cell`: a cell a spreadsheet would run as a formula is
prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from .._report import Report
from . import escape
from .common import (
    Result,
    contributions_text,
    findings_about,
    references_text,
    subject_text,
    waiver_text,
)

__all__ = ["CSV_FORMATS", "csv_header", "csv_rows", "render_partners_csv", "render_plan_csv"]

PLAN_HEADER = (
    "Partnership",
    "Source",
    "#",
    "Severity",
    "Rule",
    "Finding",
    "About",
    "Action to be taken",
    "By whom",
    "By when",
    "Achieved?",
    "Further actions needed",
    "Sources",
    "Status",
    "Waiver",
)
PARTNER_HEADER = (
    "Partnership",
    "Source",
    "Partner",
    "Kind",
    "Lead",
    "Decision seats",
    "Chairs",
    "Share of funding",
    "Contributions (share of each kind)",
    "Actions accountable for",
    "Actions responsible for",
    "Communicates with",
    "Cut point",
    "Benefits stated",
    "Findings about it",
    # What the other partners say of it (empty where no partner rated it).
    "Trust from others (1-4)",
    "Value to others (1-4)",
    "Rated by",
)

Cell = str | int | float


def _lines(rows: Iterable[Sequence[Cell]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([escape.csv_cell(c) if isinstance(c, str) else c for c in row])
    return buffer.getvalue()


def _csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    return _lines([header]) + _lines(rows)


def _reports(results: Sequence[Result]) -> list[Report]:
    return [r for r in results if isinstance(r, Report)]


def render_plan_csv(results: Sequence[Result]) -> str:
    """The action plans of ``results`` as one CSV table."""
    return _csv(PLAN_HEADER, _plan_rows(results))


def _plan_rows(results: Sequence[Result]) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for report in _reports(results):
        source = report.source or ""
        for number, (item, finding) in enumerate(
            zip(report.action_plan, report.findings, strict=False), 1
        ):
            rows.append(
                [
                    report.partnership.name,
                    source,
                    number,
                    item.severity,
                    item.rule,
                    finding.title,
                    subject_text(finding),
                    finding.remedy,
                    item.by_whom,
                    item.by_when.isoformat(),
                    item.achieved,
                    item.further_actions,
                    references_text(finding),
                    "open",
                    "",
                ]
            )
        for waived in report.waived:
            finding = waived.finding
            rows.append(
                [
                    report.partnership.name,
                    source,
                    "",
                    finding.severity,
                    finding.rule,
                    finding.title,
                    subject_text(finding),
                    finding.remedy,
                    "",
                    "",
                    "",
                    "",
                    references_text(finding),
                    "waived",
                    waiver_text(waived),
                ]
            )
    return rows


def render_partners_csv(results: Sequence[Result]) -> str:
    """The partner tables of ``results`` as one CSV table (shares as numbers from 0 to 1)."""
    return _csv(PARTNER_HEADER, _partner_rows(results))


def _partner_rows(results: Sequence[Result]) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for report in _reports(results):
        titles = findings_about(report)
        for row in report.partners:
            rows.append(
                [
                    report.partnership.name,
                    report.source or "",
                    row.name,
                    row.kind,
                    "yes" if row.lead else "no",
                    row.seats,
                    row.chairs,
                    "" if row.funding_share is None else row.funding_share,
                    contributions_text(row),
                    row.accountable_actions,
                    row.responsible_actions,
                    row.communication_degree,
                    "yes" if row.cut_point else "no",
                    "; ".join(row.benefits),
                    "; ".join(
                        f"{rule} {titles[rule].title}" if rule in titles else rule
                        for rule in row.findings
                    ),
                    "" if row.trust is None else row.trust,
                    "" if row.value is None else row.value,
                    row.rated_by,
                ]
            )
    return rows


CSV_FORMATS = ("csv", "csv-partners")


def csv_header(fmt: str) -> str:
    """The header line of a CSV format (a batch writes it once, then each report's rows)."""
    return _lines([PLAN_HEADER if fmt == "csv" else PARTNER_HEADER])


def csv_rows(results: Sequence[Result], fmt: str) -> str:
    """The rows of ``results`` in a CSV format, without the header."""
    return _lines(_plan_rows(results) if fmt == "csv" else _partner_rows(results))
