"""Each error the domain review of the rules found, as a test (issue 9, point 5).

Rule-by-rule firing and quiet cases are the rules' examples (``rulesets/*.yaml``); these tests
name the review's findings one by one, on the healthy base records and the published cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from partnership_rules import Auditor, Finding, base_record, render
from partnership_rules import apply_example as apply

ROOT = Path(__file__).parent.parent
CASES = ROOT / "tests" / "cases"
AUDITOR = Auditor(engine="python")


def _findings(base: str, variant: dict[str, Any]) -> list[Finding]:
    return AUDITOR.audit(apply(base_record(base), variant)).findings


def _rules(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings} | {p.rule for f in findings for p in f.parts}


# --- HGIOCLD indicative levels -----------------------------------------------------------------


def test_a_community_learning_record_with_no_governance_body_scores_5_on_no_theme() -> None:
    record = apply(base_record("healthy-community-learning"), {"set": {"meetings": []}})
    record["governance"]["bodies"] = []
    levels = AUDITOR.audit(record).indicative_levels
    assert len(levels) == 3
    assert all(level.level < 5 for level in levels), [(lv.theme, lv.level) for lv in levels]
    assert all("CORE010" in level.capped_by for level in levels)


def test_levels_carry_their_label_and_cite_the_hgiocld_framework_for_the_scale() -> None:
    report = AUDITOR.audit(base_record("healthy-community-learning"))
    assert {(lv.level, lv.label) for lv in report.indicative_levels} == {(5, "very good")}
    assert all(
        "How good is our community learning and development" in lv.scale
        for lv in report.indicative_levels
    )
    assert "5 (very good) of 6" in render(report, "text")


# --- Information sharing -----------------------------------------------------------------------


@pytest.mark.parametrize("basis", ["n/a", "tbc", "agreed by all partners", "-"])
def test_a_lawful_basis_that_names_no_basis_is_none(basis: str) -> None:
    findings = _findings(
        "healthy-childrens-services", {"set": {"information_sharing.lawful_basis": basis}}
    )
    assert "CHS004" in _rules(findings)


def test_consent_only_beside_a_safeguarding_exception_is_a_contradiction() -> None:
    findings = _findings(
        "healthy-childrens-services", {"set": {"information_sharing.lawful_basis": "consent"}}
    )
    (finding,) = [f for f in findings if f.rule == "CORE075"]
    assert finding.category == "information-sharing" and finding.severity == "high"


def test_purposes_that_leave_out_safeguarding_fail() -> None:
    findings = _findings(
        "healthy-childrens-services",
        {"set": {"information_sharing.purposes": ["transitions", "early help"]}},
    )
    assert "CHS010" in _rules(findings)


def test_parent_carer_partners_are_not_agencies() -> None:
    everyone_else_council = {"set": {f"partners[{i}].kind": "local-authority" for i in range(1, 5)}}
    assert "CHS006" in _rules(_findings("healthy-childrens-services", everyone_else_council))


def test_the_carers_check_is_not_suppressed_by_learner_or_community_voice() -> None:
    variant = {
        "set": {"partners[5].kind": "voluntary"},
        "remove": ["governance.bodies[0].members[6]"],
        "append": {
            "stakeholders": {"id": "pupils", "name": "Pupil panel", "kind": "learners"},
            "governance.bodies[0].members": "pupils",
        },
    }
    assert "CHS007" in _rules(_findings("healthy-childrens-services", variant))


def test_personal_data_with_no_secure_route_is_a_finding() -> None:
    findings = _findings(
        "healthy-childrens-services", {"set": {"information_sharing.secure_route": False}}
    )
    assert "CORE076" in _rules(findings)


def test_agencies_absent_from_the_meetings_that_decide_about_children() -> None:
    report = AUDITOR.audit(CASES / "solihull-mash-2022.yaml")
    (finding,) = [f for f in report.findings if f.rule == "CHS011"]
    assert finding.subject == "body:strategy-meetings"
    assert "NHS Birmingham and Solihull Clinical Commissioning Group attended 25%" in (
        finding.message
    )


def test_an_information_sharing_agreement_not_reviewed_in_a_year() -> None:
    findings = _findings(
        "healthy-childrens-services", {"set": {"information_sharing.last_reviewed": "2017-06-30"}}
    )
    assert "CORE077" in _rules(findings)


def test_information_sharing_checks_apply_outside_childrens_services() -> None:
    section = {"agreement": True, "purposes": ["learner progress"], "lawful_basis": "n/a"}
    findings = _findings("healthy-community-learning", {"set": {"information_sharing": section}})
    assert "CHS004" in _rules(findings)
    # ...but not where the record says no personal data is shared.
    findings = _findings(
        "healthy-community-learning",
        {"set": {"information_sharing": {**section, "personal_data": False}}},
    )
    assert "CHS004" not in _rules(findings)


# --- Reviews -----------------------------------------------------------------------------------


def test_an_awarding_body_verification_is_not_a_partnership_review() -> None:
    only_external = [{"date": "2016-03-01", "kind": "external", "participants": ["northvale"]}]
    assert "CORE053" in _rules(_findings("healthy", {"set": {"reviews": only_external}}))


def test_a_large_partnership_is_not_judged_on_one_absence_from_a_review() -> None:
    partners = [
        {"id": f"p{i}", "name": f"Employer {i}", "kind": "employer", "contributions": []}
        for i in range(5)
    ]
    variant = {
        "append": {"partners": partners},
        "set": {"reviews[1].participants": ["northvale", "calder", "p0", "p1", "p2", "p3", "p4"]},
    }
    assert "CORE055" not in _rules(_findings("healthy", variant))  # 7 of 8 took part


# --- Staff time, NVQ ratios, merged rule ---------------------------------------------------------


@pytest.mark.parametrize(("amount", "unit"), [(20, "days"), (0.2, "FTE"), (None, "tutors")])
def test_staff_time_in_days_or_fte_or_named_staff_is_staff_time(amount: Any, unit: str) -> None:
    variant = {
        "set": {
            "partners[0].contributions[1].amount": amount,
            "partners[0].contributions[1].unit": unit,
        }
    }
    assert "EDU011" not in _rules(_findings("healthy-education-training", variant))


def test_nvq_ratio_thresholds_are_settable_project_defaults_and_not_high_alone() -> None:
    report = AUDITOR.audit(ROOT / "examples" / "nvq-consortium.yaml")
    (ratio,) = [p for f in report.findings for p in f.parts if p.rule == "NVQ001"]
    assert ratio.severity == "medium"
    assert any("project's default judgement" in t for t in ratio.evidence["thresholds"])


def test_chs008_and_cld003_are_one_rule_whose_old_ids_still_select_it() -> None:
    for old in ("CHS008", "CLD003"):
        assert [r.id for r in Auditor(select=[old], engine="python").rules] == ["CORE071"]


# --- Wording: context remedies and names -------------------------------------------------------


def test_a_childrens_services_report_does_not_read_an_education_remedy() -> None:
    variant = {"set": {"objectives[0].statement": "Improve early help for families"}}
    (finding,) = [
        f
        for f in Auditor(select=["CORE004"], engine="python")
        .audit(apply(base_record("healthy-childrens-services"), variant))
        .findings
    ]
    assert "pass rate" not in finding.remedy and "Level 3" not in finding.remedy
    assert "children and families" in finding.remedy


def test_messages_name_objectives_and_partners_by_name_with_the_id_in_brackets() -> None:
    findings = _findings("healthy", {"set": {"objectives[0].due": None}})
    (due,) = [f for f in findings if f.rule == "CORE002"]
    assert due.message.startswith("Objective 'Raise the functional maths pass rate")
    assert "(maths-pass)" in due.message
    power = _findings("healthy", {"set": {"partners[0].contributions[0].amount": 30000}})
    (funding,) = [f for f in power if f.rule == "CORE026"]
    assert "partner 'Northvale College' (northvale)" in funding.message


# --- Everyday checks ---------------------------------------------------------------------------


def test_no_feedback_at_all_and_a_partners_feedback_never_acted_on() -> None:
    assert "CORE081" in _rules(_findings("healthy", {"set": {"feedback": []}}))
    unheard = {"append": {"feedback": {"from": "calder", "acted_on": False}}}
    assert "CORE082" in _rules(_findings("healthy", unheard))


def test_under_resourced_delivery_is_reported_as_resourcing_not_delivery() -> None:
    findings = _findings("healthy", {"set": {"issues[1].raised": "2016-01-04"}})
    (finding,) = [f for f in findings if f.rule == "CORE079"]
    assert finding.category == "resourcing" and finding.severity == "high"
    assert "CORE062" not in _rules(findings)


def test_staff_time_far_below_the_plan_is_reported_as_resourcing() -> None:
    short = {"set": {"partners[0].contributions[1].planned": 400}}  # 150 of 400 hours
    (finding,) = [f for f in _findings("healthy", short) if f.rule == "CORE088"]
    assert finding.category == "resourcing" and finding.subject == "partner:northvale"
    assert "38% of the staff time planned" in finding.message
    assert "below the 50% the project takes as under-resourced" in finding.message
    (threshold,) = finding.evidence["thresholds"]
    assert "min_staff_time_plan_share" in threshold and "default judgement" in threshold
    settable = Auditor(engine="python", thresholds={"min_staff_time_plan_share": 0.3})
    assert "CORE088" not in _rules(settable.audit(apply(base_record("healthy"), short)).findings)


def test_raise_is_a_vague_term() -> None:
    variant = {"set": {"objectives[0].statement": "Raise maths standards for engineering learners"}}
    assert "CORE004" in _rules(_findings("healthy", variant))


# --- False positives on normal structures ------------------------------------------------------


def test_a_partner_reached_by_newsletters_but_on_a_body_that_meets_is_not_one_way_only() -> None:
    # Brightwater gets only one-way channels, but sits on the steering group (every 42 days).
    one_way = {"set": {"communication[0].two_way": False, "communication[2].two_way": False}}
    assert "CORE046" not in _rules(_findings("healthy", one_way))
    off_body = {"set": {**one_way["set"], "governance.bodies[0].members": ["northvale", "calder"]}}
    assert {f.subject for f in _findings("healthy", off_body) if f.rule == "CORE046"} == {
        "partner:brightwater"
    }


def test_the_sender_of_one_way_channels_is_not_flagged() -> None:
    report = AUDITOR.audit(ROOT / "examples" / "uktd-hairdressing.yaml")
    flagged = {f.subject for f in report.findings if f.rule == "CORE046"}
    # The provider sends the newsletter; the salons, on a forum that meets twice a year, cannot reply.
    assert "partner:uktd" not in flagged
    assert {"partner:changes", "partner:jayne-co", "partner:mova"} <= flagged


def test_a_standing_constraint_is_not_an_issue_left_open() -> None:
    constraint = {
        "append": {
            "issues": {
                "id": "i-visits",
                "description": "Assessors can visit each workplace only once a month",
                "kind": "constraint",
                "raised": "2015-10-01",
            }
        }
    }
    assert "CORE062" not in _rules(_findings("healthy", constraint))
    dispute = {"append": {"issues": {**constraint["append"]["issues"], "kind": "conflict"}}}
    assert "CORE062" in _rules(_findings("healthy", dispute))
