"""The network facts (channels, cut points, betweenness) on hand-made and large records.

Cut points are checked on small graphs whose answer can be read off a drawing; the large
records check that a channel costs its size (not its size squared) and that every fact,
betweenness included, is the same whatever the order of the record's lists.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

import networkx as nx
from strategies import shuffled

from partnership_rules import build_graph, derive_facts, record_from_data
from partnership_rules._graph import contact_graph
from partnership_rules.facts.network import (
    CUT_OFF_LIST_LIMIT,
    EXACT_BETWEENNESS_LIMIT,
    _betweenness,
)

AS_OF = dt.date(2016, 6, 30)


def _record(
    partners: list[str],
    channels: list[list[str]],
    *,
    stakeholders: tuple[str, ...] = (),
    bodies: dict[str, list[str]] | None = None,
    two_way: bool = True,
) -> dict[str, Any]:
    return {
        "format": "partnership-record/1",
        "partnership": {"id": "net", "name": "Network", "assessed_on": AS_OF.isoformat()},
        "partners": [{"id": p, "name": p.upper(), "kind": "provider"} for p in partners],
        "stakeholders": [
            {"id": s, "name": s.upper(), "kind": "learners", "engagement": "informed"}
            for s in stakeholders
        ],
        "governance": {
            "bodies": [
                {"id": b, "name": b.upper(), "kind": "working-group", "members": members}
                for b, members in (bodies or {}).items()
            ]
        },
        "communication": [
            {"between": between, "channel": "email", "two_way": two_way} for between in channels
        ],
    }


def _facts(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    record = record_from_data(data)
    return {f["subject"]: f for f in derive_facts(record, build_graph(record), AS_OF)}


def _cuts(data: dict[str, Any]) -> dict[str, tuple[int, list[str]]]:
    """Partner id -> (cut_off_count, cut_off_partners), for the cut points only."""
    out = {}
    for fact in _facts(data).values():
        if fact["type"] == "partner":
            assert fact["cut_point"] == (fact["cut_off_count"] > 0)
            assert len(fact["cut_off_partners"]) == min(fact["cut_off_count"], CUT_OFF_LIST_LIMIT)
            if fact["cut_point"]:
                out[fact["id"]] = (fact["cut_off_count"], fact["cut_off_partners"])
    return out


def _chain(ids: list[str]) -> list[list[str]]:
    return [[a, b] for a, b in zip(ids, ids[1:], strict=False)]


# --- Cut points -------------------------------------------------------------------------------


def test_a_chain_has_its_inner_partners_as_cut_points() -> None:
    ids = ["a", "b", "c", "d", "e"]
    assert _cuts(_record(ids, _chain(ids))) == {
        "b": (1, ["a"]),
        # Two groups of two: the one holding the smallest id ("a") counts as the largest.
        "c": (2, ["d", "e"]),
        "d": (1, ["e"]),
    }


def test_a_star_cuts_off_all_leaves_but_the_first() -> None:
    leaves = ["w", "x", "y", "z"]
    record = _record(["hub", *leaves], [["hub", leaf] for leaf in reversed(leaves)])
    assert _cuts(record) == {"hub": (3, ["x", "y", "z"])}


def test_a_cycle_has_no_cut_points() -> None:
    ids = ["a", "b", "c", "d"]
    assert _cuts(_record(ids, [*_chain(ids), ["d", "a"]])) == {}


def test_a_partner_that_alone_reaches_a_stakeholder_is_not_a_cut_point() -> None:
    facts = _facts(_record(["a", "b"], [["a", "b"], ["b", "s"]], stakeholders=("s",)))
    assert not facts["partner:b"]["cut_point"]
    assert facts["partner:b"]["cut_off_partners"] == []
    assert facts["partner:b"]["cut_off_count"] == 0


def test_a_stakeholder_between_partners_makes_no_partner_a_cut_point() -> None:
    facts = _facts(
        _record(["a", "b", "c"], [["a", "s"], ["s", "b"], ["b", "c"]], stakeholders=("s",))
    )
    assert facts["partner:b"]["cut_off_partners"] == ["c"]  # b still separates c from a
    assert not facts["partner:a"]["cut_point"]
    assert not facts["partner:c"]["cut_point"]
    assert facts["partnership:net"]["partner_component_count"] == 1


def test_bodies_and_channels_of_several_members_join_partners() -> None:
    # a and b sit on a body; b, c and d share one channel; d alone reaches e.
    record = _record(
        ["a", "b", "c", "d", "e"], [["b", "c", "d"], ["d", "e"]], bodies={"wg": ["a", "b"]}
    )
    assert _cuts(record) == {"b": (1, ["a"]), "d": (1, ["e"])}


def test_a_long_chain_names_only_the_first_cut_off_partners() -> None:
    ids = [f"p{i:02}" for i in range(50)]
    cuts = _cuts(_record(ids, _chain(ids)))
    assert set(cuts) == set(ids[1:-1])
    assert cuts["p25"] == (24, ids[26:46])  # 25 on one side, 24 on the other: first 20 named
    assert cuts["p01"] == (1, ["p00"])


# --- Channels ---------------------------------------------------------------------------------


def test_channel_degrees_count_distinct_peers() -> None:
    data = _record(["a", "b", "c", "d", "e"], [])
    data["communication"] = [
        {"between": ["a", "b", "c"], "channel": "newsletter", "two_way": False},
        {"between": ["c", "d"], "channel": "phone", "two_way": True},
        {"between": ["b", "a", "a"], "channel": "meeting", "two_way": True},
        {"between": ["e", "a"], "channel": "report", "two_way": False},
    ]
    facts = _facts(data)
    degrees = {
        p: (facts[f"partner:{p}"]["channel_degree"], facts[f"partner:{p}"]["two_way_degree"])
        for p in "abcde"
    }
    assert degrees == {"a": (3, 1), "b": (2, 1), "c": (3, 1), "d": (1, 1), "e": (1, 0)}
    assert [p for p in "abcde" if facts[f"partner:{p}"]["one_way_only"]] == ["e"]


def test_a_channel_with_one_member_leaves_it_isolated() -> None:
    facts = _facts(_record(["a", "b"], [["a", "a"]]))
    assert facts["partner:a"]["isolated"]
    assert facts["partner:a"]["channel_degree"] == 0
    assert facts["partnership:net"]["partner_component_count"] == 2


def test_a_channel_is_one_node_with_an_edge_per_member() -> None:
    ids = [f"p{i:04}" for i in range(1000)]
    record = record_from_data(_record(ids, [ids], two_way=False))
    graph = build_graph(record)
    assert graph.nodes["channel:0"]["kind"] == "channel"
    assert graph.number_of_edges() == 1000
    contact = contact_graph(graph)
    assert contact.number_of_edges() == 1000
    assert list(contact) == sorted(contact)
    facts = {f["subject"]: f for f in derive_facts(record, graph, AS_OF)}
    assert facts["partner:p0500"]["channel_degree"] == 999
    assert facts["partner:p0500"]["one_way_only"]


# --- Order independence -----------------------------------------------------------------------


def _large_record(partners: int, seed: int = 0) -> dict[str, Any]:
    """A record with more contact nodes than EXACT_BETWEENNESS_LIMIT (so betweenness is
    sampled), small and big overlapping channels, and float amounts whose sum depends on
    the order they are added in."""
    rng = random.Random(seed)
    ids = [f"p{i}" for i in range(partners)]
    stakeholders = [f"s{i}" for i in range(10)]
    people = ids + stakeholders
    channels = [[ids[i], ids[rng.randrange(i)]] for i in range(1, partners)]
    channels += [rng.sample(people, rng.randint(2, 5)) for _ in range(partners // 4)]
    channels += [rng.sample(people, 30), rng.sample(people, 25)]
    bodies = {f"b{i}": rng.sample(people, 5) for i in range(8)}
    data = _record(ids, channels, stakeholders=tuple(stakeholders), bodies=bodies)
    for channel in data["communication"]:
        channel["two_way"] = rng.random() < 0.5
    for partner in data["partners"]:
        partner["contributions"] = [
            {"kind": kind, "amount": rng.choice([0.1, 0.2, 0.3, 1.7, 1e6]), "unit": unit}
            for kind, unit in (("funding", "GBP"), ("funding", "GBP"), ("staff-time", "hours"))
        ]
    data["meetings"] = [
        {"date": "2016-05-01", "body": b, "attended": rng.sample(members, rng.randint(0, 5))}
        for b, members in bodies.items()
        for _ in range(3)
    ]
    return data


def test_facts_of_a_large_record_do_not_depend_on_the_order_of_its_lists() -> None:
    data = _large_record(200)
    facts = _facts(data)
    record = record_from_data(data)
    assert contact_graph(build_graph(record)).number_of_nodes() > EXACT_BETWEENNESS_LIMIT
    assert any(f.get("betweenness") for f in facts.values())
    expected = json.dumps(facts, sort_keys=True)
    rng = random.Random(1)
    for _ in range(3):
        assert json.dumps(_facts(shuffled(data, rng)), sort_keys=True) == expected


def test_betweenness_comes_from_networkx_on_the_contact_graph() -> None:
    ids = [f"p{i:03}" for i in range(180)]
    channels = [[ids[i], ids[i - 1]] for i in range(1, len(ids))]
    record = record_from_data(_record(ids, channels, bodies={"board": ids[::20]}))
    contact = contact_graph(build_graph(record))
    assert contact.number_of_nodes() > EXACT_BETWEENNESS_LIMIT
    expected = nx.betweenness_centrality(contact, k=EXACT_BETWEENNESS_LIMIT, seed=0)
    assert _betweenness(contact) == expected
    assert max(expected.values()) > 0.01
