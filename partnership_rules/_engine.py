"""The rule engine: durable-rules where it imports, a plain-Python evaluator everywhere.

Both engines take the same compiled rules (:class:`CompiledRule`, whose ``condition`` is
durable-rules' JSON condition form) and the same facts, and return the same matches:
``(rule id, subject)`` pairs, sorted. Nothing outside this module touches durable-rules.

The durable-rules traps (see the project notes) and how each is guarded here:

- background timer threads that crash with several threads: ``_QuietHost`` never starts them;
- 1,024 live states per ruleset: every run deletes its state in ``finally``;
- deleting a state where no action ran segfaults: a catch-all rule fires on every fact,
  and an empty batch never reaches the engine;
- one unhandled or duplicate fact fails the whole batch: the catch-all handles every fact,
  and subjects are checked unique before asserting;
- facts with too many properties are dropped: only the fields rules test are sent, and
  their number is bounded when rules are compiled;
- colliding fact ids: each fact's ``id`` is its subject (``kind:id``), unique per record;
- callback exceptions are swallowed, and two-parameter callbacks lose findings: the
  callback is a one-parameter closure that cannot raise, and the match count is checked;
- a condition with ``$or`` fires once for each of its branches that holds: matches are
  de-duplicated;
- more than 64 tests holding at once under one node fail the batch (its matching walk has
  a 64-entry stack): the rules are split into several rulesets (``_split``);
- floats in exponent form (``1e+20``) crash the C engine and texts are read as C strings:
  every value is checked, and converted where that keeps it exact, before it is sent;
- rule sets it cannot compile (more than 14 groups in a condition, more than 256 rules on
  one test) and one it loops on for ever (512 different tests under one node) are refused
  when rules are compiled (``_rules``, see ``MAX_CONDITION_GROUPS``); anything else it
  refuses is a :class:`RulesetError` naming the rule;
- rulesets are never freed: an engine is built once per set of rules and reused;
- no locking in the C engine: one process-wide lock around every call into it.
"""

from __future__ import annotations

import math
import os
import threading
import uuid
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from ._errors import Problem, RulesetError
from ._rules import CompiledRule, condition_width, engine_fields

__all__ = [
    "ENGINE_ENV",
    "Engine",
    "PythonEngine",
    "available_engines",
    "create_engine",
    "durable_available",
]

ENGINE_ENV = "PARTNERSHIP_RULES_ENGINE"
Match = tuple[str, str]

try:  # durable-rules 2.0.28 does not import on Python 3.13 (PyEval_CallObject is gone)
    from durable.engine import Host as _DurableHost

    _DURABLE_IMPORT_ERROR: str | None = None
except ImportError as error:  # pragma: no cover - depends on the interpreter
    _DurableHost = None
    _DURABLE_IMPORT_ERROR = str(error)

# The C engine keeps process-wide handle tables and has no locks of its own.
_DURABLE_LOCK = threading.Lock()


def _reset_lock_in_child() -> None:
    global _DURABLE_LOCK
    _DURABLE_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    # A lock held by another thread at fork time would never be released in the child.
    os.register_at_fork(after_in_child=_reset_lock_in_child)


def durable_available() -> bool:
    """True when durable-rules imports on this interpreter."""
    return _DurableHost is not None


def available_engines() -> list[str]:
    """Names of the engines that can run here."""
    return ["durable", "python"] if durable_available() else ["python"]


class Engine(Protocol):
    """Runs compiled rules over one record's facts."""

    name: str

    def run(self, facts: Sequence[dict[str, Any]]) -> list[Match]:
        """Every (rule id, subject) pair whose condition holds, sorted."""
        ...


def _project(
    facts: Sequence[dict[str, Any]], fields: dict[str, tuple[str, ...]]
) -> list[dict[str, Any]]:
    """The engine's view of the facts: type, subject as id, and the tested non-null fields."""
    projected = []
    subjects = set()
    for fact in facts:
        subject = fact["subject"]
        if subject in subjects:
            raise ValueError(f"two facts share the subject {subject!r}")
        subjects.add(subject)
        view = {"id": subject, "type": fact["type"]}
        for name in fields.get(fact["type"], ()):
            value = fact.get(name)
            if value is not None:
                view[name] = _engine_value(value, subject, name)
        projected.append(view)
    return projected


def _engine_value(value: Any, subject: str, name: str) -> Any:
    """``value`` in a form durable-rules reads exactly; both engines see the same form.

    The C engine segfaults on a float written in exponent form (``1e+20``, ``1e-05``) and
    reads texts as C strings (``"a\\x00b"`` would equal ``"a"``).
    """
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{subject}: {name} is {value}, not a finite number")
        if abs(value) >= 1e16:  # every float this large is a whole number: send its digits
            return int(value)
        if "e" in repr(value):
            raise ValueError(f"{subject}: {name} is {value!r}, too small for the engine")
    elif isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "\ufffd")
    return value


_COMPARE = {
    "$lt": lambda a, b: a < b,
    "$lte": lambda a, b: a <= b,
    "$gt": lambda a, b: a > b,
    "$gte": lambda a, b: a >= b,
    "$neq": lambda a, b: a != b,
}


Predicate = Callable[[dict[str, Any]], bool]


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

    def run(self, facts: Sequence[dict[str, Any]]) -> list[Match]:
        views = _project(facts, self._fields)
        untyped = self._by_type.get(None, [])
        return sorted(
            (rule_id, view["id"])
            for view in views
            for rule_id, holds in (*self._by_type.get(view["type"], ()), *untyped)
            if holds(view)
        )


if _DurableHost is not None:

    class _QuietHost(_DurableHost):  # type: ignore[misc]
        def _run(self) -> None:
            # No dispatch or timer threads: every action runs synchronously in assert_facts.
            pass


# The C engine matches a fact by walking its network with a stack of 64 nodes; more tests
# holding at once under one node fail the whole batch ("error code: 303"). Rules are split
# into several rulesets so that, per fact type, their widths (see ``condition_width``) add
# up to at most this; the type test and the catch-all take two more entries.
_STACK_BUDGET = 60


def _split(rules: Sequence[CompiledRule]) -> list[list[CompiledRule]]:
    """Rules in order, packed first-fit into parts within ``_STACK_BUDGET`` per fact type."""
    parts: list[tuple[list[CompiledRule], dict[str, int]]] = []
    for rule in rules:
        width, fact_type = condition_width(rule.condition), rule.rule.applies_to
        for candidate, used in parts:
            if used.get(fact_type, 0) + width <= _STACK_BUDGET:
                part = candidate
                break
        else:
            part, used = [], {}
            parts.append((part, used))
        part.append(rule)
        used[fact_type] = used.get(fact_type, 0) + width
    return [part for part, _ in parts] or [[]]


class DurableEngine:
    """Runs the compiled rules on durable-rules, in private rulesets of this engine."""

    name = "durable"
    _CATCH_ALL = "__every_fact__"

    def __init__(self, rules: Sequence[CompiledRule]) -> None:
        if _DurableHost is None:
            raise RuntimeError(f"durable-rules cannot be imported here: {_DURABLE_IMPORT_ERROR}")
        engine_fields(rules)  # checks the limits on all the rules together
        base = f"partnership_rules_{uuid.uuid4().hex}"
        self._parts = [
            (f"{base}_{index}", engine_fields(part), part)
            for index, part in enumerate(_split(rules))
        ]
        self._rulesets = [name for name, _, _ in self._parts]
        self._matches: list[Match] = []
        self._errors: list[BaseException] = []
        self._fired = 0
        self._next_sid = 0
        self._live_states = 0
        definitions: dict[str, Any] = {}
        for name, _, part in self._parts:
            definition: dict[str, Any] = {}
            for rule in part:
                definition[rule.id] = {
                    "all": [{"m": rule.condition}],
                    "run": self._callback(rule.id),
                }
            definition[self._CATCH_ALL] = {
                "all": [{"m": {"$ex": {"type": 1}}}],
                "run": self._count_fact,
            }
            definitions[name] = definition
        with _DURABLE_LOCK:
            self._host = _QuietHost()
            # set_rulesets deletes each "run" key from the dict it is given; this one is ours.
            try:
                self._host.set_rulesets(definitions)
            except Exception as error:  # durable's own error class, e.g. "error code: 204"
                raise _compile_error(rules, error) from None

    def _callback(self, rule_id: str) -> Any:
        matches = self._matches
        errors = self._errors

        def on_match(c: Any) -> None:  # exactly one parameter: two would make it asynchronous
            try:
                matches.append((rule_id, c.m["id"]))
            except BaseException as error:  # noqa: BLE001 - durable-rules would swallow it
                errors.append(error)

        return on_match

    def _count_fact(self, c: Any) -> None:
        self._fired += 1

    @property
    def live_states(self) -> int:
        """States created and not yet deleted (zero between runs)."""
        return self._live_states

    def run(self, facts: Sequence[dict[str, Any]]) -> list[Match]:
        parts = [(name, _project(facts, fields)) for name, fields, _ in self._parts]
        if not facts:  # assert_facts with an empty list segfaults
            return []
        found: set[Match] = set()
        with _DURABLE_LOCK:
            for name, views in parts:
                found.update(self._run_part(name, views))
        return sorted(found)

    def _run_part(self, ruleset: str, views: list[dict[str, Any]]) -> list[Match]:
        self._next_sid += 1
        sid = str(self._next_sid)
        for view in views:
            view["sid"] = sid
        self._matches.clear()
        self._errors.clear()
        self._fired = 0
        self._live_states += 1
        try:
            self._host.assert_facts(ruleset, views)
            # A condition with "$or" fires once per branch that holds: one match each.
            matches = list(self._matches)
            fired, errors = self._fired, list(self._errors)
        finally:
            if self._fired:  # deleting a state where no action ran segfaults
                self._host.delete_state(ruleset, sid)
                self._live_states -= 1
            self._matches.clear()
        if errors:
            raise RuntimeError(f"rule callback failed: {errors[0]!r}")
        if fired != len(views):
            raise RuntimeError(f"the engine saw {fired} of {len(views)} facts")
        return matches


def _compile_error(rules: Sequence[CompiledRule], error: Exception) -> RulesetError:
    """Name the rule durable-rules cannot compile, trying each alone (only on failure:
    a ruleset it has compiled is never freed)."""
    for rule in rules:
        probe = _QuietHost()
        try:
            probe.set_rulesets(
                {
                    f"probe_{uuid.uuid4().hex}": {
                        rule.id: {"all": [{"m": rule.condition}], "run": _ignore}
                    }
                }
            )
        except Exception as alone:  # noqa: BLE001 - durable's own error class
            return RulesetError(
                f"ruleset {rule.ruleset}",
                [
                    Problem(
                        f"durable-rules cannot compile this condition: {alone}", f"{rule.id}.when"
                    )
                ],
            )
    return RulesetError(
        "rulesets", [Problem(f"durable-rules cannot compile these rules together: {error}")]
    )


def _ignore(c: Any) -> None:
    pass


def create_engine(rules: Sequence[CompiledRule], name: str | None = None) -> Engine:
    """An engine for ``rules``: ``name`` ("durable" or "python"), else the
    ``PARTNERSHIP_RULES_ENGINE`` environment variable, else durable-rules where it imports."""
    from ._errors import UsageError

    choice = (name or os.environ.get(ENGINE_ENV) or "").strip().lower() or None
    if choice not in (None, "durable", "python"):
        raise UsageError(f"unknown engine '{choice}' (use durable or python)")
    if choice == "durable" and not durable_available():
        raise UsageError(f"the durable engine is not available here: {_DURABLE_IMPORT_ERROR}")
    if choice == "python" or (choice is None and not durable_available()):
        return PythonEngine(rules)
    return DurableEngine(rules)
