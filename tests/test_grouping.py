"""One finding per cause: groups declared in the ruleset data gather the findings of their
part rules about one subject into one finding that lists them as its parts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from partnership_rules import (
    Auditor,
    Finding,
    RulesetError,
    base_record,
    compare_reports,
    load_rulesets,
)
from partnership_rules import apply_example as apply
from partnership_rules._rule_loader import load_ruleset

ROOT = Path(__file__).parent.parent
AUDITOR = Auditor(engine="python")

# The maths objective with no target, no due date and no metric: one cause, three rules.
NOT_SMART: dict[str, Any] = {
    "set": {
        "objectives[0].target": None,
        "objectives[0].due": None,
        "objectives[0].metrics": [],
    }
}
# The college chairs both bodies, decides alone in the steering group and pays most of the
# money: power held by one partner, seen from three sides.
POWER: dict[str, Any] = {
    "set": {
        "governance.bodies[0].chair": "northvale",
        "governance.bodies[0].decision_rule": "lead-partner",
        "partners[0].contributions[0].amount": 40000,
    }
}


def _record(variant: dict[str, Any]) -> dict[str, Any]:
    return apply(base_record("healthy"), variant)


def _about(findings: list[Finding], subject: str) -> list[Finding]:
    return [f for f in findings if f.subject == subject]


def test_an_objective_that_is_not_smart_is_one_finding_listing_what_is_missing() -> None:
    report = AUDITOR.audit(_record(NOT_SMART))
    (finding,) = _about(report.findings, "objective:maths-pass")
    assert finding.rule == "CORE100"
    assert [p.rule for p in finding.parts] == ["CORE001", "CORE031", "CORE002"]
    assert finding.message.endswith("is not SMART: no target; no metric; no due date.")
    assert "(maths-pass)" in finding.message
    # Its worst part (no target, no metric) is high: the severity stays the worst part's.
    assert finding.severity == "high"
    assert [p.severity for p in finding.parts] == ["high", "high", "medium"]
    assert finding.evidence["parts"] == [
        "CORE001 objective:maths-pass",
        "CORE031 objective:maths-pass",
        "CORE002 objective:maths-pass",
    ]
    assert finding.evidence["has_target"] is False
    # One action-plan row: one remedy, the group's.
    assert "rewrites it" in finding.remedy
    # Reports name its subject as they name a part's: by the objective's statement.
    assert finding.subject_name == finding.parts[0].subject_name != ""


def test_an_objective_falling_behind_and_moving_away_is_one_finding() -> None:
    # Placements fall from 6 to 4 while a third of the time goes by: no progress, off track.
    report = AUDITOR.audit(_record({"set": {"metrics[2].readings[1].value": 4}}))
    (finding,) = _about(report.findings, "objective:placements")
    assert finding.rule == "CORE104"
    assert [p.rule for p in finding.parts] == ["CORE068", "CORE085"]
    assert "is not reaching its target (20; latest reading 4)" in finding.message


def test_information_shared_without_an_agreement_is_one_finding_at_its_worst_parts_severity() -> (
    None
):
    no_agreement = {
        "set": {
            "information_sharing.agreement": False,
            "information_sharing.purposes": [],
            "information_sharing.lawful_basis": None,
        }
    }
    record = apply(base_record("healthy-childrens-services"), no_agreement)
    findings = AUDITOR.audit(record).findings
    (finding,) = [f for f in findings if f.rule == "CORE105"]
    assert {p.rule for p in finding.parts} >= {"CHS002", "CHS003", "CHS004"}
    assert finding.severity == "critical"  # no lawful basis: a legal duty breached
    assert not {"CHS002", "CHS003", "CHS004"} & {f.rule for f in findings}


def test_one_part_alone_is_reported_as_it_is() -> None:
    report = AUDITOR.audit(_record({"set": {"objectives[0].due": None}}))
    (finding,) = _about(report.findings, "objective:maths-pass")
    assert (finding.rule, finding.parts) == ("CORE002", [])


def test_a_part_rule_selected_alone_still_fires_alone() -> None:
    report = Auditor(select=["CORE001"], engine="python").audit(_record(NOT_SMART))
    assert [(f.rule, f.subject, f.parts) for f in report.findings] == [
        ("CORE001", "objective:maths-pass", [])
    ]


def test_part_rules_selected_without_their_group_are_not_grouped() -> None:
    report = Auditor(select=["CORE001", "CORE002"], engine="python").audit(_record(NOT_SMART))
    assert sorted(f.rule for f in report.findings) == ["CORE001", "CORE002"]


def test_naming_a_group_selects_its_parts_and_ignoring_it_ignores_them() -> None:
    selected = Auditor(select=["objective-not-smart"], engine="python").audit(_record(NOT_SMART))
    assert [f.rule for f in selected.findings] == ["CORE100"]
    ignored = Auditor(ignore=["CORE100"], engine="python").audit(_record(NOT_SMART))
    assert _about(ignored.findings, "objective:maths-pass") == []


def test_power_held_by_one_partner_is_one_finding_whose_severity_reflects_the_combination() -> None:
    report = AUDITOR.audit(_record(POWER))
    power = [f for f in report.findings if f.category == "power-imbalance"]
    assert [(f.rule, f.subject) for f in power] == [("CORE101", "partner:northvale")]
    (finding,) = power
    assert sorted((p.rule, p.subject) for p in finding.parts) == [
        ("CORE024", "partnership:northvale-engineering"),
        ("CORE025", "body:steering"),
        ("CORE026", "partnership:northvale-engineering"),
    ]
    # Chairs, the decision rule and the money: three sides, so the others cannot decide
    # without it (high), although each side alone is medium or low.
    assert finding.severity == "high"
    assert {p.severity for p in finding.parts} == {"medium", "low"}
    assert finding.message.startswith("Partner 'Northvale College' (northvale) holds")
    assert "decides alone in 'Engineering maths steering group'" in finding.message
    assert "supplies 89% of the funding" in finding.message


def test_two_sides_of_power_keep_the_worst_parts_severity() -> None:
    two_sides = {"set": {k: v for k, v in POWER["set"].items() if "contributions" not in k}}
    (finding,) = [
        f for f in AUDITOR.audit(_record(two_sides)).findings if f.category == "power-imbalance"
    ]
    assert (finding.rule, finding.severity, len(finding.parts)) == ("CORE101", "medium", 2)


def test_comparing_with_a_baseline_from_before_grouping_matches_the_parts() -> None:
    record = _record(NOT_SMART)
    ungrouped = Auditor(select=["CORE001", "CORE002", "CORE031"], engine="python").audit(record)
    grouped = Auditor(select=["CORE100"], engine="python").audit(record)
    assert len(ungrouped.findings) == 3 and len(grouped.findings) == 1
    change = compare_reports(ungrouped, grouped)
    assert change.new == change.resolved == []
    assert sorted(f.rule for f in change.unchanged) == ["CORE001", "CORE002", "CORE031"]
    # Fixing one part resolves that part only.
    fixed = Auditor(select=["CORE100"], engine="python").audit(
        apply(record, {"set": {"objectives[0].due": "2016-07-31"}})
    )
    change = compare_reports(grouped, fixed)
    assert [(f.rule, f.subject) for f in change.resolved] == [("CORE002", "objective:maths-pass")]
    assert change.new == []


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_gives_at_most_one_finding_per_cause(path: Path) -> None:
    report = AUDITOR.audit(path)
    for group in AUDITOR.groups:
        parts = {p.rule: p for p in group.group.parts}
        for finding in report.findings:
            if finding.parts:
                continue
            part = parts.get(finding.rule)
            if part is None or part.key is not None:
                continue
            # No other rule of the same group reports the same subject on its own.
            others = [
                f.rule
                for f in report.findings
                if f.subject == finding.subject and f.rule in parts and f.rule != finding.rule
            ]
            assert others == [], (group.id, finding.subject, finding.rule, others)


def test_every_shipped_group_is_documented() -> None:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for ruleset in load_rulesets():
        for group in ruleset.groups:
            assert f"#### {group.id} {group.group.name}" in text


GROUP_FILE = """
ruleset: own
title: Own checks
rules:
  - id: OWN001
    name: no-target
    title: No target
    severity: low
    category: vague-objectives
    applies_to: objective
    when: {field: has_target, equals: false}
    message: "Objective '{id}' has no target."
    rationale: R.
    remedy: R.
    references: [{source: own-guide, title: Our partnership handbook}]
  - id: OWN002
    name: no-due-date
    title: No due date
    severity: low
    category: vague-objectives
    applies_to: objective
    when: {field: has_due_date, equals: false}
    message: "Objective '{id}' has no due date."
    rationale: R.
    remedy: R.
    references: [{source: own-guide, title: Our partnership handbook}]
groups:
  - id: OWN100
    name: vague-objective
    title: Vague objective
    category: vague-objectives
    about: objective
    parts:
      - {rule: OWN001, says: no target}
      - {rule: %s, says: no due date}
    escalate:
      - {parts_at_least: 2, severity: %s, severity_basis: purpose}
    message: "Objective '{id}': {parts}."
    rationale: R.
    remedy: R.
"""


def test_a_group_in_a_rule_file_of_ones_own_forms_and_escalates() -> None:
    ruleset = load_ruleset("own.yaml", text=GROUP_FILE % ("OWN002", "high"))
    assert [g.id for g in ruleset.groups] == ["OWN100"]


@pytest.mark.parametrize(
    ("part", "severity", "message"),
    [
        ("OWN003", "high", "'OWN003' is not a rule or group of this file"),
        ("OWN002", "critical", "severity_basis 'purpose' makes a finding high"),
        ("OWN001", "high", "a rule is a part of a group once"),
    ],
)
def test_a_malformed_group_is_refused_naming_it(part: str, severity: str, message: str) -> None:
    with pytest.raises(RulesetError) as caught:
        load_ruleset("own.yaml", text=GROUP_FILE % (part, severity))
    assert "OWN100" in str(caught.value)
    assert message in str(caught.value)
