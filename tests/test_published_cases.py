"""Partnerships described in published inspection reports, scored against what the inspectors said.

Each case in ``tests/cases/`` is a record (``<slug>.yaml``, its source cited in its header comment)
and its labels (``<slug>.labels.yaml``):

- ``weaknesses``: what the report criticises. Each must be found by a finding at medium or above
  whose subject is the labelled one (or one of a list of them) and whose category is one of the
  labelled categories.
- ``strengths``: what the report praises. No finding at medium or above may fall on the subject in
  any of the labelled categories.
- ``serious``: the inspectors' overall judgement was serious (an improvement notice, insufficient
  progress), so the audit must exit 1 at the default ``--fail-on high``: at least one high or
  critical finding.
- ``praised``: the overall judgement was positive, so the audit must exit 0 at the default
  ``--fail-on high``: no high or critical finding.
Every case must pass: a missed weakness, a flagged strength or a judgement the audit
contradicts fails the suite. There is no list of known gaps: a case the rules miss is fixed in
the rules (a general cause), never by editing its labels.

The labels follow the report, not the tool: never change a label to make a case pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from partnership_rules import CATEGORIES, Finding, audit

CASES = Path(__file__).parent / "cases"
REPORTED = ("medium", "high", "critical")  # "found" and "flagged" mean at medium or above
SERIOUS = ("high", "critical")  # what makes the audit exit 1 at the default --fail-on high
SUBJECT_KINDS = (
    "partnership",
    "partner",
    "stakeholder",
    "body",
    "objective",
    "metric",
    "action",
    "issue",
    "self-assessment",
)


@dataclass(frozen=True)
class Label:
    """One weakness or strength the report names, and how the tool would show it."""

    id: str
    quote: str
    subjects: tuple[str, ...]
    categories: tuple[str, ...]

    def matches(self, finding: Finding) -> bool:
        """Whether ``finding`` is at medium or above, on this label's subject, in its categories."""
        return (
            finding.severity in REPORTED
            and finding.subject in self.subjects
            and finding.category in self.categories
        )


@dataclass(frozen=True)
class Labels:
    """A case's labels file, checked for shape when read."""

    serious: bool
    praised: bool
    weaknesses: tuple[Label, ...]
    strengths: tuple[Label, ...]


@dataclass(frozen=True)
class Score:
    """How the audit of one case compares with its labels."""

    case: str
    found: tuple[Label, ...]
    missed: tuple[Label, ...]
    false_flags: tuple[tuple[Label, Finding], ...]
    serious_expected: bool
    praised_expected: bool
    serious_found: bool

    def failing(self) -> set[str]:
        """Ids of the labels the audit gets wrong (``serious`` for the overall judgement)."""
        ids = {label.id for label in self.missed} | {label.id for label, _ in self.false_flags}
        if self.serious_expected and not self.serious_found:
            ids.add("serious")
        if self.praised_expected and self.serious_found:
            ids.add("praised")
        return ids

    def table(self) -> str:
        """A short score table for a failure message."""
        total = len(self.found) + len(self.missed)
        judgement = ""
        if self.serious_expected:
            judgement = f", serious judgement {'shown (exit 1)' if self.serious_found else 'MISSED (exit 0)'}"
        elif self.praised_expected:
            judgement = f", praised judgement {'CONTRADICTED (exit 1)' if self.serious_found else 'kept (exit 0)'}"
        lines = [
            f"{self.case}: found {len(self.found)} of {total} weaknesses, "
            f"{len(self.false_flags)} false flag(s) on strengths{judgement}",
        ]
        lines += [
            f"  missed   {label.id}: {label.subjects[0]} {list(label.categories)}"
            for label in self.missed
        ]
        lines += [
            f"  flagged  {label.id}: {finding.severity} {finding.rule} {finding.category} {finding.subject}"
            for label, finding in self.false_flags
        ]
        return "\n".join(lines)


def _label(raw: dict[str, Any], where: str) -> Label:
    subject = raw["subject"]
    subjects = tuple(subject) if isinstance(subject, list) else (subject,)
    for one in subjects:
        assert one.split(":", 1)[0] in SUBJECT_KINDS and ":" in one, f"{where}: bad subject {one!r}"
    categories = tuple(raw["categories"])
    unknown = set(categories) - set(CATEGORIES)
    assert categories and not unknown, f"{where}: unknown or no categories {sorted(unknown)}"
    assert raw["quote"].strip(), f"{where}: a label quotes or paraphrases the report"
    return Label(id=raw["id"], quote=raw["quote"], subjects=subjects, categories=categories)


def load_labels(slug: str) -> Labels:
    """Read and check ``tests/cases/<slug>.labels.yaml``."""
    raw = yaml.safe_load((CASES / f"{slug}.labels.yaml").read_text(encoding="utf-8"))
    weaknesses = tuple(
        _label(item, f"{slug} weakness {i}") for i, item in enumerate(raw.get("weaknesses") or [])
    )
    strengths = tuple(
        _label(item, f"{slug} strength {i}") for i, item in enumerate(raw.get("strengths") or [])
    )
    ids = [label.id for label in weaknesses + strengths]
    assert len(ids) == len(set(ids)), f"{slug}: label ids must be unique"
    assert "known_gaps" not in raw, f"{slug}: no known gaps; every label must pass"
    serious, praised = bool(raw.get("serious", False)), bool(raw.get("praised", False))
    assert not (serious and praised), f"{slug}: a judgement is serious or praised, not both"
    return Labels(serious, praised, weaknesses, strengths)


def score(slug: str) -> Score:
    """Audit ``tests/cases/<slug>.yaml`` and compare the findings with its labels."""
    labels = load_labels(slug)
    findings = audit(CASES / f"{slug}.yaml").findings
    found = tuple(w for w in labels.weaknesses if any(w.matches(f) for f in findings))
    missed = tuple(w for w in labels.weaknesses if w not in found)
    false_flags = tuple((s, f) for s in labels.strengths for f in findings if s.matches(f))
    return Score(
        case=slug,
        found=found,
        missed=missed,
        false_flags=false_flags,
        serious_expected=labels.serious,
        praised_expected=labels.praised,
        serious_found=any(f.severity in SERIOUS for f in findings),
    )


SLUGS = sorted(p.name.removesuffix(".labels.yaml") for p in CASES.glob("*.labels.yaml"))


def test_every_case_has_record_and_labels() -> None:
    records = {p.stem for p in CASES.glob("*.yaml") if not p.name.endswith(".labels.yaml")}
    assert records == set(SLUGS)
    assert len(SLUGS) >= 5


@pytest.mark.parametrize("slug", SLUGS)
def test_published_case(slug: str) -> None:
    """Every weakness found, no strength flagged, the overall judgement shown by the exit code."""
    result = score(slug)
    assert not result.failing(), "\n" + result.table()
