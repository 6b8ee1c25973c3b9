"""Facts about the plan: one per objective, metric and action, and the partnership's
summary of its plan (how much of it there is, what its metrics cover, who is accountable)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from .._graph import node_key
from .._record import Action, Metric, Objective, Partnership
from .._shipped_yaml import load_shipped_yaml
from ._context import FactContext
from ._schema import FactType, Values, fields, flag, number, text, texts
from ._values import days_between, distinct_sorted, ratio, share_stats
from .contexts import context_flags
from .outcomes import objective_outcome
from .partners import VOICE_KINDS

__all__ = ["ACTION", "DIMENSIONS", "METRIC", "OBJECTIVE", "plan_summary", "vague_terms"]

DIMENSIONS = ("results", "process", "relationships")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class _VagueTerms:
    anywhere: re.Pattern[str]
    """Finds where any term starts (terms may overlap, as "raise" and "raise awareness" do)."""
    each: tuple[re.Pattern[str], ...]
    """Each term, from the start of a word to the end of the word it starts."""
    by_first: dict[str, tuple[int, ...]]
    """First letter -> the terms (indexes in ``each``) that start with it; in lower case."""


@lru_cache(maxsize=1)
def _vague_terms() -> tuple[_VagueTerms, _VagueTerms]:
    """The vague terms as patterns: for lower-case ASCII text, and ignoring case."""
    path = files("partnership_rules.rulesets").joinpath("catalogue/vague-terms.yaml")
    terms: list[str] = load_shipped_yaml(path.read_text(encoding="utf-8"))["terms"]

    def compile_terms(words: list[str], flags: int) -> _VagueTerms:
        by_first: dict[str, list[int]] = defaultdict(list)
        for i, word in enumerate(words):
            by_first[word[:1].lower()].append(i)
        escaped = [re.escape(word) for word in words]
        return _VagueTerms(
            re.compile(r"\b(?=" + "|".join(escaped) + ")", flags),
            tuple(re.compile(r"\b" + word + r"\w*", flags) for word in escaped),
            {first: tuple(indexes) for first, indexes in by_first.items()},
        )

    return compile_terms([t.lower() for t in terms], 0), compile_terms(terms, re.IGNORECASE)


def vague_terms(statement: str) -> list[str]:
    """The vague words in ``statement`` (each term from the start of a word to the end of
    that word, in lower case), distinct and sorted."""
    lower_ascii, ignoring_case = _vague_terms()
    # ASCII text lowered keeps its length and word boundaries, and matches a lower-case term
    # exactly where the text matches it ignoring case (matching ignoring case is slower).
    if statement.isascii():
        text, terms = statement.lower(), lower_ascii
    else:
        text, terms = statement, ignoring_case
    every = range(len(terms.each))
    found: set[str] = set()
    ends = [0] * len(terms.each)  # a term's own matches do not overlap
    for start in terms.anywhere.finditer(text):
        at = start.start()
        # Outside ASCII a letter may match a term's first letter ignoring case without
        # being it in lower case (K and the Kelvin sign), so every term is tried there.
        candidates = terms.by_first.get(text[at], ()) if terms is lower_ascii else every
        for i in candidates:
            if at >= ends[i] and (match := terms.each[i].match(text, at)):
                found.add(match.group(0).lower())
                ends[i] = match.end()
    return sorted(found)


def _metric_dimensions(ctx: FactContext) -> dict[str, str | None]:
    return {node_key("metric", m.id): m.dimension for m in ctx.record.metrics}


@fields(
    statement=text("the objective as written"),
    has_owner=flag("an owning partner is named"),
    owner=text("the owner's id"),
    metric_count=number("metrics that measure it"),
    dimensions=texts("dimensions its metrics cover"),
    has_baseline=flag("a baseline value is recorded"),
    has_target=flag("a target value is recorded"),
    has_due_date=flag("a due date is recorded"),
    days_until_due=number("days until it is due (negative once past)"),
    standing=flag(
        "a standard to meet all the time (objective.standing): it needs no due date and its"
        " target applies to every reading"
    ),
    has_number=flag("the statement contains a number"),
    vague_terms=texts("vague words found in the statement"),
    vague_term_count=number("how many vague words"),
    statement_words=number("words in the statement"),
    beneficiary_count=number("beneficiaries named"),
    voice_beneficiary_count=number(
        "beneficiaries that are learner, carer or community stakeholders"
    ),
    action_count=number("actions that serve it"),
)
def objective_fields(ctx: FactContext, objective: Objective) -> Values:
    key = node_key("objective", objective.id)
    owners = ctx.sources(key, "owns")
    metrics = ctx.sources(key, "measures")
    beneficiaries = ctx.sources(key, "benefits_from")
    dimension = ctx.once(_metric_dimensions)
    statement = objective.statement
    found = vague_terms(statement)
    due_in = days_between(ctx.as_of, objective.due) if objective.due else None
    stakeholder_kind = ctx.once(_stakeholder_kinds)
    return {
        "statement": statement,
        "has_owner": bool(owners),
        "owner": ctx.id[owners[0]] if owners else None,
        "metric_count": len(metrics),
        "dimensions": distinct_sorted(d for m in metrics if (d := dimension[m])),
        "has_baseline": objective.baseline is not None,
        "has_target": objective.target is not None,
        "has_due_date": objective.due is not None,
        "days_until_due": due_in,
        "standing": objective.standing,
        "has_number": bool(_DIGIT.search(statement)),
        "vague_terms": found,
        "vague_term_count": len(found),
        "statement_words": len(statement.split()),
        "beneficiary_count": len(beneficiaries),
        "voice_beneficiary_count": sum(
            1 for b in beneficiaries if stakeholder_kind.get(b) in VOICE_KINDS
        ),
        "action_count": len(ctx.sources(key, "serves")),
    }


def _stakeholder_kinds(ctx: FactContext) -> dict[str, str]:
    return {node_key("stakeholder", s.id): s.kind for s in ctx.record.stakeholders}


OBJECTIVE: FactType[Objective] = FactType(
    "objective",
    subjects=lambda ctx: ctx.record.objectives,
    identify=lambda o: (node_key("objective", o.id), o.id, o.statement),
    parts=(objective_fields, context_flags, objective_outcome),
)


@fields(
    dimension=text("results, process or relationships"),
    has_dimension=flag("a dimension is given"),
    kind=text("quantitative or qualitative"),
    direction=text("which way is better: higher or lower"),
    has_source=flag("a data source is named"),
    has_collector=flag("a collecting partner is named"),
    every_days=number("intended days between readings"),
    reading_count=number("readings recorded"),
    days_since_reading=number("days since its latest reading"),
    reading_gap_ratio=number("days since latest reading / every_days"),
    objective_count=number("objectives it measures"),
)
def metric_fields(ctx: FactContext, metric: Metric) -> Values:
    key = node_key("metric", metric.id)
    latest = max((r.date for r in metric.readings), default=None)
    days_since = days_between(latest, ctx.as_of)
    return {
        "dimension": metric.dimension,
        "has_dimension": metric.dimension is not None,
        "kind": metric.kind,
        "direction": metric.direction,
        "has_source": bool(metric.source and metric.source.strip()),
        "has_collector": bool(ctx.sources(key, "collects")),
        "every_days": metric.every_days,
        "reading_count": len(metric.readings),
        "days_since_reading": days_since,
        "reading_gap_ratio": ratio(days_since, metric.every_days),
        "objective_count": len(ctx.targets(key, "measures")),
    }


METRIC: FactType[Metric] = FactType(
    "metric",
    subjects=lambda ctx: ctx.record.metrics,
    identify=lambda m: (node_key("metric", m.id), m.id, m.name),
    parts=(metric_fields,),
)


@fields(
    responsible_count=number("partners responsible"),
    has_accountable=flag("an accountable partner is named"),
    accountable=text("the accountable partner's id"),
    phase=text("plan, design, deliver, assess, review or other"),
    has_objective=flag("linked to an objective"),
    objective=text("the id of the objective it serves"),
    has_due_date=flag("a due date is given"),
    days_until_due=number("days until due (negative once past)"),
    status=text("not-started, in-progress, done or blocked"),
    overdue=flag("due date passed and not done"),
    days_overdue=number("days past its due date while not done (0 if not)"),
    further_action_count=number("actions recorded as following it up (actions[].follows)"),
    follows=text("the id of the action it follows up (actions[].follows)"),
)
def action_fields(ctx: FactContext, action: Action) -> Values:
    key = node_key("action", action.id)
    accountable = ctx.sources(key, "accountable_for")
    serves = ctx.targets(key, "serves")
    follows = ctx.targets(key, "follows")
    due_in = days_between(ctx.as_of, action.due) if action.due else None
    overdue = due_in is not None and due_in < 0 and action.status != "done"
    return {
        "responsible_count": len(ctx.sources(key, "responsible_for")),
        "has_accountable": bool(accountable),
        "accountable": ctx.id[accountable[0]] if accountable else None,
        "phase": action.phase,
        "has_objective": bool(serves),
        "objective": ctx.id[serves[0]] if serves else None,
        "has_due_date": action.due is not None,
        "days_until_due": due_in,
        "status": action.status,
        "overdue": overdue,
        "days_overdue": -due_in if overdue and due_in is not None else 0,
        "further_action_count": len(ctx.sources(key, "follows")),
        "follows": ctx.id[follows[0]] if follows else None,
    }


ACTION: FactType[Action] = FactType(
    "action",
    subjects=lambda ctx: ctx.record.actions,
    identify=lambda a: (node_key("action", a.id), a.id, a.action),
    parts=(action_fields,),
)


@fields(
    objective_count=number("number of objectives"),
    metric_count=number("number of metrics"),
    action_count=number("number of actions"),
    dimensions_covered=texts("results/process/relationships covered by metrics"),
    dimension_count=number("how many of the three dimensions metrics cover"),
    missing_dimensions=texts("dimensions no metric covers (in that order)"),
    quantitative_metric_count=number("metrics of kind quantitative"),
    qualitative_metric_count=number("metrics of kind qualitative"),
    accountable_top_partner=text("partner accountable for the most actions"),
    accountable_top_partner_name=text("that partner's name"),
    accountable_top_share=number("its share of actions with an accountable partner"),
    accountable_action_count=number("actions with an accountable partner"),
)
def plan_summary(ctx: FactContext, partnership: Partnership) -> Values:
    metrics = ctx.record.metrics
    covered = distinct_sorted(m.dimension for m in metrics if m.dimension)
    top, top_share, _ = share_stats(ctx.accountable)
    return {
        "objective_count": len(ctx.record.objectives),
        "metric_count": len(metrics),
        "action_count": len(ctx.record.actions),
        "dimensions_covered": covered,
        "dimension_count": len(covered),
        "missing_dimensions": [d for d in DIMENSIONS if d not in covered],
        "quantitative_metric_count": sum(1 for m in metrics if m.kind == "quantitative"),
        "qualitative_metric_count": sum(1 for m in metrics if m.kind == "qualitative"),
        "accountable_top_partner": top,
        "accountable_top_partner_name": ctx.partner_name(top),
        "accountable_top_share": top_share,
        "accountable_action_count": ctx.accountable_total,
    }
