"""Rule examples: base records, the path operations of a case, and how `rules check` and
`rules test` treat them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from partnership_rules.cli.main import cli

from partnership_rules import Auditor, RecordError
from partnership_rules._rule_examples import (
    DEFAULT_BASE,
    MINIMAL_RECORD,
    apply_example,
    base_record,
    base_record_names,
)

HEAD = """\
ruleset: my-checks
title: My checks
{header}rules:
  - id: OWN001
    name: own-metric-without-frequency
    title: Metric without a reading frequency
    severity: low
    category: absent-metrics
    applies_to: metric
    when: {{field: every_days, exists: false}}
    message: "Metric '{{id}}' has no reading frequency."
    rationale: A metric read at no set interval cannot show a trend.
    remedy: Say how often it is read.
    references: [{{source: qca-partnership-guide}}]
    examples:
{examples}"""


def _file(tmp_path: Path, examples: str, header: str = "") -> Path:
    path = tmp_path / "my-checks.yaml"
    path.write_text(HEAD.format(header=header, examples=examples), encoding="utf-8")
    return path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output, result.stderr


def test_the_base_records_are_minimal_and_the_shipped_healthy_ones() -> None:
    names = base_record_names()
    assert names[0] == DEFAULT_BASE == "minimal"
    assert {"healthy", "healthy-nvq", "healthy-childrens-services"} <= set(names)
    assert base_record("minimal") == MINIMAL_RECORD
    with pytest.raises(RecordError, match="no base record of this name"):
        base_record("unhealthy")


@pytest.mark.parametrize("name", [n for n in base_record_names() if n.startswith("healthy-")])
def test_a_context_base_record_gives_no_finding_in_its_contexts(name: str) -> None:
    assert Auditor().audit(base_record(name)).findings == []


def test_the_healthy_base_record_gives_no_core_finding() -> None:
    findings = Auditor().audit(base_record("healthy")).findings
    assert [f.rule for f in findings if f.rule.startswith("CORE")] == []


def test_a_case_is_merged_then_set_appended_and_removed_in_order() -> None:
    base = {"a": {"b": 1, "c": [1, 2, 3]}, "d": [{"e": 1}, {"e": 2}]}
    case = {
        "about": "all four",
        "subjects": ["x:y"],
        "a": {"b": 2},
        "set": {"d[1].e": 5, "a.new.deep": True, "a.b": None},
        "append": {"a.c": [4, 5], "d": {"e": 3}, "f": 1},
        "remove": ["a.c[0]", "a.c[2]", "d[0]"],
    }
    out = apply_example(base, case)
    assert out == {
        "a": {"c": [2, 4, 5], "new": {"deep": True}},
        "d": [{"e": 5}, {"e": 3}],
        "f": [1],
    }
    assert base == {"a": {"b": 1, "c": [1, 2, 3]}, "d": [{"e": 1}, {"e": 2}]}


@pytest.mark.parametrize(
    ("case", "path"),
    [
        ({"set": {"d[5].e": 1}}, "d[5].e"),
        ({"remove": ["a.missing"]}, "a.missing"),
        ({"append": {"a.b.c": 1}}, "a.b.c"),
    ],
)
def test_a_path_that_does_not_fit_the_base_is_an_error_naming_it(
    case: dict[str, object], path: str
) -> None:
    with pytest.raises(RecordError, match=r"does not fit the base record") as raised:
        apply_example({"a": {"b": 1}, "d": [{"e": 1}]}, case)
    assert raised.value.problems[0].path == path


def test_rules_test_runs_path_operations_on_the_files_base_record(tmp_path: Path) -> None:
    examples = """\
      fire:
        - about: the placements metric has no frequency
          set: {"metrics[2].every_days": null}
          subjects: [metric:placements-completed]
        - about: a new metric without one
          append: {metrics: {id: m9, name: M9, dimension: results, kind: quantitative}}
          subjects: [metric:m9]
      quiet:
        - about: as shipped
        - about: weekly readings
          set: {"metrics[2].every_days": 7}
"""
    path = _file(tmp_path, examples, header="examples_base: healthy\n")
    code, output, stderr = _run("rules", "test", str(path))
    assert code == 0, stderr
    assert "1 rule file(s), 4 example(s): all pass" in output


def test_a_rules_base_wins_over_the_files(tmp_path: Path) -> None:
    examples = """\
      base: healthy-nvq
      fire:
        - {about: no frequency, set: {"metrics[0].every_days": null}}
      quiet:
        - {about: as shipped}
"""
    path = _file(tmp_path, examples, header="examples_base: minimal\n")
    assert _run("rules", "test", str(path))[0] == 0


def test_rules_test_names_file_rule_and_case_of_each_failure(tmp_path: Path) -> None:
    examples = """\
      fire:
        - about: wrong subject
          set: {"metrics[2].every_days": null}
          subjects: [metric:pass-rate]
        - about: no such metric
          set: {"metrics[9].every_days": null}
      quiet:
        - set: {"metrics[0].every_days": null}
"""
    path = _file(tmp_path, examples, header="examples_base: healthy\n")
    code, _, stderr = _run("rules", "test", str(path))
    assert code == 1
    assert stderr.splitlines() == [
        f"partnership-rules: {path}: OWN001 fire[0] (wrong subject): fired on"
        " metric:placements-completed, not on metric:pass-rate",
        f"partnership-rules: {path}: OWN001 fire[1] (no such metric): metrics[9].every_days"
        " does not fit base record healthy",
        f"partnership-rules: {path}: OWN001 quiet[0]: fired on metric:pass-rate",
        "partnership-rules: 3 of 3 example(s) failed",
    ]


@pytest.mark.parametrize(
    ("header", "examples", "expected"),
    [
        (
            "examples_base: sickly\n",
            "      fire: []\n",
            "examples_base: Value error, no base record 'sickly'",
        ),
        ("", "      base: sickly\n", "examples.base: Value error, no base record 'sickly'"),
        (
            "",
            "      fire:\n        - {set: [a, b]}\n",
            "examples.fire.0: Value error, set: a mapping",
        ),
        ("", "      quiet:\n        - {remove: ['a..b']}\n", "is not a path"),
        ("", "      quiet:\n        - {subjects: x}\n", "subjects: a list of subjects"),
    ],
)
def test_rules_check_refuses_a_malformed_example(
    tmp_path: Path, header: str, examples: str, expected: str
) -> None:
    path = _file(tmp_path, examples, header=header)
    code, _, stderr = _run("rules", "check", str(path))
    assert code == 2
    assert expected in stderr
    assert str(path) in stderr
