"""Facts about everyday practice that the diagnosis needs: whether delivery is resourced,
whether the partnership reviews itself (its own reviews, not an awarding body's external
verification), who is heard and whose feedback is acted on, whether agencies attend the
meetings where decisions about individuals are taken, and how partners' roles and time show."""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from importlib.resources import files

from .._graph import node_key
from .._record import Body, Partner, Partnership
from .._shipped_yaml import load_shipped_yaml
from ._context import FactContext
from ._schema import Values, fields, flag, number, text, texts
from ._values import days_between
from .monitoring import participation

__all__ = [
    "AGENCY_EXCLUDED_KINDS",
    "case_meeting_fields",
    "lawful_basis_terms",
    "partner_practice",
    "practice_summary",
]

# Partner kinds that are not agencies: parents and carers, learners' representatives.
AGENCY_EXCLUDED_KINDS = ("parent-carer", "learner-representative")
# Review kinds the partnership holds itself: an external review (an awarding body's
# verification, an inspection) is someone else's look at it, not its own review.
OWN_REVIEW_KINDS = ("progress", "annual", "stakeholder-feedback")
OPEN_ACTION = ("not-started", "in-progress", "blocked")
_CELEBRATION = re.compile(r"celebrat|ceremon|award (event|evening|day)|showcase", re.IGNORECASE)
_EQUALITY = re.compile(r"equalit|diversit|ethnic|disab|gender", re.IGNORECASE)
# The agreement topics besides data-sharing (which the information-sharing rules report).
OTHER_AGREEMENT_TOPICS = ("roles", "resources", "disputes", "exit")


@lru_cache(maxsize=1)
def lawful_basis_terms() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The words that make a lawful basis recognisable, and those that name consent
    (``rulesets/catalogue/lawful-bases.yaml``), lower case."""
    path = files("partnership_rules.rulesets").joinpath("catalogue/lawful-bases.yaml")
    data = load_shipped_yaml(path.read_text(encoding="utf-8"))
    return (
        tuple(str(t).lower() for t in data["bases"]),
        tuple(str(t).lower() for t in data["consent"]),
    )


@fields(
    agency_kind_count=number(
        "distinct kinds of partner that are agencies (not parent-carer or learner-representative)"
    ),
    carer_on_body_count=number(
        "carer stakeholders and parent-carer partners that sit on a governance body"
    ),
    open_resource_issue_count=number("open issues of kind resources"),
    oldest_open_resource_issue_days=number("days the oldest open resources issue has been open"),
    unresourced_action_count=number(
        "actions not done whose responsible partners all contribute nothing"
    ),
    own_review_count=number(
        "reviews the partnership held itself (progress, annual, stakeholder-feedback), up to"
        " the as-of date; an external review or verification is not one"
    ),
    days_since_own_review=number("days since the latest of those"),
    last_own_review_partner_share=number(
        "share of partners who took part in the latest of those (0 to 1)"
    ),
    last_own_review_absent=texts("partners absent from the latest of those (names)"),
    agreement_covers_data_sharing=flag("the agreement exists and covers data-sharing"),
    agreement_missing_other_topics=texts(
        "of roles, resources, disputes, exit: those the agreement does not cover"
    ),
    agreement_missing_other_topic_count=number("how many of those"),
    celebration_action_count=number(
        "actions that celebrate or promote achievements (celebration, ceremony, award event,"
        " showcase)"
    ),
    equality_metric_count=number(
        "metrics of equality monitoring (equality, diversity, ethnicity, disability, gender)"
    ),
    learner_objective_count=number(
        "objectives whose beneficiaries include learners (stakeholders of kind learners or"
        " learner-representative partners)"
    ),
    learner_results_objective_count=number("of those, objectives measured by a results metric"),
)
def practice_summary(ctx: FactContext, partnership: Partnership) -> Values:
    record = ctx.record
    partner_kinds = {p.id: p.kind for p in record.partners}
    on_bodies = {
        ctx.id[m]
        for b in record.governance.bodies
        for m in ctx.sources(node_key("body", b.id), "member_of")
    }
    carers = {s.id for s in record.stakeholders if s.kind == "carers"} | {
        p.id for p in record.partners if p.kind == "parent-carer"
    }
    open_resources = [i for i in record.issues if i.kind == "resources" and i.resolved is None]
    contributing = {p.id for p in record.partners if p.contributions}
    unresourced = sum(
        1
        for a in record.actions
        if a.status in OPEN_ACTION and a.responsible and not set(a.responsible) & contributing
    )
    own = [r for r in record.reviews if r.kind in OWN_REVIEW_KINDS and r.date <= ctx.as_of]
    latest = max((r.date for r in own), default=None)
    took_part = {pid for r in own if r.date == latest for pid in r.participants}
    absent = sorted(p.name for p in record.partners if p.id not in took_part)
    agreement = record.governance.agreement
    covers = set(agreement.covers) if agreement is not None and agreement.exists else set()
    exists = agreement is not None and agreement.exists
    other_missing = [t for t in OTHER_AGREEMENT_TOPICS if t not in covers]
    learners = {s.id for s in record.stakeholders if s.kind == "learners"} | {
        p.id for p in record.partners if p.kind == "learner-representative"
    }
    results = {m.id for m in record.metrics if m.dimension == "results"}
    for_learners = [o for o in record.objectives if learners & set(o.beneficiaries)]
    return {
        "learner_objective_count": len(for_learners),
        "learner_results_objective_count": sum(1 for o in for_learners if results & set(o.metrics)),
        "celebration_action_count": sum(
            1 for a in record.actions if _CELEBRATION.search(a.action) is not None
        ),
        "equality_metric_count": sum(
            1 for m in record.metrics if _EQUALITY.search(m.name) is not None
        ),
        "agency_kind_count": len(
            {k for k in partner_kinds.values() if k not in AGENCY_EXCLUDED_KINDS}
        ),
        "carer_on_body_count": len(carers & on_bodies),
        "open_resource_issue_count": len(open_resources),
        "oldest_open_resource_issue_days": max(
            (d for i in open_resources if (d := days_between(i.raised, ctx.as_of)) is not None),
            default=None,
        ),
        "unresourced_action_count": unresourced,
        "own_review_count": len(own),
        "days_since_own_review": days_between(latest, ctx.as_of),
        "last_own_review_partner_share": (
            round(sum(1 for p in record.partners if p.id in took_part) / len(record.partners), 4)
            if latest and record.partners
            else None
        ),
        "last_own_review_absent": absent if latest else [],
        "agreement_covers_data_sharing": "data-sharing" in covers,
        "agreement_missing_other_topics": other_missing if exists else [],
        "agreement_missing_other_topic_count": len(other_missing) if exists else 0,
    }


@fields(
    feedback_count=number("feedback items from it"),
    feedback_acted_on_count=number("of those, acted on"),
    staff_time_given=flag(
        "it lists a staff-time contribution, in any unit (hours, days, FTE or people named),"
        " whose amount is not 0"
    ),
    staff_time_plan_share=number(
        "staff time provided as a share of the staff time planned, over its staff-time"
        " contributions that give both amount and planned (per unit; the lowest share when"
        " it uses several units); not given when none has a planned figure above 0"
    ),
)
def partner_practice(ctx: FactContext, partner: Partner) -> Values:
    tally = ctx.once(participation)
    return {
        "feedback_count": tally.feedback[partner.id],
        "feedback_acted_on_count": tally.feedback_acted_on[partner.id],
        "staff_time_given": any(
            c.kind == "staff-time" and c.amount != 0 for c in partner.contributions
        ),
        "staff_time_plan_share": _staff_time_plan_share(partner),
    }


def _staff_time_plan_share(partner: Partner) -> float | None:
    """Provided over planned staff time, per unit (staff time without a unit is hours); the
    lowest of the units' shares, so one short unit is not hidden by another."""
    provided: dict[str, list[float]] = {}
    planned: dict[str, list[float]] = {}
    for c in partner.contributions:
        if c.kind == "staff-time" and c.planned and c.amount is not None:
            unit = (c.unit or "hours").strip().lower()
            provided.setdefault(unit, []).append(c.amount)
            planned.setdefault(unit, []).append(c.planned)
    shares = [math.fsum(provided[u]) / math.fsum(planned[u]) for u in planned]
    return round(min(shares), 4) if shares else None


@fields(
    case_decisions=flag("it takes decisions about individual children, families or learners"),
    lowest_partner_attendance=number(
        "the lowest share of its meetings that a partner member attended (0 to 1)"
    ),
    lowest_attendance_partner=text("the partner member with that share (its name)"),
    absent_partner_members=texts(
        "partner members, by name, that missed more than half of its meetings"
    ),
)
def case_meeting_fields(ctx: FactContext, body: Body) -> Values:
    meetings = [m for m in ctx.record.meetings if m.body == body.id]
    partners = [
        ctx.id[m]
        for m in ctx.sources(node_key("body", body.id), "member_of")
        if ctx.kind[m] == "partner"
    ]
    attended: Counter[str] = Counter(pid for m in meetings for pid in set(m.attended))
    names = {p.id: p.name for p in ctx.record.partners}
    shares = {pid: attended[pid] / len(meetings) for pid in partners} if meetings else {}
    lowest = min(shares, key=lambda pid: (shares[pid], pid)) if shares else None
    return {
        "case_decisions": body.case_decisions,
        "lowest_partner_attendance": round(shares[lowest], 4) if lowest else None,
        "lowest_attendance_partner": names[lowest] if lowest else None,
        "absent_partner_members": sorted(names[p] for p, share in shares.items() if share < 0.5),
    }
