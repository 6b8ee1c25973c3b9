"""The durable-rules engine: the compiled rules run on durable-rules' C engine.

durable-rules' own Python layer (``durable.engine``) runs one Python action per match, and
serialises the whole state to JSON and back around each one; it raises for a whole batch
when any fact is handled by no rule. This engine calls the C extension
(``durable_rules_engine``, which that layer wraps) directly instead: per run and ruleset
part, one call asserts every fact as one JSON array, and each rule that matched hands over
all its matches at once (its ``cap``), so a run costs a few C calls whatever the number of
facts and findings, and no Python code runs inside the C engine. Nothing outside this
module touches durable-rules.

durable-rules' traps (see the project notes) and how each is guarded here:

- background timer threads that crash with several threads: the Python layer's ``Host``
  starts them; it is never used here, so no thread is started;
- 1,024 live states per ruleset: every run deletes its state in ``finally``;
- deleting a state where no action ran segfaults (the C state keeps an uninitialised
  pointer until an action starts): a sentinel fact, first in every batch, always fires the
  sentinel rule, and every started action is completed before the state is deleted; an
  empty batch never reaches the engine;
- a fact no rule handles, or a duplicate, made the Python layer fail the whole batch: the
  C engine goes on with the rest of the batch, and only says so in its return code, which
  is not an error here; subjects are checked unique before asserting. Each part is sent
  only the facts of the types its rules test;
- facts with too many properties are dropped silently, with every fact after them in the
  batch (the C engine stops reading the array): only the fields rules test are sent, their
  number is bounded when rules are compiled, and a second sentinel, last in every batch,
  must fire, or the run is an error;
- colliding fact ids: each fact's ``id`` is its subject (``kind:id``), unique per record;
- a condition with ``$or`` fires once for each of its branches that holds: matches are
  de-duplicated;
- more than 64 tests holding at once under one node fail the batch (its matching walk has
  a 64-entry stack): the rules are split into several parts (``_limits.split_rules``);
- floats in exponent form (``1e+20``) crash the C engine and texts are read as C strings:
  every value is checked, and converted where that keeps it exact, before it is sent;
- rule sets it cannot compile (more than 14 groups in a condition, more than 256 rules on
  one test) and one it loops on for ever (512 different tests under one node) are refused
  when rules are compiled (see ``_limits``); anything else it refuses is a
  :class:`RulesetError` naming the rule;
- rulesets are never freed by durable-rules' Python layer: here an engine's rulesets are
  freed (``delete_ruleset``) once the engine is garbage, at the next call into the engine;
- no locking in the C engine: one process-wide lock around every call into it.

A rule's ``join`` is a second pattern of the rule (``j``), whose tests compare the other
fact's fields with the subject's (``{"_id": {"m": "accountable"}}``); durable-rules never
puts one fact in both patterns. A rule's ``absent`` is a negated pattern (``x$not``). Its
result depends on the order facts are asserted in (a subject asserted before the facts that
would rule it out fires all the same), so it tests *shadows*: a copy of every fact of the
type it looks for, of type ``TYPE~`` and with ``_of`` naming the original's subject, all
asserted before any other fact. A subject is never its own other fact (``_of`` differs).
"""

from __future__ import annotations

import json
import os
import threading
import uuid
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._errors import Problem, RulesetError
from .._rule_model import CompiledJoin, CompiledRule
from ._base import Match, engine_key, project
from ._limits import engine_fields, split_rules

__all__ = ["DURABLE_IMPORT_ERROR", "DurableEngine", "durable_available"]

try:  # durable-rules 2.0.28 does not import on Python 3.13 (PyEval_CallObject is gone)
    import durable_rules_engine as _C

    DURABLE_IMPORT_ERROR: str | None = None
except ImportError as error:  # pragma: no cover - depends on the interpreter
    _C = None
    DURABLE_IMPORT_ERROR = str(error)

# The C engine keeps process-wide handle tables and has no locks of its own.
_LOCK = threading.Lock()
# Handles of rulesets whose engine is garbage, freed at the next call into the C engine
# (a finaliser may run inside another call holding the lock, so it only queues them).
_RETIRED: list[int] = []

# The type of the sentinel facts; fact types never start with "_".
_SENTINEL = "__sentinel__"
# How many matches of one rule the C engine hands over in one action (an unsigned short).
_CAP = 60000


def _reset_lock_in_child() -> None:
    global _LOCK
    _LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    # A lock held by another thread at fork time would never be released in the child.
    os.register_at_fork(after_in_child=_reset_lock_in_child)


def durable_available() -> bool:
    """True when durable-rules imports on this interpreter."""
    return _C is not None


def _free_retired() -> None:
    # Called with the lock held.
    while _RETIRED:
        _C.delete_ruleset(_RETIRED.pop())


# A shadow's type: the original's type and this mark (fact types never contain "~").
_SHADOW = "~"


def _other_pattern(join: CompiledJoin, fact_type: str) -> dict[str, Any]:
    """The pattern of a join's other fact, of type ``fact_type`` (the joined type, or its
    shadow type): the type test, the field comparisons with the subject (``m``), the
    join's own condition."""
    condition = join.condition
    tests = [] if "type" in condition else condition["$and"][1:]
    compare = [{engine_key(theirs): {"m": engine_key(mine)}} for mine, theirs in join.on]
    return {"$and": [{"type": fact_type}, *compare, *tests]}


def _patterns(rule: CompiledRule) -> list[dict[str, Any]]:
    patterns: list[dict[str, Any]] = [{"m": rule.condition}]
    if rule.join is not None:
        patterns.append({"j": _other_pattern(rule.join, rule.join.type)})
    if rule.absent is not None:
        shadow = _other_pattern(rule.absent, rule.absent.type + _SHADOW)
        shadow["$and"].append({"$neq": {"_of": {"m": "id"}}})
        patterns.append({"x$not": shadow})
    return patterns


def _definition(rules: Sequence[CompiledRule]) -> str:
    rulesets: dict[str, Any] = {rule.id: {"all": _patterns(rule), "cap": _CAP} for rule in rules}
    rulesets[_SENTINEL] = {"all": [{"m": {"type": _SENTINEL}}], "cap": _CAP}
    return json.dumps(rulesets, ensure_ascii=False)


@dataclass(frozen=True)
class _Part:
    handle: int
    types: tuple[str, ...]  # the fact types its rules test
    shadowed: tuple[str, ...] = ()  # the fact types its rules' ``absent`` looks for


class DurableEngine:
    """Runs the compiled rules on durable-rules, in private rulesets of this engine."""

    name = "durable"

    def __init__(self, rules: Sequence[CompiledRule]) -> None:
        if _C is None:
            raise RuntimeError(f"durable-rules cannot be imported here: {DURABLE_IMPORT_ERROR}")
        self._fields = engine_fields(rules)  # also checks the limits on all rules together
        base = f"partnership_rules_{uuid.uuid4().hex}"
        parts: list[_Part] = []
        with _LOCK:
            _free_retired()
            try:
                for index, part in enumerate(split_rules(rules)):
                    handle = _C.create_ruleset(f"{base}_{index}", _definition(part))
                    types = [rule.rule.applies_to for rule in part]
                    types += [r.join.type for r in part if r.join is not None]
                    shadowed = [r.absent.type for r in part if r.absent is not None]
                    parts.append(
                        _Part(handle, tuple(dict.fromkeys(types)), tuple(dict.fromkeys(shadowed)))
                    )
            except Exception as error:  # durable's own error class, e.g. "error code: 204"
                for done in parts:
                    _C.delete_ruleset(done.handle)
                raise _compile_error(rules, error) from None
        self._parts = tuple(parts)
        self._next_sid = 0
        self._live_states = 0
        weakref.finalize(self, _RETIRED.extend, [part.handle for part in parts])

    @property
    def live_states(self) -> int:
        """States created and not yet deleted (zero between runs)."""
        return self._live_states

    def run(self, facts: Sequence[Mapping[str, Any]]) -> list[Match]:
        """Every (rule id, subject, joined subject) whose conditions hold, sorted."""
        by_type: dict[str, list[dict[str, Any]]] = {}
        for view in project(facts, self._fields):
            by_type.setdefault(view["type"], []).append(view)
        # (rule id, subject) -> the subjects its join found ("" for a rule without one)
        found: dict[tuple[str, str], set[str]] = {}
        with _LOCK:
            _free_retired()
            self._next_sid += 1
            sid = str(self._next_sid)
            for part in self._parts:
                views = [view for fact_type in part.types for view in by_type.get(fact_type, ())]
                if not views:  # asserting an empty list segfaults
                    continue
                shadows = [
                    {**view, "id": _SHADOW + view["id"], "type": t + _SHADOW, "_of": view["id"]}
                    for t in part.shadowed
                    for view in by_type.get(t, ())
                ]
                try:
                    for rule_id, subject, joined in self._run_part(
                        part.handle, sid, [*shadows, *views]
                    ):
                        found.setdefault((rule_id, subject), set()).add(joined)
                except _C.error as error:  # e.g. "error code: 303"
                    raise RuntimeError(f"durable-rules failed: {error}") from None
        return sorted(
            (rule_id, subject, min(joined)) for (rule_id, subject), joined in found.items()
        )

    def _run_part(self, handle: int, sid: str, views: list[dict[str, Any]]) -> list[Match]:
        first = {"sid": sid, "id": f"{_SENTINEL}:first", "type": _SENTINEL}
        last = {"sid": sid, "id": f"{_SENTINEL}:last", "type": _SENTINEL}
        for view in views:
            view["sid"] = sid
        batch = json.dumps([first, *views, last], ensure_ascii=False, separators=(",", ":"))
        self._live_states += 1
        matches: list[Match] = []
        sentinels = 0
        started = False  # once an action has started, deleting the state is safe
        try:
            _, state = _C.assert_facts(handle, batch)
            result = _C.start_action_for_state(handle, state)
            started = result is not None
            actions = result[1] if result else None
            while actions:
                for rule_id, frames in json.loads(actions).items():
                    if rule_id == _SENTINEL:
                        sentinels += len(frames)
                    else:
                        matches.extend(
                            (rule_id, frame["m"]["id"], frame["j"]["id"] if "j" in frame else "")
                            for frame in frames
                        )
                actions = _C.complete_and_start_action(handle, state)
        finally:
            if started or _complete_pending(handle):
                _C.delete_state(handle, sid)
                self._live_states -= 1
        if sentinels != 2:
            raise RuntimeError(f"durable-rules read only part of the {len(views)} facts")
        return matches


def _complete_pending(handle: int) -> bool:
    """After a failed run: complete the actions still pending in the ruleset (only the
    failed run's state can hold any); True if one started, so its state can be deleted."""
    try:
        result = _C.start_action(handle)
        if not result:
            return False
        while _C.complete_and_start_action(handle, result[2]):
            pass
    except Exception:  # noqa: BLE001 - the state stays; the run's own error is raised
        return False
    return True


def _compile_error(rules: Sequence[CompiledRule], error: Exception) -> RulesetError:
    """Name the rule durable-rules cannot compile, trying each alone (only on failure)."""
    for rule in rules:
        try:
            probe = _C.create_ruleset(f"probe_{uuid.uuid4().hex}", _definition([rule]))
        except Exception as alone:  # noqa: BLE001 - durable's own error class
            return RulesetError(
                f"ruleset {rule.ruleset}",
                [
                    Problem(
                        f"durable-rules cannot compile this condition: {alone}", f"{rule.id}.when"
                    )
                ],
            )
        _C.delete_ruleset(probe)
    return RulesetError(
        "rulesets", [Problem(f"durable-rules cannot compile these rules together: {error}")]
    )
