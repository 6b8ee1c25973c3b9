"""``partnership-rules audit``: audit records and write the reports as they are ready.

The command parses its options and hands the work to the library: the batch audit
(:func:`partnership_rules.audit_batch`), the writer that joins its pieces
(:class:`partnership_rules.BatchWriter`), the output file (:func:`partnership_rules.open_output`)
and the batch summary. Library modules are imported when the command runs, so that other
commands and ``--help`` start fast.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import click

from partnership_rules import BATCH_FORMATS, DEFAULT_TIME_LIMIT

from ._common import (
    ExitCode,
    command,
    config_options,
    configuration_named,
    engine_option,
    error,
    fail,
    fail_on_option,
    format_option,
    instrument_option,
    output_option,
    output_started,
    project_config,
    ruleset_option,
    split_rulesets,
    startup_done,
)

if TYPE_CHECKING:
    from partnership_rules import BatchItem, BatchSummary, Report, TextSink

__all__ = ["audit"]


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    from partnership_rules import UsageError, parse_date

    try:
        return parse_date(value, name=param.name or "as_of")
    except UsageError as problem:  # "as_of: expected ...": click names the option itself
        raise click.BadParameter(str(problem).split(": ", 1)[-1]) from None


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@format_option(
    BATCH_FORMATS,
    help="Output format; jsonl writes one JSON report per line as each is ready.",
)
@output_option(
    "Write the report to FILE instead of standard output (an existing file is replaced"
    " atomically, keeping its permissions; FIFOs, devices and the input files are refused)."
)
@ruleset_option(
    "A shipped ruleset name (run only the rulesets named), or a rule file or directory of"
    " rule files (added to the rules run); repeatable."
    " Default: core plus the contexts each record names."
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
@fail_on_option(
    "Exit 1 when a finding is at or above this severity. Default: the project"
    " configuration's fail-on, else high.",
    default=None,
)
@click.option(
    "--as-of",
    callback=_parse_date,
    metavar="DATE",
    help="Count recency from this date (YYYY-MM-DD) instead of each record's assessed_on.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Worker processes; 0 picks one per CPU for 16 files or more.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0),
    default=DEFAULT_TIME_LIMIT,
    show_default=True,
    metavar="SECONDS",
    help="Stop auditing a record after this long and report it as an error (0: no limit).",
)
@engine_option("Rule engine (default: $PARTNERSHIP_RULES_ENGINE, else durable where it runs).")
@instrument_option(
    "A survey instrument file of your own (YAML or JSON) that a record's survey may"
    " answer besides the shipped ones; repeatable. Added to the configuration's instruments."
)
@click.option(
    "--baseline",
    type=click.Path(path_type=str),
    metavar="REPORT.json",
    help="An earlier JSON report: show which findings are resolved, new and remaining.",
)
@click.option(
    "--save",
    type=click.Path(path_type=str),
    metavar="DB",
    help="Also store each audit in this SQLite history file (created if missing).",
)
@click.option(
    "--history",
    type=click.Path(path_type=str),
    metavar="DB",
    help="Show each partnership's health over the audits saved in this history file, ending"
    " with this audit (text and Markdown: a summary; HTML: a chart). May be the --save file.",
)
@click.option(
    "--summary",
    is_flag=True,
    help="After the reports, print a batch summary on stderr: files, errors, findings by"
    " severity and category, the worst partnerships.",
)
@click.option(
    "--color/--no-color", default=None, help="Colour text output (default: on a terminal)."
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar on stderr (default: for several files on a terminal).",
)
@config_options
@command
def audit(
    paths: Sequence[str],
    fmt: str,
    output: str | None,
    rulesets: Sequence[str],
    select: Sequence[str],
    ignore: Sequence[str],
    fail_on: str | None,
    as_of: dt.date | None,
    jobs: int,
    time_limit: float,
    engine: str | None,
    instruments: Sequence[str],
    baseline: str | None,
    save: str | None,
    history: str | None,
    summary: bool,
    color: bool | None,
    progress: bool | None,
    config: str | None,
    no_config: bool,
) -> int:
    """Audit partnership records (files, or directories of .yaml/.yml/.json files)."""
    from partnership_rules import (
        BatchOptions,
        BatchSummary,
        HistoryStore,
        audit_batch,
        collect_inputs,
        open_output,
    )

    to_stdout = output in (None, "-")
    project = project_config(config, no_config)
    names, files = split_rulesets(rulesets)
    fail_on = fail_on or project.fail_on or "high"
    options = BatchOptions(
        rulesets=names or None,
        extra_rulesets=(*files, *project.rulesets),
        thresholds=tuple(project.thresholds.items()),
        severities=tuple(project.severity.items()),
        instruments=(*instruments, *project.instruments),
        select=tuple(select or project.select),
        ignore=tuple(ignore or project.ignore),
        engine=engine,
        as_of=as_of,
        format=fmt,
        color=color if color is not None else (to_stdout and sys.stdout.isatty()),
        baseline=baseline,
        keep_reports=save is not None,
        history=history,
    )
    inputs = collect_inputs(paths)
    if not inputs:
        fail("no .yaml, .yml or .json files found in " + ", ".join(paths))
    single = len(paths) == 1 and len(inputs) == 1 and not os.path.isdir(paths[0])
    store = HistoryStore(save) if save else None  # a bad history file stops before auditing
    totals = BatchSummary()
    show_progress = progress if progress is not None else (len(inputs) > 1 and sys.stderr.isatty())
    with contextlib.ExitStack() as stack:
        stack.enter_context(configuration_named(project, select=not select, ignore=not ignore))
        if store is not None:
            stack.enter_context(store)
        advance = stack.enter_context(_progress_bar(len(inputs), show_progress))
        if to_stdout:
            out: TextSink = sys.stdout  # after the progress bar, which prints above itself
        else:
            assert output is not None
            # Every file the output is made from: replacing one of them is refused.
            sources = [i.path for i in inputs] + [f for f in (baseline, history) if f]
            sources += [*rulesets, *instruments]
            out = stack.enter_context(open_output(output, inputs=sources))
        batch = audit_batch(inputs, options, jobs=jobs, time_limit=time_limit or None)
        items = stack.enter_context(contextlib.closing(batch))
        reports = _write(
            items, fmt, out, single=single, totals=totals, advance=advance, to_stdout=to_stdout
        )
        if store is not None:
            store.save_many(reports)
        else:
            for _ in reports:
                pass
    if summary:
        click.echo(totals.render_text(), err=True, nl=False)
    if totals.errors:
        return ExitCode.INPUT_ERROR
    return ExitCode.FINDINGS if totals.fails(fail_on) else ExitCode.OK


def _write(
    items: Iterator[BatchItem],
    fmt: str,
    out: TextSink,
    *,
    single: bool,
    totals: BatchSummary,
    advance: Callable[[], object],
    to_stdout: bool,
) -> Iterator[Report]:
    """Write each item as it comes, report its problems on stderr, count it; yield the
    reports to keep (``--save``)."""
    from partnership_rules import BatchWriter, Report

    writer = BatchWriter(fmt, out, single=single)
    for item in items:
        startup_done()  # the first report is out: a batch may go on for hours
        writer.write(item.piece)
        if to_stdout:
            output_started()
        if fmt == "jsonl":
            out.flush()  # each line as soon as it is ready
        for problem in (*item.problems, *item.notes):
            error(problem)
        totals.add(item)
        advance()
        if item.report_json is not None:
            yield Report.model_validate_json(item.report_json)
    writer.close()
    out.flush()


@contextlib.contextmanager
def _progress_bar(total: int, enabled: bool) -> Iterator[Callable[[], object]]:
    if not enabled:
        yield lambda: None
        return
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
    with bar:
        yield lambda: bar.advance(task)
