"""The ``partnership-rules`` command line: parses arguments and calls the library, nothing more.

Each command lives in a module of this package with the commands it belongs with; what they
share (exit codes, the error path, common options) is in :mod:`._common`. Exit codes: 0
done, nothing at or above ``--fail-on``; 1 at least one such finding; 2 an input or usage
error (one line per problem on stderr, never a traceback); 128 plus the signal's number when
stopped by a signal (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).
"""

from __future__ import annotations

import gc

import click

from partnership_rules import __version__

from ._common import PROG, stop_on_signals
from .audit_command import audit
from .docs_commands import init, schema, sources
from .history_commands import diff, history
from .rule_commands import coverage, engines, explain, rules

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name=PROG)
def cli() -> None:
    """Check the health of partnerships between organisations.

    Reads partnership records (YAML or JSON, record format v1), runs declarative rulesets
    over them and reports findings, each with its evidence and a remedy.
    """


for _command in (audit, rules, explain, coverage, engines, diff, history, init, schema, sources):
    cli.add_command(_command)


def main() -> None:
    """Entry point of the ``partnership-rules`` script."""
    # Start-up (importing, compiling the rules) makes many long-lived objects and no garbage
    # cycles: collecting during it costs about a tenth of a one-file run. Commands that go on
    # for long turn collection back on (see startup_done).
    gc.disable()
    stop_on_signals()
    cli.main(prog_name=PROG)


if __name__ == "__main__":
    main()
