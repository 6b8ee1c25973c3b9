"""Audit many files: find them, audit each (in worker processes for a large batch), render
each report where it was audited, and hand the pieces back one at a time, in input order.

Every input gets exactly one :class:`BatchItem`, in the order given: a file that cannot be
audited, a record that runs past the time limit and a record whose worker process died (after
one retry in a fresh worker) each become an error item in their place; none stops the batch.
The caller holds one item at a time, and the batch holds at most a bounded window of finished
items waiting for an earlier one, so memory stays flat for any number of files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import stat
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import PartnershipRulesError, Problem, RecordError, UsageError

if TYPE_CHECKING:
    from ._audit import Auditor
    from ._history import Trend
    from ._report import ErrorReport, Report

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "RECORD_SUFFIXES",
    "BatchInput",
    "BatchItem",
    "BatchOptions",
    "audit_batch",
    "collect_inputs",
]

RECORD_SUFFIXES = (".yaml", ".yml", ".json")
# Below this many files a pool of processes costs more to start than it saves.
PARALLEL_THRESHOLD = 16
# Seconds one record may take. A typical record takes milliseconds and the loader bounds the
# worst case to seconds; past this, something is wrong with the record or the machine.
DEFAULT_TIME_LIMIT = 60.0


@dataclass(frozen=True)
class BatchOptions:
    """How to audit and render every record of a batch: all a worker process needs.

    ``format``: one of :data:`partnership_rules.FORMATS` or ``"jsonl"`` (one compact JSON
    report per line). ``baseline``: a JSON report file; each report then carries its
    progress since the baseline's report on the same partnership. ``keep_reports``: each item
    also carries its report as JSON (to store it in a history database). ``history``: a
    history database (``audit --save``); a report whose partnership it holds audits of is
    rendered with its health over time (text, Markdown, HTML).
    """

    rulesets: tuple[str, ...] | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    engine: str | None = None
    as_of: dt.date | None = None
    format: str = "json"
    color: bool = False
    width: int = 100
    baseline: str | None = None
    keep_reports: bool = False
    history: str | None = None
    extra_rulesets: tuple[str, ...] = ()  # rule files run on every record besides ``rulesets``
    thresholds: tuple[tuple[str, float], ...] = ()  # named thresholds: (name, value)
    severities: tuple[tuple[str, str], ...] = ()  # a project's own severities: (rule id, severity)
    instruments: tuple[str, ...] = ()  # survey instrument files besides the shipped ones

    def auditor(self) -> Auditor:
        """A new :class:`Auditor` for these rulesets, selection, engine and settings."""
        from ._audit import Auditor

        return Auditor(
            self.rulesets,
            select=self.select,
            ignore=self.ignore,
            engine=self.engine,
            extra_rulesets=self.extra_rulesets,
            thresholds=dict(self.thresholds),
            severities=dict(self.severities),
            instruments=self.instruments,
        )


@dataclass(frozen=True)
class BatchInput:
    """One input of a batch: a path, and why it cannot be read if the walk found out already
    (an unreadable directory, a FIFO or a device)."""

    path: str
    problem: str | None = None


@dataclass(frozen=True)
class BatchItem:
    """One input's outcome, rendered by the process that audited it.

    ``piece`` is the report (or error) rendered for the batch's format (see
    :class:`BatchWriter`); ``problems`` are the one-line messages of an input that could not
    be audited (empty for a report); ``summary`` counts findings per severity.
    """

    index: int
    source: str
    piece: Any
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # why a rule selected by id or name did not run on this record
    partnership: str | None = None
    name: str | None = None
    summary: dict[str, int] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)
    worst: str | None = None
    report_json: str | None = None
    waived: int = 0  # accepted risks: listed in the report, counted in no severity

    @property
    def failed(self) -> bool:
        """True when the input could not be audited."""
        return bool(self.problems)

    def fails(self, fail_on: str) -> bool:
        """True when a finding is at or above severity ``fail_on``."""
        from ._report import severity_rank

        return self.worst is not None and severity_rank(self.worst) <= severity_rank(fail_on)


def collect_inputs(paths: Iterable[str | os.PathLike[str]]) -> list[BatchInput]:
    """The inputs of a batch, in the order given; a directory adds every record file below
    it (``.yaml``, ``.yml``, ``.json``), sorted.

    A path named directly is kept whatever it is, so that it is reported in its place. In a
    directory, an unreadable folder and a record-named entry that is not a regular file (a
    FIFO, a device, a socket) are inputs with a ``problem``, never opened; symbolic links to
    directories are not followed (a link can make a cycle).
    """
    out: list[BatchInput] = []
    for item in paths:
        path = os.fspath(item)
        if os.path.isdir(path):
            out.extend(sorted(_walk(path), key=lambda found: Path(found.path)))
        else:
            out.append(BatchInput(path))
    return out


def _walk(folder: str) -> Iterator[BatchInput]:
    try:
        entries = list(os.scandir(folder))
    except OSError as error:
        yield BatchInput(folder, f"cannot read directory: {error.strerror or error}")
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(entry.path)
                continue
            if not entry.name.lower().endswith(RECORD_SUFFIXES):
                continue
            mode = entry.stat(follow_symlinks=True).st_mode
        except OSError as error:
            yield BatchInput(entry.path, f"cannot read: {error.strerror or error}")
            continue
        if not stat.S_ISREG(mode):
            yield BatchInput(entry.path, f"not a regular file ({_file_kind(mode)}); not read")
        else:
            yield BatchInput(entry.path)


def _file_kind(mode: int) -> str:
    for test, kind in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


def audit_batch(
    inputs: Sequence[BatchInput | str],
    options: BatchOptions | None = None,
    *,
    jobs: int = 0,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    auditor: Auditor | None = None,
    mp_context: str | None = None,
) -> Generator[BatchItem, None, None]:
    """Audit every input; yield exactly one :class:`BatchItem` per input, in input order,
    each as soon as it and every input before it are done.

    ``jobs``: worker processes (0: one per CPU when the batch has at least 16 files, else
    1; 1: in this process, with ``auditor`` if given). ``time_limit``: seconds one record may
    take (None: no limit); a record past it becomes an error item. ``mp_context``: the
    multiprocessing start method (default: forkserver where there is one, else spawn).

    Use it in a ``with contextlib.closing(...)`` block (or run it to the end): closing it,
    or an exception (a signal, Ctrl-C) while it runs, stops its worker processes at once.
    Raises :class:`PartnershipRulesError` before the first item for options that cannot be
    used (a bad rule file, an unreadable baseline or history database).
    """
    options = options or BatchOptions()
    items = [BatchInput(i) if isinstance(i, str) else i for i in inputs]
    if jobs <= 0:
        jobs = (os.cpu_count() or 1) if len(items) >= PARALLEL_THRESHOLD else 1
    jobs = min(jobs, max(len(items), 1))
    baseline = _read_baseline(options)
    if options.history is not None:
        from ._history import HistoryStore

        HistoryStore(options.history, create=False).close()  # a bad file stops here
    if jobs == 1:
        return _audit_here(items, options, auditor or options.auditor(), baseline, time_limit)
    from ._workers import WorkerPool

    (auditor or options.auditor())  # a bad rule file stops here, before any worker starts
    pool = WorkerPool(options, jobs=jobs, time_limit=time_limit, mp_context=mp_context)
    return pool.run(items)


def _read_baseline(options: BatchOptions) -> list[Report] | None:
    if options.baseline is None:
        return None
    from ._report import read_reports

    return read_reports(options.baseline)


def _audit_here(
    items: list[BatchInput],
    options: BatchOptions,
    auditor: Auditor,
    baseline: list[Report] | None,
    time_limit: float | None,
) -> Generator[BatchItem, None, None]:
    from ._time_limit import TimeLimitExceeded, time_limit_here

    for index, item in enumerate(items):
        try:
            with time_limit_here(time_limit):
                done = audit_item(index, item, options, auditor, baseline)
        except TimeLimitExceeded:
            # The engine may have been stopped mid-run: audit the rest with a fresh one.
            auditor = options.auditor()
            done = error_item(index, item.path, time_limit_message(time_limit), options)
        yield done


def time_limit_message(seconds: float | None) -> str:
    """The problem of a record that ran past the time limit."""
    return f"took longer than the time limit of {seconds:g} s; stopped"


def audit_item(
    index: int,
    item: BatchInput,
    options: BatchOptions,
    auditor: Auditor,
    baseline: list[Report] | None,
) -> BatchItem:
    """Audit one input and render it: what a worker does for each record."""
    if item.problem is not None:
        return error_item(index, item.path, item.problem, options)
    result = _audit_one(auditor, item.path, options.as_of)
    if baseline is not None:
        result = _with_progress(result, baseline, options.baseline or "")
    done = _item(index, result, options)
    if options.select and not done.failed:
        notes = tuple(f"{done.source}: {note}" for note in auditor.not_run(result))  # type: ignore[arg-type]
        done = dataclasses.replace(done, notes=notes)
    return done


def error_item(index: int, path: str, message: str, options: BatchOptions) -> BatchItem:
    """The item of an input that could not be audited, with ``message`` as its problem."""
    from ._report import AuditError, ErrorReport

    error = AuditError.from_problems(path, [Problem(message)])
    return _item(index, ErrorReport(source=path, error=error), options)


def _audit_one(auditor: Auditor, path: str, as_of: dt.date | None) -> Report | ErrorReport:
    from ._report import AuditError, ErrorReport

    try:
        return auditor.audit(path, as_of=as_of)
    except RecordError as error:
        return ErrorReport(source=path, error=AuditError.from_problems(path, error.problems))
    except PartnershipRulesError as error:
        return ErrorReport(source=path, error=AuditError.from_problems(path, [Problem(str(error))]))
    except Exception as error:  # a bug: report it in this file's place, audit the rest
        problem = Problem(f"internal error, please report it: {type(error).__name__}: {error}")
        return ErrorReport(source=path, error=AuditError.from_problems(path, [problem]))


def _with_progress(
    result: Report | ErrorReport, baseline: list[Report], source: str
) -> Report | ErrorReport:
    from ._compare import compare_with_baseline
    from ._report import AuditError, ErrorReport

    try:
        return compare_with_baseline([result], baseline, source=source)[0]
    except PartnershipRulesError as error:  # the message names the baseline and the record
        message = str(error)
        return ErrorReport(
            source=result.source or "", error=AuditError(message=message, problems=[message])
        )


def _history_of(result: Report | ErrorReport, options: BatchOptions) -> Trend | None:
    """The health trend of the report's partnership, if the history database holds audits
    of it."""
    from ._history import load_trend
    from ._report import Report

    if options.history is None or not isinstance(result, Report):
        return None
    try:
        return load_trend(options.history, result.partnership.id)
    except UsageError:  # no audit of this partnership saved yet: nothing to draw
        return None


def _item(index: int, result: Report | ErrorReport, options: BatchOptions) -> BatchItem:
    from ._batch_output import render_piece
    from ._report import ErrorReport

    piece = render_piece(
        result,
        options.format,
        color=options.color,
        width=options.width,
        history=_history_of(result, options),
    )
    if isinstance(result, ErrorReport):
        problems = tuple(result.error.problems or [result.error.message])
        return BatchItem(index=index, source=result.source, piece=piece, problems=problems)
    categories: dict[str, int] = {}
    for finding in result.findings:
        categories[finding.category] = categories.get(finding.category, 0) + 1
    return BatchItem(
        index=index,
        source=result.source or result.partnership.id,
        piece=piece,
        partnership=result.partnership.id,
        name=result.partnership.name,
        summary=dict(result.summary),
        categories=categories,
        worst=result.worst_severity(),
        waived=len(result.waived),
        report_json=result.model_dump_json() if options.keep_reports else None,
    )


def replace_index(item: BatchItem, index: int) -> BatchItem:
    """``item`` as the item of input ``index``."""
    return dataclasses.replace(item, index=index)
