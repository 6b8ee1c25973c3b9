"""Named thresholds: numbers no source fixes are declared in the ruleset, documented, and
settable with ``Auditor(thresholds=...)``; findings say they are the project's judgement."""

from __future__ import annotations

from pathlib import Path

import pytest

from partnership_rules import (
    Auditor,
    Finding,
    RulesetError,
    UsageError,
    available_engines,
    load_rulesets,
)
from partnership_rules._rule_loader import load_ruleset

ROOT = Path(__file__).parent.parent
NVQ = ROOT / "examples" / "nvq-consortium.yaml"  # 140 candidates, 2 assessors: 70 per assessor


def _nvq001(auditor: Auditor) -> list[Finding]:
    findings = auditor.audit(NVQ).findings
    return [f for f in findings if f.rule == "NVQ001"] + [
        p for f in findings for p in f.parts if p.rule == "NVQ001"
    ]


@pytest.mark.parametrize("engine", available_engines())
def test_a_threshold_set_for_an_audit_changes_what_fires_on_every_engine(engine: str) -> None:
    only = ["NVQ001"]  # alone, not gathered with the other ratios (NVQ100)
    assert _nvq001(Auditor(["core", "nvq"], select=only, engine=engine))
    assert _nvq001(
        Auditor(
            ["core", "nvq"],
            select=only,
            engine=engine,
            thresholds={"max_candidates_per_assessor": 69},
        )
    )
    assert not _nvq001(
        Auditor(
            ["core", "nvq"],
            select=only,
            engine=engine,
            thresholds={"max_candidates_per_assessor": 70},
        )
    )


def test_the_evidence_says_the_threshold_is_the_projects_default_judgement() -> None:
    (finding,) = _nvq001(Auditor(["core", "nvq"]))
    assert finding.evidence["thresholds"] == [
        "most candidates per assessor: 40, the project's default judgement, not a figure from"
        " a source (threshold max_candidates_per_assessor, settable)"
    ]
    assert "above the limit of 40 (a judgement, not a figure from a source" in finding.message


def test_a_threshold_set_for_the_audit_is_reported_with_its_default() -> None:
    auditor = Auditor(["core", "nvq"], thresholds={"max_candidates_per_assessor": 60})
    (finding,) = _nvq001(auditor)
    assert "above the limit of 60" in finding.message
    assert finding.evidence["thresholds"] == [
        "most candidates per assessor: 60, set for this audit (the project's default judgement"
        " is 40; threshold max_candidates_per_assessor)"
    ]


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [
        ({"max_candidate_per_assessor": 30}, "'max_candidate_per_assessor' names no threshold"),
        ({"max_candidates_per_assessor": 0}, "0 is below the smallest allowed, 1"),
        ({"max_candidates_per_assessor": "30"}, "'30' is not a number"),
        ({"max_candidates_per_assessor": True}, "True is not a number"),
        ({"quality_concern_days": 2.5}, "2.5 is not a whole number"),
        ({"max_seat_share": 1.5}, "1.5 is above the largest allowed, 1"),
    ],
)
def test_a_bad_threshold_is_a_usage_error_naming_it(
    thresholds: dict[str, object], message: str
) -> None:
    with pytest.raises(UsageError) as caught:
        Auditor(thresholds=thresholds)  # type: ignore[arg-type]
    assert message in str(caught.value)


def test_a_threshold_of_a_ruleset_not_loaded_is_unknown() -> None:
    with pytest.raises(UsageError, match="names no threshold"):
        Auditor(["core"], thresholds={"max_candidates_per_assessor": 30})


RULE_FILE = """
ruleset: own
title: Own checks
thresholds:
  min_words:
    default: 12
    label: fewest words in a statement
    why: Our own judgement.
rules:
  - id: OWN001
    name: short-statement
    title: Objective statement is short
    severity: low
    category: vague-objectives
    applies_to: objective
    when: {field: statement_words, lt: {threshold: %s}}
    message: "Objective '{id}' has {statement_words} words, fewer than {threshold.%s}."
    rationale: Short statements leave things out.
    remedy: Say more.
    references: [{source: own-guide, title: Our partnership handbook}]
"""


def test_a_rule_file_declares_its_thresholds_and_uses_them() -> None:
    ruleset = load_ruleset("own.yaml", text=RULE_FILE % ("min_words", "min_words"))
    (rule,) = ruleset.rules
    assert rule.condition == {"$and": [{"type": "objective"}, {"$lt": {"statement_words": 12}}]}
    assert rule.render_message({"id": "o1", "statement_words": 5}) == (
        "Objective 'o1' has 5 words, fewer than 12."
    )
    set_lower = load_ruleset(
        "own.yaml", text=RULE_FILE % ("min_words", "min_words"), thresholds={"min_words": 8}
    )
    assert set_lower.rules[0].condition["$and"][1] == {"$lt": {"statement_words": 8}}


@pytest.mark.parametrize(
    ("condition_name", "placeholder_name", "message"),
    [
        ("min_word", "min_words", "no threshold 'min_word' in this ruleset (declared: min_words)"),
        ("min_words", "min_word", "placeholder '{threshold.min_word}' names no threshold"),
    ],
)
def test_an_undeclared_threshold_is_refused_naming_the_rule(
    condition_name: str, placeholder_name: str, message: str
) -> None:
    with pytest.raises(RulesetError) as caught:
        load_ruleset("own.yaml", text=RULE_FILE % (condition_name, placeholder_name))
    assert "OWN001" in str(caught.value)
    assert message in str(caught.value)


def test_every_shipped_threshold_is_documented_with_its_default_and_reason() -> None:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    declared = {name: t for rs in load_rulesets() for name, t in rs.thresholds.items()}
    assert "max_candidates_per_assessor" in declared
    for name, threshold in declared.items():
        assert f"| `{name}` |" in text
        assert threshold.why.strip()


def test_every_shipped_threshold_is_used_by_a_rule() -> None:
    for ruleset in load_rulesets():
        used = {use.name for rule in ruleset.rules for use in rule.thresholds}
        assert set(ruleset.thresholds) <= used, ruleset.name
