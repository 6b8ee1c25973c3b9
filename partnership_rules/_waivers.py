"""Pipeline stage: accepted risks. The record's ``waivers`` take the findings they name out of
the findings, into the report's ``waived`` list, each with its waiver.

A waiver matches a finding when its ``rule`` is the finding's rule id or one of that rule's
aliases (a group's id or alias for a group's finding) and its ``subject`` is the finding's
subject, exactly: there is no wildcard, so a waiver never hides a finding nobody has seen. A
waiver that expired before the audit date (``as_of``) matches nothing: its finding is reported
again. The audit applies the waivers to each rule's own findings before they are grouped (a
waived part no longer counts toward its group), then to the groups' findings after each level
of groups (a waived group among another's parts no longer counts toward that one).
Findings about waivers themselves (an expired waiver, a waiver that matches nothing) are
made after this stage and cannot be waived.

Self-assessment contradictions and indicative levels read the findings before this stage: an
accepted risk is still a weakness the record shows, not good practice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._record import Waiver
from ._report import Finding, WaivedFinding
from .facts.waivers import waiver_subject

__all__ = ["WaiverOutcome", "apply_waivers", "with_matches"]


@dataclass(frozen=True)
class WaiverOutcome:
    """The findings no waiver accepts, the waived findings, and per waiver (by its subject,
    ``waiver:RULE/kind:id``) how many findings it matched."""

    findings: list[Finding]
    waived: list[WaivedFinding]
    matched: dict[str, int]


def apply_waivers(
    findings: Iterable[Finding],
    waivers: Sequence[Waiver],
    as_of: dt.date,
    aliases: Mapping[str, str],
) -> WaiverOutcome:
    """Move the findings that an unexpired waiver of ``waivers`` names (see the module's
    docstring) out of ``findings`` into the outcome's ``waived``. ``as_of`` is the audit's
    date; ``aliases`` maps every alias of a rule or group to its
    id."""
    active: dict[tuple[str, str], Waiver] = {
        (aliases.get(w.rule, w.rule), w.subject): w for w in waivers if w.expires >= as_of
    }
    matched = {waiver_subject(w): 0 for w in waivers}
    kept: list[Finding] = []
    waived: list[WaivedFinding] = []
    for finding in findings:
        waiver = active.get((finding.rule, finding.subject))
        if waiver is None:
            kept.append(finding)
            continue
        matched[waiver_subject(waiver)] += 1
        waived.append(WaivedFinding(finding=finding, waiver=waiver))
    return WaiverOutcome(kept, waived, matched)


def with_matches(
    waiver_facts: Iterable[Mapping[str, Any]], *outcomes: WaiverOutcome
) -> list[dict[str, Any]]:
    """Copies of the waiver facts with ``matched_count`` filled in from ``outcomes``."""
    return [
        {
            **fact,
            "matched_count": sum(o.matched.get(fact["subject"], 0) for o in outcomes),
        }
        for fact in waiver_facts
    ]
