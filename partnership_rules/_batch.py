"""Audit many files: expand directories, audit in parallel, keep one result per input, in order.

A file that cannot be audited yields an :class:`ErrorReport` in its place; it never stops
the batch. Worker processes each build their own :class:`Auditor` once.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ._audit import Auditor
from ._errors import PartnershipRulesError, Problem, RecordError
from ._report import AuditError, ErrorReport, Report

__all__ = ["AuditSettings", "audit_paths", "batch_exit_code", "collect_paths"]

RECORD_SUFFIXES = (".yaml", ".yml", ".json")
# Below this many files a process pool costs more to start than it saves.
PARALLEL_THRESHOLD = 16

Result = Report | ErrorReport


@dataclass(frozen=True)
class AuditSettings:
    """Everything needed to rebuild the same :class:`Auditor` in another process."""

    rulesets: tuple[str, ...] | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    engine: str | None = None
    as_of: dt.date | None = None

    def auditor(self) -> Auditor:
        return Auditor(self.rulesets, select=self.select, ignore=self.ignore, engine=self.engine)


def collect_paths(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Files to audit, in the order given; a directory adds every record file below it, sorted.

    A path that does not exist is kept, so that it is reported in its place.
    """
    out: list[str] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in RECORD_SUFFIXES
            )
            out.extend(str(p) for p in found)
        else:
            out.append(str(path))
    return out


def _audit_one(auditor: Auditor, path: str, as_of: dt.date | None) -> Result:
    try:
        return auditor.audit(path, as_of=as_of)
    except RecordError as error:
        return ErrorReport(source=path, error=AuditError.from_problems(path, error.problems))
    except PartnershipRulesError as error:
        return ErrorReport(source=path, error=AuditError.from_problems(path, [Problem(str(error))]))
    except Exception as error:  # a bug: report it in this file's place, audit the rest
        problem = Problem(f"internal error, please report it: {type(error).__name__}: {error}")
        return ErrorReport(source=path, error=AuditError.from_problems(path, [problem]))


_WORKER: Auditor | None = None
_WORKER_AS_OF: dt.date | None = None


def _start_worker(settings: AuditSettings) -> None:
    # Process-local by design: each worker process compiles the rulesets once.
    global _WORKER, _WORKER_AS_OF
    # Ctrl-C in a terminal signals every process of the group: only the parent handles it
    # (it stops the workers itself), so workers neither die mid-item nor print tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER = settings.auditor()
    _WORKER_AS_OF = settings.as_of


def _work(path: str) -> Result:
    assert _WORKER is not None
    return _audit_one(_WORKER, path, _WORKER_AS_OF)


def audit_paths(
    paths: Sequence[str],
    settings: AuditSettings | None = None,
    *,
    jobs: int = 0,
    auditor: Auditor | None = None,
    on_result: Callable[[int, Result], None] | None = None,
    mp_context: str | None = None,
) -> list[Result]:
    """Audit every path; return exactly one result per path, in the order given.

    ``jobs``: worker processes (0: one per CPU when the batch is large enough, 1: in this
    process). ``on_result(index, result)`` is called as each one finishes (for progress).
    """
    settings = settings or AuditSettings()
    if jobs <= 0:
        jobs = (os.cpu_count() or 1) if len(paths) >= PARALLEL_THRESHOLD else 1
    jobs = min(jobs, max(len(paths), 1))
    results: list[Result | None] = [None] * len(paths)
    if jobs == 1:
        local = auditor or settings.auditor()
        for index, path in enumerate(paths):
            results[index] = _audit_one(local, path, settings.as_of)
            if on_result:
                on_result(index, results[index])  # type: ignore[arg-type]
    else:
        import multiprocessing

        context = multiprocessing.get_context(mp_context) if mp_context else None
        chunk = max(1, min(64, len(paths) // (jobs * 4)))
        pool = ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=_start_worker, initargs=(settings,)
        )
        try:
            for index, result in enumerate(pool.map(_work, paths, chunksize=chunk)):
                results[index] = result
                if on_result:
                    on_result(index, result)
        except BaseException:
            # Interrupted (Ctrl-C) or failed: leaving a "with" block would wait for every
            # queued file to be audited first. Cancel the queue and stop the workers now.
            _stop_workers(pool)
            raise
        pool.shutdown(wait=True)
    missing = [paths[i] for i, r in enumerate(results) if r is None]
    if missing:  # never drop an input silently
        raise RuntimeError(f"no result for {len(missing)} file(s), first {missing[0]}")
    return results  # type: ignore[return-value]


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return
    # shutdown() forgets the worker processes: take them first.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)


def batch_exit_code(results: Sequence[Result], fail_on: str) -> int:
    """The command's exit code for a batch: 2 if any input could not be audited, else 1 if
    any report has a finding at or above ``fail_on``, else 0."""
    if any(isinstance(r, ErrorReport) for r in results):
        return 2
    return 1 if any(isinstance(r, Report) and r.fails(fail_on) for r in results) else 0
