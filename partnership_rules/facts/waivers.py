"""Waiver facts: one per accepted risk of the record's ``waivers``.

Whether a waiver has expired is known from the record and the audit date alone. Whether it
matches a finding is not: ``matched_count`` starts at 0, and the audit fills it in once the
waivers have been applied to the findings (``_waivers``), then runs the rules on these facts.
"""

from __future__ import annotations

from .._record import Waiver
from ._context import FactContext
from ._schema import FactType, Values, fields, flag, number, text
from ._values import days_between

__all__ = ["WAIVER", "waiver_subject"]


def waiver_subject(waiver: Waiver) -> str:
    """The waiver's own subject in facts and findings: ``waiver:RULE/kind:id``."""
    return f"waiver:{waiver.rule}/{waiver.subject}"


@fields(
    rule=text("the rule or group id the waiver names, as written"),
    waived_subject=text("the subject of the finding it waives (kind:id)"),
    justification=text("why the risk is accepted"),
    approved_by=text("who accepted it"),
    expires=text("the last day it holds (YYYY-MM-DD)"),
    days_until_expiry=number("days from as_of to its expiry (negative once it has passed)"),
    expired=flag("it expired before as_of: the finding it waived is reported again"),
    matched_count=number(
        "findings it waives (filled in once the waivers have been applied; 0 if expired)"
    ),
)
def waiver_fields(ctx: FactContext, waiver: Waiver) -> Values:
    days_left = days_between(ctx.as_of, waiver.expires)
    return {
        "rule": waiver.rule,
        "waived_subject": waiver.subject,
        "justification": waiver.justification,
        "approved_by": waiver.approved_by,
        "expires": waiver.expires.isoformat(),
        "days_until_expiry": days_left,
        "expired": waiver.expires < ctx.as_of,
        "matched_count": 0,
    }


WAIVER: FactType[Waiver] = FactType(
    "waiver",
    subjects=lambda ctx: ctx.record.waivers,
    identify=lambda w: (waiver_subject(w), f"{w.rule}/{w.subject}", f"{w.rule} on {w.subject}"),
    parts=(waiver_fields,),
)
