"""One finding per cause across rule files: groups whose parts come from other rulesets,
gathered from related subjects (stakeholders' findings under the partnership) and from
another group (its finding, or its parts that fired alone)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partnership_rules import (
    Auditor,
    Finding,
    RulesetError,
    base_record,
    compare_reports,
    load_rulesets,
)
from partnership_rules import apply_example as apply
from partnership_rules._grouping import group_findings
from partnership_rules._rule_loader import load_ruleset

ROOT = Path(__file__).parent.parent
AUDITOR = Auditor(engine="python")
# Selecting every rule by id runs no group: the findings as they were before grouping.
UNGROUPED = Auditor(engine="python", select=[rule.id for rule in AUDITOR.rules])

# Learner forum and residents sit on no body (CLD001, partnership) and the forum takes part
# in no review (CLD002, stakeholder): one missing voice.
NO_LEARNER_VOICE: dict[str, Any] = {
    "remove": [
        "governance.bodies[0].members[4]",
        "governance.bodies[1].members[3]",
        "governance.bodies[1].members[4]",
        "governance.bodies[2].members[3]",
        "reviews[0].participants[4]",
        "reviews[1].participants[3]",
        "reviews[2].participants[4]",
    ]
}
# The parent-carer forum is a voluntary body and carers left the board (CHS007), and the
# carers are only informed (CORE049 on the carers).
NO_FAMILY_VOICE: dict[str, Any] = {
    "set": {"partners[5].kind": "voluntary", "stakeholders[0].engagement": "informed"},
    "remove": ["governance.bodies[0].members[6]"],
}


def _audit(base: str, variant: dict[str, Any], auditor: Auditor = AUDITOR) -> list[Finding]:
    return auditor.audit(apply(base_record(base), variant)).findings


def _units(findings: list[Finding]) -> list[tuple[str, str]]:
    return sorted((u.rule, u.subject) for f in findings for u in f.units())


def _one(findings: list[Finding], rule: str) -> Finding:
    (finding,) = [f for f in findings if f.rule == rule]
    return finding


def test_a_missing_learner_voice_is_one_finding_on_the_partnership() -> None:
    findings = _audit("healthy-community-learning", NO_LEARNER_VOICE)
    finding = _one(findings, "CLD100")
    assert finding.subject == "partnership:community-learning-healthy"
    # No seat where decisions are taken is also what CORE050 says of each voice.
    assert _units(finding.parts) == [
        ("CLD001", "partnership:community-learning-healthy"),
        ("CLD002", "stakeholder:learner-forum"),
        ("CORE050", "stakeholder:learner-forum"),
        ("CORE050", "stakeholder:residents"),
    ]
    assert "take part in no review" in finding.message
    assert "on no governance body" in finding.message
    assert finding.category == "stakeholder-voice" and finding.severity == "medium"
    # Nothing else reports the same missing voice on its own.
    assert [f.rule for f in findings if f.category == "stakeholder-voice"] == ["CLD100"]


def test_a_stakeholder_group_is_gathered_with_its_parts_listed_inside() -> None:
    variant = {
        **NO_LEARNER_VOICE,
        "set": {"stakeholders[0].engagement": "informed"},
    }
    findings = _audit("healthy-community-learning", variant)
    finding = _one(findings, "CLD100")
    units = _units(finding.parts)
    assert ("CORE049", "stakeholder:learner-forum") in units
    assert ("CLD001", "partnership:community-learning-healthy") in units
    assert "engaged only at level 'informed'" in finding.message


def test_one_part_of_a_voice_group_alone_is_reported_as_it_is() -> None:
    only_reviews = {"remove": NO_LEARNER_VOICE["remove"][4:]}
    findings = _audit("healthy-community-learning", only_reviews)
    assert [
        (f.rule, f.subject, f.parts) for f in findings if f.category == "stakeholder-voice"
    ] == [("CLD002", "stakeholder:learner-forum", [])]


def test_a_stakeholder_group_alone_does_not_make_the_partnership_group() -> None:
    # Carers only informed and their feedback ignored: CORE102 on the carers, nothing on the
    # partnership, so the children's services group does not form.
    variant = {"set": {"stakeholders[0].engagement": "informed"}}
    findings = _audit("healthy-childrens-services", variant)
    assert [f.rule for f in findings if f.category == "stakeholder-voice"] == ["CORE049"]


def test_families_without_a_voice_are_one_finding_across_rule_files() -> None:
    findings = _audit("healthy-childrens-services", NO_FAMILY_VOICE)
    finding = _one(findings, "CHS100")
    assert _units(finding.parts) == [
        ("CHS007", "partnership:childrens-services-healthy"),
        ("CORE049", "stakeholder:carers"),
    ]
    assert "'Parents and carers" in finding.message or "engaged only" in finding.message
    quiet = _audit("healthy-childrens-services", {})
    assert not [f for f in quiet if f.category == "stakeholder-voice"]


def test_learners_without_a_voice_are_one_finding_in_education_and_training() -> None:
    variant = {"remove": ["feedback[0]"], "set": {"stakeholders[0].engagement": "informed"}}
    findings = _audit("healthy-education-training", variant)
    finding = _one(findings, "EDU100")
    assert _units(finding.parts) == [
        ("CORE049", "stakeholder:learners"),
        ("EDU006", "partnership:craven-swissport"),
    ]
    alone = _audit("healthy-education-training", {"remove": ["feedback[0]"]})
    assert [f.rule for f in alone if f.category == "stakeholder-voice"] == ["EDU006"]


def test_an_agreement_not_kept_up_is_one_finding() -> None:
    variant = {
        "set": {
            "governance.agreement.signed_by": ["northvale", "calder"],
            "governance.agreement.covers": ["roles", "resources", "data-sharing"],
        }
    }
    findings = _audit("healthy", variant)
    finding = _one(findings, "CORE106")
    assert [p.rule for p in finding.parts] == ["CORE019", "CORE022"]
    assert "not signed by 1 partner(s)" in finding.message
    alone = _audit("healthy", {"set": {"governance.agreement.signed_by": ["northvale", "calder"]}})
    assert "CORE019" in [f.rule for f in alone] and "CORE106" not in [f.rule for f in alone]


def test_childrens_services_gaps_join_the_core_information_sharing_group() -> None:
    variant = {
        "set": {
            "information_sharing.safeguarding_exception": False,
            "information_sharing.purposes": ["early-help-assessment", "transitions"],
        }
    }
    findings = _audit("healthy-childrens-services", variant)
    finding = _one(findings, "CORE105")
    assert [p.rule for p in finding.parts] == ["CHS005", "CHS010"]
    assert finding.severity == "critical"  # its worst part's
    assert not {"CHS005", "CHS010"} & {f.rule for f in findings}
    # No information sharing recorded and an agreement silent on it: one cause.
    nothing = {
        "set": {
            "information_sharing": None,
            "governance.agreement.covers": ["roles", "resources", "disputes", "exit"],
        }
    }
    finding = _one(_audit("healthy-childrens-services", nothing), "CORE105")
    assert [p.rule for p in finding.parts] == ["CORE078", "CHS001"]
    # Outside children's services the same agreement gap is reported alone.
    alone = _audit("healthy", {"set": {"governance.agreement.covers": ["roles", "resources"]}})
    assert "CORE078" in [f.rule for f in alone] and "CORE105" not in [f.rule for f in alone]


def test_no_assessor_joins_the_other_staffing_shortfalls() -> None:
    variant = {
        "set": {
            "qualifications.candidates": 303,
            "qualifications.assessors": 0,
            "qualifications.internal_verifiers": 3,
        }
    }
    finding = _one(_audit("healthy-nvq", variant), "NVQ100")
    assert [p.rule for p in finding.parts] == ["NVQ002", "NVQ014"]
    assert finding.severity == "high"
    alone = _audit("healthy-nvq", {"set": {"qualifications.assessors": 0}})
    assert "NVQ002" in [f.rule for f in alone] and "NVQ100" not in [f.rule for f in alone]


# --- Rule ids stay stable ---------------------------------------------------------------


def test_select_and_ignore_work_on_the_part_ids() -> None:
    record = apply(base_record("healthy-community-learning"), NO_LEARNER_VOICE)
    selected = Auditor(select=["CLD002"], engine="python").audit(record).findings
    assert [(f.rule, f.parts) for f in selected] == [("CLD002", [])]
    ignored = Auditor(ignore=["CLD002"], engine="python").audit(record).findings
    assert "CLD002" not in [u.rule for f in ignored for u in f.units()]
    assert "CLD001" in [p.rule for p in _one(ignored, "CLD100").parts]
    # Naming the group selects its parts, those of the group among them included.
    auditor = Auditor(select=["CLD100"], engine="python")
    assert {"CLD001", "CLD002", "CORE102", "CORE049", "CORE081"} <= {
        r.id for r in auditor.rules
    } | {g.id for g in auditor.groups}


def test_a_waived_part_leaves_the_group_cleanly() -> None:
    waiver = {
        "rule": "CLD002",
        "subject": "stakeholder:learner-forum",
        "justification": "The forum reviews its own work with the youth worker",
        "expires": "2099-01-01",
        "approved_by": "Board",
    }
    variant = {**NO_LEARNER_VOICE, "append": {"waivers": waiver}}
    report = AUDITOR.audit(apply(base_record("healthy-community-learning"), variant))
    # The group forms from the other parts; the waived one is listed as waived only.
    finding = _one(report.findings, "CLD100")
    assert "CLD002" not in [p.rule for p in finding.parts]
    assert "take part in no review" not in finding.message
    assert [w.finding.rule for w in report.waived] == ["CLD002"]
    assert "CORE111" not in [f.rule for f in report.findings]  # the waiver matched


def test_a_baseline_from_before_grouping_matches_the_parts() -> None:
    record = apply(base_record("healthy-community-learning"), NO_LEARNER_VOICE)
    ungrouped = UNGROUPED.audit(record)
    grouped = AUDITOR.audit(record)
    assert len(grouped.findings) < len(ungrouped.findings)
    change = compare_reports(ungrouped, grouped)
    assert change.new == change.resolved == []
    assert {"CLD001", "CLD002"} <= {f.rule for f in change.unchanged}


# --- Grouping never loses a finding ---------------------------------------------------------

_RECORDS = [
    *sorted((ROOT / "examples").glob("*.yaml")),
    *sorted(p for p in (ROOT / "tests" / "cases").glob("*.yaml") if ".labels" not in p.name),
]


@pytest.mark.parametrize("path", _RECORDS, ids=lambda p: p.stem)
def test_every_finding_of_every_record_appears_as_a_finding_or_a_part(path: Path) -> None:
    grouped = AUDITOR.audit(path).findings
    assert _units(grouped) == _units(UNGROUPED.audit(path).findings)


def _singles() -> list[Finding]:
    """Every single-rule finding of the examples and the published cases."""
    return [u for path in _RECORDS for f in AUDITOR.audit(path).findings for u in f.units()]


SINGLES = _singles()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(range(len(SINGLES))), unique=True, max_size=40))
def test_grouping_never_loses_a_finding(chosen: list[int]) -> None:
    findings = [SINGLES[i] for i in chosen]
    facts = {f.subject: {"subject": f.subject, "id": f.subject.split(":", 1)[1]} for f in findings}
    kinds = {f.subject.split(":", 1)[0] for f in findings}
    for subject in list(facts):
        facts[subject]["type"] = subject.split(":", 1)[0]
    if "partnership" not in kinds:
        facts["partnership:p"] = {"subject": "partnership:p", "id": "p", "type": "partnership"}
    grouped = group_findings(findings, AUDITOR.groups, facts)
    assert _units(grouped) == _units(findings)


# --- The loader checks parts of other rule files ------------------------------------------

OTHER_PART = """
ruleset: own
title: Own checks
rules:
  - id: OWN001
    name: no-voice-seat
    title: No voice seat
    severity: medium
    category: stakeholder-voice
    applies_to: partnership
    when: {field: voice_on_body_count, equals: 0}
    message: "Partnership '{name}' gives no seat to learners."
    rationale: R.
    remedy: R.
    references: [{source: own-guide, title: Our partnership handbook}]
groups:
  - id: OWN100
    name: no-voice
    title: No voice
    category: stakeholder-voice
    about: partnership
    parts:
      - {rule: OWN001, says: no seat}
      - {rule: %s, ruleset: core, says: "'{name}' at most informed"}
    message: "Partnership '{name}': {parts}."
    rationale: R.
    remedy: R.
"""


def test_a_part_of_another_loaded_ruleset_must_exist(tmp_path: Path) -> None:
    good = tmp_path / "own.yaml"
    good.write_text(OTHER_PART % "CORE049", encoding="utf-8")
    rulesets = load_rulesets(["core", good])
    (group,) = rulesets[-1].groups
    assert group.part("CORE049") is not None
    # Without core loaded the part simply takes no part.
    assert [g.id for g in load_rulesets([good])[0].groups] == ["OWN100"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(OTHER_PART % "CORE999", encoding="utf-8")
    with pytest.raises(RulesetError) as caught:
        load_rulesets(["core", bad])
    assert "'CORE999' is not a rule or group of ruleset 'core'" in str(caught.value)
    assert "OWN100" in str(caught.value)


def test_a_part_of_another_file_names_its_ruleset() -> None:
    text = (OTHER_PART % "CORE049").replace(", ruleset: core", "")
    with pytest.raises(RulesetError) as caught:
        load_ruleset("own.yaml", text=text)
    assert "'CORE049' is not a rule or group of this file" in str(caught.value)


def test_a_waived_inner_group_leaves_the_outer_group_cleanly() -> None:
    # Learners and residents sit on no body (CLD001, CORE050 each) and the forum's feedback
    # was not acted on: CORE102 forms on the forum and is gathered into CLD100.
    variant: dict[str, Any] = {
        "remove": NO_LEARNER_VOICE["remove"][:4],
        "set": {"feedback[0].acted_on": False},
    }
    record = apply(base_record("healthy-community-learning"), variant)
    finding = _one(AUDITOR.audit(record).findings, "CLD100")
    (inner,) = [p for p in finding.parts if p.rule == "CORE102"]
    assert [p.rule for p in inner.parts] == ["CORE050", "CORE065"]
    assert "not heard: on no governance body" in finding.message
    waiver = {
        "rule": "CORE102",
        "subject": "stakeholder:learner-forum",
        "justification": "The forum is being re-formed this term",
        "expires": "2099-01-01",
        "approved_by": "Board",
    }
    report = AUDITOR.audit(apply(record, {"append": {"waivers": waiver}}))
    finding = _one(report.findings, "CLD100")
    assert _units(finding.parts) == [
        ("CLD001", "partnership:community-learning-healthy"),
        ("CORE050", "stakeholder:residents"),
    ]
    assert [(w.finding.rule, w.finding.subject) for w in report.waived] == [
        ("CORE102", "stakeholder:learner-forum")
    ]
    assert "CORE111" not in [f.rule for f in report.findings]


def test_a_partner_without_a_part_is_one_finding_across_rule_files() -> None:
    # An employer on the steering group with no action, objective or metric: CORE071 (core)
    # and EDU002 (education-training) about one partner.
    airline = {
        "id": "airline",
        "name": "Dales Air",
        "kind": "employer",
        "senior_sponsor": "Chief Pilot",
        "signed_agreement": True,
        "contributions": [{"kind": "expertise", "amount": 10, "unit": "hours"}],
        "benefits": ["recruits"],
    }
    variant = {"append": {"partners": airline, "governance.bodies[0].members": "airline"}}
    findings = _audit("healthy-education-training", variant)
    finding = _one(findings, "CORE107")
    assert finding.subject == "partner:airline"
    assert [p.rule for p in finding.parts] == ["CORE071", "EDU002"]
    assert finding.message.startswith("Partner 'Dales Air' (airline) has no part")
    # Without the education-training ruleset its part takes no part: CORE071 alone.
    alone = _audit("healthy-education-training", variant, Auditor(["core"], engine="python"))
    assert "CORE071" in [f.rule for f in alone if f.subject == "partner:airline"]
    assert "CORE107" not in [f.rule for f in alone]
    assert not [f for f in _audit("healthy-education-training", {}) if f.rule == "CORE107"]


@pytest.mark.parametrize("path", _RECORDS, ids=lambda p: p.stem)
def test_no_group_about_the_partnership_is_left_split_in_any_record(path: Path) -> None:
    # Every finding about the record belongs to its partnership: whatever the parts of one
    # partnership group that stay apart must be fewer than the group needs to form.
    report = AUDITOR.audit(path)
    by_id = {group.id: group for group in AUDITOR.groups}
    for group in AUDITOR.groups:
        if group.group.about != "partnership" or group.ruleset not in report.rulesets:
            continue
        counted = set()
        for finding in report.findings:
            for part in group.group.parts:
                inner = by_id.get(part.rule)
                if part.rule == finding.rule or (inner and inner.part(finding.rule)):
                    counted.add(part.rule)
        assert len(counted) < group.group.min_parts, (group.id, sorted(counted))


def test_a_group_finding_is_one_action_plan_row() -> None:
    report = AUDITOR.audit(apply(base_record("healthy-community-learning"), NO_LEARNER_VOICE))
    rows = [row for row in report.action_plan if row.rule == "CLD100"]
    assert len(rows) == 1
    assert not [row for row in report.action_plan if row.rule in ("CLD001", "CLD002", "CORE050")]
