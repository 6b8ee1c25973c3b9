"""The durable-rules engine: the compiled rules run on durable-rules' C engine.

Nothing outside this module touches durable-rules. Its traps (see the project notes) and
how each is guarded here:

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
  a 64-entry stack): the rules are split into several rulesets (``_limits.split_rules``);
- floats in exponent form (``1e+20``) crash the C engine and texts are read as C strings:
  every value is checked, and converted where that keeps it exact, before it is sent;
- rule sets it cannot compile (more than 14 groups in a condition, more than 256 rules on
  one test) and one it loops on for ever (512 different tests under one node) are refused
  when rules are compiled (see ``_limits``); anything else it refuses is a
  :class:`RulesetError` naming the rule;
- rulesets are never freed: an engine is built once per set of rules and reused;
- no locking in the C engine: one process-wide lock around every call into it.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from .._errors import Problem, RulesetError
from .._rule_model import CompiledRule
from ._base import Match, project
from ._limits import engine_fields, split_rules

__all__ = ["DURABLE_IMPORT_ERROR", "DurableEngine", "durable_available"]

try:  # durable-rules 2.0.28 does not import on Python 3.13 (PyEval_CallObject is gone)
    from durable.engine import Host as _DurableHost

    DURABLE_IMPORT_ERROR: str | None = None
except ImportError as error:  # pragma: no cover - depends on the interpreter
    _DurableHost = None
    DURABLE_IMPORT_ERROR = str(error)

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


if _DurableHost is not None:

    class _QuietHost(_DurableHost):  # type: ignore[misc]
        def _run(self) -> None:
            # No dispatch or timer threads: every action runs synchronously in assert_facts.
            pass


class DurableEngine:
    """Runs the compiled rules on durable-rules, in private rulesets of this engine."""

    name = "durable"
    _CATCH_ALL = "__every_fact__"

    def __init__(self, rules: Sequence[CompiledRule]) -> None:
        if _DurableHost is None:
            raise RuntimeError(f"durable-rules cannot be imported here: {DURABLE_IMPORT_ERROR}")
        engine_fields(rules)  # checks the limits on all the rules together
        base = f"partnership_rules_{uuid.uuid4().hex}"
        self._parts = [
            (f"{base}_{index}", engine_fields(part), part)
            for index, part in enumerate(split_rules(rules))
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

    def run(self, facts: Sequence[Mapping[str, Any]]) -> list[Match]:
        """Every (rule id, subject) pair whose condition holds, sorted."""
        parts = [(name, project(facts, fields)) for name, fields, _ in self._parts]
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
