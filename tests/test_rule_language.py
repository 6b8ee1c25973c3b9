"""docs/rule-language.md is generated from the rule model and the fact schemas, and its
worked examples are rules that load, and fire where they should."""

from __future__ import annotations

from pathlib import Path

import pytest

from partnership_rules import Auditor, load_ruleset
from partnership_rules._rule_language import rule_language_markdown, worked_examples
from partnership_rules.facts import FACT_SCHEMAS

ROOT = Path(__file__).parent.parent


def test_the_reference_is_up_to_date() -> None:
    actual = (ROOT / "docs" / "rule-language.md").read_text(encoding="utf-8")
    assert actual == rule_language_markdown(), (
        "run: partnership-rules rules reference > docs/rule-language.md"
    )


def test_every_fact_field_is_documented() -> None:
    text = rule_language_markdown()
    for fact_type, schema in FACT_SCHEMAS.items():
        section = text.split(f"### {fact_type}\n", 1)[1].split("\n### ", 1)[0]
        for name in schema:
            assert f"| `{name}` |" in section, (fact_type, name)


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("language") / "my-checks.yaml"
    path.write_text(
        "ruleset: my-checks\ntitle: Worked examples\nrules:\n" + "".join(worked_examples())
    )
    return path


def test_the_worked_examples_load(examples: Path) -> None:
    assert [r.id for r in load_ruleset(examples).rules] == ["OWN001", "OWN002", "OWN003"]


@pytest.mark.parametrize("engine", ["python", "durable"])
def test_the_worked_examples_fire_on_a_record_made_to_break_them(
    examples: Path, engine: str
) -> None:
    from partnership_rules import available_engines

    if engine not in available_engines():
        pytest.skip(f"{engine} does not run here")
    record = {
        "partnership": {"id": "p", "name": "P", "assessed_on": "2025-01-01"},
        "partners": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}],
        "governance": {
            "bodies": [{"id": "board", "name": "Board", "kind": "board", "members": ["a"]}]
        },
        "objectives": [{"id": "o1", "statement": "Raise completion to 80%", "target": 80}],
        "actions": [
            {"id": "x1", "action": "Run a class", "responsible": ["b"], "accountable": "b"}
        ],
    }
    report = Auditor(
        ["core"], extra_rulesets=[examples], engine=engine, select=["my-checks"]
    ).audit(record)
    fired = sorted({(f.rule, f.subject) for f in report.findings})
    assert fired == [
        ("OWN001", "objective:o1"),
        ("OWN002", "action:x1"),
        ("OWN003", "objective:o1"),
    ]
    joined = next(f for f in report.findings if f.rule == "OWN002")
    assert "answered for by B (b), who sits on no governance body" in joined.message
    assert joined.evidence == {"status": "not-started", "partner.in_governance": False}


@pytest.mark.parametrize("engine", ["python", "durable"])
def test_the_worked_examples_stay_quiet_once_put_right(examples: Path, engine: str) -> None:
    from partnership_rules import available_engines

    if engine not in available_engines():
        pytest.skip(f"{engine} does not run here")
    record = {
        "partnership": {"id": "p", "name": "P", "assessed_on": "2025-01-01"},
        "partners": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}],
        "governance": {
            "bodies": [{"id": "board", "name": "Board", "kind": "board", "members": ["a", "b"]}]
        },
        "objectives": [
            {"id": "o1", "statement": "Raise completion to 80%", "target": 80, "baseline": 70}
        ],
        "actions": [
            {"id": "x1", "action": "Run a class", "accountable": "b", "objective": "o1"},
            # Done, and answered for by nobody: neither keeps o1 unserved nor joins a partner.
            {"id": "x2", "action": "Plan", "objective": "o1", "status": "done"},
        ],
    }
    report = Auditor(
        ["core"], extra_rulesets=[examples], engine=engine, select=["my-checks"]
    ).audit(record)
    assert [f.rule for f in report.findings] == []
