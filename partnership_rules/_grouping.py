"""Pipeline stage: one finding per cause.

A group (declared in a ruleset's ``groups``) gathers the findings of its part rules that are
about one subject: the objective they share, or the partner a field of each part's fact
names (the partner holding most seats, chairing every body, deciding alone). When at least
``min_parts`` of them fire about one subject, they are replaced by one finding of the group
that lists them as its ``parts``; fewer are left as they are. Its severity is that of its
worst part, raised by the group's ``escalate`` entries when the combination is worse.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._findings import MAX_MESSAGE_CHARS, MAX_REMEDY_CHARS, ReportBudget
from ._report import Finding
from ._rule_model import CompiledGroup, Reference
from ._subjects import display_name
from ._templates import render_bounded
from ._vocabulary import SEVERITIES

__all__ = ["group_findings"]

Fact = Mapping[str, Any]


def group_findings(
    findings: list[Finding],
    groups: Iterable[CompiledGroup],
    facts_by_subject: Mapping[str, Fact],
    budget: ReportBudget | None = None,
) -> list[Finding]:
    """``findings`` with those of each group's parts about one subject replaced by the
    group's finding, sorted. A group's message and remedy are bounded like any finding's
    (cuts counted in ``budget``, when given)."""
    budget = budget if budget is not None else ReportBudget()
    remaining = list(findings)
    for group in groups:
        gathered: dict[str, list[Finding]] = {}
        for finding in remaining:
            part = group.part(finding.rule)
            if part is None:
                continue
            fact = facts_by_subject.get(finding.subject, {})
            key = fact.get(part.key) if part.key else fact.get("id")
            if isinstance(key, str):
                gathered.setdefault(f"{group.group.about}:{key}", []).append(finding)
        for subject, members in sorted(gathered.items()):
            if len({f.rule for f in members}) < group.group.min_parts:
                continue
            subject_fact = facts_by_subject.get(subject)
            if subject_fact is None:  # a key naming nothing the record holds
                continue
            taken = {id(f) for f in members}
            remaining = [f for f in remaining if id(f) not in taken]
            remaining.append(_group_finding(group, subject_fact, members, facts_by_subject, budget))
    return sorted(remaining, key=Finding.sort_key)


def _group_finding(
    group: CompiledGroup,
    fact: Fact,
    members: list[Finding],
    facts_by_subject: Mapping[str, Fact],
    budget: ReportBudget,
) -> Finding:
    g = group.group
    order = [p.rule for p in g.parts]
    members = sorted(members, key=lambda f: (order.index(f.rule), f.subject))
    said = []
    for finding in members:
        part = group.part(finding.rule)
        assert part is not None
        fact_of_part = facts_by_subject.get(finding.subject, {})
        text, cut = render_bounded(part.says, fact_of_part, MAX_MESSAGE_CHARS)
        budget.truncated_texts += cut
        if text not in said:
            said.append(text)
    values = {**fact, "parts": "; ".join(said)}
    worst = min(members, key=lambda f: SEVERITIES.index(f.severity)).severity
    fired = {f.rule for f in members}
    for escalation in g.escalate:
        if escalation.holds(fired) and SEVERITIES.index(escalation.severity) < SEVERITIES.index(
            worst
        ):
            worst = escalation.severity
    evidence: dict[str, Any] = {}
    references: list[Reference] = []
    for finding in members:
        for name, value in finding.evidence.items():
            if name == "thresholds" and name in evidence:
                evidence[name] += [t for t in value if t not in evidence[name]]
            else:
                evidence.setdefault(name, list(value) if isinstance(value, list) else value)
        references += [r for r in finding.references if r not in references]
    evidence["parts"] = [f"{f.rule} {f.subject}" for f in members]
    message, cut_message = render_bounded(g.message, values, MAX_MESSAGE_CHARS)
    remedy, cut_remedy = render_bounded(g.remedy, values, MAX_REMEDY_CHARS)
    budget.truncated_texts += cut_message + cut_remedy
    return Finding(
        rule=g.id,
        name=g.name,
        ruleset=group.ruleset,
        title=g.title,
        severity=worst,
        category=g.category,
        subject=fact["subject"],
        subject_name=display_name(str(fact.get("name") or "")),
        message=message,
        evidence=evidence,
        remedy=remedy,
        references=references,
        parts=members,
    )
