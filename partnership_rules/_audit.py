"""Audit records: the pipeline, one stage after another.

load the record -> build its graph -> derive facts -> run the rules on all but the
self-assessment facts -> write the findings that contradict each self-assessment rating into
its fact (``_contradictions``) -> run the rules on those -> cap the indicative levels by the
findings (``_indicative``) -> set the waived findings apart (``_waivers``, before and after
grouping) -> gather each cause's findings into one (``_grouping``) -> run the rules on the
waivers, now that what each matched is known -> score
the health profile (``_profile``), draw up the action plan (``_action_plan``), the partner
table (``_partner_table``) and the network to draw (``_network_view``), what partners say of
each other (``_relationship_view``) -> assemble the report.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections import OrderedDict
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ._action_plan import action_plan
from ._contradictions import CROSS_CHECKED, with_contradictions
from ._errors import RecordError, UsageError
from ._findings import ReportBudget, findings_from_matches
from ._graph import build_graph, node_key
from ._grouping import group_findings, group_levels
from ._indicative import indicative_levels
from ._instruments import Instruments, check_survey, load_instruments
from ._loader import load_record, record_from_data
from ._network_view import partnership_network
from ._partner_table import partner_table
from ._profile import health_profile
from ._record import Record
from ._relationship_view import disagreements, relationship_edges, survey_factor_scores
from ._report import Finding, PartnershipRef, Report
from ._rule_loader import (
    expand_rule_paths,
    load_rulesets,
    published_rule_files,
    shipped_ruleset_names,
)
from ._rule_model import CompiledGroup, CompiledRule, Ruleset
from ._vocabulary import CATEGORIES, SEVERITIES
from ._waivers import apply_waivers, with_matches
from .engines import ENGINE_ENV, create_engine
from .facts import CHECKED_APART, derive_facts
from .facts.waivers import WAIVER

__all__ = ["Auditor", "RecordSource", "audit"]

RecordSource = str | os.PathLike[str] | Mapping[str, Any] | Record
# Rulesets that apply to every record; the others apply when a record names their context,
# or (WHEN_PRESENT) has the sections they read.
ALWAYS_ON = ("core", "self-assessment")
WHEN_PRESENT = "relationships"


def _matches(rule: CompiledRule, key: str) -> bool:
    r = rule.rule
    return key in (r.id, r.name, r.category, rule.ruleset, *r.aliases)


def _group_matches(group: CompiledGroup, key: str) -> bool:
    g = group.group
    return key in (g.id, g.name, g.category, group.ruleset, *g.aliases)


class Auditor:
    """Compiles rulesets once and audits any number of records with them.

    ``rulesets``: shipped ruleset names or rule file paths. When None, every shipped ruleset
    is compiled and each record is checked with ``core`` and ``self-assessment`` plus the
    rulesets its ``partnership.contexts`` name, and ``relationships`` when it has a
    ``relationships`` or ``survey`` section. ``select`` keeps only the rules matching an id, name,
    alias, category or ruleset; ``ignore`` drops them. ``engine`` is "durable" or "python"
    (default: the ``PARTNERSHIP_RULES_ENGINE`` variable, else durable-rules where it imports).
    ``thresholds`` sets the rulesets' named thresholds (numbers no source fixes, such as
    ``max_candidates_per_assessor``) to values other than the project's defaults; see
    ``partnership-rules rules`` for their names, defaults and reasons. ``extra_rulesets``
    are rule files (or directories of them) run on every record in addition to ``rulesets``.
    ``severities`` gives rules a severity of the project's own, by rule id. ``instruments``
    are survey instrument files (YAML or JSON) a record's ``survey`` may answer besides the
    shipped ones (see :func:`load_instruments`). Rule files that
    installed packages publish (entry point group ``partnership_rules.rulesets``) are added
    like ``extra_rulesets`` when ``rulesets`` is None.

    An Auditor holds no state between audits and may be shared between threads.
    """

    def __init__(
        self,
        rulesets: Iterable[str | os.PathLike[str]] | None = None,
        *,
        select: Iterable[str] | None = None,
        ignore: Iterable[str] | None = None,
        engine: str | None = None,
        thresholds: Mapping[str, float] | None = None,
        extra_rulesets: Iterable[str | os.PathLike[str]] = (),
        severities: Mapping[str, str] | None = None,
        instruments: Iterable[str | os.PathLike[str]] = (),
    ) -> None:
        self._explicit = rulesets is not None
        self._instruments = load_instruments(instruments)
        extra = [os.fspath(r) for r in extra_rulesets]
        if rulesets is None:
            # The shipped rulesets and those installed packages publish (an entry point).
            wanted = [*shipped_ruleset_names(), *published_rule_files()]
        else:
            wanted = [os.fspath(r) for r in rulesets]
        self._rulesets: list[Ruleset] = _with_severities(
            load_rulesets([*wanted, *extra], thresholds=thresholds), severities or {}
        )
        self._thresholds = dict(thresholds or {})  # the report's disagreement table uses them
        # Rule files added to the shipped rulesets apply to every record.
        self._always = {rs.name for rs in self._rulesets if rs.origin != "shipped"}
        every_rule = [rule for ruleset in self._rulesets for rule in ruleset.rules]
        every_group = [group for ruleset in self._rulesets for group in ruleset.groups]
        select = list(select or [])
        ignore = list(ignore or [])
        self._select = set(select)
        for key in (*select, *ignore):
            if (
                key not in CATEGORIES
                and not any(_matches(rule, key) for rule in every_rule)
                and not any(_group_matches(group, key) for group in every_group)
            ):
                raise UsageError(f"'{key}' names no rule, category or ruleset")
        # Naming a group (id, name or alias) selects or ignores its part rules with it (and
        # those of a group among its parts).
        for keys in (select, ignore):
            named = [g for g in every_group if set(keys) & {g.id, g.group.name, *g.group.aliases}]
            while named:
                added = list(
                    dict.fromkeys(
                        p.rule for g in named for p in g.group.parts if p.rule not in keys
                    )
                )
                keys += added
                named = [g for g in every_group if g.id in added]
        chosen = [
            rule
            for rule in every_rule
            if (not select or any(_matches(rule, k) for k in select))
            and not any(_matches(rule, k) for k in ignore)
        ]
        self._rules: dict[str, CompiledRule] = {rule.id: rule for rule in chosen}
        # A group runs when it is selected (by its id, name, category or ruleset) and not
        # ignored; its part rules still fire alone when it is not.
        self._groups: list[CompiledGroup] = [
            group
            for group in every_group
            if (not select or any(_group_matches(group, k) for k in select))
            and not any(_group_matches(group, k) for k in ignore)
        ]
        self._engine = create_engine(chosen, engine)
        # A waiver may name a rule or a group by an alias (an old id kept after a rename).
        self._aliases: dict[str, str] = {
            **{alias: rule.id for rule in every_rule for alias in rule.rule.aliases},
            **{alias: group.id for group in every_group for alias in group.group.aliases},
        }
        self._categories: dict[frozenset[str], frozenset[str]] = {}

    @property
    def rules(self) -> list[CompiledRule]:
        """The rules this auditor runs, in ruleset order."""
        return list(self._rules.values())

    @property
    def groups(self) -> list[CompiledGroup]:
        """The groups this auditor forms (one finding per cause), in ruleset order."""
        return list(self._groups)

    @property
    def rulesets(self) -> list[Ruleset]:
        """The rulesets this auditor compiled."""
        return list(self._rulesets)

    @property
    def instruments(self) -> Instruments:
        """The survey instruments a record may answer (shipped and added)."""
        return self._instruments

    @property
    def engine(self) -> str:
        """The name of the engine in use ("durable" or "python")."""
        return self._engine.name

    def rulesets_for(self, record: Record) -> list[str]:
        """Names of the rulesets that apply to ``record``."""
        loaded = [r.name for r in self._rulesets]
        if self._explicit:
            return loaded
        wanted = {*ALWAYS_ON, *self._always, *record.partnership.contexts}
        if record.relationships or record.survey is not None:
            wanted.add(WHEN_PRESENT)
        return [name for name in loaded if name in wanted]

    def not_run(self, report: Report) -> list[str]:
        """Why each rule selected by id, name or alias did not run for ``report`` (its
        ruleset did not apply to the record); empty when every one ran."""
        return [
            f"{rule.id} did not run: its ruleset '{rule.ruleset}' applies only to records whose"
            f" partnership.contexts include '{rule.ruleset}'"
            for rule in self._rules.values()
            if self._select & {rule.id, rule.rule.name, *rule.rule.aliases}
            and rule.ruleset not in report.rulesets
        ]

    def audit(self, source: RecordSource, *, as_of: dt.date | None = None) -> Report:
        """Audit one record: a file path, a dict in record format v1, or a :class:`Record`.

        ``as_of`` is the date every recency rule counts from (a :class:`datetime.date`);
        default: the record's ``partnership.assessed_on``, else today. Raises
        :class:`RecordError` for a record that cannot be loaded, :class:`UsageError` for an
        ``as_of`` that is not a date.
        """
        _check_as_of(as_of)
        record, source_name = _to_record(source, self._instruments)
        when = as_of or record.partnership.assessed_on or dt.date.today()
        graph = build_graph(record)
        facts = derive_facts(record, graph, when, self._instruments)
        rulesets = self.rulesets_for(record)
        budget = ReportBudget()
        ratings = [f for f in facts if f["type"] in CROSS_CHECKED]
        waivers = [f for f in facts if f["type"] == WAIVER.name]
        others = [f for f in facts if f["type"] not in CHECKED_APART]
        findings = self._check(others, rulesets, budget)
        # Self-assessment and survey-item rules run once the ratings and answers carry the
        # findings that contradict them.
        findings += self._check(with_contradictions(ratings, findings), rulesets, budget)
        levels = indicative_levels(findings, rulesets)
        # Accepted risks step aside: a rule's own findings before grouping, then groups'.
        singles = apply_waivers(findings, record.waivers, when, self._aliases)
        # One finding per cause, once contradictions and levels have read every rule's own.
        # A group that names another among its parts forms after it (a level later), so
        # that a waiver of the inner group's finding takes it out first.
        groups = [g for g in self._groups if g.ruleset in rulesets]
        facts_by_subject = {f["subject"]: f for f in facts}
        outcomes = [singles]
        for level in group_levels(groups):
            findings = group_findings(
                outcomes[-1].findings, level, facts_by_subject, budget, known=groups
            )
            outcomes.append(apply_waivers(findings, record.waivers, when, self._aliases))
        # Waiver rules run once each waiver knows what it matched; their findings stand.
        findings = list(outcomes[-1].findings)
        findings += self._check(with_matches(waivers, *outcomes), rulesets, budget)
        findings.sort(key=Finding.sort_key)
        leads = [node_key("partner", p.id) for p in record.partners if p.lead]
        return Report.build(
            partnership=PartnershipRef(id=record.partnership.id, name=record.partnership.name),
            source=source_name,
            as_of=when,
            rulesets=rulesets,
            engine=self._engine.name,
            findings=findings,
            indicative_levels=levels,
            truncated_texts=budget.truncated_texts,
            omitted_findings=budget.omitted_findings,
            profile=health_profile(
                findings,
                self.categories_checked(rulesets),
                survey=survey_factor_scores(record, facts, self._instruments),
            ),
            action_plan=action_plan(findings, record, graph, when),
            partners=partner_table(record, graph, facts, findings),
            network=partnership_network(graph, findings, leads, relationship_edges(graph)),
            disagreements=disagreements(record, facts, self._instruments, self._thresholds),
            waived=[waived for outcome in outcomes for waived in outcome.waived],
        )

    def categories_checked(self, rulesets: Collection[str]) -> frozenset[str]:
        """The categories of the rules this auditor runs from ``rulesets``."""
        key = frozenset(rulesets)
        found = self._categories.get(key)
        if found is None:
            found = frozenset(r.rule.category for r in self._rules.values() if r.ruleset in key)
            self._categories[key] = found  # same value from any thread: no lock needed
        return found

    def _check(
        self, facts: Sequence[dict[str, Any]], rulesets: list[str], budget: ReportBudget
    ) -> list[Finding]:
        """Pipeline stage: run the rules on ``facts`` and turn matches into findings."""
        if not facts:
            return []
        by_subject = {fact["subject"]: fact for fact in facts}
        matches = self._engine.run(facts)
        return findings_from_matches(matches, self._rules, by_subject, rulesets, budget)


def _check_as_of(as_of: object) -> None:
    # A datetime is a date too, but comparing one with the record's dates fails.
    if as_of is not None and (not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime)):
        raise UsageError(
            f"as_of must be a date (datetime.date), not {type(as_of).__name__} {as_of!r:.60}"
        )


def _with_severities(rulesets: list[Ruleset], severities: Mapping[str, str]) -> list[Ruleset]:
    """The rulesets with the severities a project gives rules by id (its configuration's
    ``severity``): each such rule keeps the rule file's severity as ``rule_file_severity``
    and loses its ``severity_basis`` (the basis explains the rule file's severity, not the
    one the project chose). Raises :class:`UsageError` for an unknown id or severity."""
    known = {rule.id for ruleset in rulesets for rule in ruleset.rules}
    for rule_id, severity in severities.items():
        if rule_id not in known:
            raise UsageError(f"severity override: '{rule_id}' is no rule id of the rulesets loaded")
        if severity not in SEVERITIES:
            raise UsageError(
                f"severity override of {rule_id}: '{severity}' is not one of"
                f" {', '.join(SEVERITIES)}"
            )
    if not severities:
        return rulesets

    def overridden(rule: CompiledRule) -> CompiledRule:
        if rule.id not in severities or severities[rule.id] == rule.rule.severity:
            return rule
        return replace(
            rule,
            rule=rule.rule.model_copy(
                update={"severity": severities[rule.id], "severity_basis": None}
            ),
            rule_file_severity=rule.rule.severity,
        )

    return [
        replace(ruleset, rules=tuple(overridden(rule) for rule in ruleset.rules))
        for ruleset in rulesets
    ]


def _to_record(source: RecordSource, instruments: Instruments) -> tuple[Record, str | None]:
    if isinstance(source, Record):
        # Built by the caller: its survey may name an instrument this auditor does not know.
        problems = check_survey(source, instruments)
        if problems:
            raise RecordError("", problems)
        return source, None
    if isinstance(source, Mapping):
        return record_from_data(dict(source), instruments=instruments), None
    if isinstance(source, (str, os.PathLike)):
        return load_record(source, instruments=instruments), os.fspath(source)
    raise UsageError(f"cannot audit a {type(source).__name__}: give a path, a dict or a Record")


# audit() keeps the auditors of its most recent ruleset selections (compiled rules are
# costly to build, and durable-rules frees them only when their engine is garbage).
AUDITOR_CACHE_SIZE = 8
_AUDITORS: OrderedDict[Hashable, Auditor] = OrderedDict()
_AUDITORS_LOCK = threading.Lock()


def _selection_key(
    rulesets: Sequence[str | os.PathLike[str]] | None, engine: str | None
) -> Hashable | None:
    """What makes two ``audit()`` calls share an auditor: the engine asked for and the rule
    files in use (the shipped rulesets by name; any other rule file, including those in a
    folder or published by an installed package, by its path, size and modification time);
    None if a file cannot be looked at (the Auditor then reports it)."""
    if rulesets is None:
        items: list[str] = [*shipped_ruleset_names(), *published_rule_files()]
    else:
        items = expand_rule_paths(os.fspath(item) for item in rulesets)
    files: list[Hashable] = []
    for name in items:
        if name in shipped_ruleset_names():
            files.append(name)
            continue
        try:
            info = os.stat(name)
        except OSError:
            return None
        files.append((name, info.st_size, info.st_mtime_ns, info.st_ino))
    chosen = engine if engine is not None else os.environ.get(ENGINE_ENV)
    return (rulesets is None, tuple(files), chosen)


def audit(
    source: RecordSource,
    *,
    rulesets: Sequence[str | os.PathLike[str]] | None = None,
    as_of: dt.date | None = None,
    engine: str | None = None,
) -> Report:
    """Audit one record with the :class:`Auditor` for ``rulesets`` and ``engine`` (see
    :class:`Auditor`); build one yourself to audit many records.

    The auditors of the last ``AUDITOR_CACHE_SIZE`` (8) selections of rulesets and engine are
    kept for the next call: this bounded cache (with the cache of compiled rule files on disk,
    ``_rule_cache``) is the library's only state.
    """
    key = _selection_key(rulesets, engine)
    if key is None:
        return Auditor(rulesets, engine=engine).audit(source, as_of=as_of)
    with _AUDITORS_LOCK:
        auditor = _AUDITORS.get(key)
        if auditor is not None:
            _AUDITORS.move_to_end(key)
    if auditor is None:
        auditor = Auditor(rulesets, engine=engine)
        with _AUDITORS_LOCK:
            _AUDITORS[key] = auditor
            while len(_AUDITORS) > AUDITOR_CACHE_SIZE:
                _AUDITORS.popitem(last=False)
    return auditor.audit(source, as_of=as_of)
