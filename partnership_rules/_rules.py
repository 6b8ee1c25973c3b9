"""Rule files: the YAML format, its validation, and compilation to engine conditions.

A rule file holds one ruleset::

    ruleset: core
    title: Checks every partnership gets
    rules:
      - id: CORE001
        name: objective-without-target
        title: Objective has no measurable target
        severity: high
        category: vague-objectives
        applies_to: objective
        when: {field: has_target, equals: false}
        message: "Objective '{id}' has no target value."
        rationale: Why it matters, with the threshold justified.
        remedy: What to do about it, concretely.
        references:
          - {source: 000_69d97c2ec99d3853.txt, section: Common Misconceptions & Mistakes to Avoid}

A condition (``when``) is data, never code: ``{all: [...]}``, ``{any: [...]}`` or a test
``{field: NAME, OP: VALUE}`` with OP one of ``equals``, ``not_equals``, ``lt``, ``lte``,
``gt``, ``gte``, ``one_of``, ``not_one_of``, ``exists``. Fields and their types come from
the fact schemas; a test on a field that does not exist, an operator that does not suit
the field's type, or a message placeholder naming an unknown field is an error naming the
file, the rule and the field. A comparison never matches a field the fact does not have.

Conditions compile to durable-rules' JSON condition language; the plain-Python engine
evaluates that same compiled form, so both engines answer from one definition.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ._errors import Problem, RecordError, RulesetError
from ._facts import FACT_SCHEMAS
from ._loader import parse_text

__all__ = [
    "CATEGORIES",
    "SEVERITIES",
    "CompiledRule",
    "Reference",
    "Rule",
    "Ruleset",
    "load_ruleset",
    "load_rulesets",
    "shipped_ruleset_names",
]

Severity = Literal["critical", "high", "medium", "low", "info"]
Category = Literal[
    "vague-objectives",
    "missing-governance",
    "power-imbalance",
    "absent-metrics",
    "unclear-roles",
    "weak-communication",
    "stakeholder-voice",
    "no-review",
    "sustainability",
    "information-sharing",
    "resourcing",
    "delivery",
    "self-assessment",
    "compliance",
]

SEVERITIES: tuple[str, ...] = get_args(Severity)  # most severe first
CATEGORIES: tuple[str, ...] = get_args(Category)

MAX_RULE_FILE_BYTES = 1024 * 1024
MAX_RULES_PER_FILE = 1000
MAX_CONDITION_DEPTH = 8
MAX_CONDITION_TESTS = 64
# durable-rules silently drops facts with more than about 250 properties (notes, trap 5).
MAX_ENGINE_FIELDS = 200
# durable-rules limits found in its C source (rete.c, rules.h), each reached by a rule file:
# - a condition is compiled into one expression list of at most 32 entries, two per
#   all/any/one_of/not_one_of group: more groups fail with "error code: 113";
# - each node of its network keeps its successors (different tests) in a 512-slot table,
#   and looking a test up in a full table never returns: 512 different tests on one fact
#   type hang the process in C code, which Ctrl-C cannot interrupt.
# - a node links to at most 256 rules: more rules with the same test fail ("error code: 108");
# - a fact is matched by walking the network with a stack of 64 nodes: when more tests of
#   one node's successors hold at once, asserting the facts fails ("error code: 303"). Each
#   condition's share of that stack is bounded here (``condition_width``); the durable
#   engine splits rules into rulesets whose widths add up to less than the stack.
MAX_CONDITION_WIDTH = 48
MAX_CONDITION_GROUPS = 12
MAX_DISTINCT_TESTS = 400
MAX_RULES_PER_TEST = 200
# Fact fields the engine reserves for itself (notes, trap 7): never tested by a rule.
RESERVED_FIELDS = frozenset({"id", "sid", "$s", "subject", "type"})

_RuleId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{1,9}[0-9]{3}$")]
_Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")]
_Text = Annotated[str, StringConstraints(min_length=1, max_length=5000)]
_Scalar = bool | int | float | Annotated[str, StringConstraints(max_length=200)]
_OPERATORS = ("equals", "not_equals", "lt", "lte", "gt", "gte", "one_of", "not_one_of", "exists")
_DURABLE_OPS = {"lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte", "not_equals": "$neq"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Reference(_Strict):
    """Where a rule comes from: a seed file (or a published framework) and its section."""

    source: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    section: Annotated[str, StringConstraints(max_length=300)] | None = None

    def __str__(self) -> str:
        return f"{self.source}, {self.section}" if self.section else self.source


class Rule(_Strict):
    """One rule, as written in a rule file."""

    id: _RuleId
    name: _Slug
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    severity: Severity
    category: Category
    applies_to: str
    when: dict[str, Any]
    message: _Text
    rationale: _Text
    remedy: _Text
    references: list[Reference] = Field(min_length=1, max_length=20)
    evidence: list[str] | None = Field(default=None, max_length=30)
    aliases: list[_RuleId] = Field(default_factory=list, max_length=10)
    covers: list[Annotated[str, StringConstraints(max_length=200)]] = Field(
        default_factory=list, max_length=50
    )
    tags: list[_Slug] = Field(default_factory=list, max_length=20)


class _RuleFile(_Strict):
    ruleset: _Slug
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=5000)] | None = None
    rules: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_RULES_PER_FILE)


@dataclass(frozen=True)
class CompiledRule:
    """A validated rule with its condition compiled to the engine's JSON condition form."""

    rule: Rule
    ruleset: str
    condition: dict[str, Any]  # durable-rules condition, including the fact-type test
    fields: tuple[str, ...]  # fact fields the condition tests
    evidence: tuple[str, ...]  # fact fields reported as evidence

    @property
    def id(self) -> str:
        return self.rule.id

    def render_message(self, fact: dict[str, Any]) -> str:
        """The rule's message with the fact's values filled in."""
        return render_template(self.rule.message, fact)

    def render_remedy(self, fact: dict[str, Any]) -> str:
        """The rule's remedy, with any placeholders filled in from the fact."""
        return render_template(self.rule.remedy, fact)


@dataclass(frozen=True)
class Ruleset:
    """A named, compiled set of rules loaded from one file."""

    name: str
    title: str
    description: str | None
    source: str
    rules: tuple[CompiledRule, ...]


def _display(value: Any, spec: str = "") -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_display(v) for v in value) if value else "none"
    if spec and isinstance(value, (int, float)):
        try:
            return format(value, spec)
        except ValueError:  # e.g. "d" on a float: a message must never fail to render
            return _display(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render_template(template: str, fact: dict[str, Any]) -> str:
    """Fill ``{field}`` and ``{field:spec}`` placeholders from ``fact`` (validated at load)."""
    out = []
    for literal, field, spec, _ in string.Formatter().parse(template):
        out.append(literal)
        if field is not None:
            out.append(_display(fact.get(field), spec or ""))
    return "".join(out)


# A number format: optional width and precision of at most two digits each (a width such as
# 999999999 would build a gigabyte of padding), optional thousands comma, and a type.
_SPEC = re.compile(r"[0-9]{0,2},?(?:\.[0-9]{1,2})?[deEfFgG%]?")


def _template_problems(template: str, fact_type: str, where: str) -> list[Problem]:
    schema = FACT_SCHEMAS[fact_type]
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as error:
        return [Problem(f"malformed placeholder: {error}", where)]
    problems = []
    for _, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in schema and field != "type":
            problems.append(
                Problem(f"placeholder '{{{field}}}' is not a field of {fact_type} facts", where)
            )
        elif conversion is not None or (spec and not _SPEC.fullmatch(spec)):
            problems.append(
                Problem(
                    f"placeholder '{{{field}}}' may only use a number format such as :.1f or :.0%",
                    where,
                )
            )
        elif spec and schema[field].type != "number":
            problems.append(
                Problem(f"placeholder '{{{field}}}' has a number format but is not a number", where)
            )
    return problems


def _value_matches(kind: str, value: Any) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "text":
        return isinstance(value, str)
    return False


MAX_CONDITION_NUMBER = 10**15
MAX_CONDITION_TEXT = 200


def _shorten(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _number_problem(value: float) -> str | None:
    # durable-rules compares C doubles (exact only below 2**53) and cannot read a float
    # written in exponent form: 1e16 or 0.00001 in a condition fails to compile (error 204).
    if abs(value) > MAX_CONDITION_NUMBER or (isinstance(value, float) and "e" in repr(value)):
        return (
            f"{_shorten(value)} is out of range: numbers in conditions lie between"
            " -1e15 and 1e15 and, unless 0, are at least 0.0001 in size"
        )
    return None


def _text_problem(value: str) -> str | None:
    # The C engine reads texts as C strings: "a\x00b" would compare equal to "a" there.
    if len(value) > MAX_CONDITION_TEXT or any(ord(c) < 32 or 127 <= ord(c) < 160 for c in value):
        return (
            f"{_shorten(value)}: texts in conditions are at most {MAX_CONDITION_TEXT}"
            " characters, without control characters"
        )
    return None


class _ConditionCompiler:
    def __init__(self, fact_type: str, where: str) -> None:
        self.schema = FACT_SCHEMAS[fact_type]
        self.fact_type = fact_type
        self.where = where
        self.problems: list[Problem] = []
        self.fields: list[str] = []
        self.tests = 0
        self.groups = 0  # all/any/one_of/not_one_of: each is one $and/$or group

    def fail(self, path: str, message: str) -> dict[str, Any]:
        # ``path`` is relative to the condition: "" for the condition itself, ".all[0]" below it.
        self.problems.append(Problem(message, f"{self.where}{path}"))
        return {}

    def compile(self, node: Any, path: str, depth: int) -> dict[str, Any]:
        if depth > MAX_CONDITION_DEPTH:
            return self.fail(path, f"conditions nest more than {MAX_CONDITION_DEPTH} levels deep")
        if not isinstance(node, dict):
            return self.fail(
                path,
                "a condition is a mapping: {all: [...]}, {any: [...]} or {field: ..., OP: ...}",
            )
        if set(node) in ({"all"}, {"any"}):
            ((key, items),) = node.items()
            if not isinstance(items, list) or not items:
                return self.fail(f"{path}.{key}", f"'{key}' takes a non-empty list of conditions")
            self.groups += 1
            compiled = [
                self.compile(item, f"{path}.{key}[{i}]", depth + 1) for i, item in enumerate(items)
            ]
            return {"$and" if key == "all" else "$or": compiled}
        return self.compile_test(node, path)

    def compile_test(self, node: dict[str, Any], path: str) -> dict[str, Any]:
        self.tests += 1
        if self.tests > MAX_CONDITION_TESTS:
            if self.tests == MAX_CONDITION_TESTS + 1:  # say it once, not once per extra test
                return self.fail(path, f"more than {MAX_CONDITION_TESTS} tests in one condition")
            return {}
        field = node.get("field")
        ops = [k for k in node if k != "field"]
        unknown = [k for k in ops if k not in _OPERATORS]
        if unknown:
            return self.fail(
                f"{path}.{unknown[0]}",
                f"unknown operator '{unknown[0]}'"
                f" (use one of: {', '.join(_OPERATORS)}; or all/any)",
            )
        if not isinstance(field, str):
            return self.fail(path or ".field", "a test needs 'field' naming a fact field")
        if len(ops) != 1:
            return self.fail(path, "a test has exactly one operator")
        if field in RESERVED_FIELDS:
            return self.fail(f"{path}.field", f"'{field}' is reserved and cannot be tested")
        if field not in self.schema:
            return self.fail(
                f"{path}.field", f"{_shorten(field)} is not a field of {self.fact_type} facts"
            )
        kind = self.schema[field].type
        op = ops[0]
        value = node[op]
        if field not in self.fields:
            self.fields.append(field)
        where = f"{path}.{op}"
        if kind == "list":
            return self.fail(f"{path}.field", f"'{field}' is a list; test its count field instead")
        if op == "exists":
            if not isinstance(value, bool):
                return self.fail(where, "'exists' takes true or false")
            return {"$ex" if value else "$nex": {field: 1}}
        if op in ("one_of", "not_one_of"):
            if kind != "text" or not isinstance(value, list) or not value or len(value) > 50:
                return self.fail(where, f"'{op}' takes a list of 1 to 50 texts, for a text field")
            if not all(isinstance(v, str) for v in value):
                return self.fail(where, f"'{op}' takes texts only")
            bad = next((v for v in value if _text_problem(v)), None)
            if bad is not None:
                return self.fail(where, _text_problem(bad))  # type: ignore[arg-type]
            self.groups += 1
            if op == "one_of":
                return {"$or": [{field: v} for v in value]}
            return {"$and": [{"$neq": {field: v}} for v in value]}
        if op in ("lt", "lte", "gt", "gte") and kind != "number":
            return self.fail(where, f"'{op}' compares numbers, but '{field}' is {kind}")
        if not _value_matches(kind, value):
            return self.fail(where, f"'{field}' is {kind}; {_shorten(value)} is not")
        if isinstance(value, float) and value != value:  # NaN never matches in the engine
            return self.fail(where, "NaN is not a value")
        problem = _number_problem(value) if kind == "number" else None
        problem = problem or (_text_problem(value) if kind == "text" else None)
        if problem:
            return self.fail(where, problem)
        if op == "equals":
            return {field: value}
        return {_DURABLE_OPS[op]: {field: value}}


def _compile_rule(raw: Any, ruleset: str, where: str) -> tuple[CompiledRule | None, list[Problem]]:
    if not isinstance(raw, dict):
        return None, [Problem("a rule is a mapping", where)]
    rule_id = raw.get("id")
    label = f"{where} ({rule_id})" if isinstance(rule_id, str) else where
    try:
        rule = Rule.model_validate(raw)
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False):
            loc = ".".join(str(p) for p in item["loc"])
            message = "unknown field" if item["type"] == "extra_forbidden" else item["msg"]
            problems.append(Problem(message, f"{label}.{loc}"))
        return None, problems
    if rule.applies_to not in FACT_SCHEMAS:
        return None, [
            Problem(
                f"unknown fact type '{rule.applies_to}' (one of: {', '.join(FACT_SCHEMAS)})",
                f"{label}.applies_to",
            )
        ]
    compiler = _ConditionCompiler(rule.applies_to, f"{label}.when")
    condition = (
        compiler.compile(rule.when, "", 0) if rule.when else compiler.fail("", "empty condition")
    )
    if compiler.groups > MAX_CONDITION_GROUPS and not compiler.problems:
        compiler.fail(
            "",
            f"{compiler.groups} all/any/one_of/not_one_of groups in one condition;"
            f" the limit is {MAX_CONDITION_GROUPS}",
        )
    if not compiler.problems and condition_width(condition) > MAX_CONDITION_WIDTH:
        compiler.fail(
            "",
            f"up to {condition_width(condition)} tests of this condition can hold at once"
            f" (through 'any'); the limit is {MAX_CONDITION_WIDTH}",
        )
    problems = list(compiler.problems)
    problems += _template_problems(rule.message, rule.applies_to, f"{label}.message")
    problems += _template_problems(rule.remedy, rule.applies_to, f"{label}.remedy")
    evidence = tuple(rule.evidence) if rule.evidence is not None else tuple(compiler.fields)
    for name in evidence:
        if name not in FACT_SCHEMAS[rule.applies_to]:
            problems.append(
                Problem(f"'{name}' is not a field of {rule.applies_to} facts", f"{label}.evidence")
            )
    if problems:
        return None, problems
    full = {"$and": [{"type": rule.applies_to}, condition]}
    return CompiledRule(rule, ruleset, full, tuple(compiler.fields), evidence), []


def _parse_rule_file(text: str, source: str) -> Any:
    # Rule files are trusted no more than records: the same bounded, tag-free YAML reader.
    try:
        data, _ = parse_text(text, json_format=source.endswith(".json"))
    except RecordError as error:
        raise RulesetError(source, error.problems) from None
    return data


def load_ruleset(path: str | Path, *, text: str | None = None) -> Ruleset:
    """Load and compile one rule file. Raises :class:`RulesetError` listing every problem."""
    source = str(path)
    if text is None:
        try:
            raw = Path(path).read_bytes()
        except OSError as error:
            raise RulesetError(
                source, [Problem(f"cannot read rule file: {error.strerror or error}")]
            ) from None
        if len(raw) > MAX_RULE_FILE_BYTES:
            raise RulesetError(
                source, [Problem(f"rule file is larger than {MAX_RULE_FILE_BYTES:,} bytes")]
            )
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise RulesetError(source, [Problem("rule file is not UTF-8 text")]) from None
    data = _parse_rule_file(text, source)
    if not isinstance(data, dict):
        raise RulesetError(
            source, [Problem("a rule file is a mapping with 'ruleset', 'title' and 'rules'")]
        )
    try:
        header = _RuleFile.model_validate(data)
    except ValidationError as error:
        header_problems = [
            Problem(
                "unknown field" if e["type"] == "extra_forbidden" else e["msg"],
                ".".join(str(p) for p in e["loc"]),
            )
            for e in error.errors(include_url=False)
        ]
        raise RulesetError(source, header_problems) from None
    compiled: list[CompiledRule] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for index, raw_rule in enumerate(header.rules):
        rule, rule_problems = _compile_rule(raw_rule, header.ruleset, f"rules[{index}]")
        problems += rule_problems
        if rule is None:
            continue
        for key in (rule.rule.id, rule.rule.name, *rule.rule.aliases):
            if key in seen:
                problems.append(
                    Problem(
                        f"'{key}' is already used by {seen[key]}", f"rules[{index}] ({rule.id})"
                    )
                )
            seen[key] = rule.id
        compiled.append(rule)
    if not problems:
        problem = distinct_test_problem(compiled)
        if problem is not None:
            index = next(i for i, r in enumerate(compiled) if problem.path.startswith(f"{r.id}."))
            problems.append(Problem(problem.message, f"rules[{index}] ({problem.path[:-5]}).when"))
    if problems:
        raise RulesetError(source, problems)
    return Ruleset(header.ruleset, header.title, header.description, source, tuple(compiled))


def shipped_ruleset_names() -> list[str]:
    """Names of the rulesets that ship with the package (``core`` first)."""
    root = files("partnership_rules.rulesets")
    names = sorted(p.name[: -len(".yaml")] for p in root.iterdir() if p.name.endswith(".yaml"))
    return sorted(names, key=lambda n: (n != "core", n))


def _load_named(name_or_file: str | Path) -> Ruleset:
    text = str(name_or_file)
    if text in shipped_ruleset_names():
        resource = files("partnership_rules.rulesets").joinpath(f"{text}.yaml")
        return load_ruleset(f"{text}.yaml", text=resource.read_text(encoding="utf-8"))
    path = Path(text)
    if path.suffix.lower() in (".yaml", ".yml", ".json") or path.exists():
        return load_ruleset(path)
    known = ", ".join(shipped_ruleset_names())
    raise RulesetError(
        text, [Problem(f"no such ruleset (shipped rulesets: {known}; or give a .yaml file)")]
    )


def load_rulesets(names_or_files: Iterable[str | Path] | None = None) -> list[Ruleset]:
    """Load shipped rulesets by name and rule files by path (all shipped ones when None).

    Rule ids, names and aliases must be unique across everything loaded.
    """
    wanted: Sequence[str | Path] = (
        shipped_ruleset_names() if names_or_files is None else list(dict.fromkeys(names_or_files))
    )
    rulesets = [_load_named(item) for item in wanted]
    names: dict[str, str] = {}
    owners: dict[str, str] = {}
    problems: list[Problem] = []
    for ruleset in rulesets:
        if ruleset.name in names:
            problems.append(
                Problem(
                    f"ruleset '{ruleset.name}' is loaded twice"
                    f" ({names[ruleset.name]} and {ruleset.source})"
                )
            )
        names[ruleset.name] = ruleset.source
        for rule in ruleset.rules:
            for key in (rule.rule.id, rule.rule.name, *rule.rule.aliases):
                if key in owners:
                    problems.append(
                        Problem(
                            f"'{key}' is defined in both {owners[key]} and {ruleset.source}",
                            rule.id,
                        )
                    )
                owners[key] = ruleset.source
    if problems:
        raise RulesetError(rulesets[-1].source if rulesets else "rulesets", problems)
    return rulesets


def condition_width(condition: Any) -> int:
    """How many stack entries of durable-rules' matching walk a compiled condition can hold
    at once (an upper bound): a chain of tests holds one at a time, each branch of an ``$or``
    adds its own, and the branches of a ``one_of`` (equality tests of one field) exclude
    each other. Whatever matches, the walk of one ruleset stays within the sum of its rules'
    widths (plus the type test and the catch-all)."""
    if isinstance(condition, dict) and set(condition) == {"$and"}:
        return 1 + sum(condition_width(c) - 1 for c in condition["$and"])
    if isinstance(condition, dict) and set(condition) == {"$or"}:
        branches = condition["$or"]
        fields = {next(iter(c)) for c in branches if isinstance(c, dict) and len(c) == 1}
        if (
            len(fields) == 1
            and not next(iter(fields)).startswith("$")
            and all(len(c) == 1 for c in branches)
        ):
            return 2  # one_of: one equality test holds, then the join node
        return sum(condition_width(c) for c in branches) + len(branches)
    return 1


def _leaf_tests(condition: Any) -> list[str]:
    if isinstance(condition, dict) and set(condition) <= {"$and", "$or"}:
        return [t for key in condition for item in condition[key] for t in _leaf_tests(item)]
    return [json.dumps(condition, sort_keys=True)]


def distinct_test_problem(rules: Iterable[CompiledRule]) -> Problem | None:
    """A problem naming the first rule that takes a fact type past ``MAX_DISTINCT_TESTS``
    different tests, or one test past ``MAX_RULES_PER_TEST`` rules (see the durable-rules
    limits above), else None."""
    seen: dict[str, set[str]] = {}
    users: dict[str, int] = {}
    for rule in rules:
        tests = seen.setdefault(rule.rule.applies_to, set())
        mine = {t for t in _leaf_tests(rule.condition) if not t.startswith('{"type":')}
        tests.update(mine)
        for test in mine:
            key = f"{rule.rule.applies_to} {test}"
            users[key] = users.get(key, 0) + 1
            if users[key] > MAX_RULES_PER_TEST:
                return Problem(
                    f"more than {MAX_RULES_PER_TEST} rules make the test {test}"
                    f" on {rule.rule.applies_to} facts (with the rules before it)",
                    f"{rule.id}.when",
                )
        if len(tests) > MAX_DISTINCT_TESTS:
            return Problem(
                f"rules make more than {MAX_DISTINCT_TESTS} different tests on"
                f" {rule.rule.applies_to} facts (with the rules before it)",
                f"{rule.id}.when",
            )
    return None


def engine_fields(rules: Iterable[CompiledRule]) -> dict[str, tuple[str, ...]]:
    """The fact fields each fact type must carry into the engine, checked against its limit."""
    rules = list(rules)
    problem = distinct_test_problem(rules)
    if problem is not None:
        raise RulesetError("rulesets", [problem])
    by_type: dict[str, list[str]] = {}
    for rule in rules:
        fields = by_type.setdefault(rule.rule.applies_to, [])
        fields.extend(f for f in rule.fields if f not in fields)
    for fact_type, fields in by_type.items():
        if len(fields) > MAX_ENGINE_FIELDS:
            raise RulesetError(
                "rulesets",
                [
                    Problem(
                        f"rules test {len(fields)} fields of {fact_type} facts;"
                        f" the limit is {MAX_ENGINE_FIELDS}"
                    )
                ],
            )
    return {k: tuple(v) for k, v in by_type.items()}
