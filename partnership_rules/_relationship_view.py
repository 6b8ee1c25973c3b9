"""Pipeline stage: what partners say of each other and of the partnership, as a report shows
it: the trust and value each partner receives from the others (partner table), one line per
rated pair (network drawing), where partners disagree (pairs and survey items), and each
survey factor's mean answer (beside the health profile).

Everything is read from the graph's ``rates`` edges and the facts the rules see (partner,
``relationship``, ``survey-factor`` and ``survey-item`` facts, see
:mod:`partnership_rules.facts.ratings`), so the report and the findings never disagree. The
disagreement table lists what the relationships ruleset's disagreement rules would: pairs
whose levels are ``min_level_gap`` steps apart or whose trust is ``min_trust_gap`` apart,
items answered ``MIN_ITEM_ANSWERS`` times or more with a spread of ``min_item_spread``, with
the values of those named thresholds this audit runs with. Which QCA dimension each survey
factor speaks to is data in the health-profile catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib.resources import files
from typing import Any

import networkx as nx

from ._instruments import Instruments
from ._profile import ProfileSettings, load_profile_settings
from ._record import Record
from ._report import (
    Disagreements,
    ItemDisagreement,
    NetworkEdge,
    PairDisagreement,
    SurveyFactorScore,
)
from ._shipped_yaml import load_shipped_yaml

__all__ = [
    "DISAGREEMENT_THRESHOLDS",
    "MIN_ITEM_ANSWERS",
    "disagreement_limits",
    "disagreements",
    "received_ratings",
    "relationship_edges",
    "survey_factor_scores",
]

# The named thresholds of the relationships ruleset the disagreement table applies.
DISAGREEMENT_THRESHOLDS = ("min_level_gap", "min_trust_gap", "min_item_spread")
# Fewer answers than this say nothing about a spread (as the wide-spread rule asks).
MIN_ITEM_ANSWERS = 3

Fact = Mapping[str, Any]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _mean(values: Iterable[float | None]) -> float | None:
    given = [v for v in values if v is not None]
    return sum(given) / len(given) if given else None


def _ratings(graph: nx.MultiDiGraph[str]) -> list[tuple[str, str, Mapping[str, Any]]]:
    """Every ``rates`` edge: (rater node, rated node, its data)."""
    return [
        (rater, rated, data)
        for rater, rated, data in graph.edges(data=True)
        if data["relation"] == "rates"
    ]


def received_ratings(
    graph: nx.MultiDiGraph[str], facts: Sequence[Fact]
) -> dict[str, tuple[float | None, float | None, int]]:
    """Partner node -> (mean trust, mean value the other partners give it, as its facts
    ``trust_received`` and ``value_received`` say; how many partners rate its trust or
    value); partners no partner rated are left out."""
    raters: dict[str, set[str]] = {}
    for rater, rated, data in _ratings(graph):
        if data["trust"] is not None or data["value"] is not None:
            raters.setdefault(rated, set()).add(rater)
    partners = {f["subject"]: f for f in facts if f["type"] == "partner"}
    return {
        key: (
            _round(partners[key]["trust_received"]),
            _round(partners[key]["value_received"]),
            len(who),
        )
        for key, who in raters.items()
        if key in partners
    }


def relationship_edges(graph: nx.MultiDiGraph[str]) -> list[NetworkEdge]:
    """One ``relationship`` line per rated pair (between the two partners' nodes, in sorted
    order): the trust of the less trusting side (as the low-trust rule reads a pair), and the
    mean of the two sides' value (a side that gave none is not counted)."""
    sides: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for rater, rated, data in _ratings(graph):
        sides.setdefault((min(rater, rated), max(rater, rated)), []).append(data)
    return [
        NetworkEdge(
            source=a,
            target=b,
            relation="relationship",
            trust=_round(min((d["trust"] for d in given if d["trust"] is not None), default=None)),
            value=_round(_mean(d["value"] for d in given)),
        )
        for (a, b), given in sorted(sides.items())
    ]


@lru_cache(maxsize=1)
def _shipped_defaults() -> dict[str, float]:
    """The disagreement thresholds' defaults as the shipped relationships ruleset declares
    them (for an audit that does not run that ruleset)."""
    path = files("partnership_rules.rulesets").joinpath("relationships.yaml")
    declared = load_shipped_yaml(path.read_text(encoding="utf-8"))["thresholds"]
    return {name: float(declared[name]["default"]) for name in DISAGREEMENT_THRESHOLDS}


def disagreement_limits(values: Mapping[str, float] | None = None) -> dict[str, float]:
    """The disagreement thresholds: ``values`` (an audit's settings) over the shipped
    defaults."""
    return {
        name: (values or {}).get(name, default) for name, default in _shipped_defaults().items()
    }


def _pair(fact: Fact, limits: Mapping[str, float]) -> PairDisagreement | None:
    reasons = []
    gap = fact["level_gap"]
    if gap is not None and gap >= limits["min_level_gap"]:
        reasons.append(f"levels {gap} steps apart ({fact['a_level']} and {fact['b_level']})")
    trust_gap = fact["trust_gap"]
    if trust_gap is not None and trust_gap >= limits["min_trust_gap"]:
        reasons.append(f"trust {trust_gap:.1f} apart (of 1 to 4)")
    if not reasons:
        return None
    return PairDisagreement(
        partners=str(fact["id"]).split("~"),  # the two partner ids, sorted (ids have no ~)
        names=[fact["partner_a"], fact["partner_b"]],
        levels=[fact["a_level"], fact["b_level"]],
        trust=[_round(fact["a_trust"]), _round(fact["b_trust"])],
        value=[_round(fact["a_value"]), _round(fact["b_value"])],
        reasons=reasons,
    )


def _item(
    fact: Fact, instruments: Instruments, limits: Mapping[str, float]
) -> ItemDisagreement | None:
    spread = fact["spread"]
    if fact["answer_count"] < MIN_ITEM_ANSWERS or spread is None:
        return None
    if spread < limits["min_item_spread"] or fact["instrument"] not in instruments:
        return None
    scale = instruments[fact["instrument"]].scale
    return ItemDisagreement(
        instrument=fact["instrument"],
        item=fact["item"],
        wording=fact["wording"],
        factor=fact["factor_name"],
        respondents=fact["answer_count"],
        mean=round(fact["mean"], 2),
        lowest=fact["lowest_answer"],
        highest=fact["highest_answer"],
        spread=round(spread * (scale.max - scale.min) / 2, 2),  # back to a standard deviation
    )


def disagreements(
    record: Record,
    facts: Sequence[Fact],
    instruments: Instruments,
    thresholds: Mapping[str, float] | None = None,
) -> Disagreements | None:
    """Pairs whose two sides' levels or trust are far apart (record order), and survey items
    answered far apart (widest first); None for a record with neither relationships nor a
    survey. ``thresholds``: the audit's values of the disagreement thresholds."""
    if not record.relationships and record.survey is None:
        return None
    limits = disagreement_limits(thresholds)
    pairs = [
        found
        for fact in facts
        if fact["type"] == "relationship" and (found := _pair(fact, limits)) is not None
    ]
    items = [
        item
        for fact in facts
        if fact["type"] == "survey-item" and (item := _item(fact, instruments, limits)) is not None
    ]
    items.sort(key=lambda d: -d.spread)  # stable: the instrument's order among equals
    return Disagreements(pairs=pairs, items=items)


def survey_factor_scores(
    record: Record,
    facts: Sequence[Fact],
    instruments: Instruments,
    settings: ProfileSettings | None = None,
) -> list[SurveyFactorScore]:
    """Each factor of the survey's instrument that has answers, in the instrument's order
    (as its ``survey-factor`` fact gives it): its mean answer, that mean on 0 to 100 and its
    band (empty without a survey)."""
    survey = record.survey
    if survey is None or survey.instrument not in instruments:
        return []
    settings = settings or load_profile_settings()
    instrument = instruments[survey.instrument]
    low, high = instrument.scale.min, instrument.scale.max
    factors = {factor.id: factor for factor in instrument.factors}
    scores = []
    for fact in facts:
        if fact["type"] != "survey-factor" or not fact["answer_count"]:
            continue
        factor = factors[fact["factor"]]
        items = {item.id for item in factor.items}
        mean = fact["mean"]
        if fact["in_concern_band"]:
            band = "concern"
        elif mean < instrument.favourable_from:
            band = "borderline"
        else:
            band = "strength"
        scores.append(
            SurveyFactorScore(
                instrument=instrument.id,
                factor=factor.id,
                name=factor.name,
                dimension=settings.survey_dimensions.get(factor.id),
                mean=round(mean, 2),
                scale_min=low,
                scale_max=high,
                respondents=sum(1 for r in survey.responses if items & r.answers.keys()),
                answers=fact["answer_count"],
                score=round(100 * (mean - low) / (high - low)),
                band=band,
                concern_below=fact["concern_below"],
            )
        )
    return scores
