"""The two engines agree, and every durable-rules trap listed in ``engines/_durable.py`` stays guarded.

Differential: every shipped rule, on every example and on generated records, gives the same
findings under durable-rules and under the plain-Python engine; so does a generated ruleset
with one rule per fact field, and one exercising every operator on boundary values. The
durable side is skipped only where durable-rules cannot be imported (Python 3.13).

Traps (numbers as in the notes, ``/work/shared/notes/durable-rules.md``): each test below
names the trap it guards. The ones whose failure would be a segfault run in a subprocess,
so that a regression fails one test instead of killing the whole run.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import ASSESSED_ON, records, write_every_field_ruleset

from partnership_rules import (
    FACT_SCHEMAS,
    Auditor,
    RulesetError,
    build_graph,
    derive_facts,
    load_record,
    record_from_data,
)
from partnership_rules._rule_language import worked_examples
from partnership_rules._rule_loader import load_ruleset, load_rulesets, shipped_ruleset_names
from partnership_rules._rule_model import CompiledRule
from partnership_rules._vocabulary import RESERVED_FIELDS
from partnership_rules.engines import durable_available
from partnership_rules.engines._base import project
from partnership_rules.engines._limits import MAX_ENGINE_FIELDS, engine_fields
from partnership_rules.engines._python import PythonEngine

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
needs_durable = pytest.mark.skipif(
    not durable_available(), reason="durable-rules does not import on this interpreter"
)

SHIPPED = shipped_ruleset_names()
EVERY_FIELD = write_every_field_ruleset()


def _write_worked_examples() -> str:
    """The rule language reference's worked examples (a join and an absence among them), as
    a rule file in a temporary directory; its path."""
    with tempfile.NamedTemporaryFile(
        "w", suffix=".yaml", prefix="worked-", delete=False, encoding="utf-8"
    ) as handle:
        handle.write("ruleset: my-checks\ntitle: Worked examples\nrules:\n")
        handle.write("".join(worked_examples()))
    return handle.name


WORKED = _write_worked_examples()


def _findings(auditor: Auditor, record: Any) -> list[dict[str, Any]]:
    return [f.model_dump(mode="json") for f in auditor.audit(record).findings]


# --- differential -----------------------------------------------------------------------

if durable_available():
    DURABLE = {
        "shipped": Auditor(SHIPPED, engine="durable"),
        "every": Auditor([EVERY_FIELD], engine="durable"),
        "worked": Auditor([WORKED], engine="durable"),
    }
PYTHON = {
    "shipped": Auditor(SHIPPED, engine="python"),
    "every": Auditor([EVERY_FIELD], engine="python"),
    "worked": Auditor([WORKED], engine="python"),
}


@needs_durable
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("rules", ["shipped", "every", "worked"])
def test_engines_agree_on_every_example(example: Path, rules: str) -> None:
    record = load_record(example)
    assert _findings(DURABLE[rules], record) == _findings(PYTHON[rules], record)


@needs_durable
def test_engines_agree_on_every_example_with_contexts() -> None:
    durable, python = Auditor(engine="durable"), Auditor(engine="python")
    for example in EXAMPLES:
        assert _findings(durable, example) == _findings(python, example)


@needs_durable
@given(records())
def test_engines_agree_on_generated_records(record: dict[str, Any]) -> None:
    for rules in ("shipped", "every", "worked"):
        assert _findings(DURABLE[rules], record) == _findings(PYTHON[rules], record)


def _operator_rules() -> dict[str, Any]:
    """Every operator, on every testable field type, around the boundary values used below,
    with ``all``/``any`` nesting: where durable-rules' semantics could differ from ours."""
    rules: list[dict[str, Any]] = []

    def add(fact_type: str, when: dict[str, Any]) -> None:
        n = len(rules) + 1
        rules.append(
            {
                "id": f"OP{n:03d}",
                "name": f"operator-{n}",
                "title": "operator",
                "severity": "info",
                "category": "compliance",
                "applies_to": fact_type,
                "when": when,
                "message": "{subject}",
                "rationale": "test",
                "remedy": "test",
                "references": [{"source": "qca-partnership-guide"}],
            }
        )

    for fact_type, (number, flag, text) in _FIELDS.items():
        for op in ("equals", "not_equals", "lt", "lte", "gt", "gte"):
            for value in (0, 1, 0.5, -1):
                add(fact_type, {"field": number, op: value})
        for value in (True, False):
            add(fact_type, {"field": flag, "equals": value})
            add(fact_type, {"field": flag, "not_equals": value})
        for field in (number, flag, text):
            add(fact_type, {"field": field, "exists": True})
            add(fact_type, {"field": field, "exists": False})
        add(fact_type, {"field": text, "equals": "a"})
        add(fact_type, {"field": text, "not_equals": "a"})
        add(fact_type, {"field": text, "one_of": ["a", "b"]})
        add(fact_type, {"field": text, "not_one_of": ["a", "b"]})
        add(
            fact_type,
            {
                "any": [
                    {"field": number, "lt": 0},
                    {"all": [{"field": flag, "equals": True}, {"field": text, "not_equals": "b"}]},
                ]
            },
        )
        add(
            fact_type,
            {
                "all": [
                    {"field": number, "gte": 0},
                    {"any": [{"field": flag, "exists": False}, {"field": text, "one_of": ["a"]}]},
                ]
            },
        )
    return {"ruleset": "operators", "title": "Every operator", "rules": rules}


def _typed_fields(fact_type: str) -> tuple[str, str, str]:
    schema = FACT_SCHEMAS[fact_type]
    usable = [f for f in schema if f not in RESERVED_FIELDS]
    pick = {
        kind: next(f for f in usable if schema[f].type == kind)
        for kind in ("number", "bool", "text")
    }
    return pick["number"], pick["bool"], pick["text"]


_FIELDS = {
    fact_type: _typed_fields(fact_type)
    for fact_type in FACT_SCHEMAS
    if {"number", "bool", "text"}
    <= {s.type for f, s in FACT_SCHEMAS[fact_type].items() if f not in RESERVED_FIELDS}
}


@pytest.fixture(scope="module")
def operator_rules(tmp_path_factory: pytest.TempPathFactory) -> list[CompiledRule]:
    path = tmp_path_factory.mktemp("rules") / "operators.json"
    path.write_text(json.dumps(_operator_rules()), encoding="utf-8")
    return list(load_ruleset(path).rules)


_VALUES = {
    "number": st.sampled_from([None, 0, 1, 0.5, -1, 2, 0.4999, 1.0001, 1000]),
    "bool": st.sampled_from([None, True, False]),
    "text": st.sampled_from([None, "a", "b", "", "A", "a "]),
}


@st.composite
def _boundary_facts(draw: Any) -> list[dict[str, Any]]:
    facts = []
    for fact_type, fields in _FIELDS.items():
        for n in range(draw(st.integers(0, 3))):
            fact: dict[str, Any] = {
                "type": fact_type,
                "subject": f"{fact_type}:f{n}",
                "id": f"f{n}",
            }
            for field in fields:
                value = draw(_VALUES[FACT_SCHEMAS[fact_type][field].type])
                if value is not None:
                    fact[field] = value
            facts.append(fact)
    return facts


@needs_durable
def test_engines_agree_on_every_operator_at_the_boundaries(
    operator_rules: list[CompiledRule],
) -> None:
    from partnership_rules.engines._durable import DurableEngine

    durable, python = DurableEngine(operator_rules), PythonEngine(operator_rules)

    @given(_boundary_facts())
    def check(facts: list[dict[str, Any]]) -> None:
        assert durable.run(facts) == python.run(facts)

    check()


# --- joins and absence: two subjects at once ----------------------------------------------

# Fields the join rules below compare and test, per fact type (kind as in the fact schemas).
_JOIN_FIELDS = {
    "partner": ("in_governance", "seat_count", "kind"),
    "objective": ("owner", "has_target", "metric_count"),
    "action": ("accountable", "objective", "follows", "status", "responsible_count"),
}
_IDS = ("f0", "f1", "f2")


def _join_rule(n: int, applies_to: str, when: dict[str, Any], **others: Any) -> dict[str, Any]:
    return {
        "id": f"JN{n:03d}",
        "name": f"join-{n}",
        "title": "join",
        "severity": "info",
        "category": "compliance",
        "applies_to": applies_to,
        "when": when,
        "message": "{subject}",
        "rationale": "test",
        "remedy": "test",
        "references": [{"source": "qca-partnership-guide"}],
        **others,
    }


def _join_rules() -> dict[str, Any]:
    """Joins many-to-one, one-to-many and of one type with itself, absences of another type
    and of the subject's own type, with and without conditions on the other fact, and both
    in one rule."""
    not_done = {"field": "status", "not_equals": "done"}
    outside = {"field": "in_governance", "equals": False}
    specs: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("action", not_done, {"join": {"type": "partner", "match": {"accountable": "id"}}}),
        (
            "action",
            not_done,
            {"join": {"type": "partner", "match": {"accountable": "id"}, "when": outside}},
        ),
        (
            "partner",
            {"field": "seat_count", "gte": 1},
            {"join": {"type": "action", "match": {"id": "accountable"}, "when": not_done}},
        ),
        (
            "action",
            {"field": "responsible_count", "gt": 0},
            {"join": {"type": "action", "match": {"objective": "objective"}}},
        ),
        (
            "objective",
            {"field": "has_target", "equals": True},
            {
                "join": {
                    "type": "partner",
                    "match": {"owner": "id"},
                    "when": {"field": "kind", "one_of": ["a", "b"]},
                }
            },
        ),
        (
            "objective",
            {"field": "has_target", "exists": True},
            {"absent": {"type": "action", "match": {"id": "objective"}}},
        ),
        (
            "objective",
            {"field": "metric_count", "lt": 2},
            {"absent": {"type": "action", "match": {"id": "objective"}, "when": not_done}},
        ),
        (
            "action",
            {"field": "status", "exists": True},
            {"absent": {"type": "action", "match": {"id": "follows"}}},
        ),
        (
            "partner",
            {"field": "kind", "exists": True},
            {"absent": {"type": "objective", "match": {"id": "owner"}}},
        ),
        (
            "action",
            not_done,
            {
                "join": {"type": "partner", "match": {"accountable": "id"}},
                "absent": {"type": "action", "match": {"id": "follows"}, "when": not_done},
            },
        ),
        (
            "action",
            {"field": "responsible_count", "gte": 0},
            {"join": {"type": "action", "match": {"objective": "objective", "status": "status"}}},
        ),
    ]
    rules = [_join_rule(n, t, when, **others) for n, (t, when, others) in enumerate(specs, 1)]
    return {"ruleset": "joins", "title": "Joins and absences", "rules": rules}


_JOIN_VALUES = {
    "in_governance": st.sampled_from([None, True, False]),
    "seat_count": st.sampled_from([None, 0, 1, 2]),
    "kind": st.sampled_from([None, "a", "b", "c"]),
    "owner": st.sampled_from([None, *_IDS]),
    "has_target": st.sampled_from([None, True, False]),
    "metric_count": st.sampled_from([None, 0, 1, 2, 1.0]),
    "accountable": st.sampled_from([None, *_IDS]),
    "objective": st.sampled_from([None, *_IDS]),
    "follows": st.sampled_from([None, *_IDS]),
    "status": st.sampled_from([None, "done", "blocked", "not-started"]),
    "responsible_count": st.sampled_from([None, 0, 1]),
}


@st.composite
def _joinable_facts(draw: Any) -> list[dict[str, Any]]:
    """Facts of three types whose ids and links come from one small pool, so that joins
    find one, several or no other fact, and a fact may name itself."""
    facts = []
    for fact_type, fields in _JOIN_FIELDS.items():
        for record_id in draw(st.lists(st.sampled_from(_IDS), unique=True, max_size=3)):
            fact: dict[str, Any] = {
                "type": fact_type,
                "subject": f"{fact_type}:{record_id}",
                "id": record_id,
            }
            for field in fields:
                value = draw(_JOIN_VALUES[field])
                if value is not None:
                    fact[field] = value
            facts.append(fact)
    shuffled: list[dict[str, Any]] = draw(st.permutations(facts))
    return shuffled


@pytest.fixture(scope="module")
def join_rules(tmp_path_factory: pytest.TempPathFactory) -> list[CompiledRule]:
    path = tmp_path_factory.mktemp("rules") / "joins.json"
    path.write_text(json.dumps(_join_rules()), encoding="utf-8")
    return list(load_ruleset(path).rules)


def test_join_rules_find_what_they_say(join_rules: list[CompiledRule]) -> None:
    # A worked case, by hand, for the plain-Python engine (the durable one must agree below).
    facts: list[dict[str, Any]] = [
        {"type": "partner", "subject": "partner:f0", "id": "f0", "in_governance": False},
        {"type": "partner", "subject": "partner:f1", "id": "f1", "in_governance": True},
        {"type": "objective", "subject": "objective:f0", "id": "f0", "has_target": True},
        {"type": "objective", "subject": "objective:f1", "id": "f1", "has_target": True},
        {"type": "action", "subject": "action:f0", "id": "f0", "accountable": "f0",
         "objective": "f0", "status": "blocked"},
        {"type": "action", "subject": "action:f1", "id": "f1", "accountable": "f1",
         "objective": "f0", "status": "done", "follows": "f0"},
    ]  # fmt: skip
    found = {
        (r, s, j)
        for r, s, j in PythonEngine(join_rules).run(facts)
        if r in ("JN001", "JN002", "JN006", "JN008")
    }
    assert found == {
        ("JN001", "action:f0", "partner:f0"),  # open, answered for by f0
        ("JN002", "action:f0", "partner:f0"),  # ... who sits on no body
        ("JN006", "objective:f1", ""),  # no action serves f1
        ("JN008", "action:f1", ""),  # no action follows f1 up (f1 follows f0)
    }


@needs_durable
def test_engines_agree_on_joins_and_absences(join_rules: list[CompiledRule]) -> None:
    from partnership_rules.engines._durable import DurableEngine

    durable, python = DurableEngine(join_rules), PythonEngine(join_rules)

    @given(_joinable_facts())
    def check(facts: list[dict[str, Any]]) -> None:
        assert durable.run(facts) == python.run(facts)
        assert durable.live_states == 0

    check()


# --- what reaches the engine --------------------------------------------------------------

ALL_RULES = [rule for rs in load_rulesets([*SHIPPED, EVERY_FIELD]) for rule in rs.rules]
ALL_FIELDS = engine_fields(ALL_RULES)
_ENGINE_OPERATORS = {"$and", "$or", "$ex", "$nex", "$lt", "$lte", "$gt", "$gte", "$neq"}


def _operators_in(condition: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(condition, dict):
        for key, value in condition.items():
            if key.startswith("$"):
                found.add(key)
            found |= _operators_in(value)
    elif isinstance(condition, list):
        for item in condition:
            found |= _operators_in(item)
    return found


def test_compiled_conditions_use_only_the_operators_both_engines_implement() -> None:
    # Trap 6 (negation depends on assertion order) and the $mt regex dialect: never compiled.
    for rule in ALL_RULES:
        assert _operators_in(rule.condition) <= _ENGINE_OPERATORS, rule.id
        assert rule.condition["$and"][0] == {"type": rule.rule.applies_to}


def _json_safe(value: Any) -> bool:
    if isinstance(value, float):
        return "e" not in repr(value) and "n" not in repr(value)  # no exponent, inf or nan
    if isinstance(value, str):
        return "\x00" not in value
    return isinstance(value, (bool, int))


@given(records())
def test_every_fact_sent_to_the_engine_is_small_flat_and_exact(record: dict[str, Any]) -> None:
    # Traps 5 (too many properties), 7 (colliding ids) and 9 (values JSON cannot carry).
    parsed = record_from_data(record)
    facts = derive_facts(parsed, build_graph(parsed), ASSESSED_ON)
    views = project(facts, ALL_FIELDS)
    json.dumps(views, allow_nan=False)
    assert len({v["id"] for v in views}) == len(views)
    for view in views:
        assert len(view) <= MAX_ENGINE_FIELDS + 2
        assert all(_json_safe(v) for k, v in view.items()), view


def test_too_many_tested_fields_is_a_ruleset_error() -> None:
    # Trap 5: a fact with more than ~250 properties is dropped silently, or crashes.
    template = ALL_RULES[0]
    fake = CompiledRule(
        template.rule,
        "fake",
        template.condition,
        tuple(f"field_{i}" for i in range(MAX_ENGINE_FIELDS + 1)),
        (),
    )
    with pytest.raises(RulesetError, match=f"the limit is {MAX_ENGINE_FIELDS}"):
        PythonEngine([fake])


def test_two_facts_with_one_subject_never_reach_the_engine() -> None:
    # Trap 4 (a duplicate fact fails the whole batch) and 7 (colliding ids drop a fact).
    facts = [{"type": "partner", "subject": "partner:x", "id": "x"}] * 2
    with pytest.raises(ValueError, match="share the subject"):
        project(facts, {})


def test_facts_with_the_same_id_but_different_subjects_are_both_matched() -> None:
    # Trap 7: the engine's identity is the subject, not the record id.
    rules = [
        r
        for r in ALL_RULES
        if r.rule.applies_to in ("partner", "objective") and r.id.startswith("EF")
    ]
    facts = [
        {"type": "partner", "subject": "partner:x", "id": "x", "seat_count": 1, "lead": True},
        {"type": "objective", "subject": "objective:x", "id": "x", "has_owner": True},
    ]
    subjects = {subject for _, subject, _ in PythonEngine(rules).run(facts)}
    assert subjects == {"partner:x", "objective:x"}
    if durable_available():
        from partnership_rules.engines._durable import DurableEngine

        assert {s for _, s, _ in DurableEngine(rules).run(facts)} == subjects


def test_numbers_the_c_engine_cannot_read_are_converted_or_refused() -> None:
    from partnership_rules.engines._base import engine_value

    assert engine_value(5e18, "s", "f") == 5_000_000_000_000_000_000
    assert isinstance(engine_value(5e18, "s", "f"), int)
    assert engine_value(0.0001, "s", "f") == 0.0001
    assert engine_value("a\x00b", "s", "f") == "a\ufffdb"
    for bad in (float("nan"), float("inf"), 1e-05):
        with pytest.raises(ValueError, match="s: f is"):
            engine_value(bad, "s", "f")


# --- durable-rules traps, each one guarded -------------------------------------------------


def _run_isolated(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter: a segfault there fails this test, not the run."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(tempfile.gettempdir()),  # not the checkout: it would shadow the installed package
    )


_SETUP = f"""
import json
from partnership_rules.engines._durable import DurableEngine
from partnership_rules._rule_language import worked_examples
from partnership_rules._rule_loader import load_rulesets
rules = [r for rs in load_rulesets({[*SHIPPED, EVERY_FIELD]!r}) for r in rs.rules]
engine = DurableEngine(rules)
"""


@needs_durable
def test_an_empty_batch_never_reaches_the_engine() -> None:
    # Trap 5: assert_facts(name, []) segfaults.
    result = _run_isolated(_SETUP + "print(engine.run([]), engine.live_states)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[]", "0"]


@needs_durable
def test_a_state_where_no_rule_fired_is_deleted_safely() -> None:
    # Trap 3: delete_state on a sid where no action ran segfaults; the catch-all rule fires
    # on every fact, even one of a type no rule tests and with no field any rule tests.
    result = _run_isolated(
        _SETUP
        + """
facts = [{"type": "issue", "subject": "issue:i", "id": "i"},
         {"type": "unknown-type", "subject": "x:y", "id": "y"}]
for _ in range(3):
    print(engine.run(facts) == [] or "matches", engine.live_states)
"""
    )
    assert result.returncode == 0, result.stderr
    assert "0" in result.stdout and "Traceback" not in result.stderr


@needs_durable
def test_large_and_odd_values_do_not_crash_the_c_engine() -> None:
    # A float written in exponent form (1e+20) segfaulted assert_facts; NUL truncated texts.
    result = _run_isolated(
        _SETUP
        + """
from partnership_rules.engines._python import PythonEngine
python = PythonEngine(rules)
facts = [{"type": "partnership", "subject": "partnership:p", "id": "p",
          "funding_total": 5e18, "funding_top_share": 0.0001, "stage": "a\\x00b"},
         {"type": "partner", "subject": "partner:a", "id": "a", "funding": 1e16}]
print(engine.run(facts) == python.run(facts), engine.live_states)
"""
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "0"]


@needs_durable
def test_no_background_threads_are_started() -> None:
    # Trap 1: the Host's dispatch/timer threads crashed with several threads.
    from partnership_rules.engines._durable import DurableEngine

    before = {t.ident for t in threading.enumerate()}
    engine = DurableEngine(ALL_RULES)
    engine.run([{"type": "partner", "subject": "partner:a", "id": "a", "seat_count": 1}])
    after = {t.ident for t in threading.enumerate()}
    assert after <= before


@pytest.mark.slow
@needs_durable
def test_states_are_deleted_after_every_run_past_the_1024_limit() -> None:
    # Trap 2: at most 1,024 live states per ruleset; the 1,025th raises MemoryError.
    auditor = Auditor(["core"], engine="durable")
    record = load_record(EXAMPLES[0])
    first = auditor.audit(record).findings
    for _ in range(1100):
        assert auditor.audit(record).findings == first
    assert auditor._engine.live_states == 0  # type: ignore[attr-defined]


@needs_durable
def test_one_unhandled_fact_type_does_not_fail_the_batch() -> None:
    # Trap 4: a fact matched by no rule raised MessageNotHandledException for the batch.
    from partnership_rules.engines._durable import DurableEngine

    objective_rules = [r for r in ALL_RULES if r.rule.applies_to == "objective"]
    engine = DurableEngine(objective_rules)
    facts: list[dict[str, Any]] = [
        {"type": "partner", "subject": "partner:a", "id": "a"},
        {
            "type": "objective",
            "subject": "objective:o",
            "id": "o",
            "metric_count": 0,
            "has_owner": True,
        },
    ]
    assert engine.run(facts) == PythonEngine(objective_rules).run(facts)
    assert engine.live_states == 0


@needs_durable
def test_facts_the_c_engine_drops_are_an_error_not_a_silent_loss() -> None:
    # Trap 5: a fact with more than ~250 properties ends the C engine's reading of the batch,
    # silently. The sentinel fact after the last one must fire, or the run fails; the state
    # is deleted all the same and the engine keeps working.
    result = _run_isolated(
        _SETUP
        + """
part = engine._parts[0]
views = [{"id": "partner:a", "type": "partner"},
         {"id": "partner:b", "type": "partner", **{f"f{i}": i for i in range(300)}},
         {"id": "partner:c", "type": "partner"}]
try:
    engine._run_part(part.handle, "lost", views)
except RuntimeError as error:
    print("error:", error)
print(engine.live_states)
facts = [{"type": "partner", "subject": "partner:a", "id": "a", "seat_count": 2}]
from partnership_rules.engines._python import PythonEngine
print(engine.run(facts) == PythonEngine(rules).run(facts), engine.live_states)
"""
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines == [
        "error: durable-rules read only part of the 3 facts",
        "0",
        "True 0",
    ], result.stdout


@needs_durable
def test_a_run_the_c_engine_refuses_leaves_no_state_behind(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Trap 3 on the error path: a batch the C engine fails on (here error 303, too many
    # tests holding at once, with the split into parts turned off) still has its state
    # deleted, without a segfault, and the engine keeps working.
    result = _run_isolated(
        f"""
import json
from partnership_rules import FACT_SCHEMAS
from partnership_rules._rule_language import worked_examples
from partnership_rules._rule_loader import load_ruleset
from partnership_rules.engines import _durable
from partnership_rules.engines._python import PythonEngine
rules = list(load_ruleset({str(_wide_rules(tmp_path))!r}).rules)
_durable.split_rules = lambda rules: [list(rules)]
engine = _durable.DurableEngine(rules)
numbers = [r.fields[0] for r in rules]
wide = [{{"type": "partnership", "subject": "partnership:p", "id": "p", **{{f: 1 for f in numbers}}}}]
try:
    engine.run(wide)
except RuntimeError as error:
    print("error:", error)
print(engine.live_states)
narrow = [{{"type": "partnership", "subject": "partnership:p", "id": "p", numbers[0]: 1}}]
print(engine.run(narrow) == PythonEngine(rules).run(narrow), engine.live_states)
"""
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and "error code: 303" in lines[0], result.stdout
    assert lines[1:] == ["0", "True 0"], result.stdout


@needs_durable
def test_building_an_engine_leaves_the_compiled_rules_untouched() -> None:
    # set_rulesets deletes the "run" keys of what it is given; rules are reused (trap 10).
    from partnership_rules.engines._durable import DurableEngine

    before = copy.deepcopy([r.condition for r in ALL_RULES])
    first, second = DurableEngine(ALL_RULES), DurableEngine(ALL_RULES)
    assert [r.condition for r in ALL_RULES] == before
    facts = [{"type": "partner", "subject": "partner:a", "id": "a", "seat_count": 2}]
    assert first.run(facts) == second.run(facts) == PythonEngine(ALL_RULES).run(facts)


@needs_durable
def test_an_auditor_builds_its_engine_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Trap 10: rulesets are never freed, so an engine per audit would leak.
    from partnership_rules.engines import _durable

    auditor = Auditor(["core"], engine="durable")
    built: list[object] = []
    monkeypatch.setattr(_durable.DurableEngine, "__init__", lambda *a, **k: built.append(a))
    for example in EXAMPLES:
        auditor.audit(example)
    assert built == []


@needs_durable
def test_rules_the_c_engine_cannot_compile_are_a_ruleset_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # durable's own exception class (e.g. "error code: 204") must not escape as a crash.
    from partnership_rules.engines._durable import DurableEngine

    rule = ALL_RULES[0]
    broken = CompiledRule(rule.rule, rule.ruleset, {"$lt": {"x": float("1e300")}}, (), ())
    with pytest.raises(
        RulesetError,
        match=f"^ruleset {rule.ruleset}: {rule.id}.when: durable-rules cannot compile this condition: .*error code: 204$",
    ):
        DurableEngine([broken])


@needs_durable
def test_an_or_whose_branches_both_hold_matches_once(operator_rules: list[CompiledRule]) -> None:
    # durable-rules fires a "$or" condition once per branch that holds.
    from partnership_rules.engines._durable import DurableEngine

    either = [r for r in operator_rules if "$or" in json.dumps(r.condition)]
    assert either
    fact: dict[str, Any] = {"type": "partnership", "subject": "partnership:p", "id": "p"}
    number, flag, text = _FIELDS["partnership"]
    fact.update({number: -1, flag: True, text: "a"})
    matches = DurableEngine(either).run([fact])
    assert len(matches) == len(set(matches))
    assert matches == PythonEngine(either).run([fact])


def _wide_rules(tmp_path: Path) -> Path:
    """A rule file with one rule per number and bool field of partnership facts."""
    numbers = [
        f
        for f, spec in FACT_SCHEMAS["partnership"].items()
        if spec.type in ("number", "bool") and f not in RESERVED_FIELDS
    ]
    assert len(numbers) > 64
    rules = {
        "ruleset": "wide",
        "title": "Wide",
        "rules": [
            {
                "id": f"WD{n:03d}",
                "name": f"wide-{n}",
                "title": "t",
                "severity": "info",
                "category": "compliance",
                "applies_to": "partnership",
                "when": {"field": field, "exists": True},
                "message": "{subject}",
                "rationale": "r",
                "remedy": "r",
                "references": [{"source": "qca-partnership-guide"}],
            }
            for n, field in enumerate(numbers)
        ],
    }
    path = tmp_path / "wide.json"
    path.write_text(json.dumps(rules))
    return path


def test_many_tests_holding_at_once_are_split_across_rulesets(tmp_path: Path) -> None:
    # durable-rules' matching walk has a 64-entry stack: ~70 rules holding for one fact
    # failed the whole batch with "error code: 303". Every number and bool field of
    # partnership facts, each tested by its own rule.
    compiled = list(load_ruleset(_wide_rules(tmp_path)).rules)
    numbers = [rule.fields[0] for rule in compiled]
    fact = {"type": "partnership", "subject": "partnership:p", "id": "p", **{f: 1 for f in numbers}}
    expected = PythonEngine(compiled).run([fact])
    assert len(expected) == len(numbers)
    if durable_available():
        from partnership_rules.engines._durable import DurableEngine

        engine = DurableEngine(compiled)
        assert len(engine._parts) >= 2
        assert engine.run([fact]) == expected
        assert engine.live_states == 0
