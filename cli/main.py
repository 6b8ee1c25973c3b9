"""The ``partnership-rules`` command line: parses arguments and calls the library, nothing more.

Exit codes: 0 no finding at or above ``--fail-on``; 1 at least one; 2 an input or usage
error (a one-line message per problem on stderr, never a traceback); 130 interrupted.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from partnership_rules import (
    CATEGORIES,
    FORMATS,
    SEVERITIES,
    HistoryStore,
    PartnershipRulesError,
    RulesetError,
    __version__,
    available_engines,
    compare_with_baseline,
    read_reports,
    render_batch,
)
from partnership_rules._audit import Auditor
from partnership_rules._batch import AuditSettings, audit_paths, batch_exit_code, collect_paths
from partnership_rules._report import ErrorReport, Report

from .docs_commands import init, schema, sources
from .history_commands import diff, history

INPUT_ERROR = 2


class InputError(click.ClickException):
    """A user error: click's own ClickException exits 1, which means "findings" here."""

    exit_code = INPUT_ERROR

    def show(self, file: Any = None) -> None:
        click.echo(f"partnership-rules: {self.format_message()}", err=True)


def _fail(error: PartnershipRulesError) -> NoReturn:
    lines = str(error).splitlines() or ["error"]
    for line in lines[:-1]:
        click.echo(f"partnership-rules: {line}", err=True)
    raise InputError(lines[-1])


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not an ISO date (YYYY-MM-DD)") from None


def _write_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename: never half a file."""
    target = Path(path)
    handle, temp = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or "."
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _progress(
    total: int, enabled: bool
) -> tuple[Callable[[int, Any], None] | None, Callable[[], None]]:
    if not enabled:
        return None, lambda: None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task("auditing", total=total)
    bar.start()
    return (lambda index, result: bar.advance(task)), bar.stop


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="partnership-rules")
def cli() -> None:
    """Check the health of partnerships between organisations.

    Reads partnership records (YAML or JSON, record format v1), runs declarative rulesets
    over them and reports findings, each with its evidence and a remedy.
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=str),
    help="Write the report to FILE (atomically) instead of standard output.",
)
@click.option(
    "--ruleset",
    "rulesets",
    multiple=True,
    metavar="NAME_OR_FILE",
    help="Run this ruleset (a shipped name or a rule file); repeatable. "
    "Default: core plus the contexts each record names.",
)
@click.option(
    "--select",
    multiple=True,
    metavar="ID_OR_CATEGORY",
    help="Only run rules with this id, name, category or ruleset; repeatable.",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="ID_OR_CATEGORY",
    help="Skip rules with this id, name, category or ruleset; repeatable.",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default="high",
    show_default=True,
    help="Exit 1 when a finding is at or above this severity.",
)
@click.option(
    "--as-of",
    callback=_parse_date,
    metavar="DATE",
    help="Count recency from this date instead of each record's assessed_on.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Worker processes; 0 picks one per CPU for large batches.",
)
@click.option(
    "--engine",
    type=click.Choice(["durable", "python"]),
    default=None,
    help="Rule engine (default: $PARTNERSHIP_RULES_ENGINE, else durable where it runs).",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=str),
    metavar="REPORT.json",
    help="An earlier JSON report: show which findings are resolved, new and remaining.",
)
@click.option(
    "--save",
    type=click.Path(dir_okay=False, path_type=str),
    metavar="DB",
    help="Also store each audit in this SQLite history file (created if missing).",
)
@click.option(
    "--color/--no-color", default=None, help="Colour text output (default: on a terminal)."
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar on stderr (default: for several files on a terminal).",
)
def audit(
    paths: Sequence[str],
    fmt: str,
    output: str | None,
    rulesets: Sequence[str],
    select: Sequence[str],
    ignore: Sequence[str],
    fail_on: str,
    as_of: dt.date | None,
    jobs: int,
    engine: str | None,
    baseline: str | None,
    save: str | None,
    color: bool | None,
    progress: bool | None,
) -> None:
    """Audit partnership records (files, or directories of .yaml/.yml/.json files)."""
    settings = AuditSettings(
        rulesets=tuple(rulesets) or None,
        select=tuple(select),
        ignore=tuple(ignore),
        engine=engine,
        as_of=as_of,
    )
    try:
        code = _run_audit(
            paths, settings, fmt, output, fail_on, jobs, baseline, save, color, progress
        )
    except KeyboardInterrupt:
        # Anywhere: compiling rules, walking folders, auditing, rendering or writing.
        click.echo("partnership-rules: interrupted; no report written", err=True)
        sys.exit(130)
    sys.exit(code)


def _run_audit(
    paths: Sequence[str],
    settings: AuditSettings,
    fmt: str,
    output: str | None,
    fail_on: str,
    jobs: int,
    baseline: str | None,
    save: str | None,
    color: bool | None,
    progress: bool | None,
) -> int:
    try:
        auditor = settings.auditor()  # compile once here: a bad rule file stops before any audit
        baseline_reports = read_reports(baseline) if baseline else None
        store = HistoryStore(save) if save else None  # a bad history file stops before auditing
    except PartnershipRulesError as error:
        _fail(error)
    files = collect_paths(paths)
    if not files:
        raise InputError("no .yaml, .yml or .json files found in " + ", ".join(paths))
    show_progress = progress if progress is not None else (len(files) > 1 and sys.stderr.isatty())
    advance, stop = _progress(len(files), show_progress)
    try:
        results = audit_paths(files, settings, jobs=jobs, auditor=auditor, on_result=advance)
    finally:
        stop()
    try:
        if baseline_reports is not None:
            results = compare_with_baseline(results, baseline_reports, source=baseline or "")
        if store is not None:
            with store:
                store.save_many(r for r in results if isinstance(r, Report))
    except PartnershipRulesError as error:
        _fail(error)
    use_color = color if color is not None else (output is None and sys.stdout.isatty())
    text = render_batch(results, fmt, color=use_color, single=len(paths) == 1 and len(files) == 1)
    try:
        if output:
            _write_atomically(output, text)
        else:
            click.echo(text, nl=False)
    except OSError as error:
        raise InputError(f"cannot write {output}: {error.strerror or error}") from None
    for result in results:
        if isinstance(result, ErrorReport):
            for line in result.error.problems or [result.error.message]:
                click.echo(f"partnership-rules: {line}", err=True)
    return batch_exit_code(results, fail_on)


@cli.command()
@click.option(
    "--ruleset",
    "rulesets",
    multiple=True,
    metavar="NAME_OR_FILE",
    help="List this ruleset only (a shipped name or a rule file); repeatable.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="markdown: full rule documentation, as in docs/rules.md.",
)
def rules(rulesets: Sequence[str], fmt: str) -> None:
    """List the rules: id, severity, category and title."""
    try:
        auditor = Auditor(rulesets or None, engine="python")
    except PartnershipRulesError as error:
        _fail(error)
    if fmt == "markdown":
        from partnership_rules._ruledocs import rules_markdown

        click.echo(rules_markdown(auditor.rulesets), nl=False)
        return
    if fmt == "json":
        data = [
            {
                "ruleset": r.ruleset,
                **r.rule.model_dump(mode="json", exclude={"when"}),
                "when": r.rule.when,
            }
            for r in auditor.rules
        ]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for ruleset in auditor.rulesets:
        click.echo(f"{ruleset.name}: {ruleset.title} ({len(ruleset.rules)} rules)")
        for rule in ruleset.rules:
            r = rule.rule
            click.echo(f"  {r.id:<9} {r.severity:<8} {r.category:<20} {r.title}")


@cli.command()
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Explain a rule: what it checks, why it matters, what to do, and its sources."""
    auditor = Auditor(engine="python")
    wanted = rule_id.strip()
    for rule in auditor.rules:
        r = rule.rule
        if wanted in (r.id, r.name, *r.aliases) or wanted.upper() == r.id:
            click.echo(f"{r.id} {r.name}: {r.title}")
            click.echo(
                f"Severity: {r.severity} · Category: {r.category} · Ruleset: {rule.ruleset}"
                f" · Applies to: {r.applies_to} facts"
            )
            click.echo("")
            click.echo("Why it matters")
            click.echo(f"  {r.rationale.strip()}")
            click.echo("")
            click.echo("What to do")
            click.echo(f"  {r.remedy.strip()}")
            click.echo("")
            click.echo("Condition")
            click.echo(f"  {json.dumps(r.when, ensure_ascii=False)}")
            click.echo("")
            click.echo("Sources")
            for ref in r.references:
                click.echo(f"  - {ref}")
            return
    categories = ", ".join(CATEGORIES)
    raise InputError(
        f"no rule '{rule_id}' (see 'partnership-rules rules'; categories: {categories})"
    )


@cli.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=str),
    help="Write the matrix to FILE (for example docs/coverage.md).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Exit 1 if a source point is neither checked by a rule nor marked needs_survey.",
)
def coverage(output: str | None, check: bool) -> None:
    """Print the coverage matrix: each point of the sources and the rules that check it."""
    from partnership_rules import load_rulesets
    from partnership_rules._coverage import coverage_markdown, coverage_problems

    try:
        rulesets = load_rulesets()
    except PartnershipRulesError as error:
        _fail(error)
    text = coverage_markdown(rulesets)
    if output:
        _write_atomically(output, text)
    else:
        click.echo(text, nl=False)
    if check:
        problems = coverage_problems(rulesets)
        for problem in problems:
            click.echo(f"partnership-rules: {problem}", err=True)
        if problems:
            sys.exit(1)


@cli.command()
def engines() -> None:
    """List the rule engines available on this interpreter."""
    for name in available_engines():
        click.echo(name)


cli.add_command(diff)
cli.add_command(history)
cli.add_command(init)
cli.add_command(schema)
cli.add_command(sources)


def main() -> None:
    """Entry point of the ``partnership-rules`` script."""
    try:
        cli.main(prog_name="partnership-rules", standalone_mode=True)
    except RulesetError as error:  # raised lazily by a subcommand
        _fail_plain(error)


def _fail_plain(error: PartnershipRulesError) -> NoReturn:
    for line in str(error).splitlines():
        click.echo(f"partnership-rules: {line}", err=True)
    sys.exit(INPUT_ERROR)


if __name__ == "__main__":
    main()
