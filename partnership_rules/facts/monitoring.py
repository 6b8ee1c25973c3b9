"""Facts about how the partnership watches itself: reviews, feedback and issues (one fact
per issue, and the partnership's summary)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .._graph import node_key
from .._record import Issue, Partnership
from ._context import FactContext
from ._schema import FactType, Values, fields, flag, number, text
from ._values import days_between

__all__ = ["ISSUE", "Participation", "monitoring_summary", "participation"]


@dataclass(frozen=True)
class Participation:
    """Per partner or stakeholder id: what it took part in."""

    feedback: Counter[str]
    """Feedback items it gave."""
    feedback_acted_on: Counter[str]
    """Of those, acted on."""
    feedback_not_reported_back: Counter[str]
    """Of those, recorded as not reported back to whoever gave it."""
    reviews: Counter[str]
    """Reviews it took part in."""


def participation(ctx: FactContext) -> Participation:
    """Tally feedback and review participation (use ``ctx.once(participation)``)."""
    feedback = ctx.record.feedback
    return Participation(
        feedback=Counter(f.from_ for f in feedback),
        feedback_acted_on=Counter(f.from_ for f in feedback if f.acted_on),
        feedback_not_reported_back=Counter(f.from_ for f in feedback if f.reported_back is False),
        reviews=Counter(pid for r in ctx.record.reviews for pid in set(r.participants)),
    )


@fields(
    review_count=number("number of reviews recorded"),
    days_since_review=number("days since the latest review"),
    last_review_partner_share=number(
        "share of partners who took part in the latest review (0 to 1)"
    ),
    external_review_count=number("reviews of kind external"),
    annual_review_count=number("reviews of kind annual"),
    stakeholder_feedback_review_count=number("reviews of kind stakeholder-feedback"),
    feedback_count=number("feedback items recorded"),
    feedback_acted_on_count=number("feedback items acted on"),
    learner_feedback_count=number("feedback items from learner stakeholders"),
    learner_feedback_acted_on_count=number("of those, acted on"),
    open_issue_count=number("issues not resolved"),
    case_review_count=number("reviews of kind case-review (of a case or serious incident)"),
    unshared_learning_review_count=number(
        "reviews up to the audit date whose learning is recorded as not passed on to the staff"
        " and partners who do the work (learning_shared: false)"
    ),
)
def monitoring_summary(ctx: FactContext, partnership: Partnership) -> Values:
    record = ctx.record
    reviews = record.reviews
    # Reviews dated after as_of have not happened yet; all reviews on the latest date count.
    latest = max((r.date for r in reviews if r.date <= ctx.as_of), default=None)
    partner_ids = {p.id for p in record.partners}
    latest_reviewers = {
        pid for r in reviews if r.date == latest for pid in r.participants if pid in partner_ids
    }
    learners = {s.id for s in record.stakeholders if s.kind == "learners"}
    learner_feedback = [f for f in record.feedback if f.from_ in learners]
    return {
        "review_count": len(reviews),
        "days_since_review": days_between(latest, ctx.as_of),
        "last_review_partner_share": (
            round(len(latest_reviewers) / len(partner_ids), 4) if latest else None
        ),
        "external_review_count": sum(1 for r in reviews if r.kind == "external"),
        "annual_review_count": sum(1 for r in reviews if r.kind == "annual"),
        "stakeholder_feedback_review_count": sum(
            1 for r in reviews if r.kind == "stakeholder-feedback"
        ),
        "feedback_count": len(record.feedback),
        "feedback_acted_on_count": sum(1 for f in record.feedback if f.acted_on),
        "learner_feedback_count": len(learner_feedback),
        "learner_feedback_acted_on_count": sum(1 for f in learner_feedback if f.acted_on),
        "open_issue_count": sum(1 for i in record.issues if i.resolved is None),
        "case_review_count": sum(1 for r in reviews if r.kind == "case-review"),
        "unshared_learning_review_count": sum(
            1 for r in reviews if r.date <= ctx.as_of and r.learning_shared is False
        ),
    }


@fields(
    kind=text("conflict, commitment, power, resources, quality, other or constraint"),
    open=flag("not resolved"),
    days_open=number("days since raised, while open"),
    days_to_resolve=number("days from raised to resolved"),
)
def issue_fields(ctx: FactContext, issue: Issue) -> Values:
    is_open = issue.resolved is None
    return {
        "kind": issue.kind,
        "open": is_open,
        "days_open": days_between(issue.raised, ctx.as_of) if is_open else None,
        "days_to_resolve": (
            (issue.resolved - issue.raised).days if issue.resolved and issue.raised else None
        ),
    }


ISSUE: FactType[Issue] = FactType(
    "issue",
    subjects=lambda ctx: ctx.record.issues,
    identify=lambda i: (node_key("issue", i.id), i.id, i.description),
    parts=(issue_fields,),
)
