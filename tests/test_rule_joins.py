"""A rule's ``join`` and ``absent`` as the loader checks them: every field named on both
sides, kinds that can be compared, placeholders of the joined fact; each problem names the
file, line, rule and field. (The engines' agreement on them is in test_engines.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from partnership_rules import Auditor, RulesetError, load_ruleset
from partnership_rules.facts import FACT_SCHEMAS

RULE = """\
ruleset: my-joins
title: Joins
rules:
  - id: OWN001
    name: own-joined
    title: Joined
    severity: low
    category: unclear-roles
    applies_to: action
    when: {field: status, not_equals: done}
    message: "Action {id}."
    rationale: Why.
    remedy: What.
    references: [{source: qca-partnership-guide}]
"""


def _load(tmp_path: Path, **extra: Any) -> list[str]:
    """The problems of the rule above with ``extra`` fields, as described lines."""
    data = yaml.safe_load(RULE)
    data["rules"][0].update(extra)
    path = tmp_path / "joins.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(RulesetError) as error:
        load_ruleset(path)
    return error.value.describe().splitlines()


def _problems(lines: list[str]) -> list[str]:
    # "PATH:LINE: rules[0] (OWN001).join.type: message" -> "join.type: message"
    return [line.split("(OWN001).", 1)[1] for line in lines]


def test_a_join_names_a_known_fact_type(tmp_path: Path) -> None:
    lines = _load(tmp_path, join={"type": "sponsor", "match": {"accountable": "id"}})
    known = ", ".join(FACT_SCHEMAS)  # partnership, partner, stakeholder, body...
    assert _problems(lines) == [f"join.type: unknown fact type 'sponsor' (one of: {known})"]
    assert lines[0].startswith(f"{tmp_path / 'joins.yaml'}:")


def test_joined_fields_exist_on_both_sides_and_compare(tmp_path: Path) -> None:
    match = {"acountable": "id", "status": "seat_count", "phase": "phases", "objective": "type"}
    lines = _load(tmp_path, join={"type": "partner", "match": match})
    assert _problems(lines) == [
        "join.match.acountable: 'acountable' is not a field of action facts",
        "join.match.status: 'status' is text but 'seat_count' of partner facts is number:"
        " joined fields are of one kind",
        "join.match.phase: 'phases' is a list and cannot be joined on",
        "join.match.objective: 'type' is reserved and cannot be joined on",
    ]


def test_the_joined_condition_is_checked_against_the_joined_type(tmp_path: Path) -> None:
    join = {"type": "partner", "match": {"accountable": "id"}, "when": {"field": "status"}}
    lines = _load(tmp_path, absent=join)
    assert _problems(lines) == ["absent.when: a test has exactly one operator"]
    join["when"] = {"field": "status", "equals": "done"}
    assert _problems(_load(tmp_path, absent=join)) == [
        "absent.when.field: 'status' is not a field of partner facts"
    ]


def test_placeholders_name_fields_of_the_joined_fact_only_with_a_join(tmp_path: Path) -> None:
    join = {"type": "partner", "match": {"accountable": "id"}}
    lines = _load(tmp_path, join=join, message="{partner.nmae} and {objective.name}")
    assert _problems(lines) == [
        "message: placeholder '{partner.nmae}' is not a field of partner facts",
        "message: placeholder '{objective.name}' is not a field of action facts",
    ]
    lines = _load(tmp_path, absent=join, message="{partner.name}")
    assert _problems(lines) == [
        "message: placeholder '{partner.name}' is not a field of action facts"
    ]


@pytest.mark.parametrize("fact_type", ["self-assessment", "waiver"])
def test_facts_checked_apart_are_not_joined(tmp_path: Path, fact_type: str) -> None:
    # The audit runs them after the others: a join across the runs would see nothing.
    lines = _load(tmp_path, join={"type": fact_type, "match": {"id": "id"}})
    assert _problems(lines) == [
        f"join.type: {fact_type} facts are checked apart from the others and cannot be joined"
    ]


def test_a_join_needs_match(tmp_path: Path) -> None:
    lines = _load(tmp_path, join={"type": "partner"})
    assert _problems(lines) == ["join.match: Field required"]


def test_evidence_may_name_the_joined_facts_fields(tmp_path: Path) -> None:
    data = yaml.safe_load(RULE)
    data["rules"][0].update(
        join={"type": "partner", "match": {"accountable": "id"}},
        evidence=["status", "partner.name", "partner.seat_count"],
        message="{name}: {partner.name} holds {partner.seat_count} seats",
    )
    path = tmp_path / "joins.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    record = {
        "partnership": {"id": "p", "name": "P", "assessed_on": "2025-01-01"},
        "partners": [{"id": "a", "name": "Alpha"}],
        "actions": [{"id": "x", "action": "Do it", "accountable": "a"}],
    }
    for engine in Auditor(["core"]).engine, "python":
        report = Auditor([path], engine=engine).audit(record)
        (finding,) = report.findings
        assert finding.subject == "action:x"
        assert finding.message == "Do it: Alpha holds 0 seats"
        assert finding.evidence == {
            "status": "not-started",
            "partner.name": "Alpha",
            "partner.seat_count": 0,
        }


def test_explain_and_the_rule_docs_describe_the_join_and_the_absence(tmp_path: Path) -> None:
    from partnership_rules import explain_text, render_rules

    data = yaml.safe_load(RULE)
    data["rules"][0].update(
        join={"type": "partner", "match": {"accountable": "id"}},
        absent={
            "type": "action",
            "match": {"id": "follows"},
            "when": {"field": "status", "equals": "done"},
        },
    )
    path = tmp_path / "joins.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    rulesets = [load_ruleset(path)]
    assert (
        "Each action where status is not done, with partner whose `id` is its `accountable`,"
        " and no action whose `follows` is its `id` and where status is done."
    ) in render_rules(rulesets, "markdown")
    explained = explain_text("OWN001", rulesets)
    assert '  join: {"type": "partner", "match": {"accountable": "id"}}' in explained
    assert '  absent: {"type": "action", "match": {"id": "follows"}, "when":' in explained
