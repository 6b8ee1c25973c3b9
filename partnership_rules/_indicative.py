"""Pipeline stage: HGIOCLD-style indicative levels, capped by the findings.

Each theme of the ``hgiocld-3.2`` framework starts at the top of its scale; a finding of
one of the theme's evidence rules caps the level at the value its severity gives. Levels
are indicative, derived from the record: never an inspection grade.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from ._catalogue import load_catalogue
from ._report import Finding, IndicativeLevel
from ._sources import source_title

__all__ = ["indicative_levels"]


def _scale_title(key: str | None) -> str:
    """The title of the source that defines the scale (its key if the catalogue has none)."""
    if key is None:
        return ""
    return source_title(key) or key


FRAMEWORK = "hgiocld-3.2"


def indicative_levels(
    findings: Sequence[Finding], rulesets: Collection[str]
) -> list[IndicativeLevel]:
    """The level of each theme, capped by the worst finding among the theme's evidence
    rules; empty unless ``rulesets`` include the ruleset the scale applies with."""
    framework = load_catalogue().frameworks.get(FRAMEWORK)
    if framework is None or framework.indicative is None:
        return []
    scale = framework.indicative
    if scale.applies_with not in rulesets:
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
                theme=item.id,
                title=item.title or item.id,
                level=level,
                capped_by=capped_by,
                label=scale.labels.get(level, ""),
                scale=_scale_title(scale.source),
            )
        )
    return levels
