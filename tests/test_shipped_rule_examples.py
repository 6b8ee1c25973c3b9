"""Every shipped rule carries its tests as examples beside it (``examples: {fire, quiet}``),
and ``rules test`` passes on every shipped ruleset."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest
import yaml

from partnership_rules import (
    available_engines,
    load_rulesets,
    run_rule_examples,
    shipped_ruleset_names,
)
from partnership_rules._rule_examples import rule_examples

SHIPPED = shipped_ruleset_names()


def _path(name: str) -> str:
    return str(files("partnership_rules.rulesets").joinpath(f"{name}.yaml"))


@pytest.mark.parametrize("engine", ["python", "durable"])
@pytest.mark.parametrize("name", SHIPPED)
def test_every_example_of_the_shipped_ruleset_passes(name: str, engine: str) -> None:
    if engine not in available_engines():
        pytest.skip(f"{engine} does not run here")
    cases, failures = run_rule_examples(_path(name), engine=engine)
    assert [f.describe(name) for f in failures] == []
    assert cases >= 2 * len(next(r for r in load_rulesets([name]) if r.name == name).rules)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_rule_has_a_firing_and_a_quiet_example(name: str) -> None:
    ruleset = next(r for r in load_rulesets([name]) if r.name == name)
    kinds: dict[str, set[str]] = {rule.id: set() for rule in ruleset.rules}
    for example in rule_examples(ruleset):
        kinds[example.rule].add(example.kind)
    missing = [rule for rule, seen in kinds.items() if seen != {"fire", "quiet"}]
    assert missing == [], f"{name}: rules without both a fire and a quiet example: {missing}"


@pytest.mark.parametrize("name", SHIPPED)
def test_examples_are_the_last_field_of_each_shipped_rule(name: str) -> None:
    # Written last, so that a rule reads as the rule first and its tests after.
    text = files("partnership_rules.rulesets").joinpath(f"{name}.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    assert data.get("examples_base") is not None
    assert [r["id"] for r in data["rules"] if list(r)[-1] != "examples"] == []


def test_rule_cases_live_in_the_rule_files() -> None:
    # tests/rule_cases/ is gone: a case file brought back by a rebase would run nowhere.
    stray = sorted(p.name for p in (Path(__file__).parent / "rule_cases").glob("*.yaml"))
    assert stray == [], (
        "move these cases into their rules' examples: python tools/move_rule_cases.py"
    )
