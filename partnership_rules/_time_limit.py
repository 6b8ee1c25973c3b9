"""A time limit for work done in this process: an interval timer that raises in the main thread.

Worker processes are stopped from outside when they run past the limit (see ``_workers``);
in this process, the timer raises :class:`TimeLimitExceeded` at the next Python instruction.
It applies only in the main thread of a POSIX process (where ``signal.setitimer`` exists and
signal handlers run); elsewhere the work runs without a limit. The caller's own ``SIGALRM``
handler and timer are put back afterwards.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["TimeLimitExceeded", "time_limit_here"]


class TimeLimitExceeded(BaseException):
    """The work ran past its time limit. (Not an ``Exception``: code that reports any
    ``Exception`` as a bug in its input's place must let this one through.)"""


def _raise(signum: int, frame: FrameType | None) -> None:
    raise TimeLimitExceeded


@contextmanager
def time_limit_here(seconds: float | None) -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` in the block once ``seconds`` have passed."""
    usable = (
        seconds is not None
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return
    assert seconds is not None
    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
