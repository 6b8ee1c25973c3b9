"""The facts read every relation between items from the graph, and read each one it holds.

Removing a relation's edges from the graph (and nothing from the record) must change the
facts: otherwise they read that relation from the record, or nobody reads it at all.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from partnership_rules import build_graph, derive_facts, load_record

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.yaml"))


def _without(graph: nx.MultiDiGraph[str], relation: str) -> nx.MultiDiGraph[str]:
    pruned = graph.copy()
    edges = graph.edges(keys=True, data=True)
    pruned.remove_edges_from([(a, b, k) for a, b, k, d in edges if d["relation"] == relation])
    return pruned


def test_every_relation_of_the_graph_is_read_by_the_facts() -> None:
    held: set[str] = set()
    read: set[str] = set()
    for path in EXAMPLES:
        record = load_record(path)
        as_of = record.partnership.assessed_on
        assert as_of is not None
        graph = build_graph(record)
        facts = derive_facts(record, graph, as_of)
        relations = {data["relation"] for _, _, data in graph.edges(data=True)}
        held |= relations
        for relation in relations - read:
            if derive_facts(record, _without(graph, relation), as_of) != facts:
                read.add(relation)
    assert len(held) == 14  # every relation build_graph makes is in some example
    assert held - read == set()


def test_every_node_has_a_kind_and_a_name_and_every_edge_a_relation() -> None:
    # The report draws the graph from these attributes.
    for path in EXAMPLES:
        graph = build_graph(load_record(path))
        for node, data in graph.nodes(data=True):
            assert data["kind"] and isinstance(data["name"], str), node
        for a, b, data in graph.edges(data=True):
            assert data["relation"], (a, b)
