"""Pipeline stage: self-assessment ratings and survey answers checked against the other
findings.

A favourable self-assessment rating is contradicted by findings of the rules the catalogue
lists as the item's evidence (``evidence_rules``); a favourable survey answer by findings of
the rules its instrument lists for the item (carried on the fact, ``evidence_rules``). This
stage writes those findings into the facts (``contradictions``, ``contradiction_count``,
``contradiction_high_count``), so that the rules on them can then run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._catalogue import load_catalogue
from ._report import Finding

__all__ = ["CROSS_CHECKED", "SELF_ASSESSMENT", "SURVEY_ITEM", "with_contradictions"]

# The fact type of a self-assessment rating, and of a survey item's answers.
SELF_ASSESSMENT = "self-assessment"
SURVEY_ITEM = "survey-item"
# The fact types whose rules run once the other findings are written into them.
CROSS_CHECKED = (SELF_ASSESSMENT, SURVEY_ITEM)


def with_contradictions(
    ratings: Iterable[Mapping[str, Any]], findings: Sequence[Finding]
) -> list[dict[str, Any]]:
    """Copies of the self-assessment and survey-item facts ``ratings``, each with the
    ``findings`` that contradict it written in."""
    catalogue = load_catalogue()
    rated = []
    for rating in ratings:
        if rating["type"] == SURVEY_ITEM:
            evidence_rules = set(rating["evidence_rules"])
        else:
            item = catalogue.item(rating["framework"], rating["item"])
            evidence_rules = set(item.evidence_rules) if item else set()
        against = [f for f in findings if f.rule in evidence_rules]
        if rating["type"] == SURVEY_ITEM:
            # Shown to the partners who answered: the finding's own words, which name names.
            said = [f"{f.message} ({f.rule})" for f in against]
        else:
            said = [f"{f.rule} {f.subject}: {f.message}" for f in against]
        rated.append(
            {
                **rating,
                "contradictions": said,
                "contradiction_count": len(against),
                "contradiction_high_count": sum(
                    1 for f in against if f.severity in ("critical", "high")
                ),
            }
        )
    return rated
