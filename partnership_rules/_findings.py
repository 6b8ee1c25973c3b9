"""From engine matches to findings: each (rule, subject) match becomes a :class:`Finding`
with its message, evidence and remedy filled in from the subject's fact.

What a finding and a report may cost is bounded here, whatever the rule files and records
say (a rule file may repeat a placeholder of a long text field hundreds of times, in a
thousand rules): a message or remedy longer than ``MAX_MESSAGE_CHARS`` /
``MAX_REMEDY_CHARS`` is cut (ending in ``TRUNCATION_MARK``), and so is a long text or list
in the evidence; once a report's findings hold ``MAX_REPORT_CHARS`` characters, the rest
are left out, least severe first. The report counts both (``truncated_texts``,
``omitted_findings``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._report import Finding
from ._rule_model import CompiledRule
from ._subjects import display_name
from ._templates import TRUNCATION_MARK, render_bounded, truncate
from ._vocabulary import SEVERITIES
from .engines import Match

__all__ = [
    "MAX_EVIDENCE_ITEMS",
    "MAX_EVIDENCE_TEXT",
    "MAX_MESSAGE_CHARS",
    "MAX_REMEDY_CHARS",
    "MAX_REPORT_CHARS",
    "ReportBudget",
    "build_finding",
    "findings_from_matches",
]

Fact = Mapping[str, Any]

MAX_MESSAGE_CHARS = 5000  # as long as a message template may be
MAX_REMEDY_CHARS = 5000
MAX_EVIDENCE_TEXT = 1000  # characters of one text in the evidence
MAX_EVIDENCE_ITEMS = 100  # items of one list in the evidence
MAX_REPORT_CHARS = 10_000_000  # text in all the findings of one report (~10 MB as JSON)
# What a finding costs besides its texts: field names, ids, severity, category.
_FINDING_OVERHEAD = 200


@dataclass
class ReportBudget:
    """What is left of one report's size limit, and what was cut to stay within it."""

    remaining: int = field(default_factory=lambda: MAX_REPORT_CHARS)
    truncated_texts: int = 0
    omitted_findings: int = 0


def build_finding(
    rule: CompiledRule,
    fact: Fact,
    budget: ReportBudget | None = None,
    contexts: Collection[str] = (),
    joined: Fact | None = None,
) -> Finding:
    """The finding of ``rule`` on the subject described by ``fact`` (and, for a rule with a
    ``join``, the fact it found, ``joined``), its texts bounded (and counted in ``budget``,
    when given); its remedy worded for ``contexts`` (the record's applicable rulesets) where
    the rule has such a wording."""
    budget = budget if budget is not None else ReportBudget()
    r = rule.rule
    values = rule.placeholder_values(fact, joined)
    message, cut_message = render_bounded(r.message, values, MAX_MESSAGE_CHARS)
    remedy, cut_remedy = render_bounded(r.remedy_for(contexts), values, MAX_REMEDY_CHARS)
    evidence, cut_evidence = _evidence(rule, values)
    budget.truncated_texts += cut_message + cut_remedy + cut_evidence
    return Finding(
        rule=r.id,
        name=r.name,
        ruleset=rule.ruleset,
        title=r.title,
        severity=r.severity,
        category=r.category,
        subject=fact["subject"],
        subject_name=display_name(str(fact.get("name") or "")),
        message=message,
        evidence=evidence,
        remedy=remedy,
        references=list(r.references),
    )


def _bounded(value: Any) -> tuple[Any, int]:
    """An evidence value within the limits, and how many texts or lists were cut."""
    if isinstance(value, str) and len(value) > MAX_EVIDENCE_TEXT:
        return truncate(value, MAX_EVIDENCE_TEXT), 1
    if isinstance(value, list):
        cut = 0
        items = []
        for item in value[:MAX_EVIDENCE_ITEMS]:
            bounded, item_cut = _bounded(item)
            items.append(bounded)
            cut += item_cut
        if len(value) > MAX_EVIDENCE_ITEMS:
            items.append(f"{TRUNCATION_MARK.strip()} {len(value) - MAX_EVIDENCE_ITEMS:,} more")
            cut += 1
        return items, cut
    return value, 0


def _evidence(rule: CompiledRule, fact: Fact) -> tuple[dict[str, Any], int]:
    evidence: dict[str, Any] = {}
    cut = 0
    for name in rule.evidence:
        evidence[name], value_cut = _bounded(fact.get(name))
        cut += value_cut
    if rule.thresholds:
        # Say, beside the facts, which numbers are the project's judgement and not a source's.
        evidence["thresholds"] = [use.evidence() for use in rule.thresholds]
    note = rule.severity_note()
    if note is not None:  # no basis claimed for a severity the project chose
        evidence["severity"] = note
    return evidence, cut


def _size(finding: Finding) -> int:
    """About how many characters ``finding`` adds to a report."""
    size = _FINDING_OVERHEAD + len(finding.title) + len(finding.message) + len(finding.remedy)
    size += sum(len(str(ref)) for ref in finding.references)
    return size + sum(len(name) + len(str(value)) for name, value in finding.evidence.items())


def findings_from_matches(
    matches: Iterable[Match],
    rules: Mapping[str, CompiledRule],
    facts_by_subject: Mapping[str, Fact],
    rulesets: Collection[str],
    budget: ReportBudget | None = None,
) -> list[Finding]:
    """The findings of ``matches`` whose rule belongs to one of ``rulesets``, sorted, within
    ``budget`` (a fresh :class:`ReportBudget` when None): most severe first, and once the
    budget is spent the rest are counted in ``budget.omitted_findings``."""
    budget = budget if budget is not None else ReportBudget()
    wanted = [
        (SEVERITIES.index(rules[rule_id].rule.severity), rule_id, subject, joined)
        for rule_id, subject, joined in matches
        if rules[rule_id].ruleset in rulesets
    ]
    wanted.sort()
    findings = []
    for index, (_, rule_id, subject, joined) in enumerate(wanted):
        if budget.remaining <= 0:
            budget.omitted_findings += len(wanted) - index
            break
        finding = build_finding(
            rules[rule_id],
            facts_by_subject[subject],
            budget,
            rulesets,
            facts_by_subject[joined] if joined else None,
        )
        budget.remaining -= _size(finding)
        findings.append(finding)
    return findings
