"""Pipeline stage: one finding per cause.

A group (declared in a ruleset's ``groups``) gathers the findings of its part rules that are
about one subject: the objective they share, or the partner a field of each part's fact
names (the partner holding most seats, chairing every body, deciding alone). When at least
``min_parts`` of them fire about one subject, they are replaced by one finding of the group
that lists them as its ``parts``; fewer are left as they are. Its severity is that of its
worst part, raised by the group's ``escalate`` entries when the combination is worse.

A group about the partnership gathers parts about any subject of the record (a stakeholder,
partner, body...) under the partnership, which they all belong to. A part may be a rule of
another rule file (it takes part when that ruleset applies) or another group: that group's
finding is gathered and, where it did not form, its parts that fired alone; a group runs
after the groups it names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._findings import MAX_MESSAGE_CHARS, MAX_REMEDY_CHARS, ReportBudget
from ._report import Finding
from ._rule_model import CompiledGroup, GroupPart, Reference
from ._subjects import display_name
from ._templates import render_bounded
from ._vocabulary import SEVERITIES

__all__ = ["group_findings", "group_levels"]

Fact = Mapping[str, Any]


def group_levels(groups: Iterable[CompiledGroup]) -> list[list[CompiledGroup]]:
    """``groups`` in the order they form, by level: first those that name no group among
    their parts, then those naming only groups of the levels before, and so on (the audit
    applies waivers after each level, so that a waived inner group leaves the outer one)."""
    by_id = {group.id: group for group in groups}
    depth: dict[str, int] = {}
    for group in _inner_groups_first(by_id):
        inner = [depth.get(p.rule, 0) + 1 for p in group.group.parts if p.rule in by_id]
        depth[group.id] = max(inner, default=0)
    levels: list[list[CompiledGroup]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for group in by_id.values():
        levels[depth[group.id]].append(group)
    return levels


def group_findings(
    findings: list[Finding],
    groups: Iterable[CompiledGroup],
    facts_by_subject: Mapping[str, Fact],
    budget: ReportBudget | None = None,
    *,
    known: Iterable[CompiledGroup] = (),
) -> list[Finding]:
    """``findings`` with those of each group's parts about one subject replaced by the
    group's finding, sorted. A group's message and remedy are bounded like any finding's
    (cuts counted in ``budget``, when given). ``known`` adds groups that do not form here
    but that a group among ``groups`` names as a part (formed at an earlier level)."""
    budget = budget if budget is not None else ReportBudget()
    to_form = {group.id: group for group in groups}
    by_id = {**{group.id: group for group in known}, **to_form}
    partnership = next(
        (f for f in facts_by_subject.values() if f.get("type") == "partnership"), None
    )
    remaining = list(findings)
    for group in _inner_groups_first(to_form):
        gathered: dict[str, list[Finding]] = {}
        gatherable = _gatherable_rules(group, by_id)
        for finding in remaining:
            # Most findings are no part of this group: a set lookup rules them out.
            if finding.rule not in gatherable:
                continue
            place = _place(group, finding, by_id)
            if place is None:
                continue
            fact = facts_by_subject.get(finding.subject, {})
            if group.group.about == "partnership" and partnership is not None:
                key = partnership.get("id")
            else:
                key = fact.get(place.key) if place.key else fact.get("id")
            if isinstance(key, str):
                gathered.setdefault(f"{group.group.about}:{key}", []).append(finding)
        for subject, members in sorted(gathered.items()):
            if len({_counted_as(group, f, by_id) for f in members}) < group.group.min_parts:
                continue
            subject_fact = facts_by_subject.get(subject)
            if subject_fact is None:  # a key naming nothing the record holds
                continue
            taken = {id(f) for f in members}
            remaining = [f for f in remaining if id(f) not in taken]
            remaining.append(
                _group_finding(group, subject_fact, members, facts_by_subject, by_id, budget)
            )
    return sorted(remaining, key=Finding.sort_key)


def _inner_groups_first(by_id: Mapping[str, CompiledGroup]) -> list[CompiledGroup]:
    """The groups in their order, each after the groups its parts name."""
    ordered: list[CompiledGroup] = []
    placed: set[str] = set()  # ids of ``ordered`` (comparing groups field by field is slow)

    def visit(group: CompiledGroup, path: tuple[str, ...]) -> None:
        if group.id in placed or group.id in path:  # the loader refuses cycles; never loop
            return
        for part in group.group.parts:
            inner = by_id.get(part.rule)
            if inner is not None:
                visit(inner, (*path, group.id))
        ordered.append(group)
        placed.add(group.id)

    for group in by_id.values():
        visit(group, ())
    return ordered


def _gatherable_rules(group: CompiledGroup, by_id: Mapping[str, CompiledGroup]) -> frozenset[str]:
    """The rules (and groups) whose findings :func:`_place` finds a part of ``group`` for."""
    rules = {part.rule for part in group.group.parts}
    for outer in group.group.parts:
        inner = by_id.get(outer.rule)
        if inner is not None and inner is not group:
            rules.update(part.rule for part in inner.group.parts)
    return frozenset(rules)


def _place(
    group: CompiledGroup, finding: Finding, by_id: Mapping[str, CompiledGroup]
) -> GroupPart | None:
    """The part of ``group`` that gathers ``finding``: the part naming its rule (or group),
    or, for a finding of a part of a group ``group`` names that did not form, that inner
    part (its ``says`` and ``key``); None when ``group`` does not gather it."""
    part = group.part(finding.rule)
    if part is not None:
        return part
    for outer in group.group.parts:
        inner = by_id.get(outer.rule)
        if inner is not None and inner is not group:
            found = inner.part(finding.rule)
            if found is not None:
                return found
    return None


def _counted_as(group: CompiledGroup, finding: Finding, by_id: Mapping[str, CompiledGroup]) -> str:
    """The part of ``group`` that ``finding`` counts as towards ``min_parts``: its rule or,
    for a finding gathered through a group among the parts, that group (formed or not), so
    that one inner group's parts alone never make the outer group."""
    return group.group.parts[_order(group, finding, by_id)].rule


def _order(group: CompiledGroup, finding: Finding, by_id: Mapping[str, CompiledGroup]) -> int:
    """Where ``finding`` is listed among ``group``'s parts: by the part that gathers it."""
    for index, part in enumerate(group.group.parts):
        inner = by_id.get(part.rule)
        if part.rule == finding.rule or (inner is not None and inner.part(finding.rule)):
            return index
    return len(group.group.parts)


def _says(
    group: CompiledGroup,
    finding: Finding,
    facts_by_subject: Mapping[str, Fact],
    by_id: Mapping[str, CompiledGroup],
    budget: ReportBudget,
) -> str:
    """How ``group``'s message names ``finding``: its part's ``says`` filled from the
    finding's fact (and, for another group's finding, ``{parts}`` from that one's parts)."""
    place = _place(group, finding, by_id)
    assert place is not None
    values: dict[str, Any] = dict(facts_by_subject.get(finding.subject, {}))
    inner = by_id.get(finding.rule)
    if inner is not None and finding.parts:
        said = [_says(inner, f, facts_by_subject, by_id, budget) for f in finding.parts]
        values["parts"] = "; ".join(dict.fromkeys(said))
    text, cut = render_bounded(place.says, values, MAX_MESSAGE_CHARS)
    budget.truncated_texts += cut
    if group.part(finding.rule) is None and finding.subject_name:
        # A part of an inner group that fired alone: its phrase does not name its subject.
        return f"'{finding.subject_name}': {text}"
    return text


def _group_finding(
    group: CompiledGroup,
    fact: Fact,
    members: list[Finding],
    facts_by_subject: Mapping[str, Fact],
    by_id: Mapping[str, CompiledGroup],
    budget: ReportBudget,
) -> Finding:
    g = group.group
    members = sorted(members, key=lambda f: (_order(group, f, by_id), f.rule, f.subject))
    said = [_says(group, f, facts_by_subject, by_id, budget) for f in members]
    values = {**fact, "parts": "; ".join(dict.fromkeys(said))}
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
