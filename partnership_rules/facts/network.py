"""Facts about the communication network: who can reach whom, through channels and shared
bodies. Partners and stakeholders get their channel degrees, partners their place in the
contact network (isolated, cut point, betweenness); the partnership counts its channels and
the groups of partners with no line of contact between them.

The contact network is :func:`contact_graph` of the partnership graph. Every measure is
linear in its size but betweenness (exact up to EXACT_BETWEENNESS_LIMIT nodes, O(V*E);
above, estimated from a sample of sources).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from heapq import nsmallest
from itertools import chain
from typing import cast

import networkx as nx

from .._graph import contact_graph, node_key
from .._record import Partner, Partnership, Stakeholder
from ._context import FactContext
from ._schema import Values, fields, flag, number, texts

__all__ = [
    "CUT_OFF_LIST_LIMIT",
    "EXACT_BETWEENNESS_LIMIT",
    "NetworkMeasures",
    "network_measures",
    "network_summary",
    "partner_network",
    "stakeholder_network",
]

# Above this many nodes, betweenness is estimated from a fixed sample (exact is O(V*E)).
EXACT_BETWEENNESS_LIMIT = 150
# Very large records sample fewer sources (down to MIN_BETWEENNESS_SOURCES) when so many
# would take more than this many steps (nodes and edges visited): a bound of a second or two.
BETWEENNESS_WORK_LIMIT = 5_000_000
MIN_BETWEENNESS_SOURCES = 10
# A cut point's fact lists at most this many of the partners it alone connects (sorted); on a
# long chain the full lists would add up to O(N^2) ids. cut_off_count has the full count.
CUT_OFF_LIST_LIMIT = 20
WRITTEN_CHANNELS = ("email", "shared-platform", "report", "newsletter")


@dataclass(frozen=True)
class NetworkMeasures:
    """The contact network's measures, per node key."""

    channel_degree: dict[str, int]
    """Members it shares a channel with."""
    two_way_degree: dict[str, int]
    """Members it shares a two-way channel with."""
    isolated: set[str]
    """Partners and stakeholders with no channel and no body shared with anyone."""
    partner_component_count: int
    """Groups of partners with no line of contact between groups."""
    cut_off: dict[str, tuple[int, list[str]]]
    """Cut-point partner -> how many partners it alone connects, and the first ids."""
    betweenness: dict[str, float]


def network_measures(ctx: FactContext) -> NetworkMeasures:
    """Measure ``ctx``'s contact network (use ``ctx.once(network_measures)``)."""
    channel_members: dict[str, list[str]] = {}
    two_way: set[str] = set()
    for index, channel in enumerate(ctx.record.communication):
        node = node_key("channel", str(index))
        channel_members[node] = ctx.sources(node, "communicates_via")
        if channel.two_way:
            two_way.add(node)
    channel_degree, two_way_degree = _channel_degrees(channel_members, two_way)
    partner_keys = set(ctx.partner_keys)
    contact = contact_graph(ctx.graph)
    return NetworkMeasures(
        channel_degree=channel_degree,
        two_way_degree=two_way_degree,
        isolated=set(nx.isolates(contact)),
        partner_component_count=sum(
            1 for c in nx.connected_components(contact) if not c.isdisjoint(partner_keys)
        ),
        # A cut point that only strands a stakeholder or a body does not split the partners.
        cut_off=_cut_points(contact, partner_keys),
        betweenness=_betweenness(contact),
    )


@fields(
    channel_degree=number("members it has a communication channel with"),
    two_way_degree=number("members it has a two-way channel with"),
    one_way_only=flag("has channels, but none of them two-way"),
    isolated=flag("no channel and no body shared with anyone"),
    cut_point=flag("removing it would cut other partners off from each other"),
    cut_off_partners=texts(
        "partners that would be cut off without it: those outside the largest group left"
        f" (first {CUT_OFF_LIST_LIMIT} ids in sorted order; cut_off_count has them all)"
    ),
    cut_off_count=number("how many partners would be cut off without it (0 if none)"),
    betweenness=number(
        "betweenness centrality in the contact network, channels counted as nodes (0 to 1);"
        f" above {EXACT_BETWEENNESS_LIMIT} nodes, estimated from sampled sources"
    ),
    one_way_receiver=flag(
        "a member of a one-way channel other than its sender (communication[].sender): it is"
        " reached by it"
    ),
    shared_body_every_days=number(
        "planned days between meetings of the most often meeting governance body it shares"
        " with another member (not given when it shares none with a planned frequency): a"
        " two-way route besides the channels"
    ),
)
def partner_network(ctx: FactContext, partner: Partner) -> Values:
    key = node_key("partner", partner.id)
    measures = ctx.once(network_measures)
    routes = ctx.once(_other_routes)
    degree = measures.channel_degree.get(key, 0)
    two_way = measures.two_way_degree.get(key, 0)
    cut_off_count, cut_off_partners = measures.cut_off.get(key, (0, []))
    return {
        "channel_degree": degree,
        "two_way_degree": two_way,
        "one_way_only": degree > 0 and two_way == 0,
        "isolated": key in measures.isolated,
        "cut_point": key in measures.cut_off,
        "cut_off_partners": cut_off_partners,
        "cut_off_count": cut_off_count,
        "betweenness": round(measures.betweenness.get(key, 0.0), 4),
        "one_way_receiver": partner.id in routes.one_way_receivers,
        "shared_body_every_days": routes.body_days.get(partner.id),
    }


@dataclass(frozen=True)
class _OtherRoutes:
    one_way_receivers: set[str]
    """Ids on a one-way channel other than its sender (all of them when none is named)."""
    body_days: dict[str, int]
    """Id -> the planned days between meetings of the most often meeting governance body it
    shares with someone else."""


def _other_routes(ctx: FactContext) -> _OtherRoutes:
    record = ctx.record
    body_days: dict[str, int] = {}
    for body in record.governance.bodies:
        seats = set(body.members) | ({body.chair} if body.chair else set())
        if len(seats) > 1 and body.meets_every_days is not None:
            for member in seats:
                body_days[member] = min(
                    body_days.get(member, body.meets_every_days), body.meets_every_days
                )
    return _OtherRoutes(
        one_way_receivers={
            member
            for c in record.communication
            if not c.two_way
            for member in c.between
            if member != c.sender
        },
        body_days=body_days,
    )


@fields(channel_degree=number("members it has a communication channel with"))
def stakeholder_network(ctx: FactContext, stakeholder: Stakeholder) -> Values:
    key = node_key("stakeholder", stakeholder.id)
    return {"channel_degree": ctx.once(network_measures).channel_degree.get(key, 0)}


@fields(
    channel_count=number("communication channels recorded"),
    two_way_channel_count=number("channels marked two-way"),
    written_channel_count=number("channels of kind email, shared-platform, report or newsletter"),
    report_channel_count=number("channels of kind report"),
    partner_component_count=number("groups of partners with no line of contact between groups"),
)
def network_summary(ctx: FactContext, partnership: Partnership) -> Values:
    channels = ctx.record.communication
    return {
        "channel_count": len(channels),
        "two_way_channel_count": sum(1 for c in channels if c.two_way),
        "written_channel_count": sum(1 for c in channels if c.channel in WRITTEN_CHANNELS),
        "report_channel_count": sum(1 for c in channels if c.channel == "report"),
        "partner_component_count": ctx.once(network_measures).partner_component_count,
    }


def _first(sorted_lists: Iterable[Iterable[str]]) -> list[str]:
    """The first CUT_OFF_LIST_LIMIT items of the merge of some sorted lists."""
    return sorted(chain.from_iterable(sorted_lists))[:CUT_OFF_LIST_LIMIT]  # (timsort merges runs)


def _channel_degrees(
    channel_members: dict[str, list[str]], two_way: set[str]
) -> tuple[dict[str, int], dict[str, int]]:
    """For each member of a channel: how many others it shares a channel with, and how many it
    shares a two-way channel with.

    Counted without listing pairs (a channel of N members has N² of them): each member is a
    bit, each channel the OR of its members' bits, and a member reaches the OR of its channels
    (itself included). The work is the total length of the member lists times N/64 words.
    """
    everyone = sorted({member for members in channel_members.values() for member in members})
    bit = {member: 1 << i for i, member in enumerate(everyone)}
    reach: dict[str, int] = defaultdict(int)
    reach_two_way: dict[str, int] = defaultdict(int)
    for channel, members in channel_members.items():
        mask = 0
        for member in members:
            mask |= bit[member]
        for member in members:
            reach[member] |= mask
            if channel in two_way:
                reach_two_way[member] |= mask
    return (
        {m: r.bit_count() - 1 for m, r in reach.items()},
        {m: r.bit_count() - 1 for m, r in reach_two_way.items()},
    )


def _cut_points(contact: nx.Graph[str], partner_keys: set[str]) -> dict[str, tuple[int, list[str]]]:
    """The partners whose removal would split the other partners of their component into two
    or more groups, each with how many partners lie outside the largest group and the first
    CUT_OFF_LIST_LIMIT of their ids in sorted order. Of equally large groups, the largest is
    the one whose sorted ids come first (the groups are disjoint: the one with the smallest).

    Linear in the size of ``contact``. The groups left when a node goes are the branches at
    that node of the block-cut tree (the biconnected blocks, joined through the articulation
    points that they share), so one pass up the tree gives each branch below a node (count and
    first ids) and one pass down gives the branch above it.
    """
    blocks = cast("list[set[str]]", list(nx.biconnected_components(contact)))  # (stubs wrong)
    seen: set[str] = set()
    cuts: set[str] = set()
    for block in blocks:
        for node in block:
            (cuts if node in seen else seen).add(node)
    if not cuts & partner_keys:
        return {}

    # Tree nodes: the blocks (0 to len(blocks) - 1), then one per articulation point. A partner
    # is counted once: at its articulation point's tree node if it is one, else at its block.
    tree_index = {node: len(blocks) + i for i, node in enumerate(sorted(cuts))}
    size = len(blocks) + len(cuts)
    adjacency: list[list[int]] = [[] for _ in range(size)]
    local_count = [0] * size
    local_ids: list[list[str]] = [[] for _ in range(size)]
    for b, block in enumerate(blocks):
        ids = []
        for node in block:
            if node in cuts:
                adjacency[b].append(tree_index[node])
                adjacency[tree_index[node]].append(b)
            elif node in partner_keys:
                ids.append(node.split(":", 1)[1])
        local_count[b] = len(ids)
        local_ids[b] = nsmallest(CUT_OFF_LIST_LIMIT, ids)
    for node, t in tree_index.items():
        if node in partner_keys:
            local_count[t] = 1
            local_ids[t] = [node.split(":", 1)[1]]

    # Root each tree (one per component of contact); parents come before children in order.
    parent = [-1] * size
    visited = [False] * size
    order: list[int] = []
    for root in range(size):
        if visited[root]:
            continue
        visited[root] = True
        stack = [root]
        while stack:
            x = stack.pop()
            order.append(x)
            for y in adjacency[x]:
                if not visited[y]:
                    visited[y] = True
                    parent[y] = x
                    stack.append(y)
    children: list[list[int]] = [[] for _ in range(size)]
    for x in order:
        if parent[x] >= 0:
            children[parent[x]].append(x)

    # Partners in the subtree below each tree node, and everywhere else in its tree.
    down_count = local_count[:]
    down_ids = local_ids[:]
    for x in reversed(order):
        if children[x]:
            down_count[x] += sum(down_count[c] for c in children[x])
            down_ids[x] = _first([local_ids[x], *(down_ids[c] for c in children[x])])
    up_count = [0] * size
    up_ids: list[list[str]] = [[] for _ in range(size)]
    for x in order:
        kids = children[x]
        if not kids:
            continue
        total = up_count[x] + down_count[x]
        before = []  # for each child: up, local and the children before it
        merged = _first([up_ids[x], local_ids[x]])
        for c in kids:
            before.append(merged)
            merged = _first([merged, down_ids[c]])
        merged = []  # then the children after it
        for i in range(len(kids) - 1, -1, -1):
            c = kids[i]
            up_count[c] = total - down_count[c]
            up_ids[c] = _first([before[i], merged])
            merged = _first([merged, down_ids[c]])

    result: dict[str, tuple[int, list[str]]] = {}
    for node, x in tree_index.items():
        if node not in partner_keys:
            continue
        groups = [(down_count[c], down_ids[c]) for c in children[x] if down_count[c]]
        if up_count[x]:
            groups.append((up_count[x], up_ids[x]))
        if len(groups) < 2:
            continue
        groups.sort(key=lambda g: (-g[0], g[1][0]))
        result[node] = (sum(g[0] for g in groups[1:]), _first(g[1] for g in groups[1:]))
    return result


def _betweenness(contact: nx.Graph[str]) -> dict[str, float]:
    """Betweenness centrality in the contact network (networkx; channels are nodes in it).

    Exact up to EXACT_BETWEENNESS_LIMIT nodes (it is O(V*E)); above, estimated from a sample
    of sources drawn with a fixed seed. ``contact`` is built in sorted order, so the sample,
    and so the estimate, does not depend on the order of the record's lists. Each source
    costs a search of the whole graph, so very large records get fewer sources (down to
    MIN_BETWEENNESS_SOURCES) to keep the work near BETWEENNESS_WORK_LIMIT steps.
    """
    nodes = contact.number_of_nodes()
    if nodes <= EXACT_BETWEENNESS_LIMIT:
        return cast("dict[str, float]", nx.betweenness_centrality(contact))
    steps = nodes + contact.number_of_edges()
    sources = min(
        EXACT_BETWEENNESS_LIMIT,
        max(MIN_BETWEENNESS_SOURCES, BETWEENNESS_WORK_LIMIT // steps),
    )
    return cast("dict[str, float]", nx.betweenness_centrality(contact, k=sources, seed=0))
