"""Pipeline stage: the action plan, one row per finding in the action-chart form of the Teach
Too material (action to be taken, by whom, by when, achieved?, further actions needed).

Rows follow the findings' order (most severe first). The suggested owner is the partner the
finding concerns: the partner itself, an action's accountable partner (else its first
responsible one), an objective's owner, a metric's collector, a body's chair; otherwise the
lead partner. The suggested date is the audit date plus the days its severity allows
(``due_days`` in ``rulesets/catalogue/health-profile.yaml``). "Achieved?" and "Further
actions needed" are left for the partnership to fill in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import networkx as nx

from ._graph import node_key
from ._profile import ProfileSettings, load_profile_settings
from ._record import Record
from ._report import ActionItem, Finding

__all__ = ["action_plan", "suggested_owner"]

# For a subject of this kind, the partner it concerns: the source of this relation into it.
_OWNER_RELATIONS = {
    "action": ("accountable_for", "responsible_for"),
    "objective": ("owns",),
    "metric": ("collects",),
    "body": ("chairs",),
}


def suggested_owner(subject: str, graph: nx.MultiDiGraph[str], lead: str | None) -> str | None:
    """The node key of the partner ``subject`` concerns, else ``lead`` (a node key or None)."""
    kind = subject.partition(":")[0]
    if kind == "partner" and subject in graph:
        return subject
    relations = _OWNER_RELATIONS.get(kind)
    if relations and subject in graph:
        by_relation: dict[str, list[str]] = {}
        for source, keyed in graph.pred[subject].items():
            for data in keyed.values():
                by_relation.setdefault(data["relation"], []).append(source)
        for relation in relations:
            partners = [s for s in by_relation.get(relation, ()) if s.startswith("partner:")]
            if partners:
                return min(partners)
    return lead


def _due(as_of: dt.date, days: int) -> dt.date:
    try:
        return as_of + dt.timedelta(days=days)
    except OverflowError:  # an audit dated at the end of the calendar
        return dt.date.max


def action_plan(
    findings: Sequence[Finding],
    record: Record,
    graph: nx.MultiDiGraph[str],
    as_of: dt.date,
    settings: ProfileSettings | None = None,
) -> list[ActionItem]:
    """One action per finding, in the findings' order (``findings`` as a report holds them)."""
    settings = settings or load_profile_settings()
    lead = next((node_key("partner", p.id) for p in record.partners if p.lead), None)
    plan = []
    owners: dict[str, str | None] = {}
    for finding in findings:
        if finding.subject not in owners:
            owners[finding.subject] = suggested_owner(finding.subject, graph, lead)
        owner = owners[finding.subject]
        plan.append(
            # model_construct: every value comes from a validated finding, record or date.
            ActionItem.model_construct(
                rule=finding.rule,
                severity=finding.severity,
                subject=finding.subject,
                by_whom=graph.nodes[owner]["name"] if owner else "",
                by_whom_id=graph.nodes[owner]["id"] if owner else None,
                by_when=_due(as_of, settings.due_days[finding.severity]),
                achieved="",
                further_actions="",
            )
        )
    return plan
