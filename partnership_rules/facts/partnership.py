"""The partnership fact: the partnership's own attributes (stage, contexts, purpose,
information sharing, qualifications), and each subject module's summary of the partnership."""

from __future__ import annotations

from typing import get_args

from .._graph import node_key
from .._record import Partnership, Stage
from ._context import FactContext
from ._schema import FactType, Values, fields, flag, number, text
from ._values import days_between, ratio
from .contexts import context_flags
from .governance import governance_summary
from .monitoring import monitoring_summary
from .network import network_summary
from .partners import partners_summary
from .plan import plan_summary
from .practice import lawful_basis_terms, practice_summary
from .ratings import relationship_network, survey_summary
from .relationship import relationship_kind
from .self_assessment import self_assessment_summary

__all__ = ["PARTNERSHIP", "STAGES"]

# Stages of the QCA cycle in order; later stages are expected to have what earlier ones made.
STAGES: tuple[str, ...] = get_args(Stage)


@fields(
    stage=text("QCA model stage, if given"),
    stage_index=number("0 (identify-need) to 5 (recognise-achievements); -1 if no stage"),
    has_sector=flag("a sector is named"),
    has_purpose=flag("a shared purpose is written down"),
    purpose_words=number("words in the purpose statement"),
    has_exit_strategy=flag("an exit or transition strategy is written down"),
)
def partnership_fields(ctx: FactContext, p: Partnership) -> Values:
    return {
        "stage": p.stage,
        "stage_index": STAGES.index(p.stage) if p.stage else -1,
        "has_sector": bool(p.sector and p.sector.strip()),
        "has_purpose": bool(p.purpose and p.purpose.strip()),
        "purpose_words": len(p.purpose.split()) if p.purpose else 0,
        "has_exit_strategy": bool(p.exit_strategy and p.exit_strategy.strip()),
    }


@fields(
    has_information_sharing=flag("an information_sharing section is present"),
    shares_personal_data=flag(
        "the partners share personal data: a children's services record, or any record with an"
        " information_sharing section that does not say personal_data: false"
    ),
    isa_agreement=flag("a written information-sharing agreement exists"),
    isa_purpose_count=number("purposes stated for sharing information"),
    isa_purposes_include_safeguarding=flag(
        "a stated purpose names safeguarding or child protection"
    ),
    isa_has_lawful_basis=flag(
        "a recognisable lawful basis is stated (it names a basis of UK GDPR Article 6 or a"
        " statute: 'n/a' or 'agreed' is not one)"
    ),
    isa_lawful_basis=text("the lawful basis as written"),
    isa_consent_only=flag("the lawful basis names consent and no other basis"),
    isa_safeguarding_exception=flag("written down that safeguarding overrides confidentiality"),
    isa_secure_route=flag(
        "personal data moves by a secure route (information_sharing.secure_route; none if not"
        " stated)"
    ),
    shared_platform_channel_count=number("communication channels of kind shared-platform"),
    days_since_isa_review=number("days since the information-sharing agreement was reviewed"),
)
def information_sharing_fields(ctx: FactContext, p: Partnership) -> Values:
    isa = ctx.record.information_sharing
    basis = (isa.lawful_basis or "").strip().lower() if isa else ""
    bases, consent = lawful_basis_terms()
    named = [term for term in bases if term in basis]
    return {
        "has_information_sharing": isa is not None,
        "shares_personal_data": "childrens-services" in p.contexts
        or (isa is not None and isa.personal_data),
        "isa_agreement": bool(isa and isa.agreement),
        "isa_purpose_count": len(isa.purposes) if isa else 0,
        "isa_purposes_include_safeguarding": bool(isa)
        and any(
            "safeguard" in purpose.lower() or "child protection" in purpose.lower()
            for purpose in (isa.purposes if isa else [])
        ),
        "isa_has_lawful_basis": bool(named),
        "isa_lawful_basis": isa.lawful_basis if isa else None,
        "isa_consent_only": bool(named) and all(term in consent for term in named),
        "isa_safeguarding_exception": bool(isa and isa.safeguarding_exception),
        "isa_secure_route": isa.secure_route if isa else None,
        "shared_platform_channel_count": sum(
            1 for c in ctx.record.communication if c.channel == "shared-platform"
        ),
        "days_since_isa_review": days_between(isa.last_reviewed, ctx.as_of) if isa else None,
    }


@fields(
    has_qualifications=flag("a qualifications section is present"),
    candidates=number("NVQ candidates"),
    assessors=number("assessors"),
    internal_verifiers=number("internal verifiers"),
    candidates_per_assessor=number("candidates per assessor"),
    assessors_per_verifier=number("assessors per internal verifier"),
    candidates_per_verifier=number("candidates per internal verifier"),
    awarding_body_approved=flag("the awarding body has approved the centre"),
)
def qualifications_fields(ctx: FactContext, p: Partnership) -> Values:
    quals = ctx.record.qualifications
    if quals is None:
        return {
            "has_qualifications": False,
            **dict.fromkeys(
                (
                    "candidates",
                    "assessors",
                    "internal_verifiers",
                    "candidates_per_assessor",
                    "assessors_per_verifier",
                    "candidates_per_verifier",
                    "awarding_body_approved",
                )
            ),
        }
    return {
        "has_qualifications": True,
        "candidates": quals.candidates,
        "assessors": quals.assessors,
        "internal_verifiers": quals.internal_verifiers,
        "candidates_per_assessor": ratio(quals.candidates, quals.assessors),
        "assessors_per_verifier": ratio(quals.assessors, quals.internal_verifiers),
        "candidates_per_verifier": ratio(quals.candidates, quals.internal_verifiers),
        "awarding_body_approved": quals.awarding_body_approved,
    }


PARTNERSHIP: FactType[Partnership] = FactType(
    "partnership",
    subjects=lambda ctx: [ctx.record.partnership],
    identify=lambda p: (node_key("partnership", p.id), p.id, p.name),
    parts=(
        partnership_fields,
        context_flags,
        relationship_kind,
        practice_summary,
        partners_summary,
        governance_summary,
        plan_summary,
        monitoring_summary,
        network_summary,
        information_sharing_fields,
        qualifications_fields,
        self_assessment_summary,
        relationship_network,
        survey_summary,
    ),
)
