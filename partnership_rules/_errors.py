"""The library's exceptions.

::

    PartnershipRulesError          anything the library raises on purpose
    ├── RecordError                a record that cannot be loaded (all its problems at once)
    ├── RulesetError               a rule file or ruleset name that cannot be used
    ├── ConfigError                a project configuration file that cannot be used
    ├── UsageError                 a bad argument from the caller (unknown format, severity...)
    ├── HistoryError               a history database that cannot be opened, read or written
    └── OutputError                an output file that may not or cannot be written

Each carries enough to print a one-line message that names the file and the field or line.
Anything else escaping the library is a bug. Every one survives ``pickle`` and ``copy`` (a
process pool sends them between processes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "ConfigError",
    "HistoryError",
    "OutputError",
    "PartnershipRulesError",
    "Problem",
    "RecordError",
    "RulesetError",
    "UsageError",
    "printable",
]


def _escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return char.encode("unicode_escape").decode("ascii")


def printable(text: str) -> str:
    """``text`` safe to show on a terminal, in one line: control characters (C0, C1, ANSI
    escapes, newlines), other unprintable characters and the undecodable bytes of a file name
    are written as escapes such as ``\\x1b``."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what is wrong."""

    message: str
    path: str = ""  # field path such as ``actions[0].responsible[1]``; empty for the whole file
    line: int | None = None  # 1-based line in the file, where known

    def describe(self, source: str = "") -> str:
        """Render as ``source:line: path: message`` leaving out the parts that are unknown.

        The result is one printable line whatever the file name, field names and message
        hold (see :func:`printable`)."""
        where = source
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        parts = [p for p in (where, self.path) if p]
        return printable(": ".join([*parts, self.message]))


class PartnershipRulesError(Exception):
    """Base class of every error the library raises on purpose."""


class _ProblemsError(PartnershipRulesError):
    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = list(problems) or [Problem("invalid input")]
        super().__init__(self.describe())

    def __reduce__(self) -> tuple[Any, ...]:
        # The default rebuilds from ``args`` (the message), which is not this signature.
        return (type(self), (self.source, self.problems), self.__dict__)

    def describe(self) -> str:
        """One line per problem, each naming the source, line and field path."""
        return "\n".join(p.describe(self.source) for p in self.problems)


class RecordError(_ProblemsError):
    """A partnership record that cannot be loaded; ``problems`` lists everything found."""


class RulesetError(_ProblemsError):
    """A rule file (or ruleset name) that cannot be compiled; ``problems`` names rule and field."""


class ConfigError(_ProblemsError):
    """A project configuration file that cannot be used; ``problems`` name the key at fault."""


class UsageError(PartnershipRulesError):
    """A bad argument from the caller, such as an unknown output format or severity."""


class HistoryError(PartnershipRulesError):
    """A history database that cannot be used: not a database, corrupted, written by a newer
    version, locked for too long or not writable. The message names the file."""


class OutputError(PartnershipRulesError):
    """An output file that is refused (a FIFO, a device, a directory, one of the inputs) or
    cannot be written. The message names the file."""
