"""The rule model: a rule as written in a rule file, and as compiled for the engines.

See :mod:`partnership_rules._rule_loader` for the file format and
:mod:`partnership_rules._conditions` for the condition language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ._templates import render_template
from ._vocabulary import SEVERITY_OF_BASIS, Category, Severity, SeverityBasis

__all__ = ["MAX_RULES_PER_FILE", "CompiledRule", "Reference", "Rule", "RuleFile", "Ruleset"]

_RuleId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{1,9}[0-9]{3}$")]
_Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")]
_Text = Annotated[str, StringConstraints(min_length=1, max_length=5000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Reference(_Strict):
    """Where a rule comes from: a source (a published framework or guide) and its section."""

    source: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    section: Annotated[str, StringConstraints(max_length=300)] | None = None

    def __str__(self) -> str:
        return f"{self.source}, {self.section}" if self.section else self.source


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


# A rule file holds at most this many rules.
MAX_RULES_PER_FILE = 1000


class RuleFile(_Strict):
    """A rule file's header; its rules are validated one by one (see ``Rule``)."""

    ruleset: _Slug
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=5000)] | None = None
    rules: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_RULES_PER_FILE)


@dataclass(frozen=True)
class CompiledRule:
    """A validated rule with its condition compiled to the engine's JSON condition form."""

    rule: Rule
    ruleset: str
    condition: dict[str, Any]  # durable-rules condition, including the fact-type test
    fields: tuple[str, ...]  # fact fields the condition tests
    evidence: tuple[str, ...]  # fact fields reported as evidence

    @property
    def id(self) -> str:
        return self.rule.id

    def render_message(self, fact: dict[str, Any]) -> str:
        """The rule's message with the fact's values filled in."""
        return render_template(self.rule.message, fact)

    def render_remedy(self, fact: dict[str, Any]) -> str:
        """The rule's remedy, with any placeholders filled in from the fact."""
        return render_template(self.rule.remedy, fact)


@dataclass(frozen=True)
class Ruleset:
    """A named, compiled set of rules loaded from one file."""

    name: str
    title: str
    description: str | None
    source: str
    rules: tuple[CompiledRule, ...]
