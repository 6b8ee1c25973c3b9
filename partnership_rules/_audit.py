"""Audit records: load, build the graph, derive facts, run the rules, assemble the report."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ._catalogue import load_catalogue
from ._engine import create_engine
from ._errors import UsageError
from ._facts import derive_facts
from ._graph import build_graph
from ._loader import load_record, record_from_data
from ._record import Record
from ._report import Finding, IndicativeLevel, PartnershipRef, Report
from ._rules import CATEGORIES, CompiledRule, Ruleset, load_rulesets

__all__ = ["Auditor", "RecordSource", "audit"]

RecordSource = str | os.PathLike[str] | Mapping[str, Any] | Record
# Rulesets that apply to every record; the others apply when a record names their context.
ALWAYS_ON = ("core", "self-assessment")


def _matches(rule: CompiledRule, key: str) -> bool:
    r = rule.rule
    return key in (r.id, r.name, r.category, rule.ruleset, *r.aliases)


class Auditor:
    """Compiles rulesets once and audits any number of records with them.

    ``rulesets``: shipped ruleset names or rule file paths. When None, every shipped ruleset
    is compiled and each record is checked with ``core`` and ``self-assessment`` plus the
    rulesets its
    ``partnership.contexts`` name. ``select`` keeps only the rules matching an id, name,
    alias, category or ruleset; ``ignore`` drops them. ``engine`` is "durable" or "python"
    (default: the ``PARTNERSHIP_RULES_ENGINE`` variable, else durable-rules where it imports).

    An Auditor holds no state between audits and may be shared between threads.
    """

    def __init__(
        self,
        rulesets: Iterable[str | os.PathLike[str]] | None = None,
        *,
        select: Iterable[str] | None = None,
        ignore: Iterable[str] | None = None,
        engine: str | None = None,
    ) -> None:
        self._explicit = rulesets is not None
        self._rulesets: list[Ruleset] = load_rulesets(
            None if rulesets is None else [os.fspath(r) for r in rulesets]
        )
        every_rule = [rule for ruleset in self._rulesets for rule in ruleset.rules]
        select = list(select or [])
        ignore = list(ignore or [])
        for key in (*select, *ignore):
            if key not in CATEGORIES and not any(_matches(rule, key) for rule in every_rule):
                raise UsageError(f"'{key}' names no rule, category or ruleset")
        chosen = [
            rule
            for rule in every_rule
            if (not select or any(_matches(rule, k) for k in select))
            and not any(_matches(rule, k) for k in ignore)
        ]
        self._rules: dict[str, CompiledRule] = {rule.id: rule for rule in chosen}
        self._engine = create_engine(chosen, engine)

    @property
    def rules(self) -> list[CompiledRule]:
        """The rules this auditor runs, in ruleset order."""
        return list(self._rules.values())

    @property
    def rulesets(self) -> list[Ruleset]:
        """The rulesets this auditor compiled."""
        return list(self._rulesets)

    @property
    def engine(self) -> str:
        """The name of the engine in use ("durable" or "python")."""
        return self._engine.name

    def rulesets_for(self, record: Record) -> list[str]:
        """Names of the rulesets that apply to ``record``."""
        loaded = [r.name for r in self._rulesets]
        if self._explicit:
            return loaded
        wanted = {*ALWAYS_ON, *record.partnership.contexts}
        return [name for name in loaded if name in wanted]

    def audit(self, source: RecordSource, *, as_of: dt.date | None = None) -> Report:
        """Audit one record: a file path, a dict in record format v1, or a :class:`Record`.

        ``as_of`` is the date every recency rule counts from; default: the record's
        ``partnership.assessed_on``, else today. Raises :class:`RecordError` for a record
        that cannot be loaded.
        """
        record, source_name = _to_record(source)
        when = as_of or record.partnership.assessed_on or dt.date.today()
        graph = build_graph(record)
        facts = derive_facts(record, graph, when)
        applicable = self.rulesets_for(record)
        by_subject = {fact["subject"]: fact for fact in facts}
        # Pass 1: everything but self-assessment. Pass 2: self-assessment facts, once they
        # carry the pass-1 findings that contradict them.
        first = [f for f in facts if f["type"] != "self-assessment"]
        findings = self._run(first, by_subject, applicable)
        ratings = [f for f in facts if f["type"] == "self-assessment"]
        if ratings:
            catalogue = load_catalogue()
            for fact in ratings:
                item = catalogue.item(fact["framework"], fact["item"])
                evidence_rules = set(item.evidence_rules) if item else set()
                against = [f for f in findings if f.rule in evidence_rules]
                fact["contradictions"] = [f"{f.rule} {f.subject}: {f.message}" for f in against]
                fact["contradiction_count"] = len(against)
                fact["contradiction_high_count"] = sum(
                    1 for f in against if f.severity in ("critical", "high")
                )
            findings += self._run(ratings, by_subject, applicable)
        return Report.build(
            partnership=PartnershipRef(id=record.partnership.id, name=record.partnership.name),
            source=source_name,
            as_of=when,
            rulesets=applicable,
            engine=self._engine.name,
            findings=findings,
            indicative_levels=indicative_levels(findings, applicable),
        )

    def _run(
        self,
        facts: list[dict[str, Any]],
        by_subject: Mapping[str, dict[str, Any]],
        applicable: list[str],
    ) -> list[Finding]:
        findings = []
        for rule_id, subject in self._engine.run(facts):
            rule = self._rules[rule_id]
            if rule.ruleset in applicable:
                findings.append(_finding(rule, by_subject[subject]))
        return sorted(findings, key=Finding.sort_key)


def indicative_levels(findings: list[Finding], applicable: list[str]) -> list[IndicativeLevel]:
    """HGIOCLD-style levels per theme, each capped by the worst finding among the theme's
    evidence rules. Only when the ruleset the scale names applies; indicative, not a grade."""
    framework = load_catalogue().frameworks.get("hgiocld-3.2")
    if framework is None or framework.indicative is None:
        return []
    scale = framework.indicative
    if scale.applies_with not in applicable:
        return []
    levels = []
    for item in framework.items:
        if item.theme is not None:  # a challenge question; themes have no theme of their own
            continue
        level, capped_by = scale.max_level, []
        for finding in findings:
            if finding.rule in item.evidence_rules:
                cap = scale.caps.get(finding.severity, scale.max_level)
                if cap < level:
                    level, capped_by = cap, [finding.rule]
                elif cap == level and cap < scale.max_level and finding.rule not in capped_by:
                    capped_by.append(finding.rule)
        levels.append(
            IndicativeLevel(
                theme=item.id, title=item.title or item.id, level=level, capped_by=capped_by
            )
        )
    return levels


def _finding(rule: CompiledRule, fact: Mapping[str, Any]) -> Finding:
    r = rule.rule
    return Finding(
        rule=r.id,
        name=r.name,
        ruleset=rule.ruleset,
        title=r.title,
        severity=r.severity,
        category=r.category,
        subject=fact["subject"],
        message=rule.render_message(dict(fact)),
        evidence={name: fact.get(name) for name in rule.evidence},
        remedy=rule.render_remedy(dict(fact)),
        references=list(r.references),
    )


def _to_record(source: RecordSource) -> tuple[Record, str | None]:
    if isinstance(source, Record):
        return source, None
    if isinstance(source, Mapping):
        return record_from_data(dict(source)), None
    if isinstance(source, (str, os.PathLike)):
        return load_record(source), os.fspath(source)
    raise UsageError(f"cannot audit a {type(source).__name__}: give a path, a dict or a Record")


def audit(
    source: RecordSource,
    *,
    rulesets: Sequence[str | Path] | None = None,
    as_of: dt.date | None = None,
    engine: str | None = None,
) -> Report:
    """Audit one record with a fresh :class:`Auditor` (build one yourself to audit many)."""
    return Auditor(rulesets, engine=engine).audit(source, as_of=as_of)
