"""The context every fact builder reads: the record, its graph and tallies computed once.

Relations between items (who sits on, chairs, owns, collects, is responsible or accountable
for what, who talks to whom, which body reports to which, which metric measures and which
action serves which objective, who benefits, contributes or signed) are read from the graph
only, through :meth:`FactContext.targets` and :meth:`FactContext.sources`. Items' own
attributes and the record's events (meetings, reviews, feedback, readings, issues) are read
from the record.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar, cast

import networkx as nx

from .._graph import node_key
from .._instruments import Instruments, shipped_instruments
from .._record import Record

__all__ = ["FactContext"]

T = TypeVar("T")
_NONE: dict[str, list[str]] = {}


class FactContext:
    """One record's graph, read once into relation indexes, and the tallies that several
    fact types share (seats, chairs, accountability, funding, signatures).

    Tallies that one module alone needs are computed there, once per record, with
    :meth:`once`.
    """

    def __init__(
        self,
        record: Record,
        graph: nx.MultiDiGraph[str],
        as_of: dt.date,
        instruments: Instruments | None = None,
    ) -> None:
        self.record = record
        self.instruments = instruments if instruments is not None else shipped_instruments()
        """The survey instruments the record's survey may answer."""
        self.graph = graph
        self.as_of = as_of
        self.home = node_key("partnership", record.partnership.id)
        self._cache: dict[Callable[[FactContext], Any], Any] = {}
        # One pass over the adjacency dicts (about twice as fast as graph.edges(data=True)).
        out: dict[str, dict[str, list[str]]] = {}
        into: dict[str, dict[str, list[str]]] = defaultdict(dict)
        contributions: dict[str, list[dict[str, Any]]] = {}
        for source, neighbours in graph.adjacency():
            if not neighbours:
                continue
            relations: dict[str, list[str]] = {}
            for target, keyed in neighbours.items():
                for data in keyed.values():
                    relation = data["relation"]
                    relations.setdefault(relation, []).append(target)
                    into[target].setdefault(relation, []).append(source)
                    if relation == "contributes":
                        contributions.setdefault(source, []).append(data)
            out[source] = relations
        self._out = out
        self._in = dict(into)
        self.contributions = contributions
        """Partner node -> the data of its ``contributes`` edges (kind, amount, unit)."""
        """Partner node -> the data of its ``contributes`` edges (kind, amount, unit)."""
        self.kind: dict[str, str] = {}
        """Node -> its kind (partner, stakeholder, body...)."""
        self.id: dict[str, str] = {}
        """Node -> the id of its item in the record."""
        for node, attributes in graph.nodes(data=True):
            self.kind[node] = attributes["kind"]
            self.id[node] = attributes["id"]

    def targets(self, node: str, relation: str) -> list[str]:
        """The nodes ``node`` has a ``relation`` edge to (one per edge, in record order)."""
        return self._out.get(node, _NONE).get(relation, [])

    def sources(self, node: str, relation: str) -> list[str]:
        """The nodes that have a ``relation`` edge to ``node`` (one per edge)."""
        return self._in.get(node, _NONE).get(relation, [])

    def relations_from(self, node: str) -> dict[str, list[str]]:
        """Every relation ``node`` has to other nodes: relation -> targets."""
        return self._out.get(node, _NONE)

    def once(self, compute: Callable[[FactContext], T]) -> T:
        """``compute(self)``, computed on the first call and kept for the others."""
        try:
            return cast("T", self._cache[compute])
        except KeyError:
            value = self._cache[compute] = compute(self)
            return value

    # Tallies several fact types read.

    def partner_name(self, partner_id: str | None) -> str | None:
        """The name of the partner ``partner_id`` (None for None), for messages that name a
        partner rather than show its id."""
        if partner_id is None:
            return None
        name = self.graph.nodes[node_key("partner", partner_id)]["name"]
        return str(name)

    @cached_property
    def partner_keys(self) -> list[str]:
        """The partners' nodes, in record order."""
        return [node_key("partner", p.id) for p in self.record.partners]

    @cached_property
    def partner_seats(self) -> Counter[str]:
        """Partner id -> how many governance bodies it sits on (only partners with a seat)."""
        return Counter(
            {self.id[k]: n for k in self.partner_keys if (n := len(self.targets(k, "member_of")))}
        )

    @cached_property
    def partner_chairs(self) -> Counter[str]:
        """Partner id -> how many governance bodies it chairs (only partners with a chair)."""
        return Counter(
            {self.id[k]: n for k in self.partner_keys if (n := len(self.targets(k, "chairs")))}
        )

    @cached_property
    def partner_seat_total(self) -> int:
        """Seats on governance bodies held by partners."""
        return self.partner_seats.total()

    @cached_property
    def accountable(self) -> Counter[str]:
        """Partner id -> how many actions it is accountable for (only partners with some)."""
        return Counter(
            {
                self.id[k]: n
                for k in self.partner_keys
                if (n := len(self.targets(k, "accountable_for")))
            }
        )

    @cached_property
    def accountable_total(self) -> int:
        """Actions with an accountable partner."""
        return self.accountable.total()

    @cached_property
    def funding(self) -> dict[str, float]:
        """Partner id -> its funding, summed exactly (only partners with an amount above 0)."""
        funding = {}
        for key, contributions in self.contributions.items():
            amounts = [c["amount"] for c in contributions if c["contribution"] == "funding"]
            if any(amounts):
                funding[self.id[key]] = math.fsum(a for a in amounts if a)
        return funding

    @cached_property
    def funding_total(self) -> float:
        """All partners' funding, summed exactly."""
        return math.fsum(self.funding.values())

    @cached_property
    def signatories(self) -> set[str]:
        """Ids of the partners that signed the agreement (if there is one)."""
        return {self.id[k] for k in self.sources(self.home, "signed")}
