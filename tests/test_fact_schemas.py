"""Every fact carries exactly the fields its type declares, each of the declared JSON type.

Checked on every example, every base record in ``rulesets/bases/``, every record the shipped
rules' examples make from them, and generated records: a field computed but not declared (or
declared but never computed) fails here, whichever module builds it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from strategies import ASSESSED_ON, records

from partnership_rules import (
    FACT_SCHEMAS,
    build_graph,
    derive_facts,
    load_record,
    load_rulesets,
    record_from_data,
)
from partnership_rules._rule_examples import rule_examples
from partnership_rules.facts import FACT_TYPES, FactField

ROOT = Path(__file__).parent.parent
RECORD_FILES = sorted(ROOT.glob("examples/*.yaml")) + sorted(ROOT.glob("rulesets/bases/*.yaml"))


def schema_problems(facts: list[dict[str, Any]]) -> list[str]:
    """Each way the facts depart from FACT_SCHEMAS, as a sentence."""
    problems = []
    for fact in facts:
        schema = FACT_SCHEMAS[fact["type"]]
        where = f"{fact['subject']} ({fact['type']})"
        for name in sorted(set(schema) - set(fact)):
            problems.append(f"{where}: declared field '{name}' is missing")
        for name in sorted(set(fact) - set(schema) - {"type"}):
            problems.append(f"{where}: field '{name}' is not declared")
        for name in sorted(set(fact) & set(schema)):
            if not schema[name].accepts(fact[name]):
                problems.append(
                    f"{where}: {name} = {fact[name]!r} is not of type {schema[name].type}"
                )
    return problems


def _facts(data_or_path: dict[str, Any] | Path) -> list[dict[str, Any]]:
    if isinstance(data_or_path, Path):
        record = load_record(data_or_path)
    else:
        record = record_from_data(data_or_path)
    as_of = record.partnership.assessed_on or ASSESSED_ON
    return derive_facts(record, build_graph(record), as_of)


@pytest.mark.parametrize("path", RECORD_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_facts_of_shipped_records_match_their_schemas(path: Path) -> None:
    facts = _facts(path)
    assert {fact["type"] for fact in facts} >= {"partnership", "partner"}
    assert schema_problems(facts) == []


def test_facts_of_every_rule_example_record_match_their_schemas() -> None:
    problems = []
    examples = [e for ruleset in load_rulesets() for e in rule_examples(ruleset)]
    for example in examples:
        problems += [
            f"{example.rule} {example.kind}[{example.index}] ({example.about}): {p}"
            for p in schema_problems(_facts(example.record()))
        ]
    assert len(examples) > 100
    assert problems == []


@given(records())
def test_facts_of_generated_records_match_their_schemas(record: dict[str, Any]) -> None:
    assert schema_problems(_facts(record)) == []


def test_every_fact_type_of_the_schemas_is_built_and_documented() -> None:
    assert list(FACT_SCHEMAS) == [fact_type.name for fact_type in FACT_TYPES]
    for fact_type, schema in FACT_SCHEMAS.items():
        for name, declared in schema.items():
            assert isinstance(declared, FactField)
            assert declared.type in ("bool", "number", "text", "list"), (fact_type, name)
            assert declared.doc.strip(), f"{fact_type}.{name} has no description"


def test_every_fact_type_is_built_on_a_full_record() -> None:
    # The examples together hold every kind of subject, so each fact type is checked above.
    built = {fact["type"] for path in RECORD_FILES for fact in _facts(path)}
    assert built == set(FACT_SCHEMAS)


def test_the_check_names_each_departure_from_the_schema() -> None:
    facts = _facts(RECORD_FILES[0])
    partner = next(fact for fact in facts if fact["type"] == "partner")
    broken = {**partner, "seat_count": "3", "surplus": 1}
    del broken["lead"]
    assert schema_problems([broken]) == [
        f"{partner['subject']} (partner): declared field 'lead' is missing",
        f"{partner['subject']} (partner): field 'surplus' is not declared",
        f"{partner['subject']} (partner): seat_count = '3' is not of type number",
    ]
