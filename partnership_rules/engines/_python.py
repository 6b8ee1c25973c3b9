"""The plain-Python engine: evaluates the compiled conditions on any interpreter.

A rule with a ``join`` or ``absent`` is evaluated as durable-rules evaluates it: for each
subject its own condition holds for, the other facts of the joined type (never the subject
itself) whose fields equal the subject's and whose condition holds; with a ``join`` the rule
holds when there is one (and names the first by subject), with ``absent`` when there is none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .._rule_model import CompiledJoin, CompiledRule
from ._base import Match, engine_key, project
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


class _Other:
    """A rule's ``join`` or ``absent``, ready to evaluate."""

    def __init__(self, join: CompiledJoin) -> None:
        self.type = join.type
        self.on = tuple((engine_key(mine), engine_key(theirs)) for mine, theirs in join.on)
        self.holds = _predicate(join.condition)

    def found(self, view: dict[str, Any], others: Sequence[dict[str, Any]]) -> list[str]:
        """The subjects of the facts in ``others`` this join finds for ``view``, sorted."""
        if not all(mine in view for mine, _ in self.on):
            return []
        return sorted(
            other["id"]
            for other in others
            if other["id"] != view["id"]
            and all(theirs in other and other[theirs] == view[mine] for mine, theirs in self.on)
            and self.holds(other)
        )


class _JoinedRule:
    """A rule with a ``join`` or ``absent``, ready to evaluate."""

    def __init__(self, rule: CompiledRule) -> None:
        self.id = rule.id
        self.type = rule.rule.applies_to
        self.holds = _predicate(rule.condition)
        self.join = _Other(rule.join) if rule.join is not None else None
        self.absent = _Other(rule.absent) if rule.absent is not None else None

    def matches(self, by_type: Mapping[str, Sequence[dict[str, Any]]]) -> list[Match]:
        found: list[Match] = []
        for view in by_type.get(self.type, ()):
            if not self.holds(view):
                continue
            joined = ""
            if self.join is not None:
                others = self.join.found(view, by_type.get(self.join.type, ()))
                if not others:
                    continue
                joined = others[0]
            if self.absent is not None and self.absent.found(
                view, by_type.get(self.absent.type, ())
            ):
                continue
            found.append((self.id, view["id"], joined))
        return found


class PythonEngine:
    """Evaluates the compiled conditions in plain Python (any interpreter, no C code).

    Each condition is compiled once into a predicate, and rules are grouped by the fact type
    they test first, so a fact is only offered to the rules that can match it."""

    name = "python"

    def __init__(self, rules: Sequence[CompiledRule]) -> None:
        self._fields = engine_fields(rules)
        self._by_type: dict[str | None, list[tuple[str, Predicate]]] = {}
        self._joined = [_JoinedRule(r) for r in rules if r.join or r.absent]
        for rule in rules:
            if rule.join or rule.absent:
                continue
            self._by_type.setdefault(_fact_type(rule.condition), []).append(
                (rule.id, _predicate(rule.condition))
            )

    def run(self, facts: Sequence[Mapping[str, Any]]) -> list[Match]:
        """Every (rule id, subject, joined subject) whose conditions hold, sorted."""
        views = project(facts, self._fields)
        untyped = self._by_type.get(None, [])
        found: list[Match] = [
            (rule_id, view["id"], "")
            for view in views
            for rule_id, holds in (*self._by_type.get(view["type"], ()), *untyped)
            if holds(view)
        ]
        if self._joined:
            by_type: dict[str, list[dict[str, Any]]] = {}
            for view in views:
                by_type.setdefault(view["type"], []).append(view)
            for rule in self._joined:
                found += rule.matches(by_type)
        return sorted(found)
