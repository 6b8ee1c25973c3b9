"""Every rule fires on the records made to break it and stays quiet on the near misses."""

from __future__ import annotations

from typing import Any

import pytest
from rule_cases import apply, base_record, load_cases

from partnership_rules import Auditor, load_rulesets

CASES = load_cases()
ALL_RULE_IDS = sorted(rule.id for rs in load_rulesets() for rule in rs.rules)


@pytest.fixture(scope="module")
def auditor() -> Auditor:
    # Every shipped ruleset, whatever the record's contexts say.
    return Auditor([rs.name for rs in load_rulesets()])


def _variants(kind: str) -> list[Any]:
    out = []
    for case in CASES:
        for index, variant in enumerate(case.get(kind) or []):
            label = f"{case['rule']}-{kind}-{index}-{variant.get('about', '')}"
            out.append(pytest.param(case, variant, id=label))
    return out


def _subjects(auditor: Auditor, case: dict[str, Any], variant: dict[str, Any]) -> list[str]:
    record = apply(base_record(case.get("base", "healthy")), variant)
    report = auditor.audit(record)
    # A rule's finding may be gathered into a group's finding (one per cause) as a part.
    return sorted(
        {f.subject for f in report.findings if f.rule == case["rule"]}
        | {p.subject for f in report.findings for p in f.parts if p.rule == case["rule"]}
    )


@pytest.mark.parametrize(("case", "variant"), _variants("fire"))
def test_rule_fires(auditor: Auditor, case: dict[str, Any], variant: dict[str, Any]) -> None:
    subjects = _subjects(auditor, case, variant)
    assert subjects, f"{case['rule']} did not fire: {variant.get('about')}"
    if "subjects" in variant:
        assert subjects == sorted(variant["subjects"])


@pytest.mark.parametrize(("case", "variant"), _variants("quiet"))
def test_rule_stays_quiet(auditor: Auditor, case: dict[str, Any], variant: dict[str, Any]) -> None:
    assert _subjects(auditor, case, variant) == []


def test_every_rule_has_a_firing_and_a_quiet_case() -> None:
    covered = {c["rule"] for c in CASES if c.get("fire") and c.get("quiet")}
    missing = [rule_id for rule_id in ALL_RULE_IDS if rule_id not in covered]
    assert missing == [], f"rules without both a fire and a quiet case: {missing}"


def test_case_files_name_real_rules() -> None:
    unknown = [c["file"] for c in CASES if c["rule"] not in ALL_RULE_IDS]
    assert unknown == []
