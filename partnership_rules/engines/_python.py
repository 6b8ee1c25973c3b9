"""The plain-Python engine: evaluates the compiled conditions on any interpreter."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .._rule_model import CompiledRule
from ._base import Match, project
from ._limits import engine_fields

__all__ = ["PythonEngine"]

Predicate = Callable[[dict[str, Any]], bool]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "$lt": lambda a, b: a < b,
    "$lte": lambda a, b: a <= b,
    "$gt": lambda a, b: a > b,
    "$gte": lambda a, b: a >= b,
    "$neq": lambda a, b: a != b,
}


def _predicate(condition: dict[str, Any]) -> Predicate:
    """Compile a condition once into a function that evaluates it the way durable-rules
    does: a test of a missing field never holds, ``$neq`` included."""
    tests: list[Predicate] = []
    for key, operand in condition.items():
        if key in ("$and", "$or"):
            tests.append(_combine(key, [_predicate(c) for c in operand]))
        elif key in ("$ex", "$nex"):
            tests.append(_presence(tuple(operand), key == "$ex"))
        elif key in _COMPARE:
            ((field, value),) = operand.items()
            tests.append(_comparison(field, value, _COMPARE[key]))
        elif key.startswith("$"):
            raise ValueError(f"unsupported operator {key}")
        else:
            tests.append(_comparison(key, operand, _equals))
    if len(tests) == 1:
        return tests[0]
    return lambda fact: all(t(fact) for t in tests)


def _combine(key: str, parts: list[Predicate]) -> Predicate:
    if key == "$and":
        return lambda fact: all(p(fact) for p in parts)
    return lambda fact: any(p(fact) for p in parts)


def _presence(names: tuple[str, ...], present: bool) -> Predicate:
    if present:
        return lambda fact: all(n in fact for n in names)
    return lambda fact: not any(n in fact for n in names)


def _comparison(field: str, value: Any, compare: Callable[[Any, Any], bool]) -> Predicate:
    return lambda fact: field in fact and compare(fact[field], value)


def _equals(a: Any, b: Any) -> bool:
    return bool(a == b)


def _fact_type(condition: dict[str, Any]) -> str | None:
    """The fact type a compiled rule condition starts by testing, if it does."""
    first = condition.get("$and", [{}])[0]
    value = first.get("type") if len(first) == 1 else None
    return value if isinstance(value, str) else None


class PythonEngine:
    """Evaluates the compiled conditions in plain Python (any interpreter, no C code).

    Each condition is compiled once into a predicate, and rules are grouped by the fact type
    they test first, so a fact is only offered to the rules that can match it."""

    name = "python"

    def __init__(self, rules: Sequence[CompiledRule]) -> None:
        self._fields = engine_fields(rules)
        self._by_type: dict[str | None, list[tuple[str, Predicate]]] = {}
        for rule in rules:
            self._by_type.setdefault(_fact_type(rule.condition), []).append(
                (rule.id, _predicate(rule.condition))
            )

    def run(self, facts: Sequence[Mapping[str, Any]]) -> list[Match]:
        """Every (rule id, subject) pair whose condition holds, sorted."""
        views = project(facts, self._fields)
        untyped = self._by_type.get(None, [])
        return sorted(
            (rule_id, view["id"])
            for view in views
            for rule_id, holds in (*self._by_type.get(view["type"], ()), *untyped)
            if holds(view)
        )
