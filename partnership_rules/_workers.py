"""Worker processes for a batch that survive their workers: a dead or stuck worker costs one
record, never the batch.

Each worker compiles the rulesets once, then audits and renders the records it is sent, at
most :data:`DEPTH` at a time, in order. The parent knows which record each worker is on, so:

- a worker that dies (the OOM killer, a crash in C code) has its record retried once in a
  fresh worker; if that one dies too, the record becomes an error item ("worker died while
  auditing this record: signal 9");
- a record that runs past the time limit has its worker killed and becomes an error item;
- any exception in the parent (Ctrl-C, a signal turned into an exception, the caller closing
  the iterator) stops every worker before it propagates: no orphans.

Workers ignore SIGINT and SIGHUP (the parent, which gets them too from a terminal, decides),
and exit when the parent goes away (their pipe closes).
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.connection
import signal
import time
from collections import deque
from collections.abc import Generator, Iterator
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from typing import TYPE_CHECKING, Any

from ._batch import (
    BatchInput,
    BatchItem,
    BatchOptions,
    audit_item,
    error_item,
    time_limit_message,
)

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

__all__ = ["WorkerPool"]

# Records queued to one worker at a time: the next one is ready when the current one ends.
DEPTH = 2
# Finished items held back per worker while an earlier record is still being audited.
WINDOW_PER_JOB = 32
# Attempts of one record whose worker died: the first, and one retry in a fresh worker.
ATTEMPTS = 2
# Seconds a worker gets to exit after being told to stop, before it is killed.
STOP_GRACE = 2.0
# Workers that may die in a row before auditing anything, before the batch gives up.
MAX_IDLE_DEATHS = 8


def _requeue(pending: deque[int], indices: list[int]) -> None:
    """Put records back among those waiting, keeping them in input order."""
    if indices:
        merged = sorted([*indices, *pending])
        pending.clear()
        pending.extend(merged)


def _worker_main(conn: Connection, options: BatchOptions) -> None:
    """The loop of one worker process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        auditor = options.auditor()
        baseline = None
        if options.baseline is not None:
            from ._report import read_reports

            baseline = read_reports(options.baseline)
    except BaseException as error:  # the parent checked these options: report, don't hide
        conn.send(("failed", f"{type(error).__name__}: {error}"))
        return
    # Modules and compiled rules live as long as the worker: keep the collector off them.
    gc.freeze()
    conn.send(("ready", None))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the parent has gone
            return
        if task is None:
            return
        index, item = task
        try:
            conn.send(("item", audit_item(index, item, options, auditor, baseline)))
        except (BrokenPipeError, OSError):
            return


class _Worker:
    def __init__(self, context: BaseContext, options: BatchOptions) -> None:
        parent_end, child_end = context.Pipe(duplex=True)
        self.process: BaseProcess = context.Process(  # type: ignore[attr-defined]
            target=_worker_main, args=(child_end, options), daemon=True
        )
        self.process.start()
        child_end.close()
        self.conn = parent_end
        # Records sent and not yet answered, oldest (the one being audited) first.
        self.tasks: deque[int] = deque()
        self.since = time.monotonic()  # when the oldest task started
        self.ready = False  # it has compiled the rules: the time limit counts from now on
        self.fresh = True  # sent nothing yet: where a dead worker's record is retried
        self.broken = False  # a send failed: it has died, and its sentinel will say so

    def send(self, index: int, item: BatchInput) -> bool:
        """Queue a record on this worker; False if it has died (its pipe is closed)."""
        try:
            self.conn.send((index, item))
        except OSError:  # BrokenPipeError, ConnectionResetError
            self.broken = True
            return False
        if not self.tasks:
            self.since = time.monotonic()
        self.tasks.append(index)
        self.fresh = False
        return True

    def stop(self, *, kill: bool) -> None:
        try:
            if kill:
                self.process.kill()
            else:
                self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(STOP_GRACE)
        if self.process.exitcode is None:
            self.process.kill()
            self.process.join()
        self.conn.close()


def _default_context() -> str:
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


class WorkerPool:
    """Audits the inputs of one batch in ``jobs`` worker processes (see the module doc)."""

    def __init__(
        self,
        options: BatchOptions,
        *,
        jobs: int,
        time_limit: float | None,
        mp_context: str | None = None,
    ) -> None:
        self.options = options
        self.jobs = jobs
        self.time_limit = time_limit if time_limit and time_limit > 0 else None
        self.idle_deaths = 0
        method = mp_context or _default_context()
        self.context = multiprocessing.get_context(method)
        if method == "forkserver":
            # Workers fork from a server that has the auditing code imported already.
            self.context.set_forkserver_preload(["partnership_rules._workers"])

    def run(self, inputs: list[BatchInput]) -> Generator[BatchItem, None, None]:
        """Yield one item per input, in order (see :func:`audit_batch`)."""
        workers: list[_Worker] = []
        try:
            yield from self._run(inputs, workers)
        except BaseException:
            for worker in workers:
                worker.stop(kill=True)
            workers.clear()
            raise
        finally:
            for worker in workers:
                worker.stop(kill=False)

    def _start(self, workers: list[_Worker]) -> _Worker:
        worker = _Worker(self.context, self.options)
        workers.append(worker)
        return worker

    def _run(self, inputs: list[BatchInput], workers: list[_Worker]) -> Iterator[BatchItem]:
        total = len(inputs)
        window = WINDOW_PER_JOB * self.jobs
        pending: deque[int] = deque(range(total))
        retry: deque[int] = deque()  # records whose worker died: each to a fresh worker
        attempts: dict[int, int] = {}
        done: dict[int, BatchItem] = {}
        next_out = 0
        for _ in range(self.jobs):
            self._start(workers)
        while next_out < total:
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
            if next_out >= total:
                break
            self._dispatch(inputs, workers, pending, retry, done, next_out + window)
            self._wait(inputs, workers, pending, retry, attempts, done)

    def _dispatch(
        self,
        inputs: list[BatchInput],
        workers: list[_Worker],
        pending: deque[int],
        retry: deque[int],
        done: dict[int, BatchItem],
        limit: int,
    ) -> None:
        for worker in workers:
            if retry and worker.fresh and not worker.broken:
                index = retry.popleft()
                if not worker.send(index, inputs[index]):
                    retry.appendleft(index)
        while pending and pending[0] < limit:
            index = pending[0]
            item = inputs[index]
            if item.problem is not None:  # found by the walk: nothing to audit
                pending.popleft()
                done[index] = error_item(index, item.path, item.problem, self.options)
                continue
            idle = [w for w in workers if len(w.tasks) < DEPTH and not w.broken and not retry]
            if not idle:
                return
            worker = min(idle, key=lambda w: len(w.tasks))
            if not worker.send(index, item):
                continue  # it died: the next round finds it buried and replaced
            pending.popleft()

    def _wait(
        self,
        inputs: list[BatchInput],
        workers: list[_Worker],
        pending: deque[int],
        retry: deque[int],
        attempts: dict[int, int],
        done: dict[int, BatchItem],
    ) -> None:
        timeout = None
        busy = [w for w in workers if w.tasks and w.ready]
        if self.time_limit is not None and busy:
            now = time.monotonic()
            timeout = max(0.0, min(w.since + self.time_limit for w in busy) - now)
        waitables: list[Any] = [w.conn for w in workers] + [w.process.sentinel for w in workers]
        ready = multiprocessing.connection.wait(waitables, timeout)
        for worker in list(workers):
            if worker.conn in ready and self._receive(worker, done):
                continue
            if worker.process.sentinel in ready or not worker.process.is_alive():
                self._buried(worker, workers, inputs, pending, retry, attempts, done)
        if self.time_limit is not None:
            now = time.monotonic()
            for worker in list(workers):
                if worker.tasks and worker.ready and now - worker.since >= self.time_limit:
                    self._overdue(worker, workers, inputs, pending, done)

    def _receive(self, worker: _Worker, done: dict[int, BatchItem]) -> bool:
        try:
            message = worker.conn.recv()
        except (EOFError, OSError):
            return False  # it died: its sentinel says so
        kind, payload = message
        if kind == "failed":
            raise RuntimeError(f"a worker process could not start: {payload}")
        if kind == "ready":
            worker.ready = True
            worker.since = time.monotonic()
            return True
        item: BatchItem = payload
        self.idle_deaths = 0
        index = worker.tasks.popleft()
        assert item.index == index, (item.index, index)
        done[index] = item
        worker.since = time.monotonic()
        return True

    def _replace(self, worker: _Worker, workers: list[_Worker], *, kill: bool) -> _Worker:
        workers.remove(worker)
        worker.stop(kill=kill)
        return self._start(workers)

    def _buried(
        self,
        worker: _Worker,
        workers: list[_Worker],
        inputs: list[BatchInput],
        pending: deque[int],
        retry: deque[int],
        attempts: dict[int, int],
        done: dict[int, BatchItem],
    ) -> None:
        worker.process.join(STOP_GRACE)
        code = worker.process.exitcode
        how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        tasks = list(worker.tasks)
        worker.tasks.clear()
        self._replace(worker, workers, kill=True)
        if not tasks:
            # Dead before it was given anything: start-up keeps failing (no memory, no
            # processes left?) rather than a record killing it. Give up after a few.
            self.idle_deaths += 1
            if self.idle_deaths > MAX_IDLE_DEATHS:
                raise RuntimeError(f"worker processes keep dying as they start ({how})")
            return
        current, queued = tasks[0], tasks[1:]
        _requeue(pending, queued)  # never started: they go back, in order
        attempts[current] = attempts.get(current, 0) + 1
        if attempts[current] < ATTEMPTS:
            retry.append(current)
        else:
            message = f"worker died while auditing this record: {how}"
            done[current] = error_item(current, inputs[current].path, message, self.options)

    def _overdue(
        self,
        worker: _Worker,
        workers: list[_Worker],
        inputs: list[BatchInput],
        pending: deque[int],
        done: dict[int, BatchItem],
    ) -> None:
        current, *queued = worker.tasks
        worker.tasks.clear()
        self._replace(worker, workers, kill=True)
        _requeue(pending, queued)
        message = time_limit_message(self.time_limit)
        done[current] = error_item(current, inputs[current].path, message, self.options)
