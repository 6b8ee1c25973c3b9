"""The kind of relationship a partnership is (``partnership.kind``, ``collaboration_level``),
on the partnership, partner and body facts, so that rules on each can hold the partnership
to what its kind expects; and, on each partner, how the partnership supervises its work
(the metrics that monitor it), which a contract partnership owes each subcontractor."""

from __future__ import annotations

from typing import Any

from .._graph import node_key
from .._record import Partner
from ._context import FactContext
from ._schema import Values, fields, flag, number, text

__all__ = ["relationship_kind", "supervision"]

# What a fact says when the record does not: a text, so that a rule can test it with
# not_equals (a comparison never matches a field a fact does not have).
UNSPECIFIED = "unspecified"


@fields(
    partnership_kind=text(
        "collaboration, statutory, contract or network (partnership.kind); unspecified if not given"
    ),
    collaboration_level=text(
        "networking, coordinating, cooperating or collaborating; unspecified if not given"
    ),
)
def relationship_kind(ctx: FactContext, subject: Any) -> Values:
    p = ctx.record.partnership
    return {
        "partnership_kind": p.kind or UNSPECIFIED,
        "collaboration_level": p.collaboration_level or UNSPECIFIED,
    }


def _metrics(ctx: FactContext) -> dict[str, tuple[str | None, bool]]:
    """Metric node -> (its focus, whether it has a reading)."""
    return {node_key("metric", m.id): (m.focus, bool(m.readings)) for m in ctx.record.metrics}


@fields(
    is_subcontractor=flag(
        "the partnership is a contract and this partner is not a lead partner (the prime)"
    ),
    monitoring_metric_count=number("metrics that monitor its work (metrics[].monitors)"),
    read_monitoring_count=number("of those, metrics with at least one reading"),
    compliance_check_count=number("metrics of focus compliance that monitor it and were read"),
    quality_check_count=number("metrics of focus quality that monitor it and were read"),
    outcome_check_count=number("metrics of focus outcomes that monitor it and were read"),
)
def supervision(ctx: FactContext, partner: Partner) -> Values:
    metrics = ctx.once(_metrics)
    monitoring = [metrics[m] for m in ctx.sources(node_key("partner", partner.id), "monitors")]
    read = [focus for focus, has_reading in monitoring if has_reading]
    return {
        "is_subcontractor": ctx.record.partnership.kind == "contract" and not partner.lead,
        "monitoring_metric_count": len(monitoring),
        "read_monitoring_count": len(read),
        "compliance_check_count": read.count("compliance"),
        "quality_check_count": read.count("quality"),
        "outcome_check_count": read.count("outcomes"),
    }
