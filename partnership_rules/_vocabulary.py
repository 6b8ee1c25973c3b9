"""The closed vocabularies every stage shares: severities, categories, fact field kinds,
engine names and the fact fields the engines reserve.

A leaf module (it imports nothing from the package), so the rule model, the report, the
renderers and the catalogue all take these words from one place. Each ``Literal`` is the
type; the tuple beside it lists its values in order.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "CATEGORIES",
    "ENGINE_NAMES",
    "FIELD_KINDS",
    "PROGRESS_FORMATS",
    "RESERVED_FIELDS",
    "SEVERITIES",
    "SEVERITY_BASES",
    "SEVERITY_OF_BASIS",
    "Category",
    "EngineName",
    "FieldKind",
    "Severity",
    "SeverityBasis",
]

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)  # most severe first

# Which clause of the severity policy (docs/severity.md) a rule's severity meets.
SeverityBasis = Literal["harm", "legal-duty", "purpose", "decisions", "weakens", "good-practice"]
SEVERITY_BASES: tuple[SeverityBasis, ...] = get_args(SeverityBasis)
# The policy's machine-checkable part: the severity each basis gives.
SEVERITY_OF_BASIS: dict[SeverityBasis, Severity] = {
    "harm": "critical",
    "legal-duty": "critical",
    "purpose": "high",
    "decisions": "high",
    "weakens": "medium",
    "good-practice": "low",
}

Category = Literal[
    "vague-objectives",
    "missing-governance",
    "power-imbalance",
    "absent-metrics",
    "unclear-roles",
    "weak-communication",
    "stakeholder-voice",
    "no-review",
    "sustainability",
    "information-sharing",
    "resourcing",
    "delivery",
    "self-assessment",
    "compliance",
    "relationships",
]
CATEGORIES: tuple[Category, ...] = get_args(Category)

# The JSON type of a fact field, as fact schemas declare it and rule conditions test it.
FieldKind = Literal["bool", "number", "text", "list"]
FIELD_KINDS: tuple[FieldKind, ...] = get_args(FieldKind)

EngineName = Literal["durable", "python"]
ENGINE_NAMES: tuple[EngineName, ...] = get_args(EngineName)

# Fact fields the engines use for themselves (durable-rules: ``id``, ``sid``, ``$s``; every
# fact: ``subject`` and ``type``): no rule may test them.
RESERVED_FIELDS = frozenset({"id", "sid", "$s", "subject", "type"})

# The formats of a comparison of two audits and of a partnership's history.
PROGRESS_FORMATS = ("text", "json", "markdown")
