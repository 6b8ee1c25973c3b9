"""The severity policy (docs/severity.md): its machine-checkable parts hold for every rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from partnership_rules import RulesetError, load_rulesets
from partnership_rules._rule_loader import load_ruleset
from partnership_rules._vocabulary import SEVERITY_BASES, SEVERITY_OF_BASIS

ROOT = Path(__file__).parent.parent
POLICY = ROOT / "docs" / "severity.md"
SHIPPED = [rule for ruleset in load_rulesets() for rule in ruleset.rules]


def test_the_policy_document_states_the_table_the_code_checks() -> None:
    rows = re.findall(r"^\| `(\w+)` \| `([\w-]+)` \|", POLICY.read_text(encoding="utf-8"), re.M)
    assert {basis: severity for severity, basis in rows} == SEVERITY_OF_BASIS
    assert set(SEVERITY_OF_BASIS) == set(SEVERITY_BASES)


@pytest.mark.parametrize("rule", SHIPPED, ids=lambda r: r.id)
def test_every_shipped_rule_meets_a_clause_of_the_policy(rule: object) -> None:
    basis = rule.rule.severity_basis  # type: ignore[attr-defined]
    assert basis is not None, "every shipped rule states its severity_basis"
    assert rule.rule.severity == SEVERITY_OF_BASIS[basis]  # type: ignore[attr-defined]


def test_critical_only_for_harm_or_a_legal_duty_and_high_only_for_purpose_or_decisions() -> None:
    by_severity: dict[str, set[str]] = {}
    for rule in SHIPPED:
        by_severity.setdefault(rule.rule.severity, set()).add(rule.rule.severity_basis or "")
    assert by_severity.get("critical", set()) <= {"harm", "legal-duty"}
    assert by_severity.get("high", set()) <= {"purpose", "decisions"}


RULE_FILE = """
ruleset: own
title: Own checks
rules:
  - id: OWN001
    name: objective-without-baseline
    title: Objective has no baseline
    severity: {severity}
    severity_basis: {basis}
    category: absent-metrics
    applies_to: objective
    when: {{field: has_baseline, equals: false}}
    message: "Objective '{{id}}' has no baseline."
    rationale: Progress cannot be shown without a starting point.
    remedy: Record the starting value.
    references: [{{source: own-guide, title: Our partnership handbook}}]
"""


def test_a_rule_file_whose_severity_breaks_the_policy_is_refused_naming_the_rule() -> None:
    text = RULE_FILE.format(severity="critical", basis="good-practice")
    with pytest.raises(RulesetError) as caught:
        load_ruleset("own.yaml", text=text)
    message = str(caught.value)
    assert "OWN001" in message
    assert "severity_basis 'good-practice' makes a rule low" in message


def test_a_rule_file_that_follows_the_policy_loads() -> None:
    ruleset = load_ruleset("own.yaml", text=RULE_FILE.format(severity="low", basis="good-practice"))
    assert ruleset.rules[0].rule.severity_basis == "good-practice"
