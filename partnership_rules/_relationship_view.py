"""Pipeline stage: what partners say of each other and of the partnership, as a report shows
it: the trust and value each partner receives from the others (partner table), one line per
rated pair (network drawing), where partners disagree (pairs and survey items), and each
survey factor's mean answer (beside the health profile).

A side's trust is the mean of the trust ratings it gives (reliability, support for the
mission, openness), its value the mean of its value ratings (power, involvement, resources),
each 1 to 4 as in the PARTNER tool; a rating left out is not counted. How far apart counts as
a disagreement, and which QCA dimension each survey factor belongs to, are data in the
health-profile catalogue (``rulesets/catalogue/health-profile.yaml``).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import get_args

from ._graph import node_key
from ._instruments import Instrument, Instruments
from ._profile import ProfileSettings, load_profile_settings
from ._record import CollaborationLevel, Record, RelationshipSide
from ._report import (
    Disagreements,
    ItemDisagreement,
    NetworkEdge,
    PairDisagreement,
    SurveyFactorScore,
)

__all__ = [
    "disagreements",
    "received_ratings",
    "relationship_edges",
    "side_trust",
    "side_value",
    "survey_factor_scores",
]

LEVELS: tuple[str, ...] = get_args(CollaborationLevel)  # the continuum, loosest first


def _mean(values: Iterable[float | int | None]) -> float | None:
    given = [v for v in values if v is not None]
    return round(sum(given) / len(given), 2) if given else None


def _trust_ratings(side: RelationshipSide) -> list[int | None]:
    t = side.trust
    return [t.reliability, t.mission, t.openness] if t is not None else []


def _value_ratings(side: RelationshipSide) -> list[int | None]:
    v = side.value
    return [v.power, v.involvement, v.resources] if v is not None else []


def side_trust(side: RelationshipSide) -> float | None:
    """The mean of the trust ratings one side gives the other (None when it gives none)."""
    return _mean(_trust_ratings(side))


def side_value(side: RelationshipSide) -> float | None:
    """The mean of the value ratings one side gives the other (None when it gives none)."""
    return _mean(_value_ratings(side))


def _pairs(record: Record) -> dict[tuple[str, str], dict[str, RelationshipSide]]:
    """Each pair (its ids in the order the record first names them) -> rater id -> its side,
    in record order; a pair listed in two entries (one side each) is one pair."""
    pairs: dict[tuple[str, str], dict[str, RelationshipSide]] = {}
    named: dict[frozenset[str], tuple[str, str]] = {}
    for relationship in record.relationships:
        first, second = relationship.partners
        ids = named.setdefault(frozenset((first, second)), (first, second))
        sides = pairs.setdefault(ids, {})
        for side in relationship.sides:
            sides.setdefault(side.partner, side)
    return pairs


def received_ratings(record: Record) -> dict[str, tuple[float | None, float | None, int]]:
    """Partner id -> (mean trust, mean value, number of partners rating it) over every
    rating the other partners give it (each dimension's rating counted once); partners
    nobody rated are left out."""
    trust: dict[str, list[int | None]] = defaultdict(list)
    value: dict[str, list[int | None]] = defaultdict(list)
    raters: dict[str, set[str]] = defaultdict(set)
    for (first, second), sides in _pairs(record).items():
        for rater, side in sides.items():
            rated = second if rater == first else first
            given_trust, given_value = _trust_ratings(side), _value_ratings(side)
            if any(r is not None for r in given_trust + given_value):
                raters[rated].add(rater)
            trust[rated] += given_trust
            value[rated] += given_value
    return {
        partner: (_mean(trust[partner]), _mean(value[partner]), len(who))
        for partner, who in raters.items()
    }


def relationship_edges(record: Record) -> list[NetworkEdge]:
    """One ``relationship`` line per rated pair, between the two partners' nodes: the mean
    of the two sides' trust, and of their value (a side that gave none is not counted)."""
    edges = []
    for ids, sides in _pairs(record).items():
        if not sides:
            continue
        first, second = sorted(ids)
        edges.append(
            NetworkEdge(
                source=node_key("partner", first),
                target=node_key("partner", second),
                relation="relationship",
                trust=_mean(side_trust(s) for s in sides.values()),
                value=_mean(side_value(s) for s in sides.values()),
            )
        )
    return edges


def _pair_disagreement(
    record: Record,
    ids: tuple[str, str],
    sides: dict[str, RelationshipSide],
    settings: ProfileSettings,
) -> PairDisagreement | None:
    if len(sides) < 2:
        return None
    limits = settings.disagreements
    first, second = (sides[i] for i in ids)
    reasons = []
    if first.level is not None and second.level is not None:
        steps = abs(LEVELS.index(first.level) - LEVELS.index(second.level))
        if steps >= limits.level_steps:
            reasons.append(f"levels {steps} steps apart ({first.level} and {second.level})")
    trust = [side_trust(first), side_trust(second)]
    if trust[0] is not None and trust[1] is not None:
        gap = abs(trust[0] - trust[1])
        if gap >= limits.trust_gap:
            reasons.append(f"trust {gap:.1f} apart (of 1 to 4)")
    if not reasons:
        return None
    names = {p.id: p.name for p in record.partners}
    return PairDisagreement(
        partners=list(ids),
        names=[names.get(i, i) for i in ids],
        levels=[first.level, second.level],
        trust=trust,
        value=[side_value(first), side_value(second)],
        reasons=reasons,
    )


def _item_disagreements(
    record: Record, instrument: Instrument, settings: ProfileSettings
) -> list[ItemDisagreement]:
    assert record.survey is not None
    limits = settings.disagreements
    widest = limits.item_spread_share * (instrument.scale.max - instrument.scale.min)
    found = []
    for factor in instrument.factors:
        for item in factor.items:
            answers = [r.answers[item.id] for r in record.survey.responses if item.id in r.answers]
            if len(answers) < limits.item_min_respondents:
                continue
            spread = statistics.pstdev(answers)
            if spread >= widest:
                found.append(
                    ItemDisagreement(
                        instrument=instrument.id,
                        item=item.id,
                        wording=item.wording,
                        factor=factor.name,
                        respondents=len(answers),
                        mean=round(statistics.fmean(answers), 2),
                        lowest=min(answers),
                        highest=max(answers),
                        spread=round(spread, 2),
                    )
                )
    found.sort(key=lambda d: -d.spread)  # stable: the instrument's order among equals
    return found


def disagreements(
    record: Record, instruments: Instruments, settings: ProfileSettings | None = None
) -> Disagreements | None:
    """Pairs whose two sides' levels or trust are far apart (record order), and survey
    items answered far apart (widest first); None for a record with neither relationships
    nor a survey."""
    if not record.relationships and record.survey is None:
        return None
    settings = settings or load_profile_settings()
    pairs = [
        found
        for ids, sides in _pairs(record).items()
        if (found := _pair_disagreement(record, ids, sides, settings)) is not None
    ]
    items: list[ItemDisagreement] = []
    if record.survey is not None and record.survey.instrument in instruments:
        items = _item_disagreements(record, instruments[record.survey.instrument], settings)
    return Disagreements(pairs=pairs, items=items)


def survey_factor_scores(
    record: Record, instruments: Instruments, settings: ProfileSettings | None = None
) -> list[SurveyFactorScore]:
    """Each factor of the survey's instrument that has answers, in the instrument's order:
    its mean answer, that mean on 0 to 100 and its band (empty without a survey)."""
    survey = record.survey
    if survey is None or survey.instrument not in instruments:
        return []
    settings = settings or load_profile_settings()
    instrument = instruments[survey.instrument]
    low, high = instrument.scale.min, instrument.scale.max
    scores = []
    for factor in instrument.factors:
        ids = [item.id for item in factor.items]
        per_respondent = [[r.answers[i] for i in ids if i in r.answers] for r in survey.responses]
        answers = [a for given in per_respondent for a in given]
        if not answers:
            continue
        mean = statistics.fmean(answers)
        if mean < factor.concern_below:
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
                respondents=sum(1 for given in per_respondent if given),
                answers=len(answers),
                score=round(100 * (mean - low) / (high - low)),
                band=band,
                concern_below=factor.concern_below,
            )
        )
    return scores
