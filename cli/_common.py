"""What every command shares: the exit codes, the one error path, and the options that
several commands take (declared once here).

Every command is wrapped in :func:`command`: it returns its :class:`ExitCode`, the library's
own errors become one line per problem on stderr and exit code 2; Ctrl-C, SIGTERM
and SIGHUP become a message and 128 plus the signal's number; a closed pipe ends the command
quietly. Anything else is a bug and surfaces as one.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import gc
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from types import FrameType
from typing import TYPE_CHECKING, NoReturn, ParamSpec, TypeVar

import click

from partnership_rules import PartnershipRulesError, safe_terminal_text

if TYPE_CHECKING:
    from partnership_rules import Auditor, ProjectConfig

__all__ = [
    "ExitCode",
    "Stopped",
    "command",
    "config_options",
    "configuration_named",
    "configured_auditor",
    "engine_option",
    "error",
    "fail",
    "fail_on_option",
    "format_option",
    "output_option",
    "output_started",
    "project_config",
    "ruleset_option",
    "split_rulesets",
    "startup_done",
    "stop_on_signals",
]

PROG = "partnership-rules"
P = ParamSpec("P")
R = TypeVar("R")


class ExitCode(enum.IntEnum):
    """The exit codes of every command."""

    OK = 0
    """Done; for audit and diff: no finding at or above --fail-on."""
    FINDINGS = 1
    """A finding at or above --fail-on (audit, diff), or a coverage gap (coverage --check)."""
    INPUT_ERROR = 2
    """An input or usage error: one line per problem on stderr."""
    SIGNAL_BASE = 128
    """Stopped by a signal: 128 plus its number (130 Ctrl-C, 129 SIGHUP, 143 SIGTERM)."""

    @classmethod
    def for_signal(cls, signum: int) -> int:
        """The exit code for a command stopped by signal ``signum``."""
        return cls.SIGNAL_BASE + signum


class Stopped(BaseException):
    """Raised in the main thread by SIGTERM or SIGHUP (see :func:`stop_on_signals`), so that
    every ``finally`` runs: worker processes stopped, temporary files removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signum)


def startup_done() -> None:
    """Turn garbage collection back on (off during start-up, see ``main``), first moving
    everything made so far out of its reach: modules, compiled rules."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def stop_on_signals() -> None:
    """Turn SIGTERM and SIGHUP into :class:`Stopped` (Ctrl-C is KeyboardInterrupt already)."""
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _raise_stopped)


def error(message: str) -> None:
    """Print ``message`` on stderr, one line per line, each made safe for a terminal."""
    for line in message.splitlines() or [""]:
        click.echo(f"{PROG}: {safe_terminal_text(line)}", err=True)


def fail(message: str) -> NoReturn:
    """Stop the command with ``message`` on stderr and exit code 2."""
    error(message)
    raise click.exceptions.Exit(ExitCode.INPUT_ERROR)


def output_started() -> None:
    """Note that the command has begun writing its report on standard output: if it is
    stopped now, what was written is incomplete (an output file is simply not written)."""
    context = click.get_current_context(silent=True)
    if context is not None:
        context.meta[_STARTED] = True


_STARTED = "partnership_rules.output_started"


def _stopped(signum: int) -> NoReturn:
    name = "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
    context = click.get_current_context(silent=True)
    started = context is not None and context.meta.get(_STARTED, False)
    left = "the report on standard output is incomplete" if started else "no report written"
    error(f"{name}; {left}")
    raise click.exceptions.Exit(ExitCode.for_signal(signum))


def _quiet_broken_pipe() -> NoReturn:
    # The reader went away (``| head``): say nothing, and point stdout at /dev/null so that
    # the interpreter's last flush at exit does not complain either.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    raise click.exceptions.Exit(ExitCode.for_signal(signal.SIGPIPE))


def command(function: Callable[P, int | None]) -> Callable[P, None]:
    """The one error path of every command: run it, exit with the code it returns."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            code = function(*args, **kwargs)
        except PartnershipRulesError as problem:
            fail(str(problem))
        except KeyboardInterrupt:
            _stopped(signal.SIGINT)
        except Stopped as stop:
            _stopped(stop.signum)
        except BrokenPipeError:
            _quiet_broken_pipe()
        except Exception as error:
            # pydantic wraps Ctrl-C or a signal's Stopped that arrives while one of the report
            # models' serializer functions runs in PydanticSerializationError (the cause).
            if isinstance(error.__cause__, KeyboardInterrupt):
                _stopped(signal.SIGINT)
            if isinstance(error.__cause__, Stopped):
                _stopped(error.__cause__.signum)
            raise
        raise click.exceptions.Exit(ExitCode.OK if code is None else code)

    return run


# -- options shared by several commands ------------------------------------------------------


def ruleset_option(help: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """``--ruleset NAME_OR_FILE``, repeatable, as ``rulesets``."""
    return click.option("--ruleset", "rulesets", multiple=True, metavar="NAME_OR_FILE", help=help)


def format_option(
    choices: tuple[str, ...] | list[str], help: str = "Output format.", default: str = "text"
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """``--format`` among ``choices``, as ``fmt``."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help=help,
    )


def output_option(help: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """``--output FILE`` / ``-o FILE``, as ``output`` (``-`` is standard output)."""
    return click.option("--output", "-o", metavar="FILE", type=click.Path(path_type=str), help=help)


def engine_option(help: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """``--engine durable|python``."""
    return click.option(
        "--engine", type=click.Choice(["durable", "python"]), default=None, help=help
    )


def instrument_option(help: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """``--instrument PATH`` (repeatable), as ``instruments``: survey instruments of one's own."""
    return click.option(
        "--instrument",
        "instruments",
        multiple=True,
        type=click.Path(path_type=str),
        metavar="PATH",
        help=help,
    )


def fail_on_option(
    help: str, default: str | None = "high"
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """``--fail-on SEVERITY`` (default high; None: the caller decides)."""
    from partnership_rules import SEVERITIES

    return click.option(
        "--fail-on",
        type=click.Choice(SEVERITIES),
        default=default,
        show_default=default is not None,
        help=help,
    )


def config_options(function: Callable[P, R]) -> Callable[P, R]:
    """``--config FILE`` and ``--no-config``: which project configuration applies."""
    function = click.option(
        "--no-config", is_flag=True, help="Ignore any project configuration file."
    )(function)
    return click.option(
        "--config",
        type=click.Path(path_type=str),
        metavar="FILE",
        help="Project configuration (default: the nearest partnership-rules.toml, or"
        " pyproject.toml with [tool.partnership-rules], from the current directory up).",
    )(function)


def project_config(config: str | None, no_config: bool) -> ProjectConfig:
    """The project configuration that applies (an empty one with ``--no-config``)."""
    from partnership_rules import ProjectConfig, find_config, load_config

    if no_config:
        return ProjectConfig()
    path = config or find_config()
    return ProjectConfig() if path is None else load_config(path)


@contextlib.contextmanager
def configuration_named(
    project: ProjectConfig, *, select: bool = True, ignore: bool = True
) -> Iterator[None]:
    """Within it, a setting of the project configuration that the library refuses (an
    unknown rule id in ``severity``, threshold name, ``select`` or ``ignore`` key) is an
    error naming the configuration file and the key. ``select``/``ignore``: whether the
    configuration's lists are in use (the command line's win)."""
    from partnership_rules import ConfigError, Problem, UsageError

    try:
        yield
    except UsageError as refused:
        key = project.key_named_in(str(refused), select=select, ignore=ignore)
        if project.source is None or key is None:
            raise
        raise ConfigError(project.source, [Problem(str(refused), key)]) from None


def configured_auditor(
    project: ProjectConfig,
    rulesets: Sequence[str],
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    engine: str | None = None,
    instruments: Sequence[str] = (),
) -> Auditor:
    """The Auditor that ``--ruleset`` (``rulesets``), ``--select``, ``--ignore`` and
    ``--engine`` ask for within the project configuration, as ``audit`` builds it: shipped
    rulesets named replace the default selection, rule files add to it with the
    configuration's; the configuration's thresholds, severities and instruments (after
    ``instruments``) apply; its select and ignore apply unless given here."""
    from partnership_rules import Auditor

    names, files = split_rulesets(rulesets)
    with configuration_named(project, select=not select, ignore=not ignore):
        return Auditor(
            names or None,
            select=select or project.select,
            ignore=ignore or project.ignore,
            engine=engine,
            thresholds=project.thresholds,
            extra_rulesets=(*files, *project.rulesets),
            severities=project.severity,
            instruments=(*instruments, *project.instruments),
        )


def split_rulesets(items: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``--ruleset`` values: shipped ruleset names (which replace the default selection) and
    rule files or directories (which add to it)."""
    from partnership_rules import shipped_ruleset_names

    shipped = set(shipped_ruleset_names())
    return tuple(i for i in items if i in shipped), tuple(i for i in items if i not in shipped)
