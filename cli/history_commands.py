"""``partnership-rules diff`` and ``partnership-rules history``: progress between audits.

These commands parse arguments and call the public library API, nothing more. Exit codes:
``diff`` 0 when no *new* finding is at or above ``--fail-on``, 1 when one is; ``history`` 0;
both 2 for an input or usage error (one line per problem on stderr).
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from partnership_rules import PROGRESS_FORMATS

from ._common import (
    ExitCode,
    command,
    config_options,
    configured_auditor,
    engine_option,
    fail_on_option,
    format_option,
    instrument_option,
    project_config,
    ruleset_option,
)

__all__ = ["diff", "history"]


@click.command()
@click.argument("old", type=click.Path(path_type=str))
@click.argument("new", type=click.Path(path_type=str))
@format_option(PROGRESS_FORMATS)
@ruleset_option(
    "Audit records with this ruleset (a shipped name or a rule file); repeatable. "
    "Default: core plus the contexts each record names."
)
@engine_option("Rule engine for auditing records (default as for audit).")
@fail_on_option(
    "Exit 1 when a new finding is at or above this severity. Default: the configuration's"
    " fail-on, else high.",
    default=None,
)
@instrument_option(
    "A survey instrument file of your own that a record's survey may answer besides"
    " the shipped ones and the configuration's; repeatable."
)
@config_options
@command
def diff(
    old: str,
    new: str,
    fmt: str,
    rulesets: Sequence[str],
    engine: str | None,
    instruments: Sequence[str],
    fail_on: str | None,
    config: str | None,
    no_config: bool,
) -> int:
    """Compare two audits of one partnership: findings resolved, new and unchanged.

    OLD and NEW are each a record (audited now, as of its assessed_on) or a JSON report
    saved earlier with 'audit --format json'. Findings are matched by rule and subject.
    Audits of different partnerships are refused. Records are audited as 'audit' would,
    within the project configuration (its rulesets, select, ignore, severity, thresholds).
    """
    from partnership_rules import compare_reports, load_report, render_comparison

    project = project_config(config, no_config)
    fail_on = fail_on or project.fail_on or "high"
    auditor = configured_auditor(project, rulesets, engine=engine, instruments=instruments)
    comparison = compare_reports(
        load_report(old, auditor=auditor), load_report(new, auditor=auditor)
    )
    click.echo(render_comparison(comparison, fmt), nl=False)
    return ExitCode.FINDINGS if comparison.fails(fail_on) else ExitCode.OK


@click.command()
@click.argument("partnership_id")
@click.option(
    "--db",
    required=True,
    type=click.Path(path_type=str),
    metavar="DB",
    help="The SQLite file that 'audit --save DB' writes.",
)
@format_option(PROGRESS_FORMATS)
@command
def history(partnership_id: str, db: str, fmt: str) -> None:
    """Show a partnership's audits over time: findings per severity, score, and the
    findings each audit opened and closed since the one before."""
    from partnership_rules import load_history, render_history

    click.echo(render_history(load_history(db, partnership_id), fmt), nl=False)
