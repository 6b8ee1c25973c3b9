"""The rule model: a rule as written in a rule file, and as compiled for the engines.

See :mod:`partnership_rules._rule_loader` for the file format and
:mod:`partnership_rules._conditions` for the condition language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ._sources import source_title
from ._templates import render_template
from ._vocabulary import SEVERITY_OF_BASIS, Category, Severity, SeverityBasis

__all__ = [
    "MAX_RULES_PER_FILE",
    "CompiledRule",
    "Reference",
    "Rule",
    "RuleFile",
    "Ruleset",
    "Threshold",
    "ThresholdUse",
]

_RuleId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{1,9}[0-9]{3}$")]
_Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")]
_Text = Annotated[str, StringConstraints(min_length=1, max_length=5000)]
# A threshold's name: what a condition ({threshold: NAME}), a placeholder ({threshold.NAME})
# and Auditor(thresholds={NAME: value}) call it.
_ThresholdName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,59}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Reference(_Strict):
    """Where a rule comes from: a source's key in the source catalogue (``docs/sources.md``)
    and the section cited. ``title`` is the source's short title, filled in from the catalogue:
    reports show it, never the key alone."""

    source: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    section: Annotated[str, StringConstraints(max_length=300)] | None = None
    title: Annotated[str, StringConstraints(max_length=300)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _title_from_catalogue(cls, data: Any) -> Any:
        # The catalogue's title wins over any given (a rule file cannot mislabel a source); a
        # key the catalogue lacks keeps what it has: the rule loader refuses such keys, and a
        # report saved by another version may still name one.
        if isinstance(data, dict) and isinstance(data.get("source"), str):
            title = source_title(data["source"])
            if title is not None:
                return {**data, "title": title}
        return data

    def __str__(self) -> str:
        name = self.title or self.source
        return f"{name} — {self.section}" if self.section else name


class Rule(_Strict):
    """One rule, as written in a rule file."""

    id: _RuleId
    name: _Slug
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    severity: Severity
    # Optional for rule files of one's own; every shipped rule states it (a test checks).
    severity_basis: SeverityBasis | None = None
    category: Category
    applies_to: str
    when: dict[str, Any]
    message: _Text
    rationale: _Text
    remedy: _Text
    references: list[Reference] = Field(min_length=1, max_length=20)
    evidence: list[str] | None = Field(default=None, max_length=30)
    aliases: list[_RuleId] = Field(default_factory=list, max_length=10)
    covers: list[Annotated[str, StringConstraints(max_length=200)]] = Field(
        default_factory=list, max_length=50
    )
    tags: list[_Slug] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _severity_follows_its_basis(self) -> Rule:
        if self.severity_basis is not None:
            expected = SEVERITY_OF_BASIS[self.severity_basis]
            if expected != self.severity:
                raise ValueError(
                    f"severity_basis '{self.severity_basis}' makes a rule {expected} under the"
                    f" severity policy (docs/severity.md), not {self.severity}"
                )
        return self


class Threshold(_Strict):
    """A number a rule compares with that no source fixes: the project's judgement, named,
    documented and settable (``Auditor(thresholds={name: value})``)."""

    default: float
    # What the number is, read before the value in a finding's evidence ("most candidates
    # per assessor": 40).
    label: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    why: _Text  # why this default: the reasoning behind the judgement
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False  # only whole numbers make sense (a count, a number of days)

    @model_validator(mode="after")
    def _default_in_range(self) -> Threshold:
        problem = self.problem(self.default)
        if problem is not None:
            raise ValueError(f"default {problem}")
        return self

    def problem(self, value: float) -> str | None:
        """Why ``value`` cannot be this threshold, or None if it can."""
        if self.integer and value != int(value):
            return f"{value} is not a whole number"
        if self.minimum is not None and value < self.minimum:
            return f"{value} is below the smallest allowed, {self.minimum:g}"
        if self.maximum is not None and value > self.maximum:
            return f"{value} is above the largest allowed, {self.maximum:g}"
        return None


@dataclass(frozen=True)
class ThresholdUse:
    """A threshold as one auditor compiled it into a rule: its value and where that came from."""

    name: str
    label: str
    value: float
    default: float

    def evidence(self) -> str:
        """One sentence for a finding's evidence: the value and that it is a judgement."""
        value = _number(self.value)
        if self.value == self.default:
            return (
                f"{self.label}: {value}, the project's default judgement, not a figure from a"
                f" source (threshold {self.name}, settable)"
            )
        return (
            f"{self.label}: {value}, set for this audit (the project's default judgement is"
            f" {_number(self.default)}; threshold {self.name})"
        )


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# A rule file holds at most this many rules.
MAX_RULES_PER_FILE = 1000


class RuleFile(_Strict):
    """A rule file's header; its rules are validated one by one (see ``Rule``)."""

    ruleset: _Slug
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=5000)] | None = None
    thresholds: dict[_ThresholdName, Threshold] = Field(default_factory=dict, max_length=200)
    rules: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_RULES_PER_FILE)


@dataclass(frozen=True)
class CompiledRule:
    """A validated rule with its condition compiled to the engine's JSON condition form."""

    rule: Rule
    ruleset: str
    condition: dict[str, Any]  # durable-rules condition, including the fact-type test
    fields: tuple[str, ...]  # fact fields the condition tests
    evidence: tuple[str, ...]  # fact fields reported as evidence
    thresholds: tuple[ThresholdUse, ...] = ()  # the named thresholds its condition uses

    @property
    def id(self) -> str:
        return self.rule.id

    def render_message(self, fact: dict[str, Any]) -> str:
        """The rule's message with the fact's values (and its thresholds) filled in."""
        return render_template(self.rule.message, self._values(fact))

    def render_remedy(self, fact: dict[str, Any]) -> str:
        """The rule's remedy, with any placeholders filled in from the fact."""
        return render_template(self.rule.remedy, self._values(fact))

    def _values(self, fact: dict[str, Any]) -> dict[str, Any]:
        if not self.thresholds:
            return fact
        return {**fact, **{f"threshold.{t.name}": t.value for t in self.thresholds}}


@dataclass(frozen=True)
class Ruleset:
    """A named, compiled set of rules loaded from one file."""

    name: str
    title: str
    description: str | None
    source: str
    rules: tuple[CompiledRule, ...]
    thresholds: Mapping[str, Threshold] = field(default_factory=dict)
