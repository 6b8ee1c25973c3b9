"""Every shipped rule carries its tests as examples beside it (``examples: {fire, quiet}``),
and ``rules test`` passes on every shipped ruleset."""

from __future__ import annotations

from importlib.resources import files

import pytest
import yaml

from partnership_rules import load_rulesets, run_rule_examples, shipped_ruleset_names
from partnership_rules._rule_examples import rule_examples

SHIPPED = shipped_ruleset_names()


def _path(name: str) -> str:
    return str(files("partnership_rules.rulesets").joinpath(f"{name}.yaml"))


@pytest.mark.parametrize("name", SHIPPED)
def test_every_example_of_the_shipped_ruleset_passes(name: str) -> None:
    cases, failures = run_rule_examples(_path(name))
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
