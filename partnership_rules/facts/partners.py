"""Facts about who takes part: one per partner and per stakeholder, and the partnership's
summary of its partners, stakeholders and funding."""

from __future__ import annotations

from .._graph import node_key
from .._record import Partner, Partnership, Stakeholder
from . import network
from ._context import FactContext
from ._schema import FactType, Values, fields, flag, number, text, texts
from ._values import distinct_sorted, exact_total, ratio, share_stats
from .governance import meetings
from .monitoring import participation
from .practice import partner_practice
from .ratings import partner_ratings
from .relationship import relationship_kind, supervision

__all__ = ["ENGAGEMENT_LEVELS", "PARTNER", "STAKEHOLDER", "VOICE_KINDS", "partners_summary"]

ENGAGEMENT_LEVELS = {"none": 0, "informed": 1, "consulted": 2, "involved": 3, "deciding": 4}
VOICE_KINDS = ("learners", "carers", "community")
WIDER_KINDS = (
    "employer-organisation",
    "local-authority",
    "enterprise-partnership",
    "professional-body",
)
# A partner has a role when it has any of these relations.
ROLE_RELATIONS = ("member_of", "chairs", "owns", "collects", "responsible_for", "accountable_for")
WORK_PHASES = ("plan", "design", "deliver", "assess")
STAFF_TIME_HOURS = ("hours", "hour", "h")


def _action_phases(ctx: FactContext) -> dict[str, str | None]:
    return {node_key("action", a.id): a.phase for a in ctx.record.actions}


@fields(
    kind=text("partner kind"),
    lead=flag("marked as the lead partner"),
    has_senior_sponsor=flag("a senior leader backs the partnership"),
    signed_agreement=flag("the partner's own signed_agreement flag (false if absent)"),
    in_agreement_signatories=flag("listed in governance.agreement.signed_by"),
    seat_count=number("governance bodies it sits on"),
    seat_share=number("its share of all partner seats (0 to 1)"),
    chair_count=number("bodies it chairs"),
    in_governance=flag("sits on at least one governance body"),
    attendance_rate=number("share of its bodies' meetings it attended (0 to 1)"),
    owned_objective_count=number("objectives it owns"),
    responsible_action_count=number("actions it is responsible for"),
    accountable_action_count=number("actions it is accountable for"),
    accountable_share=number("its share of actions with an accountable partner"),
    collected_metric_count=number("metrics it collects"),
    has_role=flag("sits on a body, owns, collects or is responsible/accountable"),
    phases=texts("programme phases of the actions it is responsible for"),
    phase_count=number("of plan, design, deliver, assess: how many it works in"),
    contribution_kinds=texts("kinds of contribution it makes"),
    contribution_count=number("contributions listed"),
    funding=number("funding it contributes"),
    funding_share=number("its share of all funding (0 to 1)"),
    staff_time_hours=number("staff-time contributions in hours (unit hours or none)"),
    contributes_facilities=flag("contributes facilities or equipment"),
    benefit_count=number("benefits listed for it"),
    beneficiary_of_objective_count=number("objectives naming it as a beneficiary"),
)
def partner_fields(ctx: FactContext, partner: Partner) -> Values:
    key = node_key("partner", partner.id)
    relations = ctx.relations_from(key)
    seats = len(relations.get("member_of", ()))
    chairs = len(relations.get("chairs", ()))
    accountable = len(relations.get("accountable_for", ()))
    action_phase = ctx.once(_action_phases)
    phases = distinct_sorted(
        phase for a in relations.get("responsible_for", ()) if (phase := action_phase[a])
    )
    contributions = ctx.contributions.get(key, [])
    kinds = distinct_sorted(c["contribution"] for c in contributions)
    benefits = relations.get("benefits_from", ())
    tally = ctx.once(meetings)
    return {
        "kind": partner.kind,
        "lead": partner.lead,
        "has_senior_sponsor": bool(partner.senior_sponsor and partner.senior_sponsor.strip()),
        "signed_agreement": bool(partner.signed_agreement),
        "in_agreement_signatories": partner.id in ctx.signatories,
        "seat_count": seats,
        "seat_share": ratio(seats, ctx.partner_seat_total),
        "chair_count": chairs,
        "in_governance": seats > 0 or chairs > 0,
        "attendance_rate": ratio(tally.attended[partner.id], tally.expected[partner.id]),
        "owned_objective_count": len(relations.get("owns", ())),
        "responsible_action_count": len(relations.get("responsible_for", ())),
        "accountable_action_count": accountable,
        "accountable_share": ratio(accountable, ctx.accountable_total),
        "collected_metric_count": len(relations.get("collects", ())),
        "has_role": not relations.keys().isdisjoint(ROLE_RELATIONS),
        "phases": phases,
        "phase_count": sum(1 for p in WORK_PHASES if p in phases),
        "contribution_kinds": kinds,
        "contribution_count": len(contributions),
        "funding": round(ctx.funding.get(partner.id, 0.0), 2),
        "funding_share": ratio(ctx.funding.get(partner.id, 0.0), ctx.funding_total),
        "staff_time_hours": exact_total(
            c["amount"] or 0
            for c in contributions
            if c["contribution"] == "staff-time"
            and (c["unit"] or "hours").strip().lower() in STAFF_TIME_HOURS
        ),
        "contributes_facilities": "facilities" in kinds or "equipment" in kinds,
        "benefit_count": sum(1 for b in benefits if b == ctx.home),
        "beneficiary_of_objective_count": sum(1 for b in benefits if b != ctx.home),
    }


PARTNER: FactType[Partner] = FactType(
    "partner",
    subjects=lambda ctx: ctx.record.partners,
    identify=lambda p: (node_key("partner", p.id), p.id, p.name),
    parts=(
        partner_fields,
        network.partner_network,
        relationship_kind,
        supervision,
        partner_practice,
        partner_ratings,
    ),
)


@fields(
    kind=text("stakeholder kind"),
    engagement=text("none, informed, consulted, involved or deciding"),
    engagement_level=number("0 (none) to 4 (deciding)"),
    is_voice=flag("learners, carers or community"),
    is_wider=flag(
        "employer-organisation, local-authority, enterprise-partnership or professional-body"
    ),
    seat_count=number("governance bodies it sits on"),
    in_governance=flag("sits on at least one governance body"),
    feedback_count=number("feedback items from it"),
    feedback_acted_on_count=number("of those, acted on"),
    feedback_not_reported_back_count=number(
        "feedback items from it recorded as not reported back: it was not told how its views"
        " were used"
    ),
    review_count=number("reviews it took part in"),
)
def stakeholder_fields(ctx: FactContext, stakeholder: Stakeholder) -> Values:
    key = node_key("stakeholder", stakeholder.id)
    seats = len(ctx.targets(key, "member_of"))
    tally = ctx.once(participation)
    return {
        "kind": stakeholder.kind,
        "engagement": stakeholder.engagement,
        "engagement_level": ENGAGEMENT_LEVELS[stakeholder.engagement],
        "is_voice": stakeholder.kind in VOICE_KINDS,
        "is_wider": stakeholder.kind in WIDER_KINDS,
        "seat_count": seats,
        "in_governance": seats > 0 or bool(ctx.targets(key, "chairs")),
        "feedback_count": tally.feedback[stakeholder.id],
        "feedback_acted_on_count": tally.feedback_acted_on[stakeholder.id],
        "feedback_not_reported_back_count": tally.feedback_not_reported_back[stakeholder.id],
        "review_count": tally.reviews[stakeholder.id],
    }


STAKEHOLDER: FactType[Stakeholder] = FactType(
    "stakeholder",
    subjects=lambda ctx: ctx.record.stakeholders,
    identify=lambda s: (node_key("stakeholder", s.id), s.id, s.name),
    parts=(stakeholder_fields, network.stakeholder_network),
)


@fields(
    partner_count=number("number of partners"),
    partner_kind_count=number("number of distinct partner kinds"),
    partner_kinds=texts("distinct partner kinds"),
    employer_count=number("partners of kind employer"),
    provider_count=number("partners of kind provider"),
    local_authority_partner_count=number("partners of kind local-authority"),
    external_requirement_body_count=number(
        "partners and stakeholders of kind awarding-body, regulator or funder"
    ),
    has_parent_carer_partner=flag("a partner of kind parent-carer"),
    has_voice_partner=flag("a partner of kind parent-carer or learner-representative"),
    stakeholder_count=number("number of stakeholders"),
    wider_stakeholder_count=number(
        "stakeholders of kind employer-organisation, local-authority, enterprise-partnership"
        " or professional-body engaged at consulted or above"
    ),
    voice_stakeholder_count=number("stakeholders of kind learners, carers, community"),
    voice_on_body_count=number("of those, members of a governance body"),
    funding_total=number("sum of funding contributions"),
    funding_top_partner=text("partner supplying the most funding"),
    funding_top_partner_name=text("that partner's name"),
    funding_top_share=number("that partner's share of all funding (0 to 1)"),
    funding_hhi=number("Herfindahl index of funding (1 = one funder)"),
    funding_partner_count=number("partners contributing funding"),
)
def partners_summary(ctx: FactContext, partnership: Partnership) -> Values:
    partners = ctx.record.partners
    stakeholders = ctx.record.stakeholders
    kinds = distinct_sorted(p.kind for p in partners)
    voice = [s for s in stakeholders if s.kind in VOICE_KINDS]
    fund_top, fund_top_share, fund_hhi = share_stats(ctx.funding)
    return {
        "partner_count": len(partners),
        "partner_kind_count": len(kinds),
        "partner_kinds": kinds,
        "employer_count": sum(1 for p in partners if p.kind == "employer"),
        "provider_count": sum(1 for p in partners if p.kind == "provider"),
        "local_authority_partner_count": sum(1 for p in partners if p.kind == "local-authority"),
        "external_requirement_body_count": sum(
            1 for p in partners if p.kind in ("awarding-body", "funder")
        )
        + sum(1 for s in stakeholders if s.kind in ("awarding-body", "regulator", "funder")),
        "has_parent_carer_partner": "parent-carer" in kinds,
        "has_voice_partner": "parent-carer" in kinds or "learner-representative" in kinds,
        "stakeholder_count": len(stakeholders),
        "wider_stakeholder_count": sum(
            1
            for s in stakeholders
            if s.kind in WIDER_KINDS and ENGAGEMENT_LEVELS[s.engagement] >= 2
        ),
        "voice_stakeholder_count": len(voice),
        "voice_on_body_count": sum(
            1 for s in voice if ctx.targets(node_key("stakeholder", s.id), "member_of")
        ),
        "funding_total": exact_total(ctx.funding.values()),
        "funding_top_partner": fund_top,
        "funding_top_partner_name": ctx.partner_name(fund_top),
        "funding_top_share": fund_top_share,
        "funding_hhi": fund_hhi,
        "funding_partner_count": len(ctx.funding),
    }
