"""The record's contexts as flags, on the partnership fact and on each objective fact (a
rule reads the facts of one type only, so a rule on objectives finds the contexts there)."""

from __future__ import annotations

from typing import Any

from ._context import FactContext
from ._schema import Values, fields, flag

__all__ = ["context_flags"]


@fields(
    context_education_training=flag("the record's contexts name education-training"),
    context_nvq=flag("the record's contexts name nvq"),
    context_childrens_services=flag("the record's contexts name childrens-services"),
    context_community_learning=flag("the record's contexts name community-learning"),
)
def context_flags(ctx: FactContext, subject: Any) -> Values:
    contexts = ctx.record.partnership.contexts
    return {
        "context_education_training": "education-training" in contexts,
        "context_nvq": "nvq" in contexts,
        "context_childrens_services": "childrens-services" in contexts,
        "context_community_learning": "community-learning" in contexts,
    }
