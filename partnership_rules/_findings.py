"""From engine matches to findings: each (rule, subject) match becomes a :class:`Finding`
with its message, evidence and remedy filled in from the subject's fact."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from ._report import Finding
from ._rule_model import CompiledRule
from .engines import Match

__all__ = ["build_finding", "findings_from_matches"]

Fact = Mapping[str, Any]


def build_finding(rule: CompiledRule, fact: Fact) -> Finding:
    """The finding of ``rule`` on the subject described by ``fact``."""
    r = rule.rule
    values = dict(fact)
    return Finding(
        rule=r.id,
        name=r.name,
        ruleset=rule.ruleset,
        title=r.title,
        severity=r.severity,
        category=r.category,
        subject=fact["subject"],
        message=rule.render_message(values),
        evidence=_evidence(rule, fact),
        remedy=rule.render_remedy(values),
        references=list(r.references),
    )


def _evidence(rule: CompiledRule, fact: Fact) -> dict[str, Any]:
    evidence = {name: fact.get(name) for name in rule.evidence}
    if rule.thresholds:
        # Say, beside the facts, which numbers are the project's judgement and not a source's.
        evidence["thresholds"] = [use.evidence() for use in rule.thresholds]
    return evidence


def findings_from_matches(
    matches: Iterable[Match],
    rules: Mapping[str, CompiledRule],
    facts_by_subject: Mapping[str, Fact],
    rulesets: Collection[str],
) -> list[Finding]:
    """The findings of ``matches`` whose rule belongs to one of ``rulesets``, sorted."""
    findings = [
        build_finding(rules[rule_id], facts_by_subject[subject])
        for rule_id, subject in matches
        if rules[rule_id].ruleset in rulesets
    ]
    return sorted(findings, key=Finding.sort_key)
