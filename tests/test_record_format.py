"""The record format's documents (docs/record-format.md, the JSON Schema) match the models."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import given
from partnership_rules.cli.main import cli
from pydantic import BaseModel, ValidationError
from strategies import records

from partnership_rules import Record, audit, record_from_data
from partnership_rules._loader import parse_text
from partnership_rules._recformat import (
    record_example_text,
    record_format_markdown,
    record_json_schema,
)

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
VALIDATOR = jsonschema.Draft202012Validator(
    record_json_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


def _yaml_data(path: Path) -> Any:
    # The project's loader keeps dates as text, as an editor's YAML support and JSON do.
    data, _ = parse_text(path.read_text(encoding="utf-8"), json_format=False)
    return data


EXAMPLE_RECORDS = sorted((ROOT / "examples").glob("*.yaml")) + sorted(
    p for p in (ROOT / "tests" / "cases").glob("*.yaml") if not p.name.endswith(".labels.yaml")
)


def _models(model: type[BaseModel] = Record) -> list[type[BaseModel]]:
    """Record and every model nested in it."""
    found = [model]
    for field in model.model_fields.values():
        for candidate in _nested_types(field.annotation):
            if candidate not in found:
                found += [m for m in _models(candidate) if m not in found]
    return found


def _nested_types(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [t for arg in getattr(annotation, "__args__", ()) for t in _nested_types(arg)]


def test_record_format_doc_is_current() -> None:
    actual = (DOCS / "record-format.md").read_text(encoding="utf-8")
    assert actual == record_format_markdown(), (
        "run: partnership-rules schema --format markdown > docs/record-format.md"
    )
    assert CliRunner().invoke(cli, ["schema", "--format", "markdown"]).output == actual


def test_schema_file_is_what_the_schema_command_prints() -> None:
    actual = (DOCS / "record.schema.json").read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    assert result.output == actual, "run: partnership-rules schema > docs/record.schema.json"
    assert json.loads(actual) == record_json_schema()


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(record_json_schema())


def test_the_schema_is_the_models_schema_with_its_descriptions() -> None:
    schema = record_json_schema()
    from_models = Record.model_json_schema(by_alias=True)
    assert schema["properties"].keys() == from_models["properties"].keys()
    assert schema["$defs"].keys() == from_models["$defs"].keys()
    for name, definition in from_models["$defs"].items():
        assert schema["$defs"][name]["properties"].keys() == definition["properties"].keys()
        assert schema["$defs"][name].get("required") == definition.get("required")


def test_every_section_and_field_has_a_description_in_the_schema_and_the_doc() -> None:
    schema = record_json_schema()
    doc = (DOCS / "record-format.md").read_text(encoding="utf-8")
    for model in _models():
        definition = schema if model is Record else schema["$defs"][model.__name__]
        assert definition.get("description"), model.__name__
        for name, field in model.model_fields.items():
            key = field.alias or name
            description = definition["properties"][key].get("description")
            assert description, f"{model.__name__}.{key} has no description"
            assert f"| `{key}` |" in doc
            assert description in doc


def test_every_field_in_the_doc_has_an_example() -> None:
    doc = (DOCS / "record-format.md").read_text(encoding="utf-8")
    rows = [line for line in doc.splitlines() if line.startswith("| `") and line.count("|") == 6]
    assert len(rows) >= sum(len(m.model_fields) for m in _models())
    for row in rows:
        example = row.rstrip(" |").rsplit("|", 1)[-1].strip()
        assert example, row


def test_teach_too_ratings_say_green_means_happening_well() -> None:
    schema = record_json_schema()
    rating = schema["$defs"]["SelfAssessment"]["properties"]["rating"]["description"]
    assert "green = happening well" in rating and "red = a concern" in rating


def test_the_shipped_example_uses_every_field_and_audits() -> None:
    data, _ = parse_text(record_example_text(), json_format=False)
    VALIDATOR.validate(data)
    record = record_from_data(data)
    assert audit(record).partnership.id == "craven-swissport"
    # Every field of every model is set somewhere in it (so the doc has an example for each).
    for model in _models():
        for name in model.model_fields:
            assert _set_somewhere(record, model, name), f"{model.__name__}.{name} unused"


def _set_somewhere(value: Any, model: type[BaseModel], name: str) -> bool:
    if isinstance(value, model) and name in value.model_fields_set:
        return True
    if isinstance(value, BaseModel):
        return any(_set_somewhere(getattr(value, f), model, name) for f in type(value).model_fields)
    if isinstance(value, list):
        return any(_set_somewhere(v, model, name) for v in value)
    return False


@pytest.mark.parametrize("path", EXAMPLE_RECORDS, ids=lambda p: p.name)
def test_every_example_record_is_valid_against_the_schema(path: Path) -> None:
    VALIDATOR.validate(_yaml_data(path))


@given(records())
def test_generated_records_are_valid_against_the_schema(record: dict[str, Any]) -> None:
    VALIDATOR.validate(record)


# The schema and the models refuse the same mistakes in single fields.
MISTAKES = [
    ("unknown top-level field", lambda r: r.update(colour="blue")),
    ("unknown partner field", lambda r: r["partners"][0].update(sponsor="CEO")),
    ("unknown kind", lambda r: r["partners"][0].update(kind="company")),
    ("bad stage", lambda r: r["partnership"].update(stage="delivery")),
    ("bad id", lambda r: r["partnership"].update(id="has space")),
    ("bad date", lambda r: r["partnership"].update(assessed_on="30/06/2016")),
    ("impossible date", lambda r: r["partnership"].update(assessed_on="2016-02-30")),
    ("no partners", lambda r: r.update(partners=[])),
    ("missing name", lambda r: r["partnership"].pop("name")),
    ("one-member channel", lambda r: r["communication"][0].update(between=["craven"])),
    ("level out of range", lambda r: r["self_assessment"][1].update(level=7)),
    ("negative amount", lambda r: r["partners"][0]["contributions"][0].update(amount=-1)),
    ("meeting every 0 days", lambda r: r["governance"]["bodies"][0].update(meets_every_days=0)),
    ("wrong format", lambda r: r.update(format="partnership-record/2")),
    ("text where a list goes", lambda r: r["partners"][0].update(benefits="jobs")),
]


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m[0])
def test_schema_and_models_refuse_the_same_mistakes(mistake: Any) -> None:
    data, _ = parse_text(record_example_text(), json_format=False)
    broken = copy.deepcopy(data)
    mistake[1](broken)
    assert not VALIDATOR.is_valid(broken)
    with pytest.raises(ValidationError):
        Record.model_validate(broken)
