"""durable-rules' C limits, as checks on compiled rules, and the split of rules into parts.

Limits found in durable-rules' C source (rete.c, rules.h), each reached by a rule file:

- a condition is compiled into one expression list of at most 32 entries, two per
  all/any/one_of/not_one_of group: more groups fail with "error code: 113";
- each node of its network keeps its successors (different tests) in a 512-slot table,
  and looking a test up in a full table never returns: 512 different tests on one fact
  type hang the process in C code, which Ctrl-C cannot interrupt;
- a node links to at most 256 rules: more rules with the same test fail ("error code: 108");
- a fact is matched by walking the network with a stack of 64 nodes: when more tests of
  one node's successors hold at once, asserting the facts fails ("error code: 303"). Each
  condition's share of that stack is bounded (``condition_width``), and the durable engine
  splits rules into parts whose widths add up to less than the stack (``split_rules``);
- a fact with more than about 250 properties is dropped silently (``MAX_ENGINE_FIELDS``).

The condition compiler and the rule loader refuse rules past these limits, naming the rule,
so that the plain-Python engine accepts exactly the rules the durable engine can run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .._errors import Problem, RulesetError

if TYPE_CHECKING:
    from .._rule_model import CompiledRule

__all__ = [
    "MAX_CONDITION_GROUPS",
    "MAX_CONDITION_WIDTH",
    "MAX_DISTINCT_TESTS",
    "MAX_ENGINE_FIELDS",
    "MAX_RULES_PER_TEST",
    "STACK_BUDGET",
    "condition_width",
    "distinct_test_problem",
    "engine_fields",
    "rule_conditions",
    "split_rules",
]

MAX_CONDITION_WIDTH = 48
MAX_CONDITION_GROUPS = 12
MAX_DISTINCT_TESTS = 400
MAX_RULES_PER_TEST = 200
# durable-rules silently drops facts with more than about 250 properties.
MAX_ENGINE_FIELDS = 200
# The matching walk's stack holds 64 nodes; the type test and the engine's own sentinel
# rule take a few more entries besides the rules' widths.
STACK_BUDGET = 60


def condition_width(condition: Any) -> int:
    """How many stack entries of durable-rules' matching walk a compiled condition can hold
    at once (an upper bound): a chain of tests holds one at a time, each branch of an ``$or``
    adds its own, and the branches of a ``one_of`` (equality tests of one field) exclude
    each other. Whatever matches, the walk of one ruleset stays within the sum of its rules'
    widths (plus the type test and the sentinel rule)."""
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


def rule_conditions(rule: CompiledRule) -> list[tuple[str, dict[str, Any], int]]:
    """Each condition a rule makes the engine test, with the fact type it tests and how
    many join tests (other fact's field = subject's field) it adds: the rule's own, then
    its ``join``'s and its ``absent``'s."""
    found = [(rule.rule.applies_to, rule.condition, 0)]
    for join in (rule.join, rule.absent):
        if join is not None:
            found.append((join.type, join.condition, len(join.on)))
    return found


def _leaf_tests(condition: Any) -> list[str]:
    if isinstance(condition, dict) and set(condition) <= {"$and", "$or"}:
        return [t for key in condition for item in condition[key] for t in _leaf_tests(item)]
    return [json.dumps(condition, sort_keys=True)]


def distinct_test_problem(rules: Iterable[CompiledRule]) -> Problem | None:
    """A problem naming the first rule that takes a fact type past ``MAX_DISTINCT_TESTS``
    different tests, or one test past ``MAX_RULES_PER_TEST`` rules, else None. The
    problem's path is ``<rule id>.when``."""
    seen: dict[str, set[str]] = {}
    users: dict[str, int] = {}
    for rule in rules:
        for fact_type, condition, _ in rule_conditions(rule):
            tests = seen.setdefault(fact_type, set())
            mine = {t for t in _leaf_tests(condition) if not t.startswith('{"type":')}
            tests.update(mine)
            for test in mine:
                key = f"{fact_type} {test}"
                users[key] = users.get(key, 0) + 1
                if users[key] > MAX_RULES_PER_TEST:
                    return Problem(
                        f"more than {MAX_RULES_PER_TEST} rules make the test {test}"
                        f" on {fact_type} facts (with the rules before it)",
                        f"{rule.id}.when",
                    )
            if len(tests) > MAX_DISTINCT_TESTS:
                return Problem(
                    f"rules make more than {MAX_DISTINCT_TESTS} different tests on"
                    f" {fact_type} facts (with the rules before it)",
                    f"{rule.id}.when",
                )
    return None


def engine_fields(rules: Iterable[CompiledRule]) -> dict[str, tuple[str, ...]]:
    """The fact fields each fact type must carry into the engine, checked against the
    limits above; raises :class:`RulesetError` past them."""
    rules = list(rules)
    problem = distinct_test_problem(rules)
    if problem is not None:
        raise RulesetError("rulesets", [problem])
    by_type: dict[str, list[str]] = {}

    def carry(fact_type: str, names: Iterable[str]) -> None:
        fields = by_type.setdefault(fact_type, [])
        fields.extend(f for f in names if f not in fields)

    for rule in rules:
        carry(rule.rule.applies_to, rule.fields)
        for join in (rule.join, rule.absent):
            if join is not None:  # the fields compared, on both sides, and the ones tested
                carry(rule.rule.applies_to, (mine for mine, _ in join.on))
                carry(join.type, [*(theirs for _, theirs in join.on), *join.fields])
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


def split_rules(rules: Sequence[CompiledRule]) -> list[list[CompiledRule]]:
    """Rules in order, packed first-fit into parts whose condition widths add up to at
    most ``STACK_BUDGET`` per fact type (never an empty list of parts)."""
    parts: list[tuple[list[CompiledRule], dict[str, int]]] = []
    for rule in rules:
        widths: dict[str, int] = {}
        for fact_type, condition, join_tests in rule_conditions(rule):
            widths[fact_type] = widths.get(fact_type, 0) + condition_width(condition) + join_tests
        for candidate, used in parts:
            if all(used.get(t, 0) + w <= STACK_BUDGET for t, w in widths.items()):
                part = candidate
                break
        else:
            part, used = [], {}
            parts.append((part, used))
        part.append(rule)
        for fact_type, width in widths.items():
            used[fact_type] = used.get(fact_type, 0) + width
    return [part for part, _ in parts] or [[]]
