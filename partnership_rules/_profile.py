"""Pipeline stage: the health profile, scores from the findings by a published formula.

Every score starts at 100. Each finding costs points by its severity; further findings of the
same rule in one score cost less, and one rule costs at most a fixed multiple of its first
finding, so that a rule firing on thirty actions does not by itself sink a score. A critical
or high finding also puts a ceiling on the score. The numbers are data
(``rulesets/catalogue/health-profile.yaml``) and the README states them.

Scores: one per category of the rules that ran, one per QCA dimension (results, process,
relationships: the findings of its categories together) and one overall (all findings).
Each lists what pulled it down, costliest first. Deterministic: the same findings give the
same profile, whatever their order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from functools import lru_cache
from importlib.resources import files

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ._report import Finding, HealthProfile, Score, ScoreCause, SurveyFactorScore
from ._shipped_yaml import load_shipped_yaml
from ._vocabulary import CATEGORIES, SEVERITIES, Category, Severity

__all__ = [
    "DIMENSIONS",
    "ProfileSettings",
    "health_profile",
    "load_profile_settings",
]

DIMENSIONS = ("results", "process", "relationships")


class _Band(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    min: int = Field(ge=0, le=100)


class ProfileSettings(BaseModel):
    """The numbers of the formula (and the action plan's suggested dates and the survey
    factors' dimensions)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    costs: dict[Severity, float]
    half_at: float = Field(gt=0)
    repeat_factor: float = Field(ge=0, le=1)
    rule_cap: float = Field(ge=1)
    ceilings: dict[Severity, int]
    bands: list[_Band]
    dimensions: dict[str, list[Category]]
    due_days: dict[Severity, int]
    survey_dimensions: dict[str, str] = Field(default_factory=dict)
    """Survey factor id -> the QCA dimension it speaks to."""

    @model_validator(mode="after")
    def _complete(self) -> ProfileSettings:
        placed = [c for categories in self.dimensions.values() for c in categories]
        if tuple(self.dimensions) != DIMENSIONS or sorted(placed) != sorted(CATEGORIES):
            raise ValueError("every category must be in exactly one of the three dimensions")
        if set(self.costs) != set(SEVERITIES) or set(self.due_days) != set(SEVERITIES):
            raise ValueError("costs and due_days need every severity")
        if not self.bands or self.bands[-1].min != 0:
            raise ValueError("the last band must start at 0")
        if not set(self.survey_dimensions.values()) <= set(DIMENSIONS):
            raise ValueError("survey_dimensions: each factor goes to one of the three dimensions")
        return self

    def dimension_of(self, category: str) -> str:
        """The QCA dimension a category belongs to."""
        return next(d for d, categories in self.dimensions.items() if category in categories)

    def band(self, score: int) -> str:
        """The name of the band ``score`` falls in."""
        return next(b.name for b in self.bands if score >= b.min)


@lru_cache(maxsize=1)
def load_profile_settings() -> ProfileSettings:
    """The shipped settings (read once)."""
    path = files("partnership_rules.rulesets").joinpath("catalogue/health-profile.yaml")
    return ProfileSettings.model_validate(load_shipped_yaml(path.read_text(encoding="utf-8")))


def _causes(findings: Sequence[Finding], settings: ProfileSettings) -> dict[str, ScoreCause]:
    """Each rule among ``findings`` (sorted) with its cost; a rule has one category, so its
    cost is the same in every score that counts it."""
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_rule[finding.rule].append(finding)
    causes = {}
    for rule, group in by_rule.items():
        first = group[0]
        single = settings.costs[first.severity]
        repeated = single * (1 + settings.repeat_factor * (len(group) - 1))
        cost = min(repeated, single * settings.rule_cap)
        if cost > 0:
            causes[rule] = ScoreCause(
                rule=rule,
                title=first.title,
                severity=first.severity,
                category=first.category,
                findings=len(group),
                cost=round(cost, 1),
            )
    return causes


def _score(causes: Iterable[ScoreCause], settings: ProfileSettings) -> Score:
    """The score of ``causes``: 100 × half_at / (half_at + points), under the ceiling of the
    worst severity among them; the causes listed costliest first."""
    ordered = sorted(causes, key=lambda c: (-c.cost, SEVERITIES.index(c.severity), c.rule))
    points = sum(c.cost for c in ordered)
    score = round(100 * settings.half_at / (settings.half_at + points))
    ceiling = min(
        (settings.ceilings[c.severity] for c in ordered if c.severity in settings.ceilings),
        default=100,
    )
    capped_at = ceiling if ceiling < score else None
    score = min(score, ceiling)
    return Score(
        score=score,
        band=settings.band(score),
        points=round(points, 1),
        capped_at=capped_at,
        causes=ordered,
    )


def health_profile(
    findings: Sequence[Finding],
    checked: Collection[str],
    settings: ProfileSettings | None = None,
    survey: Sequence[SurveyFactorScore] = (),
) -> HealthProfile:
    """The profile of a report's ``findings``; ``checked`` are the categories of the rules
    that ran (a category no rule checked gets no score, rather than a perfect one).

    Each score counts its own findings: a category's, a dimension's (those of its
    categories) or all of them (overall). ``survey``: the survey's factors, shown beside
    the scores (see :func:`survey_factor_scores`)."""
    settings = settings or load_profile_settings()
    causes = _causes(sorted(findings, key=Finding.sort_key), settings)
    by_category: dict[str, list[ScoreCause]] = defaultdict(list)
    for cause in causes.values():
        by_category[cause.category].append(cause)
    categories = {
        c: _score(by_category[c], settings) for c in CATEGORIES if c in checked or c in by_category
    }
    dimensions = {
        d: _score([cause for c in members for cause in by_category[c]], settings)
        for d, members in settings.dimensions.items()
        if any(c in categories for c in members)
    }
    return HealthProfile(
        overall=_score(causes.values(), settings),
        dimensions=dimensions,
        categories=categories,
        survey=list(survey),
    )
