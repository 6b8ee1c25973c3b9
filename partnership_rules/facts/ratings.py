"""What partners say: facts from the record's ``relationships`` and ``survey``.

Relationships are read from the graph's ``rates`` edges (one per side of a pair, from the
partner rating to the partner rated, with its trust and value ratings as edge data), so the
network drawing and these facts show the same graph. On the partnership: network measures of
the relationship graph (density, degree centralisation, reciprocity, isolates; networkx) and
the survey's response rate. On each partner: the trust and value other partners rate it. One
fact per listed pair (``relationship``), one per factor of the survey's instrument
(``survey-factor``) and one per item answered (``survey-item``), whose contradiction fields the
audit fills in, as for self-assessment ratings, from the findings of the item's evidence rules.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from .._graph import node_key
from .._instruments import Instrument, InstrumentFactor, InstrumentItem
from .._record import Partner, Partnership, Relationship
from .._sources import source_title
from ._context import FactContext
from ._schema import FactType, Values, fields, flag, number, text, texts
from ._values import ratio

__all__ = [
    "LEVELS",
    "LOW_VALUE_BELOW",
    "RELATIONSHIP",
    "SURVEY_FACTOR",
    "SURVEY_ITEM",
    "partner_ratings",
    "relationship_network",
    "survey_summary",
]

# The VicHealth continuum, in order: how many steps apart two sides' answers are.
LEVELS = {"networking": 0, "coordinating": 1, "cooperating": 2, "collaborating": 3}
# On the PARTNER scale (1 not at all, 2 a small amount, 3 a fair amount, 4 a great deal), a
# mean value below 2.5 is nearer "a small amount" than "a fair amount": rated low.
LOW_VALUE_BELOW = 2.5

Rating = Mapping[str, Any]  # the data of one ``rates`` edge


def _ratings(ctx: FactContext) -> dict[tuple[str, str], Rating]:
    """(rater node, rated node) -> the data of its ``rates`` edge."""
    found: dict[tuple[str, str], Rating] = {}
    for rater in ctx.partner_keys:
        for rated in ctx.targets(rater, "rates"):
            for data in ctx.graph[rater][rated].values():
                if data["relation"] == "rates":
                    found[(rater, rated)] = data
    return found


def _relationship_graph(ctx: FactContext) -> nx.Graph[str]:
    """Every partner, joined to each partner it rates or is rated by (sorted, so the
    measures do not depend on the order of the record's lists)."""
    graph: nx.Graph[str] = nx.Graph()
    graph.add_nodes_from(sorted(ctx.partner_keys))
    graph.add_edges_from(sorted(ctx.once(_ratings)))
    return graph


def degree_centralisation(graph: nx.Graph[str]) -> float | None:
    """Freeman's degree centralisation: 1 for a star (every tie runs through one partner),
    0 when every partner has as many ties as the others; None below three partners."""
    n = graph.number_of_nodes()
    if n < 3:
        return None
    degrees = [d for _, d in graph.degree()]
    top = max(degrees)
    return sum(top - d for d in degrees) / ((n - 1) * (n - 2))


def _names(ctx: FactContext, keys: Iterable[str]) -> list[str]:
    return sorted(str(ctx.graph.nodes[k]["name"]) for k in keys)


@fields(
    has_relationships=flag("the record has a relationships section"),
    rated_pair_count=number("pairs of partners with at least one side's rating"),
    relationship_density=number(
        "rated pairs as a share of all possible pairs of partners (0 to 1; PARTNER's density)"
    ),
    relationship_centralisation=number(
        "Freeman degree centralisation of the relationship graph (0 even to 1 a star)"
    ),
    relationship_reciprocity=number(
        "share of ratings returned by the partner rated (0 to 1; reciprocity as networkx counts it)"
    ),
    relationship_isolate_count=number("partners in no rated relationship"),
    relationship_isolates=texts("names of the partners in no rated relationship"),
    relationship_hub=text("name of the partner with the most rated relationships"),
)
def relationship_network(ctx: FactContext, partnership: Partnership) -> Values:
    if not ctx.record.relationships:
        return {
            "has_relationships": False,
            "rated_pair_count": 0,
            "relationship_density": None,
            "relationship_centralisation": None,
            "relationship_reciprocity": None,
            "relationship_isolate_count": None,
            "relationship_isolates": [],
            "relationship_hub": None,
        }
    graph = ctx.once(_relationship_graph)
    ratings = ctx.once(_ratings)
    # networkx's reciprocity, counted directly (a DiGraph costs more than the count).
    returned = sum(1 for rater, rated in ratings if (rated, rater) in ratings)
    isolates = list(nx.isolates(graph))
    degrees = dict(graph.degree())
    # The most related partner; among equals the first by name, whatever the record's order.
    names = {k: str(ctx.graph.nodes[k]["name"]) for k in ctx.partner_keys}
    ranked = sorted(ctx.partner_keys, key=lambda k: (-degrees[k], names[k], k))
    hub = ranked[0] if graph.number_of_edges() else None
    return {
        "has_relationships": True,
        "rated_pair_count": graph.number_of_edges(),
        "relationship_density": nx.density(graph) if graph.number_of_nodes() > 1 else None,
        "relationship_centralisation": degree_centralisation(graph),
        "relationship_reciprocity": returned / len(ratings) if ratings else None,
        "relationship_isolate_count": len(isolates),
        "relationship_isolates": _names(ctx, isolates),
        "relationship_hub": str(ctx.graph.nodes[hub]["name"]) if hub else None,
    }


def _mean(values: Iterable[float | None]) -> float | None:
    given = [v for v in values if v is not None]
    return math.fsum(given) / len(given) if given else None


@fields(
    in_relationships_section=flag("the record has a relationships section"),
    relationship_degree=number("partners it rates or is rated by"),
    trust_received=number("mean trust other partners rate it (1 to 4)"),
    trust_rater_count=number("partners that rate their trust in it"),
    value_received=number("mean value other partners rate it (1 to 4)"),
    value_rater_count=number("partners that rate its value"),
    value_low_count=number("of those, partners whose mean rating of its value is below 2.5"),
    value_low_share=number("value_low_count as a share of value_rater_count (0 to 1)"),
)
def partner_ratings(ctx: FactContext, partner: Partner) -> Values:
    if not ctx.record.relationships:
        return {
            "in_relationships_section": False,
            "relationship_degree": None,
            "trust_received": None,
            "trust_rater_count": 0,
            "value_received": None,
            "value_rater_count": 0,
            "value_low_count": 0,
            "value_low_share": None,
        }
    key = node_key("partner", partner.id)
    ratings = ctx.once(_ratings)
    received = [ratings[(rater, key)] for rater in ctx.sources(key, "rates")]
    trusts = [r["trust"] for r in received if r["trust"] is not None]
    values = [r["value"] for r in received if r["value"] is not None]
    low = sum(1 for v in values if v < LOW_VALUE_BELOW)
    return {
        "in_relationships_section": True,
        "relationship_degree": ctx.once(_relationship_graph).degree(key),
        "trust_received": _mean(trusts),
        "trust_rater_count": len(trusts),
        "value_received": _mean(values),
        "value_rater_count": len(values),
        "value_low_count": low,
        "value_low_share": ratio(low, len(values)) if values else None,
    }


# --- one fact per listed pair -------------------------------------------------------------------


@dataclass(frozen=True)
class _Pair:
    """A listed pair of partners, ``a`` the one whose id sorts first (so that a pair is the
    same fact whichever way round the record lists it), with their names."""

    pair: Relationship
    a: str
    b: str
    name_a: str
    name_b: str

    @property
    def id(self) -> str:
        return f"{self.a}~{self.b}"


def _pairs(ctx: FactContext) -> list[_Pair]:
    pairs = []
    for pair in ctx.record.relationships:
        a, b = sorted(pair.partners)
        pairs.append(_Pair(pair, a, b, str(ctx.partner_name(a)), str(ctx.partner_name(b))))
    return pairs


def _side(ctx: FactContext, rater: str, rated: str) -> Rating | None:
    return ctx.once(_ratings).get((node_key("partner", rater), node_key("partner", rated)))


@fields(
    partner_a=text("name of the partner of the pair whose id sorts first"),
    partner_b=text("name of the other partner of the pair"),
    side_count=number("sides that rated the other (0 to 2)"),
    a_trust=number("the first partner's mean trust in the second (1 to 4)"),
    b_trust=number("the second partner's mean trust in the first (1 to 4)"),
    trust_lowest=number("the lower of the two trust ratings"),
    less_trusting=text("name of the partner that gives the lower trust rating"),
    less_trusted=text("name of the partner it rates"),
    trust_gap=number("how far apart the two trust ratings are (both sides rated)"),
    a_value=number("the first partner's mean rating of the second's value (1 to 4)"),
    b_value=number("the second partner's mean rating of the first's value (1 to 4)"),
    a_level=text("the collaboration level the first partner says they have"),
    b_level=text("the collaboration level the second partner says they have"),
    level_gap=number("steps apart on networking-coordinating-cooperating-collaborating"),
    closer_side=text("name of the partner that says they work more closely"),
    further_side=text("name of the partner that says they work less closely"),
    days_since_rated=number("days since the ratings were given"),
)
def pair_fields(ctx: FactContext, named: _Pair) -> Values:
    pair = named.pair
    a, b = named.a, named.b
    name_a, name_b = named.name_a, named.name_b
    a_side, b_side = _side(ctx, a, b), _side(ctx, b, a)
    a_trust = a_side["trust"] if a_side else None
    b_trust = b_side["trust"] if b_side else None
    trusts = [
        (t, who, whom)
        for t, who, whom in ((a_trust, name_a, name_b), (b_trust, name_b, name_a))
        if t is not None
    ]
    lowest = min(trusts, key=lambda t: t[0]) if trusts else None
    a_level = a_side["level"] if a_side else None
    b_level = b_side["level"] if b_side else None
    level_gap = closer = further = None
    if a_level is not None and b_level is not None:
        level_gap = abs(LEVELS[a_level] - LEVELS[b_level])
        closer, further = (
            (name_a, name_b) if LEVELS[a_level] >= LEVELS[b_level] else (name_b, name_a)
        )
    days = (ctx.as_of - pair.date).days if pair.date is not None else None
    return {
        "partner_a": name_a,
        "partner_b": name_b,
        "side_count": sum(1 for side in (a_side, b_side) if side is not None),
        "a_trust": a_trust,
        "b_trust": b_trust,
        "trust_lowest": lowest[0] if lowest else None,
        "less_trusting": lowest[1] if lowest else None,
        "less_trusted": lowest[2] if lowest else None,
        "trust_gap": abs(a_trust - b_trust)
        if a_trust is not None and b_trust is not None
        else None,
        "a_value": a_side["value"] if a_side else None,
        "b_value": b_side["value"] if b_side else None,
        "a_level": a_level,
        "b_level": b_level,
        "level_gap": level_gap,
        "closer_side": closer,
        "further_side": further,
        "days_since_rated": days,
    }


RELATIONSHIP: FactType[_Pair] = FactType(
    "relationship",
    subjects=lambda ctx: ctx.once(_pairs),
    identify=lambda p: (node_key("relationship", p.id), p.id, f"{p.name_a} and {p.name_b}"),
    parts=(pair_fields,),
)


# --- the survey -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Answered:
    """One factor or item of the survey's instrument, with the answers given to it."""

    instrument: Instrument
    factor: InstrumentFactor
    item: InstrumentItem | None  # None for a factor
    answers: tuple[int, ...]


def _instrument(ctx: FactContext) -> Instrument | None:
    survey = ctx.record.survey
    return ctx.instruments.get(survey.instrument) if survey is not None else None


def _answers(ctx: FactContext) -> dict[str, list[int]]:
    """Item id -> every answer given to it, in response order."""
    found: dict[str, list[int]] = {}
    survey = ctx.record.survey
    for response in survey.responses if survey is not None else ():
        for item_id, answer in response.answers.items():
            found.setdefault(item_id, []).append(answer)
    return found


def _factors(ctx: FactContext) -> list[_Answered]:
    instrument = ctx.once(_instrument)
    if instrument is None:
        return []
    answers = ctx.once(_answers)
    return [
        _Answered(
            instrument,
            factor,
            None,
            tuple(a for item in factor.items for a in answers.get(item.id, ())),
        )
        for factor in instrument.factors
    ]


def _items(ctx: FactContext) -> list[_Answered]:
    instrument = ctx.once(_instrument)
    if instrument is None:
        return []
    answers = ctx.once(_answers)
    return [
        _Answered(instrument, factor, item, tuple(answers[item.id]))
        for factor in instrument.factors
        for item in factor.items
        if answers.get(item.id)
    ]


def _mean_answer(answered: _Answered) -> float | None:
    return math.fsum(answered.answers) / len(answered.answers) if answered.answers else None


@fields(
    instrument=text("the instrument's id"),
    factor=text("the factor's id"),
    answer_count=number("answers given to the factor's items"),
    mean=number("mean of those answers, on the instrument's scale"),
    concern_below=number("the factor's concern band: a mean below this is a concern"),
    in_concern_band=flag("answered, and the mean falls in the concern band"),
    scale=text("the instrument's scale in words"),
    weakest_item=text("wording of the factor's item with the lowest mean answer"),
    factor_remedy=text("what to do when the factor is a concern, from the instrument"),
    factor_source=text("the source the factor follows, by title and section"),
)
def factor_fields(ctx: FactContext, answered: _Answered) -> Values:
    factor = answered.factor
    mean = _mean_answer(answered)
    by_item = ctx.once(_answers)
    means = [
        (math.fsum(by_item[i.id]) / len(by_item[i.id]), i.wording)
        for i in factor.items
        if by_item.get(i.id)
    ]
    title = source_title(factor.source.source) or factor.source.source
    return {
        "instrument": answered.instrument.id,
        "factor": factor.id,
        "answer_count": len(answered.answers),
        "mean": mean,
        "concern_below": factor.concern_below,
        "in_concern_band": mean is not None and mean < factor.concern_below,
        "scale": answered.instrument.scale.describe(),
        "weakest_item": min(means)[1] if means else None,
        "factor_remedy": factor.remedy,
        "factor_source": f"{title}, {factor.source.section}" if factor.source.section else title,
    }


def _factor_key(answered: _Answered) -> str:
    return f"{answered.instrument.id}/{answered.factor.id}"


SURVEY_FACTOR: FactType[_Answered] = FactType(
    "survey-factor",
    subjects=lambda ctx: ctx.once(_factors),
    identify=lambda f: (node_key("survey-factor", _factor_key(f)), _factor_key(f), f.factor.name),
    parts=(factor_fields,),
)


def _spread(answered: _Answered) -> float | None:
    """The answers' standard deviation as a share of half the scale's range: 0 when everyone
    gives the same answer, 1 when half answer at one end and half at the other."""
    if len(answered.answers) < 2:
        return None
    scale = answered.instrument.scale
    n = len(answered.answers)
    mean = math.fsum(answered.answers) / n
    # fsum rounds once, whatever the answers' order (statistics.pstdev is exact but slow).
    deviation = math.sqrt(math.fsum((a - mean) ** 2 for a in answered.answers) / n)
    return deviation / ((scale.max - scale.min) / 2)


@fields(
    instrument=text("the instrument's id"),
    item=text("the item's id"),
    factor=text("the id of the factor it belongs to"),
    factor_name=text("the name of the factor it belongs to"),
    wording=text("the statement respondents answered"),
    answer_count=number("answers given to it"),
    mean=number("mean answer, on the instrument's scale"),
    lowest_answer=number("the lowest answer given"),
    highest_answer=number("the highest answer given"),
    spread=number(
        "standard deviation of the answers as a share of half the scale's range (0 all agree,"
        " 1 split between the ends); none below two answers"
    ),
    favourable=flag("the mean is at or above the instrument's favourable_from (e.g. agree)"),
    scale=text("the instrument's scale in words"),
    evidence_rules=texts("rules whose findings contradict a favourable answer (instrument order)"),
    contradictions=texts(
        "findings of the item's evidence rules (filled in after the first pass; in finding order)"
    ),
    contradiction_count=number("how many such findings"),
    contradiction_high_count=number("how many of them are high or critical"),
)
def item_fields(ctx: FactContext, answered: _Answered) -> Values:
    assert answered.item is not None
    mean = _mean_answer(answered)
    return {
        "instrument": answered.instrument.id,
        "item": answered.item.id,
        "factor": answered.factor.id,
        "factor_name": answered.factor.name,
        "wording": answered.item.wording,
        "answer_count": len(answered.answers),
        "mean": mean,
        "lowest_answer": min(answered.answers),
        "highest_answer": max(answered.answers),
        "spread": _spread(answered),
        "favourable": mean is not None and mean >= answered.instrument.favourable_from,
        "scale": answered.instrument.scale.describe(),
        "evidence_rules": list(answered.item.evidence_rules),
        "contradictions": [],
        "contradiction_count": 0,
        "contradiction_high_count": 0,
    }


def _item_key(answered: _Answered) -> str:
    assert answered.item is not None
    return f"{answered.instrument.id}/{answered.item.id}"


def _item_wording(answered: _Answered) -> str:
    assert answered.item is not None
    return answered.item.wording


SURVEY_ITEM: FactType[_Answered] = FactType(
    "survey-item",
    subjects=lambda ctx: ctx.once(_items),
    identify=lambda i: (node_key("survey-item", _item_key(i)), _item_key(i), _item_wording(i)),
    parts=(item_fields,),
)


@fields(
    has_survey=flag("the record has a survey section"),
    survey_instrument=text("the id of the instrument the survey answers"),
    survey_respondent_count=number("respondents who answered at least one item"),
    survey_partner_respondent_count=number("partners who answered at least one item"),
    survey_response_rate=number("partners who answered at least one item, as a share of all"),
    survey_non_respondents=texts("names of the partners who answered no item"),
)
def survey_summary(ctx: FactContext, partnership: Partnership) -> Values:
    survey = ctx.record.survey
    if survey is None:
        return {
            "has_survey": False,
            "survey_instrument": None,
            "survey_respondent_count": 0,
            "survey_partner_respondent_count": 0,
            "survey_response_rate": None,
            "survey_non_respondents": [],
        }
    answered = {r.respondent for r in survey.responses if r.answers}
    partners = {p.id for p in ctx.record.partners}
    silent = [p for p in ctx.record.partners if p.id not in answered]
    return {
        "has_survey": True,
        "survey_instrument": survey.instrument,
        "survey_respondent_count": len(answered),
        "survey_partner_respondent_count": len(answered & partners),
        "survey_response_rate": ratio(len(answered & partners), len(partners)),
        "survey_non_respondents": sorted(p.name for p in silent),
    }
