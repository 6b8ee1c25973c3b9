"""Pipeline stage: the partnership network as a report draws it.

Nodes: partners, stakeholders and governance bodies, each with its name and the worst
severity of the findings about it; a channel of more than ``CLIQUE_CHANNEL_SIZE`` members is
a node too (its members joined to it), a smaller one joins its members directly. Edges:
``member`` and ``chair`` (of a body), ``communication`` (members of one channel; several
channels between the same two make one edge with a count), ``accountability`` (from the
partner accountable for an action to each other partner responsible for it) and
``relationship`` (a pair of partners rating each other, given by the caller). Everything is
sorted, so the same record gives the same network whatever the order of its lists.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Sequence

import networkx as nx

from ._graph import CLIQUE_CHANNEL_SIZE
from ._report import Finding, NetworkEdge, NetworkNode, PartnershipNetwork
from ._vocabulary import Severity

__all__ = ["partnership_network"]

DRAWN_KINDS = ("partner", "stakeholder", "body")


def partnership_network(
    graph: nx.MultiDiGraph[str],
    findings: Sequence[Finding],
    leads: Collection[str] = (),
    relationships: Sequence[NetworkEdge] = (),
) -> PartnershipNetwork:
    """The network of :func:`build_graph`'s ``graph``, flagged by ``findings`` (report order:
    the first finding about a subject is its worst); ``leads`` are the lead partners' keys;
    ``relationships`` the lines of rated pairs (:func:`relationship_edges`)."""
    worst: dict[str, Severity] = {}
    for finding in findings:
        worst.setdefault(finding.subject, finding.severity)
    # model_construct: every value comes from the validated record and findings.
    nodes = {
        key: NetworkNode.model_construct(
            key=key,
            kind=data["kind"],
            name=data["name"],
            lead=key in leads,
            severity=worst.get(key),
        )
        for key, data in graph.nodes(data=True)
        if data["kind"] in DRAWN_KINDS
    }
    edges: Counter[tuple[str, str, str]] = Counter()
    channel_members: dict[str, list[str]] = defaultdict(list)
    accountable: dict[str, list[str]] = defaultdict(list)
    responsible: dict[str, list[str]] = defaultdict(list)
    # Every drawn relation starts at a partner or stakeholder: read only their adjacency
    # dicts (several times faster than graph.edges(data=...) over the whole graph).
    adjacency = graph.adj
    for source in nodes:
        for target, keyed in adjacency[source].items():
            for data in keyed.values():
                relation = data["relation"]
                if relation == "member_of":
                    edges[(source, target, "member")] += 1
                elif relation == "chairs":
                    edges[(source, target, "chair")] += 1
                elif relation == "communicates_via":
                    channel_members[target].append(source)
                elif relation == "accountable_for":
                    accountable[target].append(source)
                elif relation == "responsible_for":
                    responsible[target].append(source)
    for source, target, _ in [key for key in edges if key[2] == "chair"]:
        edges.pop((source, target, "member"), None)  # a chair is drawn as chair only
    for channel, members in sorted(channel_members.items()):
        distinct = sorted(set(members))
        if len(distinct) > CLIQUE_CHANNEL_SIZE:
            data = graph.nodes[channel]
            nodes[channel] = NetworkNode.model_construct(
                key=channel,
                kind="channel",
                name=f"{data['name']} ({len(distinct)} members)",
                lead=False,
                severity=None,
            )
            for member in distinct:
                edges[(member, channel, "communication")] += 1
        else:
            for i, a in enumerate(distinct):
                for b in distinct[i + 1 :]:
                    edges[(a, b, "communication")] += 1
    for action, owners in accountable.items():
        for owner in owners:
            for doer in set(responsible.get(action, ())):
                if doer != owner:
                    edges[(owner, doer, "accountability")] += 1
    drawn = [
        NetworkEdge.model_construct(source=a, target=b, relation=relation, count=count)
        for (a, b, relation), count in sorted(edges.items())
        if a in nodes and b in nodes
    ]
    if relationships:
        drawn += [e for e in relationships if e.source in nodes and e.target in nodes]
        drawn.sort(key=lambda e: (e.source, e.target, e.relation))
    return PartnershipNetwork(nodes=[nodes[k] for k in sorted(nodes)], edges=drawn)
