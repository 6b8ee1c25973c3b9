"""The context rulesets, the self-assessment checks and the coverage matrix, end to end.

The issue's "done when" checks run against the shipped examples; the rest keeps the catalogue,
the coverage matrix and the rule files honest with each other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from partnership_rules import Auditor, RecordError, Report, audit, load_rulesets, record_from_data
from partnership_rules._catalogue import load_catalogue
from partnership_rules._coverage import coverage_markdown, coverage_problems
from partnership_rules._sources import load_sources, source_keys

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
# The five sources the rulesets are built from (the rest of the catalogue is law and frameworks).
BUILT_FROM = (
    "education-training-notes",
    "teach-too",
    "qca-partnership-guide",
    "childrens-services-notes",
    "hgiocld-qi-3.2",
)
CONTEXTS = ("education-training", "nvq", "childrens-services", "community-learning")
CONTEXT_PREFIX = {
    "education-training": "EDU",
    "nvq": "NVQ",
    "childrens-services": "CHS",
    "community-learning": "CLD",
    "self-assessment": "SA",
}
HEALTHY = (
    "craven-swissport",
    "nvq-healthy",
    "childrens-services-healthy",
    "community-learning-healthy",
)
ALL_RULESETS = [rs.name for rs in load_rulesets()]


@pytest.fixture(scope="module")
def every_ruleset() -> Auditor:
    return Auditor(ALL_RULESETS)


def _example(name: str) -> Report:
    return audit(EXAMPLES / f"{name}.yaml")


# --- "Done when" ------------------------------------------------------------------------------


def test_childrens_services_without_an_agreement_gets_a_high_finding_naming_it() -> None:
    report = _example("childrens-services-no-isa")
    assert "childrens-services" in report.rulesets
    sharing = [f for f in report.findings if f.category == "information-sharing"]
    # The gaps of an agreement never written are one cause: one finding (CORE105) with each
    # missing safeguard as a part (and, with no shared platform among its channels, no secure
    # route for the data: CORE076), the missing safeguarding exception (a childrens-services
    # rule, gathered across rule files) among them.
    (grouped,) = [f for f in sharing if f.rule == "CORE105"]
    parts = {p.rule: p for p in grouped.parts}
    assert set(parts) == {"CHS002", "CHS003", "CHS004", "CORE076", "CHS005"}
    assert parts["CHS002"].severity == "high"
    assert parts["CHS002"].message.startswith("Missing safeguard")
    assert "information-sharing agreement" in parts["CHS002"].message
    assert "no written information-sharing agreement" in grouped.message
    # Its severity is its worst part's: no lawful basis is a legal duty breached.
    assert grouped.severity == "critical" == parts["CHS004"].severity
    assert {f.rule for f in sharing} == {"CORE105"}
    assert all(p.severity in ("high", "critical") for p in grouped.parts)
    assert parts["CHS005"].severity == "critical"


def test_nvq_with_140_candidates_and_2_assessors_gets_a_compliance_finding_with_the_ratio() -> None:
    report = _example("nvq-consortium")
    # The assessor and verifier ratios are one shortfall: one finding (NVQ100) with the
    # ratio rules that fired as its parts.
    staffing = [f for f in report.findings if "NVQ001" in {p.rule for p in f.parts}]
    assert [f.rule for f in staffing] == ["NVQ100"]
    finding = staffing[0]
    assert finding.category == "compliance"
    # 40 candidates per assessor is the project's default, not a figure from a source: a ratio
    # alone weakens the partnership (medium), it is not high (docs/severity.md).
    assert finding.severity == "medium"
    assert "70 candidates per assessor" in finding.message
    (part,) = [p for p in finding.parts if p.rule == "NVQ001"]
    assert "140 candidates share 2 assessor(s): 70 candidates per assessor" in part.message
    assert part.severity == "medium"
    assert finding.evidence["candidates_per_assessor"] == 70


def test_overclaimed_learner_voice_gets_a_self_assessment_finding() -> None:
    report = _example("community-learning-voice")
    q10 = [f for f in report.findings if f.subject == "self-assessment:hgiocld-3.2/q10"]
    # Every finding against it is medium (CLD001, no learner or community voice on any body,
    # weakens the partnership), so the contradiction is SA007 (medium), not SA009.
    assert [f.rule for f in q10] == ["SA007"]
    finding = q10[0]
    assert finding.category == "self-assessment"
    assert finding.severity == "medium"
    assert "level 5" in finding.message
    # It says which evidence contradicts the rating: learners only informed and on no body,
    # and their feedback not acted on.
    assert "CORE049 stakeholder:learners" in finding.message
    assert "CLD001 partnership:community-learning-voice" in finding.message
    assert "CORE065 stakeholder:learners" in finding.message
    assert finding.evidence["contradiction_count"] == len(finding.evidence["contradictions"]) >= 3
    assert finding.evidence["contradiction_high_count"] == 0


def test_a_rating_contradicted_only_by_medium_findings_stays_medium() -> None:
    report = _example("community-learning-voice")
    joint = [
        f
        for f in report.findings
        if f.subject == "self-assessment:hgiocld-3.2/joint-vision-planning-evaluation"
    ]
    assert [(f.rule, f.severity) for f in joint] == [("SA007", "medium")]
    assert joint[0].evidence["contradiction_high_count"] == 0


def test_sa007_and_sa009_never_report_the_same_rating() -> None:
    for path in sorted(EXAMPLES.glob("*.yaml")):
        report = audit(path)
        sa007 = {f.subject for f in report.findings if f.rule == "SA007"}
        sa009 = {f.subject for f in report.findings if f.rule == "SA009"}
        assert sa007.isdisjoint(sa009), path.name


# docs/coverage.md is generated from the rules' covers lists and the source inventory.


def test_coverage_matrix_is_current() -> None:
    rulesets = load_rulesets()
    assert coverage_markdown(rulesets) == (ROOT / "docs" / "coverage.md").read_text(
        encoding="utf-8"
    )


def test_coverage_matrix_maps_every_point_of_the_five_sources() -> None:
    assert coverage_problems(load_rulesets()) == []


def test_the_sources_with_points_are_the_five_the_rulesets_are_built_from() -> None:
    assert tuple(s.key for s in load_sources().sources if s.groups) == BUILT_FROM
    for item in load_sources().items():
        assert item.id.split("/")[0] in BUILT_FROM


# --- Contexts select rulesets -----------------------------------------------------------------


@pytest.mark.parametrize("context", CONTEXTS)
def test_each_context_has_examples_that_exercise_it(context: str) -> None:
    reports = [audit(path) for path in sorted(EXAMPLES.glob("*.yaml"))]
    chosen = [r for r in reports if context in r.rulesets]
    assert chosen, f"no example runs {context}"
    prefix = CONTEXT_PREFIX[context]
    assert any(f.rule.startswith(prefix) for r in chosen for f in r.findings), (
        f"no example gets a {context} finding"
    )


def test_contexts_choose_the_rulesets_and_ruleset_overrides() -> None:
    report = _example("nvq-consortium")
    assert report.rulesets == ["core", "nvq", "self-assessment"]
    assert not any(f.rule.startswith(("EDU", "CHS", "CLD")) for f in report.findings)
    forced = audit(EXAMPLES / "nvq-consortium.yaml", rulesets=["core", "childrens-services"])
    assert forced.rulesets == ["core", "childrens-services"]
    assert not any(f.rule.startswith(("NVQ", "SA")) for f in forced.findings)


@pytest.mark.parametrize("name", HEALTHY)
def test_healthy_examples_have_nothing_above_low_with_every_ruleset(
    every_ruleset: Auditor, name: str
) -> None:
    report = every_ruleset.audit(EXAMPLES / f"{name}.yaml")
    serious = [
        (f.rule, f.subject) for f in report.findings if f.severity in ("critical", "high", "medium")
    ]
    assert serious == []


@pytest.mark.parametrize("name", HEALTHY)
def test_forced_context_rulesets_say_nothing_about_a_partnership_of_another_context(
    every_ruleset: Auditor, name: str
) -> None:
    # Partnership-level context rules test the record's context flag. (Rules on partners,
    # stakeholders, objectives, actions, bodies and issues cannot: those facts carry no flag.)
    report = every_ruleset.audit(EXAMPLES / f"{name}.yaml")
    own = set(_example(name).rulesets)
    foreign = [
        (f.rule, f.subject)
        for f in report.findings
        if f.subject.startswith("partnership:")
        and f.ruleset in CONTEXT_PREFIX
        and f.ruleset not in own
    ]
    assert foreign == []


@pytest.mark.parametrize("name", HEALTHY)
def test_healthy_examples_are_clean_in_their_own_contexts(name: str) -> None:
    assert _example(name).findings == []


# --- Indicative levels ------------------------------------------------------------------------


def test_indicative_levels_are_capped_by_the_worst_finding_on_each_theme() -> None:
    levels = {lv.theme: lv for lv in _example("community-learning-voice").indicative_levels}
    assert set(levels) == {
        "developing-and-sustaining",
        "joint-vision-planning-evaluation",
        "adding-value",
    }
    adding = levels["adding-value"]
    assert adding.level == 4  # a medium finding caps a theme at 4
    assert "CLD001" in adding.capped_by
    assert all("not an inspection grade" in lv.note for lv in levels.values())


def test_indicative_levels_of_a_healthy_record_reach_the_top_of_the_scale() -> None:
    levels = _example("community-learning-healthy").indicative_levels
    scale = load_catalogue().frameworks["hgiocld-3.2"].indicative
    assert scale is not None
    assert [(lv.level, lv.capped_by) for lv in levels] == [(scale.max_level, [])] * 3


def test_indicative_levels_only_for_community_learning() -> None:
    assert _example("nvq-consortium").indicative_levels == []
    assert _example("craven-swissport").indicative_levels == []


# --- The catalogue ----------------------------------------------------------------------------


def _rules_by_id() -> dict[str, Any]:
    return {rule.id: rule for rs in load_rulesets() for rule in rs.rules}


def test_catalogue_evidence_rules_name_real_rules() -> None:
    known = _rules_by_id()
    unknown = [
        (framework, item.id, rule_id)
        for framework, fw in load_catalogue().frameworks.items()
        for item in fw.items
        for rule_id in item.evidence_rules
        if rule_id not in known
    ]
    assert unknown == []


def test_hgiocld_evidence_rules_are_medium_or_above() -> None:
    # Level 5 (very good) allows minor weaknesses: a low finding neither contradicts it nor
    # caps an indicative level, so listing one would only add noise.
    rules = _rules_by_id()
    low = [
        (item.id, rule_id)
        for item in load_catalogue().frameworks["hgiocld-3.2"].items
        for rule_id in item.evidence_rules
        if rule_id in rules and rules[rule_id].rule.severity in ("low", "info")
    ]
    assert low == []


def test_every_hgiocld_theme_has_evidence_rules() -> None:
    themes = [i for i in load_catalogue().frameworks["hgiocld-3.2"].items if i.theme is None]
    assert [t.id for t in themes if not t.evidence_rules] == []


def _record_with(self_assessment: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (EXAMPLES / "craven-swissport.yaml").read_text(encoding="utf-8")
    )
    data["self_assessment"] = self_assessment
    return data


def test_unknown_self_assessment_item_is_an_input_error_naming_it() -> None:
    data = _record_with([{"framework": "teach-too", "item": "staff-are-happy", "rating": "green"}])
    with pytest.raises(RecordError) as caught:
        record_from_data(data)
    paths = [problem.path for problem in caught.value.problems]
    assert "self_assessment[0].item" in paths
    assert "staff-are-happy" in str(caught.value)


def test_red_rating_carries_the_catalogue_remedy() -> None:
    data = _record_with(
        [{"framework": "teach-too", "item": "marketing-invites-employers", "rating": "red"}]
    )
    finding = next(f for f in audit(data).findings if f.rule == "SA001")
    item = load_catalogue().item("teach-too", "marketing-invites-employers")
    assert item is not None
    assert finding.remedy == item.remedy


def test_contradiction_remedy_and_message_are_filled_in() -> None:
    findings = [
        f
        for name in ("community-learning-voice", "boston-clements")
        for f in _example(name).findings
    ]
    contradictions = [f for f in findings if f.rule in ("SA007", "SA009")]
    assert {f.rule for f in contradictions} == {"SA007", "SA009"}
    for finding in contradictions:
        assert "{" not in finding.message and "{" not in finding.remedy
        assert "For this item:" in finding.remedy


# --- The rule files ---------------------------------------------------------------------------

CONTEXT_RULES = [rule for rs in load_rulesets() if rs.name in CONTEXT_PREFIX for rule in rs.rules]


@pytest.mark.parametrize("rule", CONTEXT_RULES, ids=lambda r: r.id)
def test_context_rules_cite_a_source_and_its_section(rule: Any) -> None:
    assert rule.id.startswith(CONTEXT_PREFIX[rule.ruleset])
    assert any(reference.source in BUILT_FROM for reference in rule.rule.references)
    for reference in rule.rule.references:
        assert reference.source in source_keys()
        assert reference.section
