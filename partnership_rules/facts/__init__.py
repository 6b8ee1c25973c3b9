"""Derive facts: flat, JSON-able dicts, one per subject, carrying every value a rule tests.

Each fact has ``type`` (its fact type), ``subject`` (``kind:id``), ``id`` and ``name``, and
the fields that :data:`FACT_SCHEMAS` declares for its type. A field is ``None`` when the
record does not say (for instance the days since the last reading of a metric with no
readings); a rule comparison on such a field never matches, so rules test ``exists``
or a companion boolean instead.

Dates become whole days relative to the audit's ``as_of`` date: ``days_since_*`` count
back, ``days_until_*`` count forward (negative once the date has passed).

One module per subject kind builds its facts, each field declared beside the function that
computes it (see :mod:`._schema`): :mod:`.partnership`, :mod:`.partners` (partners and
stakeholders), :mod:`.governance` (bodies and the agreement), :mod:`.plan` (objectives,
metrics and actions), :mod:`.network`, :mod:`.monitoring` (reviews, feedback and issues),
:mod:`.self_assessment`, :mod:`.ratings` (what partners say: relationships and the survey)
and :mod:`.waivers` (accepted risks). They share one :class:`FactContext` per record, which
reads the relations between items from the graph only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import networkx as nx

from .._instruments import Instruments
from .._record import Record
from ._context import FactContext
from ._schema import Fact, FactField, FactType
from .governance import BODY
from .monitoring import ISSUE
from .network import CUT_OFF_LIST_LIMIT, EXACT_BETWEENNESS_LIMIT
from .partners import PARTNER, STAKEHOLDER
from .partnership import PARTNERSHIP
from .plan import ACTION, METRIC, OBJECTIVE
from .ratings import RELATIONSHIP, SURVEY_FACTOR, SURVEY_ITEM
from .self_assessment import SELF_ASSESSMENT
from .waivers import WAIVER

__all__ = [
    "CHECKED_APART",
    "CUT_OFF_LIST_LIMIT",
    "EXACT_BETWEENNESS_LIMIT",
    "FACT_SCHEMAS",
    "FACT_TYPES",
    "Fact",
    "FactContext",
    "FactField",
    "FactType",
    "derive_facts",
]

# In the order derive_facts lists their facts.
FACT_TYPES: tuple[FactType[Any], ...] = (
    PARTNERSHIP,
    PARTNER,
    STAKEHOLDER,
    BODY,
    OBJECTIVE,
    METRIC,
    ACTION,
    ISSUE,
    SELF_ASSESSMENT,
    RELATIONSHIP,
    SURVEY_FACTOR,
    SURVEY_ITEM,
    WAIVER,
)

FACT_SCHEMAS: Mapping[str, Mapping[str, FactField]] = {t.name: t.schema for t in FACT_TYPES}
"""Fact type -> field -> its type and meaning (``type`` itself is not listed)."""

CHECKED_APART: tuple[str, ...] = (SELF_ASSESSMENT.name, SURVEY_ITEM.name, WAIVER.name)
"""Fact types an audit checks in runs of their own, after the others: self-assessment
ratings and survey items once they carry the findings that contradict them, waivers once
each knows what it matched. No rule joins them with facts of another type."""


def derive_facts(
    record: Record,
    graph: nx.MultiDiGraph[str],
    as_of: dt.date,
    instruments: Instruments | None = None,
) -> list[Fact]:
    """One fact per subject of ``record`` (see :data:`FACT_SCHEMAS`), in a stable order.

    ``graph`` is :func:`build_graph` of ``record``; ``as_of`` is the date days count from;
    ``instruments`` are those the record's survey may answer (default: the shipped ones)."""
    ctx = FactContext(record, graph, as_of, instruments)
    return [fact for fact_type in FACT_TYPES for fact in fact_type.build(ctx)]
