"""Pipeline stage: the partner table, one row per partner in the record's order.

Seats, chairs, shares of funding, actions, communication degree and cut points are the
partner facts' own values (so the table and the rules never disagree); contributions per
kind and unit come from the graph's ``contributes`` edges, benefits from the record, and the
trust and value the other partners give it from its facts and the graph's ``rates`` edges.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx

from ._graph import node_key
from ._record import Record
from ._relationship_view import received_ratings
from ._report import ContributionShare, Finding, PartnerRow

__all__ = ["partner_table"]

ContributionKey = tuple[str, str | None]


def _unit(unit: Any) -> str | None:
    return str(unit).strip() or None if unit is not None else None


def _contributions(
    graph: nx.MultiDiGraph[str], home: str
) -> dict[str, dict[ContributionKey, float | None]]:
    """Partner node -> (kind, unit) -> amount (None when a contribution gives none)."""
    out: dict[str, dict[ContributionKey, float | None]] = defaultdict(dict)
    for source, _, data in graph.in_edges(home, data=True):
        if data["relation"] != "contributes":
            continue
        key = (data["contribution"], _unit(data.get("unit")))
        amount = data.get("amount")
        before = out[source].get(key, 0.0)
        out[source][key] = None if amount is None or before is None else before + amount
    return out


def partner_table(
    record: Record,
    graph: nx.MultiDiGraph[str],
    facts: Sequence[Mapping[str, Any]],
    findings: Sequence[Finding],
) -> list[PartnerRow]:
    """The partner table of a record (``facts`` from :func:`derive_facts`, ``findings`` in
    report order)."""
    home = node_key("partnership", record.partnership.id)
    partner_facts = {f["subject"]: f for f in facts if f["type"] == "partner"}
    contributions = _contributions(graph, home)
    totals: dict[ContributionKey, float] = defaultdict(float)
    for amounts in contributions.values():
        for key, amount in amounts.items():
            totals[key] += amount or 0.0
    about: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        about[finding.subject].append(finding)
    ratings = received_ratings(graph, facts)
    rows = []
    for partner in record.partners:
        node = node_key("partner", partner.id)
        trust, value, rated_by = ratings.get(node, (None, None, 0))
        fact = partner_facts[node]
        shares = [
            ContributionShare(
                kind=kind,
                unit=unit,
                amount=amount,
                share=round(amount / totals[(kind, unit)], 4)
                if amount is not None and totals[(kind, unit)] > 0
                else None,
            )
            for (kind, unit), amount in sorted(
                contributions.get(node, {}).items(), key=lambda item: (item[0][0], item[0][1] or "")
            )
        ]
        mine = about.get(node, [])
        rows.append(
            PartnerRow(
                id=partner.id,
                name=partner.name,
                kind=partner.kind,
                lead=partner.lead,
                seats=fact["seat_count"],
                chairs=fact["chair_count"],
                funding_share=fact["funding_share"],
                contributions=shares,
                accountable_actions=fact["accountable_action_count"],
                responsible_actions=fact["responsible_action_count"],
                communication_degree=fact["channel_degree"],
                cut_point=fact["cut_point"],
                benefits=list(partner.benefits),
                findings=[f.rule for f in mine],
                worst_severity=mine[0].severity if mine else None,
                trust=trust,
                value=value,
                rated_by=rated_by,
            )
        )
    return rows
