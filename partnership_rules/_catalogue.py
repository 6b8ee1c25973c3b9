"""The self-assessment catalogue: the items a record's ``self_assessment`` may rate.

Shipped as data in ``rulesets/catalogue/self-assessment.yaml``: per framework (teach-too,
hgiocld-3.2, qca-checklist) each item's wording and remedy, the source section, and
``evidence_rules``: the rules whose findings contradict a favourable rating of the item (and,
for the hgiocld-3.2 themes, cap the indicative level of the theme).
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ._errors import Problem
from ._record import Record
from ._shipped_yaml import load_shipped_yaml
from ._vocabulary import Severity

__all__ = ["Catalogue", "CatalogueItem", "Framework", "check_self_assessment", "load_catalogue"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CatalogueItem(_Strict):
    id: str
    title: str | None = None
    wording: str
    remedy: str
    section: str
    theme: str | None = None
    stage: str | None = None
    evidence_rules: list[str] = Field(default_factory=list)


class IndicativeScale(_Strict):
    """How findings on a theme's evidence rules cap its indicative level."""

    max_level: int = Field(ge=1, le=6)
    caps: dict[Severity, int]
    applies_with: str  # the ruleset whose presence turns the indicative levels on
    # The framework's own scale: each level's label, and the source that defines the scale
    # (a key of the sources catalogue), printed beside every level.
    labels: dict[int, str] = Field(default_factory=dict)
    source: str | None = None


class Framework(_Strict):
    title: str
    source: str
    section: str
    scale: Literal["rag", "level"]
    items: list[CatalogueItem]
    indicative: IndicativeScale | None = None

    def item(self, item_id: str) -> CatalogueItem | None:
        return next((i for i in self.items if i.id == item_id), None)


class Catalogue(_Strict):
    frameworks: dict[str, Framework]

    def item(self, framework: str, item_id: str) -> CatalogueItem | None:
        """The catalogue item, or None if the framework has no such item."""
        found = self.frameworks.get(framework)
        return found.item(item_id) if found else None


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    """The catalogue shipped with the package (read once; it never changes at run time)."""
    path = files("partnership_rules.rulesets").joinpath("catalogue/self-assessment.yaml")
    return Catalogue.model_validate(load_shipped_yaml(path.read_text(encoding="utf-8")))


def check_self_assessment(record: Record) -> list[Problem]:
    """Problems with a record's self-assessment: unknown items, a rating on the wrong scale,
    or the same item rated twice."""
    catalogue = load_catalogue()
    problems = []
    seen: dict[tuple[str, str], int] = {}
    for index, entry in enumerate(record.self_assessment):
        path = f"self_assessment[{index}]"
        framework = catalogue.frameworks[entry.framework]
        if framework.item(entry.item) is None:
            known = ", ".join(i.id for i in framework.items)
            problems.append(
                Problem(
                    f"unknown {entry.framework} item '{entry.item}' (known: {known})",
                    f"{path}.item",
                )
            )
            continue
        if framework.scale == "rag" and entry.rating is None:
            problems.append(
                Problem(f"{entry.framework} items are rated red, amber or green", f"{path}.rating")
            )
        if framework.scale == "level" and entry.level is None:
            problems.append(
                Problem(f"{entry.framework} items are rated by level 1 to 6", f"{path}.level")
            )
        if framework.scale == "rag" and entry.level is not None:
            problems.append(
                Problem(f"{entry.framework} items take a rating, not a level", f"{path}.level")
            )
        if framework.scale == "level" and entry.rating is not None:
            problems.append(
                Problem(f"{entry.framework} items take a level, not a rating", f"{path}.rating")
            )
        key = (entry.framework, entry.item)
        if key in seen:
            problems.append(
                Problem(
                    f"{entry.framework} item '{entry.item}' is already rated"
                    f" at self_assessment[{seen[key]}]",
                    path,
                )
            )
        else:
            seen[key] = index
    return problems
