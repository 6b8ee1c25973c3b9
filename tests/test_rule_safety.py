"""Rule files from an untrusted source: data only, checked, bounded.

Every malformed or hostile rule file is refused with a :class:`RulesetError` whose message
names the file, the rule (index and id) and the field; the CLI exits 2 with that one line.
Nothing in a rule file runs code, and nothing accepted can crash or hang either engine.
"""

from __future__ import annotations

import copy
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from partnership_rules.cli.main import cli

from partnership_rules import Auditor, RulesetError, load_record
from partnership_rules._conditions import MAX_CONDITION_DEPTH, MAX_CONDITION_TESTS
from partnership_rules._rule_loader import MAX_RULE_FILE_BYTES, RULE_FILE_LIMITS, load_ruleset
from partnership_rules._rule_model import MAX_RULES_PER_FILE
from partnership_rules.engines import durable_available

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "craven-swissport.yaml"
OPERATORS = "equals, not_equals, lt, lte, gt, gte, one_of, not_one_of, exists; or all/any"

RULE: dict[str, Any] = {
    "id": "CUS001",
    "name": "custom-rule",
    "title": "A custom rule",
    "severity": "high",
    "category": "vague-objectives",
    "applies_to": "objective",
    "when": {"field": "has_target", "equals": False},
    "message": "Objective '{id}' has no target.",
    "rationale": "Because.",
    "remedy": "Set one.",
    "references": [{"source": "qca-partnership-guide"}],
}


def rule_file(tmp_path: Path, **changes: Any) -> Path:
    rule = copy.deepcopy(RULE)
    for key, value in changes.items():
        if value is None:
            rule.pop(key, None)
        else:
            rule[key] = value
    path = tmp_path / "custom.yaml"
    path.write_text(
        yaml.safe_dump({"ruleset": "custom", "title": "Custom", "rules": [rule]}, sort_keys=False),
        encoding="utf-8",
    )
    return path


def refused(path: Path, *, strip_lines: bool = True) -> list[str]:
    """The problems, each as the CLI prints it; also checks the CLI says exactly that."""
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    lines = str(caught.value).splitlines()
    assert all(line.startswith(f"{path}") for line in lines)
    result = CliRunner().invoke(cli, ["audit", str(EXAMPLE), "--ruleset", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"partnership-rules: {line}" for line in lines]
    assert "Traceback" not in result.stderr
    out = []
    for line in lines:
        rest = line[len(str(path)) :]  # ": problem" or ":line: problem"
        out.append(rest[2:] if rest.startswith(": ") else rest[1:])
    if strip_lines:  # where a rule's problem is, by line, is tested in test_custom_rules
        out = [re.sub(r"^\d+: ", "", problem) for problem in out]
    return out


def when(**condition: Any) -> dict[str, Any]:
    return condition


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        (
            when(field="statement", matches="^Improve"),
            f".when.matches: unknown operator 'matches' (use one of: {OPERATORS})",
        ),
        (
            when(field="statement", regex="(a+)+$"),
            f".when.regex: unknown operator 'regex' (use one of: {OPERATORS})",
        ),
        (
            when(field="statement", **{"$mt": "%d+"}),
            f".when.$mt: unknown operator '$mt' (use one of: {OPERATORS})",
        ),
        (
            when(field="has_target", like=False),
            f".when.like: unknown operator 'like' (use one of: {OPERATORS})",
        ),
        (
            {"$and": [{"type": "objective"}]},
            f".when.$and: unknown operator '$and' (use one of: {OPERATORS})",
        ),
        (
            {"not": {"field": "has_target", "equals": True}},
            f".when.not: unknown operator 'not' (use one of: {OPERATORS})",
        ),
        (
            when(field="colour", equals="red"),
            ".when.field: 'colour' is not a field of objective facts",
        ),
        (
            when(field="__class__", equals="x"),
            ".when.field: '__class__' is not a field of objective facts",
        ),
        (when(field="id", equals="x"), ".when.field: 'id' is reserved and cannot be tested"),
        (
            when(field="type", equals="partner"),
            ".when.field: 'type' is reserved and cannot be tested",
        ),
        (
            when(field="vague_terms", equals="improve"),
            ".when.field: 'vague_terms' is a list; test its count field instead",
        ),
        (when(field="has_target", equals=3), ".when.equals: 'has_target' is bool; 3 is not"),
        (
            when(field="metric_count", equals="3"),
            ".when.equals: 'metric_count' is number; '3' is not",
        ),
        (
            when(field="metric_count", equals=True),
            ".when.equals: 'metric_count' is number; True is not",
        ),
        (when(field="statement", lt=3), ".when.lt: 'lt' compares numbers, but 'statement' is text"),
        (
            when(field="owner", one_of="a"),
            ".when.one_of: 'one_of' takes a list of 1 to 50 texts, for a text field",
        ),
        (when(field="owner", one_of=[1, 2]), ".when.one_of: 'one_of' takes texts only"),
        (when(field="owner", exists="yes"), ".when.exists: 'exists' takes true or false"),
        (when(field="metric_count", lt=1, gt=0), ".when: a test has exactly one operator"),
        (when(field="metric_count"), ".when: a test has exactly one operator"),
        (when(equals=1), ".when.field: a test needs 'field' naming a fact field"),
        (when(field=["a"], equals=1), ".when.field: a test needs 'field' naming a fact field"),
        ({"all": []}, ".when.all: 'all' takes a non-empty list of conditions"),
        (
            {"any": {"field": "has_target", "equals": True}},
            ".when.any: 'any' takes a non-empty list of conditions",
        ),
        (
            {"all": ["has_target"]},
            ".when.all[0]: a condition is a mapping: {all: [...]}, {any: [...]} or {field: ..., OP: ...}",
        ),
        ({}, ".when: empty condition"),
        (
            when(field="metric_count", lt=10**16),
            ".when.lt: 10000000000000000 is out of range: numbers in conditions lie between -1e15 and 1e15 and, unless 0, are at least 0.0001 in size",
        ),
        (
            when(field="metric_count", gt=0.00001),
            ".when.gt: 1e-05 is out of range: numbers in conditions lie between -1e15 and 1e15 and, unless 0, are at least 0.0001 in size",
        ),
        (
            when(field="metric_count", gt=1e300),
            ".when.gt: 1e+300 is out of range: numbers in conditions lie between -1e15 and 1e15 and, unless 0, are at least 0.0001 in size",
        ),
        (
            when(field="owner", equals="x" * 201),
            f".when.equals: '{'x' * 39}...: texts in conditions are at most 200 characters, without control characters",
        ),
        (
            when(field="owner", equals="a\x00b"),
            ".when.equals: 'a\\x00b': texts in conditions are at most 200 characters, without control characters",
        ),
        (
            when(field="owner", not_one_of=["ok", "a\nb"]),
            ".when.not_one_of: 'a\\nb': texts in conditions are at most 200 characters, without control characters",
        ),
    ],
)
def test_bad_conditions_name_file_rule_and_field(
    tmp_path: Path, condition: Any, problem: str
) -> None:
    assert refused(rule_file(tmp_path, when=condition)) == [f"rules[0] (CUS001){problem}"]


def nested(depth: int) -> dict[str, Any]:
    condition: dict[str, Any] = {"field": "has_target", "equals": False}
    for _ in range(depth):
        condition = {"all": [condition]}
    return condition


def test_conditions_nested_too_deeply(tmp_path: Path) -> None:
    load_ruleset(rule_file(tmp_path, when=nested(MAX_CONDITION_DEPTH)))
    path = ".all[0]" * (MAX_CONDITION_DEPTH + 1)
    assert refused(rule_file(tmp_path, when=nested(MAX_CONDITION_DEPTH + 1))) == [
        f"rules[0] (CUS001).when{path}: conditions nest more than {MAX_CONDITION_DEPTH} levels deep"
    ]


def test_conditions_nested_thousands_deep_stop_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    condition = '{"all": [' * 3000 + json.dumps(RULE["when"]) + "]}" * 3000
    text = json.dumps({"ruleset": "custom", "title": "Custom", "rules": [RULE]})
    path.write_text(text.replace(json.dumps(RULE["when"]), condition, 1))
    start = time.perf_counter()
    problems = refused(path, strip_lines=False)
    assert time.perf_counter() - start < 2
    # The reader's limit for rule files comes first.
    assert problems == [f"1: nested more than {RULE_FILE_LIMITS.max_depth} levels deep"]


def test_too_many_tests_is_one_problem(tmp_path: Path) -> None:
    tests = [{"field": "metric_count", "equals": i} for i in range(MAX_CONDITION_TESTS)]
    load_ruleset(rule_file(tmp_path, when={"any": tests}))
    tests.append({"field": "metric_count", "equals": 999})
    tests.append({"field": "metric_count", "equals": 1000})
    assert refused(rule_file(tmp_path, when={"any": tests})) == [
        f"rules[0] (CUS001).when.any[{MAX_CONDITION_TESTS}]: more than {MAX_CONDITION_TESTS} tests in one condition"
    ]


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        ("{id.__class__}", "placeholder '{id.__class__}' is not a field of objective facts"),
        (
            "{id.__class__.__mro__[1].__subclasses__()}",
            "placeholder '{id.__class__.__mro__[1].__subclasses__()}' is not a field of objective facts",
        ),
        ("{0}", "placeholder '{0}' is not a field of objective facts"),
        ("{}", "placeholder '{}' is not a field of objective facts"),
        ("{id[0]}", "placeholder '{id[0]}' is not a field of objective facts"),
        ("{nope}", "placeholder '{nope}' is not a field of objective facts"),
        ("{id!r}", "placeholder '{id}' may only use a number format such as :.1f or :.0%"),
        (
            "{metric_count:>{id}}",
            "placeholder '{metric_count}' may only use a number format such as :.1f or :.0%",
        ),
        (
            "{metric_count:999999999}",
            "placeholder '{metric_count}' may only use a number format such as :.1f or :.0%",
        ),
        (
            "{metric_count:.999f}",
            "placeholder '{metric_count}' may only use a number format such as :.1f or :.0%",
        ),
        ("{statement:.1f}", "placeholder '{statement}' has a number format but is not a number"),
        ("{id", "malformed placeholder: expected '}' before end of string"),
        ("}{", "malformed placeholder: Single '}' encountered in format string"),
    ],
)
def test_bad_placeholders(tmp_path: Path, message: str, problem: str) -> None:
    assert refused(rule_file(tmp_path, message=message)) == [
        f"rules[0] (CUS001).message: {problem}"
    ]


def test_placeholders_in_the_remedy_are_checked_too(tmp_path: Path) -> None:
    assert refused(rule_file(tmp_path, remedy="Ask {id.__init__.__globals__}")) == [
        "rules[0] (CUS001).remedy: placeholder '{id.__init__.__globals__}' is not a field of objective facts"
    ]


def test_allowed_number_formats_render(tmp_path: Path) -> None:
    path = rule_file(
        tmp_path,
        applies_to="partner",
        when={"field": "seat_count", "gte": 0},
        message="{id}: {seat_share:.0%} {seat_share:5.2f} {seat_count:,d} {seat_share:d}",
    )
    report = Auditor([path]).audit(EXAMPLE)
    assert report.findings
    assert all(len(f.message) < 200 for f in report.findings)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        (
            {"applies_to": "nope"},
            ".applies_to: unknown fact type 'nope' (one of: partnership, partner, stakeholder, body, objective, metric, action, issue, self-assessment, relationship, survey-factor, survey-item, waiver)",
        ),
        (
            {"severity": "apocalyptic"},
            ".severity: Input should be 'critical', 'high', 'medium', 'low' or 'info'",
        ),
        ({"id": "custom-1"}, ".id: String should match pattern '^[A-Z][A-Z0-9]{1,9}[0-9]{3}$'"),
        ({"when": [1, 2]}, ".when: Input should be a valid dictionary"),
        ({"message": None}, ".message: Field required"),
        ({"run": "os.system('echo pwned')"}, ".run: unknown field"),
        ({"evidence": ["nope"]}, ".evidence: 'nope' is not a field of objective facts"),
        (
            {"references": []},
            ".references: List should have at least 1 item after validation, not 0",
        ),
    ],
)
def test_bad_rule_fields(tmp_path: Path, changes: dict[str, Any], problem: str) -> None:
    rule_id = changes.get("id", "CUS001")
    assert refused(rule_file(tmp_path, **changes)) == [f"rules[0] ({rule_id}){problem}"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "ruleset: custom\ntitle: T\nrules:\n  - !!python/object/apply:os.system ['touch {marker}']\n",
            "4: rules[0]: tag '!!python/object/apply:os.system' is not allowed",
        ),
        (
            "ruleset: custom\ntitle: !!python/name:os.system\nrules: []\n",
            "2: title: tag '!!python/name:os.system' is not allowed",
        ),
        (
            "ruleset: custom\ntitle: T\nrules:\n  - id: CUS001\n    when: !!python/object/new:os.system [touch {marker}]\n",
            "5: rules[0].when: tag '!!python/object/new:os.system' is not allowed",
        ),
        (
            "defaults: &d {severity: high}\nruleset: custom\ntitle: T\nrules:\n  - {<<: *d, id: CUS001}\n",
            "5: rules[0].<<: merge keys ('<<') are not allowed",
        ),
        (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
            "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
            f"6: document expands to more than {RULE_FILE_LIMITS.max_values:,} values"
            " (alias expansion or size limit)",
        ),
        ("ruleset: custom\ntitle: T\ntitle: U\nrules: []\n", "3: title: duplicate key 'title'"),
        ("ruleset: custom\nrules: [\n", "3: invalid YAML: did not find expected node content"),
    ],
)
def test_yaml_tags_and_tricks_in_a_rule_file(tmp_path: Path, text: str, problem: str) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "custom.yaml"
    path.write_text(text.replace("{marker}", str(marker)), encoding="utf-8")
    problems = refused(path, strip_lines=False)
    assert problems[0] == problem
    assert not marker.exists()


def test_an_oversized_rule_file(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# " + b"x" * MAX_RULE_FILE_BYTES + b"\n")
    assert refused(path) == [f"file is larger than the {MAX_RULE_FILE_BYTES:,}-byte limit"]


def test_too_many_rules(tmp_path: Path) -> None:
    rules = []
    for n in range(MAX_RULES_PER_FILE + 1):
        rules.append(dict(RULE, id=f"CX{n:04d}", name=f"r-{n}"))
    path = tmp_path / "many.json"
    path.write_text(json.dumps({"ruleset": "custom", "title": "T", "rules": rules}))
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    # Refused while parsing, before the rules are built.
    assert str(caught.value) == (
        f"{path}: rules: more than {MAX_RULES_PER_FILE:,} items in one list or mapping"
    )


def test_not_utf8_or_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_bytes(b"ruleset: caf\xe9\n")
    with pytest.raises(RulesetError, match=r"r.yaml:1: not UTF-8 text \(bad byte 0xe9\)$"):
        load_ruleset(path)
    path.write_text("- a\n- b\n")
    with pytest.raises(RulesetError, match="a rule file is a mapping"):
        load_ruleset(path)


def test_duplicate_rule_ids(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(yaml.safe_dump({"ruleset": "custom", "title": "T", "rules": [RULE, RULE]}))
    first = path.read_text().splitlines().index("rules:") + 2  # the first item's line
    assert refused(path) == [
        f"rules[1] (CUS001): 'CUS001' is already used by CUS001 (line {first})",
        f"rules[1] (CUS001): 'custom-rule' is already used by CUS001 (line {first})",
    ]


def test_a_rule_id_that_clashes_with_a_shipped_rule(tmp_path: Path) -> None:
    shipped = Auditor(["core"]).rules[0].id
    path = rule_file(tmp_path, id=shipped)
    with pytest.raises(RulesetError, match=f"'{shipped}' is defined in both"):
        Auditor(["core", path])


def test_the_rules_command_refuses_a_bad_rule_file_too(tmp_path: Path) -> None:
    path = rule_file(tmp_path, when={"field": "statement", "matches": "x"})
    result = CliRunner().invoke(cli, ["rules", "--ruleset", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"partnership-rules: {path}:12: rules[0] (CUS001).when.matches: unknown operator 'matches'"
        f" (use one of: {OPERATORS})"
    ]


# --- accepted edge values run on both engines, identically -------------------------------------

EDGE_CONDITIONS = [
    {"field": "metric_count", "lt": 10**15},
    {"field": "metric_count", "gt": -(10**15)},
    {"field": "metric_count", "gte": 0.0001},
    {"field": "metric_count", "not_equals": 0.5},
    {"field": "owner", "not_equals": "é" * 200},
    {"field": "owner", "one_of": ["craven", "swissport", "ünïcode", "'\"{}"]},
    {"field": "owner", "not_one_of": [str(n) for n in range(50)]},
    {
        "any": [
            {"all": [{"field": "has_owner", "equals": True}, {"field": "owner", "exists": True}]},
            {"field": "metric_count", "exists": False},
        ]
    },
]


@pytest.mark.parametrize("condition", EDGE_CONDITIONS, ids=range(len(EDGE_CONDITIONS)))
def test_edge_values_in_conditions_run_on_both_engines(
    tmp_path: Path, condition: dict[str, Any]
) -> None:
    path = rule_file(tmp_path, when=condition)
    record = load_record(EXAMPLE)
    python = [f.subject for f in Auditor([path], engine="python").audit(record).findings]
    if durable_available():
        assert [
            f.subject for f in Auditor([path], engine="durable").audit(record).findings
        ] == python


# --- limits of durable-rules' C engine, enforced for both engines --------------------------------


def _rules_file(tmp_path: Path, name: str, whens: list[dict[str, Any]], start: int = 0) -> Path:
    rules = [
        dict(RULE, id=f"CX{start + n:04d}", name=f"{name}-{n}", when=when)
        for n, when in enumerate(whens)
    ]
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"ruleset": name, "title": "T", "rules": rules}))
    return path


def test_too_many_groups_in_one_condition(tmp_path: Path) -> None:
    # Past 14 groups durable-rules fails to compile ("error code: 113").
    pair = {"all": [{"field": "metric_count", "equals": 1}, {"field": "has_owner", "equals": True}]}
    load_ruleset(rule_file(tmp_path, when={"any": [pair] * 11}))
    assert refused(rule_file(tmp_path, when={"any": [pair] * 12})) == [
        "rules[0] (CUS001).when: 13 all/any/one_of/not_one_of groups in one condition; the limit is 12"
    ]


def test_too_many_tests_holding_at_once(tmp_path: Path) -> None:
    # durable-rules matches with a 64-entry stack; one condition may use at most 48 of it.
    numbers = [
        f
        for f in (
            "metric_count",
            "action_count",
            "beneficiary_count",
            "statement_words",
            "vague_term_count",
            "days_until_due",
        )
    ]
    tests = [{"field": f, "gte": n} for n in range(8) for f in numbers]
    load_ruleset(rule_file(tmp_path, when={"any": tests[:24]}))
    assert refused(rule_file(tmp_path, when={"any": tests[:25]})) == [
        "rules[0] (CUS001).when: up to 50 tests of this condition can hold at once (through 'any');"
        " the limit is 48"
    ]
    # one_of branches exclude each other: 50 values are fine.
    load_ruleset(
        rule_file(tmp_path, when={"field": "owner", "one_of": [f"p{n}" for n in range(50)]})
    )


def test_too_many_different_tests_on_one_fact_type(tmp_path: Path) -> None:
    # 512 different tests under one node make durable-rules loop for ever in C code.
    whens = [{"field": "metric_count", "equals": n} for n in range(401)]
    path = _rules_file(tmp_path, "many", whens)
    assert refused(path) == [
        "rules[400] (CX0400).when: rules make more than 400 different tests on objective facts"
        " (with the rules before it)"
    ]


def test_too_many_rules_with_the_same_test(tmp_path: Path) -> None:
    # More than 256 rules on one node fail to compile ("error code: 108").
    path = _rules_file(tmp_path, "same", [{"field": "has_target", "equals": False}] * 201)
    assert refused(path) == [
        'rules[200] (CX0200).when: more than 200 rules make the test {"has_target": false}'
        " on objective facts (with the rules before it)"
    ]


def test_the_limits_hold_across_rule_files_too(tmp_path: Path) -> None:
    # Each file is within the limits, together they are not; run in a fresh interpreter with
    # a timeout, since a regression would hang the C engine (and this test run) for ever.
    import subprocess
    import sys

    first = _rules_file(
        tmp_path, "first", [{"field": "metric_count", "equals": n} for n in range(300)]
    )
    second = _rules_file(
        tmp_path, "second", [{"field": "metric_count", "equals": n} for n in range(300, 600)], 300
    )
    code = (
        "from partnership_rules import Auditor, RulesetError\n"
        "for engine in __import__('partnership_rules').available_engines():\n"
        f"    try: Auditor([{str(first)!r}, {str(second)!r}], engine=engine)\n"
        "    except RulesetError as e: print(e)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    expected = (
        "rulesets: CX0400.when: rules make more than 400 different tests on objective facts"
        " (with the rules before it)"
    )
    assert result.stdout.splitlines() == [expected] * (2 if durable_available() else 1)
