"""Project configuration: ``partnership-rules.toml``, or ``[tool.partnership-rules]`` in
``pyproject.toml``, found by walking up from the current directory.

::

    # partnership-rules.toml
    rulesets = ["rules/"]                 # rule files or directories, added to the shipped rules
    fail-on = "medium"                    # default for --fail-on
    select = []                           # as --select
    ignore = ["CORE014"]                  # as --ignore
    severity = { CORE003 = "low" }        # a rule's severity for this project, by rule id
    thresholds = { max_seat_share = 0.6 } # named thresholds of the rulesets loaded
    instruments = ["survey/our-survey.yaml"]  # survey instruments besides the shipped ones

Paths in ``rulesets`` and ``instruments`` are relative to the configuration file. An unknown
key, or a value of the wrong kind, is a :class:`ConfigError` naming the file and the key.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, Strict, ValidationError

from ._errors import ConfigError, Problem
from ._vocabulary import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["CONFIG_FILE", "ProjectConfig", "find_config", "load_config"]

CONFIG_FILE = "partnership-rules.toml"
PYPROJECT_TABLE = "partnership-rules"  # [tool.partnership-rules]


class ProjectConfig(BaseModel):
    """What a project's configuration sets (every key optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    rulesets: list[str] = Field(
        default_factory=list,
        description="Rule files or directories added to the shipped rules, relative to the"
        " configuration file.",
    )
    fail_on: Severity | None = Field(
        default=None, alias="fail-on", description="Default for --fail-on."
    )
    select: list[str] = Field(
        default_factory=list, description="Run only these rules (ids, names, categories, rulesets)."
    )
    ignore: list[str] = Field(
        default_factory=list, description="Skip these rules (ids, names, categories, rulesets)."
    )
    severity: dict[str, Severity] = Field(
        default_factory=dict, description="A rule's severity for this project, by rule id."
    )
    # Strict as records are: TOML has numbers and booleans, so "8" or true is no threshold.
    thresholds: dict[str, Annotated[float, Strict()]] = Field(
        default_factory=dict, description="Named thresholds of the rulesets loaded, by name."
    )
    instruments: list[str] = Field(
        default_factory=list,
        description="Survey instrument files a record's survey may answer besides the shipped"
        " ones, relative to the configuration file.",
    )
    _source: str | None = PrivateAttr(default=None)

    @property
    def source(self) -> str | None:
        """The file this configuration was read from (None for one built in code)."""
        return self._source

    def key_named_in(self, message: str, *, select: bool = True, ignore: bool = True) -> str | None:
        """The key of this configuration (``severity.CORE001``, ``thresholds.NAME``,
        ``select``, ``ignore``) whose value ``message`` quotes, if any: what an
        :class:`Auditor` refused among the settings it was given from here. ``select`` and
        ``ignore``: whether this configuration's lists were used (the command line's win)."""
        pairs = [
            *((f"severity.{name}", name) for name in self.severity),
            *((f"thresholds.{name}", name) for name in self.thresholds),
            *((f"select.{i}", key) for i, key in enumerate(self.select) if select),
            *((f"ignore.{i}", key) for i, key in enumerate(self.ignore) if ignore),
        ]
        return next((key for key, value in pairs if f"'{value}'" in message), None)


def _has_table(pyproject: Path) -> bool:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and PYPROJECT_TABLE in tool


def find_config(start: str | Path | None = None) -> Path | None:
    """The configuration file that applies in ``start`` (default: the current directory):
    the nearest ``partnership-rules.toml``, or ``pyproject.toml`` with a
    ``[tool.partnership-rules]`` table, walking up; None if there is none."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        own = folder / CONFIG_FILE
        if own.is_file():
            return own
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _has_table(pyproject):
            return pyproject
    return None


def load_config(path: str | Path) -> ProjectConfig:
    """Read and validate a configuration file (``pyproject.toml``: its
    ``[tool.partnership-rules]`` table). Raises :class:`ConfigError` naming the key."""
    source = str(path)
    try:
        data: Any = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(source, [Problem(f"cannot read: {error.strerror or error}")]) from None
    except UnicodeDecodeError:
        raise ConfigError(source, [Problem("not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(source, [Problem(f"invalid TOML: {error}")]) from None
    prefix = ""
    if Path(path).name == "pyproject.toml":
        data = data.get("tool", {}).get(PYPROJECT_TABLE, {})
        prefix = f"tool.{PYPROJECT_TABLE}."
    if not isinstance(data, dict):
        raise ConfigError(source, [Problem("is not a table", prefix.rstrip("."))])
    try:
        config = ProjectConfig.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False):
            key = prefix + ".".join(str(p) for p in item["loc"])
            message = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
            problems.append(Problem(message, key))
        raise ConfigError(source, problems) from None
    base = Path(path).parent
    rulesets = [str(base / item) for item in config.rulesets]
    instruments = [str(base / item) for item in config.instruments]
    config = config.model_copy(update={"rulesets": rulesets, "instruments": instruments})
    config._source = source
    return config
