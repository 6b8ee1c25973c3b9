"""The library's exceptions.

::

    PartnershipRulesError          anything the library raises on purpose
    ├── RecordError                a record that cannot be loaded (all its problems at once)
    ├── RulesetError               a rule file or ruleset name that cannot be used
    ├── UsageError                 a bad argument from the caller (unknown format, severity...)
    └── HistoryError               a history database that cannot be opened, read or written

Each carries enough to print a one-line message that names the file and the field or line.
Anything else escaping the library is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "HistoryError",
    "PartnershipRulesError",
    "Problem",
    "RecordError",
    "RulesetError",
    "UsageError",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what is wrong."""

    message: str
    path: str = ""  # field path such as ``actions[0].responsible[1]``; empty for the whole file
    line: int | None = None  # 1-based line in the file, where known

    def describe(self, source: str = "") -> str:
        """Render as ``source:line: path: message`` leaving out the parts that are unknown."""
        where = source
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        parts = [p for p in (where, self.path) if p]
        return ": ".join([*parts, self.message])


class PartnershipRulesError(Exception):
    """Base class of every error the library raises on purpose."""


class _ProblemsError(PartnershipRulesError):
    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = list(problems) or [Problem("invalid input")]
        super().__init__(self.describe())

    def describe(self) -> str:
        """One line per problem, each naming the source, line and field path."""
        return "\n".join(p.describe(self.source) for p in self.problems)


class RecordError(_ProblemsError):
    """A partnership record that cannot be loaded; ``problems`` lists everything found."""


class RulesetError(_ProblemsError):
    """A rule file (or ruleset name) that cannot be compiled; ``problems`` names rule and field."""


class UsageError(PartnershipRulesError):
    """A bad argument from the caller, such as an unknown output format or severity."""


class HistoryError(PartnershipRulesError):
    """A history database that cannot be used: not a database, corrupted, written by a newer
    version, locked for too long or not writable. The message names the file."""
