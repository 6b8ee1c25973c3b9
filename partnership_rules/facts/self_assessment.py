"""Self-assessment facts: one per rating the partnership gave itself against an item of a
framework's catalogue (Teach Too, HGIOCLD 3.2, the QCA checklist).

The contradiction fields start empty: the audit fills them in with the findings of the
item's evidence rules after a first pass of the rules, then runs the rules on these facts.
"""

from __future__ import annotations

from .._catalogue import load_catalogue
from .._graph import node_key
from .._record import Partnership, SelfAssessment
from ._context import FactContext
from ._schema import FactType, Values, fields, flag, number, text, texts

__all__ = ["SELF_ASSESSMENT", "self_assessment_summary"]


def _item_key(entry: SelfAssessment) -> str:
    return f"{entry.framework}/{entry.item}"


@fields(
    framework=text("teach-too, hgiocld-3.2 or qca-checklist"),
    item=text("the catalogue item id"),
    rating=text("red, amber or green"),
    level=number("1 to 6 (hgiocld-3.2)"),
    favourable=flag("green, or level 4 and above"),
    unfavourable=flag("red or amber, or level 3 and below"),
    has_evidence=flag("the rating gives its evidence"),
    score=text("the rating or level as written"),
    item_wording=text("what the item asks, from the catalogue"),
    item_remedy=text("what to do when the item is weak, from the catalogue"),
    theme=text("the hgiocld-3.2 theme the item belongs to"),
    contradictions=texts(
        "findings of the item's evidence rules (filled in after the first pass; in finding order)"
    ),
    contradiction_count=number("how many such findings"),
    contradiction_high_count=number("how many of them are high or critical"),
)
def rating_fields(ctx: FactContext, entry: SelfAssessment) -> Values:
    item = load_catalogue().item(entry.framework, entry.item)
    level = entry.level
    if entry.rating is not None:
        score: str | None = entry.rating
    else:
        score = f"level {level}" if level is not None else None
    theme = None
    if item is not None:
        theme = item.theme or (item.id if entry.framework == "hgiocld-3.2" else None)
    return {
        "framework": entry.framework,
        "item": entry.item,
        "rating": entry.rating,
        "level": level,
        "favourable": entry.rating == "green" or (level is not None and level >= 4),
        "unfavourable": entry.rating in ("red", "amber") or (level is not None and level <= 3),
        "has_evidence": bool(entry.evidence and entry.evidence.strip()),
        "score": score,
        "item_wording": item.wording if item else entry.item,
        "item_remedy": item.remedy if item else None,
        "theme": theme,
        "contradictions": [],
        "contradiction_count": 0,
        "contradiction_high_count": 0,
    }


SELF_ASSESSMENT: FactType[SelfAssessment] = FactType(
    "self-assessment",
    subjects=lambda ctx: ctx.record.self_assessment,
    identify=lambda e: (node_key("self-assessment", _item_key(e)), _item_key(e), _item_key(e)),
    parts=(rating_fields,),
)


@fields(self_assessment_count=number("self-assessment ratings recorded"))
def self_assessment_summary(ctx: FactContext, partnership: Partnership) -> Values:
    return {"self_assessment_count": len(ctx.record.self_assessment)}
