"""Build the partnership network from a record.

Nodes are keyed ``kind:id`` (the same strings findings use as subjects), with ``kind``,
``id`` and ``name`` attributes: the partnership itself, partners, stakeholders, governance
bodies, objectives, metrics and actions; and one node per communication channel, keyed
``channel:<index>`` (its position in the record's ``communication`` list; ``name`` is the
kind of channel), with ``channel``, ``every_days`` and ``two_way`` attributes. A channel of
N members is N edges, not N² pairs. Edges carry a ``relation``:

=================  ==========================  =========================================
relation           from -> to                  extra attributes
=================  ==========================  =========================================
member_of          partner/stakeholder -> body
chairs             partner/stakeholder -> body
reports_to         body -> body
owns               partner -> objective
measures           metric -> objective
collects           partner -> metric
monitors           metric -> partner
responsible_for    partner -> action
accountable_for    partner -> action
serves             action -> objective
follows            action -> action            (a further action -> the one it follows up)
communicates_via   partner/stakeholder ->      ``position`` (0 for the first listed)
                   channel
contributes        partner -> partnership      ``contribution`` (kind), ``amount``, ``unit``
benefits_from      partner/stakeholder ->      ``benefit`` (text), to the partnership
                   partnership or objective
signed             partner -> partnership
rates              partner -> partner          ``trust`` and ``value`` (the means of the
                                               dimensions given, 1 to 4, or None),
                                               ``reliability``, ``mission``, ``openness``,
                                               ``power``, ``involvement``, ``resources``,
                                               ``level``, ``date`` (one side of a pair in
                                               ``relationships``: the rater -> the rated)
=================  ==========================  =========================================

Every relation is an edge at most once (a repeated id in a list counts once), except
``contributes`` and ``benefits_from`` a partnership (one edge per listed contribution or
benefit). The facts read every relation between items from here (see ``facts``).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

import networkx as nx

from ._record import Record, Relationship, RelationshipSide, TrustRating, ValueRating

__all__ = ["build_graph", "contact_graph", "node_key"]


def node_key(kind: str, item_id: str) -> str:
    """The node key (and finding subject) of a record item: ``kind:id``."""
    return f"{kind}:{item_id}"


def build_graph(record: Record) -> nx.MultiDiGraph[str]:
    """The partnership as a directed multigraph (see the module docstring for its schema)."""
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph(partnership=record.partnership.id)
    home = node_key("partnership", record.partnership.id)
    graph.add_node(home, kind="partnership", id=record.partnership.id, name=record.partnership.name)

    # Every id is unique across the record, so a reference id maps to exactly one node.
    key_of: dict[str, str] = {}

    def add(kind: str, item_id: str, name: str) -> str:
        key = node_key(kind, item_id)
        graph.add_node(key, kind=kind, id=item_id, name=name)
        key_of[item_id] = key
        return key

    for partner in record.partners:
        add("partner", partner.id, partner.name)
    for stakeholder in record.stakeholders:
        add("stakeholder", stakeholder.id, stakeholder.name)
    for body in record.governance.bodies:
        add("body", body.id, body.name)
    for objective in record.objectives:
        add("objective", objective.id, objective.statement)
    for metric in record.metrics:
        add("metric", metric.id, metric.name)
    for action in record.actions:
        add("action", action.id, action.action)

    for body in record.governance.bodies:
        body_key = key_of[body.id]
        for member in dict.fromkeys(body.members):
            graph.add_edge(key_of[member], body_key, relation="member_of")
        if body.chair is not None:
            graph.add_edge(key_of[body.chair], body_key, relation="chairs")
        if body.reports_to is not None:
            graph.add_edge(body_key, key_of[body.reports_to], relation="reports_to")
    for objective in record.objectives:
        objective_key = key_of[objective.id]
        if objective.owner is not None:
            graph.add_edge(key_of[objective.owner], objective_key, relation="owns")
        for metric_id in dict.fromkeys(objective.metrics):
            graph.add_edge(key_of[metric_id], objective_key, relation="measures")
        for beneficiary in dict.fromkeys(objective.beneficiaries):
            graph.add_edge(key_of[beneficiary], objective_key, relation="benefits_from")
    for metric in record.metrics:
        if metric.collected_by is not None:
            graph.add_edge(key_of[metric.collected_by], key_of[metric.id], relation="collects")
        for partner_id in dict.fromkeys(metric.monitors):
            graph.add_edge(key_of[metric.id], key_of[partner_id], relation="monitors")
    for action in record.actions:
        action_key = key_of[action.id]
        for partner_id in dict.fromkeys(action.responsible):
            graph.add_edge(key_of[partner_id], action_key, relation="responsible_for")
        if action.accountable is not None:
            graph.add_edge(key_of[action.accountable], action_key, relation="accountable_for")
        if action.objective is not None:
            graph.add_edge(action_key, key_of[action.objective], relation="serves")
        if action.follows is not None:
            graph.add_edge(action_key, key_of[action.follows], relation="follows")
    for index, channel in enumerate(record.communication):
        channel_key = node_key("channel", str(index))
        graph.add_node(
            channel_key,
            kind="channel",
            id=str(index),
            name=channel.channel,
            channel=channel.channel,
            every_days=channel.every_days,
            two_way=channel.two_way,
        )
        for position, member in enumerate(dict.fromkeys(channel.between)):
            graph.add_edge(
                key_of[member], channel_key, relation="communicates_via", position=position
            )
    for partner in record.partners:
        partner_key = key_of[partner.id]
        for contribution in partner.contributions:
            graph.add_edge(
                partner_key,
                home,
                relation="contributes",
                contribution=contribution.kind,
                amount=contribution.amount,
                unit=contribution.unit,
            )
        for benefit in partner.benefits:
            graph.add_edge(partner_key, home, relation="benefits_from", benefit=benefit)
    agreement = record.governance.agreement
    if agreement is not None and agreement.exists:
        for partner_id in dict.fromkeys(agreement.signed_by):
            graph.add_edge(key_of[partner_id], home, relation="signed")
    for pair in record.relationships:
        first, second = pair.partners
        for side in pair.sides:
            rated = second if side.partner == first else first
            graph.add_edge(
                key_of[side.partner], key_of[rated], relation="rates", **_side_ratings(side, pair)
            )
    return graph


def _mean(values: list[int | None]) -> float | None:
    given = [v for v in values if v is not None]
    return sum(given) / len(given) if given else None


def _side_ratings(side: RelationshipSide, pair: Relationship) -> dict[str, Any]:
    """A ``rates`` edge's data: each rating given, the trust and value means, level, date."""
    trust = side.trust or TrustRating()
    value = side.value or ValueRating()
    return {
        "trust": _mean([trust.reliability, trust.mission, trust.openness]),
        "reliability": trust.reliability,
        "mission": trust.mission,
        "openness": trust.openness,
        "value": _mean([value.power, value.involvement, value.resources]),
        "power": value.power,
        "involvement": value.involvement,
        "resources": value.resources,
        "level": side.level,
        "date": pair.date,
    }


# A channel with more members than this joins them through one node in the contact graph,
# so that a channel costs edges in proportion to its members (N members have N^2 pairs).
CLIQUE_CHANNEL_SIZE = 8


def contact_graph(graph: nx.MultiDiGraph[str]) -> nx.Graph[str]:
    """Who can reach whom: an undirected graph of partners, stakeholders and bodies, joined by
    body membership (sitting on or chairing a body is a line of contact) and by channels.

    A channel of up to CLIQUE_CHANNEL_SIZE members joins each pair of them directly; a
    bigger one stays one node (kind ``channel``) joined to its members, so that it costs an
    edge per member rather than per pair. A channel with one member reaches nobody and is
    left out, so a partner or stakeholder is isolated exactly when it shares no body and no
    channel with anyone.

    Nodes and edges are added in sorted order, so the graph (and anything that iterates or
    samples it) is the same whatever the order of the lists in the record.
    """
    kept = ("partner", "stakeholder", "body")
    channel_members: dict[str, list[str]] = defaultdict(list)
    edges: set[tuple[str, str]] = set()
    for a, neighbours in graph.adjacency():
        for b, keyed in neighbours.items():
            for data in keyed.values():
                relation = data["relation"]
                if relation in ("member_of", "chairs"):
                    edges.add((a, b) if a < b else (b, a))
                elif relation == "communicates_via":
                    channel_members[b].append(a)
    # A channel is named here by its members, not by its place in the record's list, so that
    # the graph does not change when the list is reordered (channels with the same members
    # give the same contact, and become one node).
    channels: dict[str, dict[str, Any]] = {}
    for members in channel_members.values():
        distinct = sorted(set(members))
        if len(distinct) < 2:
            continue
        if len(distinct) <= CLIQUE_CHANNEL_SIZE:
            # Small channels join their members directly: contact is person to person.
            edges.update((a, b) for i, a in enumerate(distinct) for b in distinct[i + 1 :])
            continue
        digest = hashlib.sha256("\n".join(distinct).encode()).hexdigest()[:16]
        key = f"channel:{digest}"
        channels[key] = {"kind": "channel", "id": digest, "name": "channel"}
        for member in distinct:
            edges.add((member, key) if member < key else (key, member))
    contact: nx.Graph[str] = nx.Graph()
    contact.add_nodes_from(
        sorted(
            [(node, data) for node, data in graph.nodes(data=True) if data["kind"] in kept]
            + list(channels.items()),
            key=lambda item: item[0],
        )
    )
    contact.add_edges_from(sorted(edges))
    return contact
