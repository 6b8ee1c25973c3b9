"""The condition compiler: a rule's ``when`` (data, never code) to the engines' condition form.

A condition is ``{all: [...]}``, ``{any: [...]}`` or a test ``{field: NAME, OP: VALUE}``
with OP one of ``equals``, ``not_equals``, ``lt``, ``lte``, ``gt``, ``gte``, ``one_of``,
``not_one_of``, ``exists``. Fields and their kinds come from the fact schema of the type the
rule applies to; a test on a field that does not exist, an operator that does not suit the
field's kind, or a value the engines cannot read exactly is a problem naming the rule and
the path inside the condition. A comparison never matches a field the fact does not have.

A number to compare with may be a named threshold of the rule's ruleset instead of a
literal: ``{field: candidates_per_assessor, gt: {threshold: max_candidates_per_assessor}}``.
The threshold's value (its default, or what the auditor was given) is written into the
compiled condition, so both engines compare with the same number.

Conditions compile to durable-rules' JSON condition language; the plain-Python engine
evaluates that same compiled form, so both engines answer from one definition. The
language is bounded by what durable-rules can run (``engines._limits``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._errors import Problem
from ._templates import FieldSpec
from ._vocabulary import RESERVED_FIELDS
from .engines._limits import MAX_CONDITION_GROUPS, MAX_CONDITION_WIDTH, condition_width

__all__ = [
    "MAX_CONDITION_DEPTH",
    "MAX_CONDITION_NUMBER",
    "MAX_CONDITION_TESTS",
    "MAX_CONDITION_TEXT",
    "OPERATORS",
    "CompiledCondition",
    "compile_condition",
]

MAX_CONDITION_DEPTH = 8
MAX_CONDITION_TESTS = 64
MAX_CONDITION_NUMBER = 10**15
MAX_CONDITION_TEXT = 200
OPERATORS = ("equals", "not_equals", "lt", "lte", "gt", "gte", "one_of", "not_one_of", "exists")
_DURABLE_OPS = {"lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte", "not_equals": "$neq"}


@dataclass(frozen=True)
class CompiledCondition:
    """A compiled condition (without the fact-type test), the fields it tests, and its
    problems (when there are any, ``condition`` is meaningless)."""

    condition: dict[str, Any]
    fields: tuple[str, ...]
    problems: tuple[Problem, ...]
    thresholds: tuple[str, ...] = ()  # names of the thresholds it compares with


def compile_condition(
    when: Any,
    fact_type: str,
    schema: Mapping[str, FieldSpec],
    where: str,
    thresholds: Mapping[str, float] | None = None,
) -> CompiledCondition:
    """Compile a rule's ``when`` for facts of ``fact_type`` whose fields are ``schema``;
    problem paths start with ``where`` (such as ``rules[3] (CORE001).when``). ``thresholds``
    gives the value of each threshold the condition may name."""
    compiler = _Compiler(fact_type, schema, where, thresholds or {})
    condition = compiler.compile(when, "", 0) if when else compiler.fail("", "empty condition")
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
    return CompiledCondition(
        condition, tuple(compiler.fields), tuple(compiler.problems), tuple(compiler.thresholds)
    )


def _value_matches(kind: str, value: Any) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "text":
        return isinstance(value, str)
    return False


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


class _Compiler:
    def __init__(
        self,
        fact_type: str,
        schema: Mapping[str, FieldSpec],
        where: str,
        thresholds: Mapping[str, float],
    ) -> None:
        self.schema = schema
        self.threshold_values = thresholds
        self.thresholds: list[str] = []
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
        unknown = [k for k in ops if k not in OPERATORS]
        if unknown:
            return self.fail(
                f"{path}.{unknown[0]}",
                f"unknown operator '{unknown[0]}' (use one of: {', '.join(OPERATORS)}; or all/any)",
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
            return self.compile_choice(field, kind, op, value, where)
        if isinstance(value, dict):
            value = self.threshold(value, kind, where)
            if value is None:
                return {}
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

    def threshold(self, node: dict[str, Any], kind: str, where: str) -> float | None:
        """The value of ``{threshold: NAME}``, or None after reporting why it cannot be used."""
        name = node.get("threshold")
        if set(node) != {"threshold"} or not isinstance(name, str):
            self.fail(where, "a value is a number, a text, true/false or {threshold: NAME}")
            return None
        if kind != "number":
            self.fail(where, "a threshold is a number; this field is not")
            return None
        if name not in self.threshold_values:
            known = ", ".join(sorted(self.threshold_values)) or "none"
            self.fail(where, f"no threshold {_shorten(name)} in this ruleset (declared: {known})")
            return None
        if name not in self.thresholds:
            self.thresholds.append(name)
        return self.threshold_values[name]

    def compile_choice(
        self, field: str, kind: str, op: str, value: Any, where: str
    ) -> dict[str, Any]:
        if kind != "text" or not isinstance(value, list) or not value or len(value) > 50:
            return self.fail(where, f"'{op}' takes a list of 1 to 50 texts, for a text field")
        if not all(isinstance(v, str) for v in value):
            return self.fail(where, f"'{op}' takes texts only")
        for item in value:
            problem = _text_problem(item)
            if problem is not None:
                return self.fail(where, problem)
        self.groups += 1
        if op == "one_of":
            return {"$or": [{field: v} for v in value]}
        return {"$and": [{"$neq": {field: v}} for v in value]}
