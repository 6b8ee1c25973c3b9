"""Governance facts: one per body (membership, chair, reporting line, meetings), and the
partnership's governance summary (bodies, the agreement, who holds the seats and chairs)."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from .._graph import node_key
from .._record import Body, Partnership
from ._context import FactContext
from ._schema import FactType, Values, fields, flag, number, text, texts
from ._values import days_between, ratio, share_stats
from .practice import case_meeting_fields
from .relationship import relationship_kind

__all__ = ["BODY", "Meetings", "governance_summary", "meetings"]

AGREEMENT_TOPICS = ("roles", "resources", "data-sharing", "disputes", "exit")


@dataclass(frozen=True)
class Meetings:
    """The bodies' meetings, tallied once: linear in the lists, not meetings times members."""

    dates: dict[str, list[dt.date]]
    """Body id -> the dates of its meetings."""
    attendance: dict[str, list[float]]
    """Body id -> the share of its members present at each meeting (when it has members)."""
    attended: Counter[str]
    """Member id -> meetings of its bodies it attended."""
    expected: Counter[str]
    """Member id -> meetings its bodies held."""


def meetings(ctx: FactContext) -> Meetings:
    """Tally the meetings of ``ctx``'s record (use ``ctx.once(meetings)``)."""
    member_sets = {
        body.id: {ctx.id[m] for m in ctx.sources(node_key("body", body.id), "member_of")}
        for body in ctx.record.governance.bodies
    }
    dates: dict[str, list[dt.date]] = defaultdict(list)
    attendance: dict[str, list[float]] = defaultdict(list)
    attended: Counter[str] = Counter()
    expected: Counter[str] = Counter()
    for meeting in ctx.record.meetings:
        if meeting.body is None:
            continue
        dates[meeting.body].append(meeting.date)
        members = member_sets[meeting.body]
        present = {m for m in meeting.attended if m in members}
        if members:
            attendance[meeting.body].append(len(present) / len(members))
        attended.update(present)
    for body_id, held in dates.items():
        for member in member_sets[body_id]:
            expected[member] += len(held)
    return Meetings(dict(dates), dict(attendance), attended, expected)


def _body_kinds(ctx: FactContext) -> dict[str, str]:
    return {node_key("body", b.id): b.kind for b in ctx.record.governance.bodies}


@fields(
    kind=text("board, steering-group, working-group or operational-group"),
    member_count=number("members"),
    partner_member_count=number("members that are partners"),
    stakeholder_member_count=number("members that are stakeholders"),
    has_chair=flag("a chair is named"),
    chair=text("the chair's id"),
    chair_is_member=flag("the chair is among the members"),
    has_terms_of_reference=flag("terms of reference agreed"),
    decision_rule=text("consensus, majority, lead-partner or unspecified"),
    meets_every_days=number("intended days between meetings"),
    meeting_count=number("meetings recorded"),
    days_since_meeting=number("days since its latest meeting"),
    meeting_gap_ratio=number("days since latest meeting / meets_every_days"),
    attendance_rate=number("average share of members present (0 to 1)"),
    reports_to=text("the body it reports to"),
    reports_to_kind=text("kind of the body it reports to"),
    lead_partner=text("the lead partner's id, when the lead partner is a member"),
)
def body_fields(ctx: FactContext, body: Body) -> Values:
    key = node_key("body", body.id)
    members = ctx.sources(key, "member_of")
    chairs = ctx.sources(key, "chairs")
    reports_to = ctx.targets(key, "reports_to")
    tally = ctx.once(meetings)
    dates = tally.dates.get(body.id, [])
    days_since = days_between(max(dates) if dates else None, ctx.as_of)
    rates = tally.attendance.get(body.id, [])
    leads = {node_key("partner", p.id) for p in ctx.record.partners if p.lead}
    return {
        "kind": body.kind,
        # The first by id when several lead partners sit on it: never the record's order.
        "lead_partner": min((ctx.id[m] for m in members if m in leads), default=None),
        "member_count": len(members),
        "partner_member_count": sum(1 for m in members if ctx.kind[m] == "partner"),
        "stakeholder_member_count": sum(1 for m in members if ctx.kind[m] == "stakeholder"),
        "has_chair": bool(chairs),
        "chair": ctx.id[chairs[0]] if chairs else None,
        "chair_is_member": bool(chairs) and chairs[0] in members,
        "has_terms_of_reference": bool(body.terms_of_reference),
        "decision_rule": body.decision_rule,
        "meets_every_days": body.meets_every_days,
        "meeting_count": len(dates),
        "days_since_meeting": days_since,
        "meeting_gap_ratio": ratio(days_since, body.meets_every_days),
        "attendance_rate": round(math.fsum(rates) / len(rates), 4) if rates else None,
        "reports_to": ctx.id[reports_to[0]] if reports_to else None,
        "reports_to_kind": ctx.once(_body_kinds)[reports_to[0]] if reports_to else None,
    }


BODY: FactType[Body] = FactType(
    "body",
    subjects=lambda ctx: ctx.record.governance.bodies,
    identify=lambda b: (node_key("body", b.id), b.id, b.name),
    parts=(body_fields, relationship_kind, case_meeting_fields),
)


@fields(
    body_count=number("number of governance bodies"),
    top_body_count=number("bodies that report to no other body"),
    working_group_count=number("bodies of kind working-group or operational-group"),
    lead_partner_rule_body_count=number("bodies deciding by lead-partner rule"),
    meeting_count=number("meetings recorded"),
    agreement_exists=flag("a partnership agreement exists"),
    agreement_unsigned=texts("partners that have not signed the agreement"),
    agreement_unsigned_count=number("number of partners that have not signed it"),
    days_since_agreement_review=number("days since the agreement was last reviewed"),
    agreement_missing_topics=texts(
        "of roles, resources, data-sharing, disputes, exit (in that order)"
    ),
    agreement_missing_topic_count=number("how many of those it does not cover"),
    shared_body_count=number("bodies with two or more partner members"),
    seat_top_partner=text("partner with the most governance seats"),
    seat_top_share=number("that partner's share of all partner seats (0 to 1)"),
    seat_hhi=number("Herfindahl index of partner seats (1 = one partner)"),
    seat_top_partner_name=text("that partner's name"),
    chair_top_partner=text("partner chairing the most shared bodies"),
    chair_top_partner_name=text("that partner's name"),
    chair_top_count=number("shared bodies that partner chairs"),
    chair_top_is_lead=flag("the partner chairing the most shared bodies is a lead partner"),
    chaired_body_count=number("shared bodies with a chair"),
    chair_top_share=number("share of partner-chaired shared bodies that partner chairs (0 to 1)"),
)
def governance_summary(ctx: FactContext, partnership: Partnership) -> Values:
    bodies = ctx.record.governance.bodies
    agreement = ctx.record.governance.agreement
    exists = agreement is not None and agreement.exists
    topics = set(agreement.covers) if agreement is not None and exists else set()
    missing = [t for t in AGREEMENT_TOPICS if t not in topics]
    unsigned = sorted(p.id for p in ctx.record.partners if p.id not in ctx.signatories)
    seat_top, seat_top_share, seat_hhi = share_stats(ctx.partner_seats)
    # Chairing a body that has one partner member (a college's own governors, a single
    # agency's team) is that partner's own business: chairs count on shared bodies only.
    chairs: Counter[str] = Counter()
    shared = 0
    for body in bodies:
        key = node_key("body", body.id)
        partners = [m for m in ctx.sources(key, "member_of") if ctx.kind[m] == "partner"]
        if len(partners) < 2:
            continue
        shared += 1
        chairs.update(ctx.id[c] for c in ctx.sources(key, "chairs") if ctx.kind[c] == "partner")
    chair_top = min(chairs, key=lambda k: (-chairs[k], k)) if chairs else None
    leads = {p.id for p in ctx.record.partners if p.lead}
    return {
        "body_count": len(bodies),
        "top_body_count": sum(
            1 for b in bodies if not ctx.targets(node_key("body", b.id), "reports_to")
        ),
        "working_group_count": sum(
            1 for b in bodies if b.kind in ("working-group", "operational-group")
        ),
        "lead_partner_rule_body_count": sum(1 for b in bodies if b.decision_rule == "lead-partner"),
        "meeting_count": len(ctx.record.meetings),
        "agreement_exists": exists,
        "agreement_unsigned": unsigned,
        "agreement_unsigned_count": len(unsigned),
        "days_since_agreement_review": days_between(
            agreement.last_reviewed if agreement is not None and exists else None, ctx.as_of
        ),
        "agreement_missing_topics": missing,
        "agreement_missing_topic_count": len(missing),
        "seat_top_partner": seat_top,
        "seat_top_share": seat_top_share,
        "seat_hhi": seat_hhi,
        "shared_body_count": shared,
        "chair_top_partner": chair_top,
        "chair_top_partner_name": ctx.partner_name(chair_top),
        "seat_top_partner_name": ctx.partner_name(seat_top),
        "chair_top_count": chairs[chair_top] if chair_top else 0,
        "chair_top_is_lead": chair_top in leads,
        "chaired_body_count": sum(
            1
            for b in bodies
            if ctx.sources(node_key("body", b.id), "chairs")
            and sum(
                1
                for m in ctx.sources(node_key("body", b.id), "member_of")
                if ctx.kind[m] == "partner"
            )
            >= 2
        ),
        "chair_top_share": ratio(chairs[chair_top] if chair_top else None, chairs.total()),
    }
