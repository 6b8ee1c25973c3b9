"""``partnership-rules diff`` and ``partnership-rules history``: progress between audits.

These commands parse arguments and call the public library API, nothing more. Exit codes:
``diff`` 0 when no *new* finding is at or above ``--fail-on``, 1 when one is; ``history`` 0;
both 2 for an input or usage error (one line per problem on stderr).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NoReturn

import click

from partnership_rules import (
    PROGRESS_FORMATS,
    SEVERITIES,
    Auditor,
    PartnershipRulesError,
    compare_reports,
    load_history,
    load_report,
    render_comparison,
    render_history,
)

__all__ = ["diff", "history"]

INPUT_ERROR = 2


def _fail(error: PartnershipRulesError) -> NoReturn:
    for line in str(error).splitlines() or ["error"]:
        click.echo(f"partnership-rules: {line}", err=True)
    sys.exit(INPUT_ERROR)


_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(PROGRESS_FORMATS),
    default="text",
    show_default=True,
    help="Output format.",
)


@click.command()
@click.argument("old", type=click.Path(dir_okay=False, path_type=str))
@click.argument("new", type=click.Path(dir_okay=False, path_type=str))
@_format_option
@click.option(
    "--ruleset",
    "rulesets",
    multiple=True,
    metavar="NAME_OR_FILE",
    help="Audit records with this ruleset (a shipped name or a rule file); repeatable. "
    "Default: core plus the contexts each record names.",
)
@click.option(
    "--engine",
    type=click.Choice(["durable", "python"]),
    default=None,
    help="Rule engine for auditing records (default as for audit).",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default="high",
    show_default=True,
    help="Exit 1 when a new finding is at or above this severity.",
)
def diff(
    old: str, new: str, fmt: str, rulesets: Sequence[str], engine: str | None, fail_on: str
) -> None:
    """Compare two audits of one partnership: findings resolved, new and unchanged.

    OLD and NEW are each a record (audited now, as of its assessed_on) or a JSON report
    saved earlier with 'audit --format json'. Findings are matched by rule and subject.
    Audits of different partnerships are refused.
    """
    try:
        auditor = Auditor(rulesets or None, engine=engine)
        before = load_report(old, auditor=auditor)
        after = load_report(new, auditor=auditor)
        comparison = compare_reports(before, after)
    except PartnershipRulesError as error:
        _fail(error)
    click.echo(render_comparison(comparison, fmt), nl=False)
    sys.exit(1 if comparison.fails(fail_on) else 0)


@click.command()
@click.argument("partnership_id")
@click.option(
    "--db",
    required=True,
    type=click.Path(dir_okay=False, path_type=str),
    metavar="DB",
    help="The SQLite file that 'audit --save DB' writes.",
)
@_format_option
def history(partnership_id: str, db: str, fmt: str) -> None:
    """Show a partnership's audits over time: findings per severity, score, and the
    findings each audit opened and closed since the one before."""
    try:
        stored = load_history(db, partnership_id)
    except PartnershipRulesError as error:
        _fail(error)
    click.echo(render_history(stored, fmt), nl=False)
