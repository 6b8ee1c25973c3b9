"""The record format as documents: its JSON Schema and ``docs/record-format.md``.

Both are generated from the pydantic models in :mod:`._record` (each field's docstring is its
meaning, its type gives the allowed values) and, for the examples, from the complete example
record shipped in ``record_templates/example.yaml``. Tests check that the committed
``docs/record-format.md`` and ``docs/record.schema.json`` equal what these functions return, so
the documents cannot drift from the models.
"""

from __future__ import annotations

import ast
import copy
import inspect
from functools import lru_cache
from importlib.resources import files
from typing import Any

import yaml
from pydantic import BaseModel

from . import _record
from ._catalogue import load_catalogue
from ._instruments import shipped_instruments
from ._record import ID_PATTERN, Record

__all__ = [
    "record_example_text",
    "record_format_markdown",
    "record_json_schema",
]

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_Schema = dict[str, Any]


def _tidy(node: Any) -> None:
    if isinstance(node, dict):
        description = node.get("description")
        if isinstance(description, str):
            # Docstrings wrap at the source's line length; a description is one paragraph.
            node["description"] = " ".join(description.split())
        if node.get("format") == "date":
            # Validators need not check formats; the pattern makes every one refuse 30/06/2016.
            node["pattern"] = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
        for value in node.values():
            _tidy(value)
    elif isinstance(node, list):
        for value in node:
            _tidy(value)


def _field_docstrings() -> dict[str, dict[str, str]]:
    """Per model class of :mod:`._record`, each field's docstring (the string right after
    the field's annotated assignment)."""
    docs: dict[str, dict[str, str]] = {}
    for node in ast.parse(inspect.getsource(_record)).body:
        if isinstance(node, ast.ClassDef):
            fields = docs.setdefault(node.name, {})
            for field, after in zip(node.body, node.body[1:], strict=False):
                if (
                    isinstance(field, ast.AnnAssign)
                    and isinstance(field.target, ast.Name)
                    and isinstance(after, ast.Expr)
                    and isinstance(after.value, ast.Constant)
                    and isinstance(after.value.value, str)
                ):
                    fields[field.target.id] = inspect.cleandoc(after.value.value)
    return docs


def _describe_fields(schema: _Schema) -> None:
    docs = _field_docstrings()
    definitions = {name: schema["$defs"][name] for name in schema["$defs"]}
    definitions[Record.__name__] = schema
    for name, definition in definitions.items():
        model = getattr(_record, name)
        assert isinstance(model, type) and issubclass(model, BaseModel)
        for field, info in model.model_fields.items():
            description = docs.get(name, {}).get(field)
            if description:
                definition["properties"][info.alias or field]["description"] = description


@lru_cache(maxsize=1)
def _schema() -> _Schema:
    schema = Record.model_json_schema(by_alias=True)
    _describe_fields(schema)
    _tidy(schema)
    schema["title"] = "Partnership record, format v1"
    return {"$schema": JSON_SCHEMA_DIALECT, **schema}


def record_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of record format v1, with every field's description.

    It checks each field's type, allowed values and bounds and rejects unknown fields; the
    checks across the record (unique ids, references that resolve, self-assessment items of
    the right framework) are the loader's. A fresh copy: the caller may change it.
    """
    return copy.deepcopy(_schema())


def record_example_text() -> str:
    """The complete example record shipped with the package (YAML, with comments)."""
    path = files("partnership_rules").joinpath("record_templates/example.yaml")
    return path.read_text(encoding="utf-8")


# --- Markdown -----------------------------------------------------------------------------------


def _code(value: Any) -> str:
    return f"`{value}`"


def _bounds(node: _Schema, unit: str) -> str:
    low, high = node.get("minimum"), node.get("maximum")
    if low is not None and high is not None and high < 1e6:
        return f"{unit} from {low:g} to {high:g}"
    if low is not None:
        return f"{unit}, {low:g} or more"
    return unit


def _type_text(node: _Schema, anchors: dict[str, str]) -> str:
    """A field's type and allowed values in words, read from its JSON Schema."""
    if "anyOf" in node:
        return " or ".join(
            _type_text(part, anchors) for part in node["anyOf"] if part.get("type") != "null"
        )
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return f"object, see [{anchors[name]}](#{_anchor(anchors[name])})"
    if "const" in node:
        return _code(node["const"])
    if "enum" in node:
        return "one of " + ", ".join(_code(v) for v in node["enum"])
    kind = node.get("type")
    if kind == "array":
        items = node["items"]
        if "enum" in items:
            text = "list, each " + _type_text(items, anchors)
        elif "$ref" in items:
            text = "list of " + _type_text(items, anchors).replace("object,", "objects,", 1)
        else:
            text = "list of " + _type_text(items, anchors)
        if node.get("minItems"):
            text += f", at least {node['minItems']}"
        return text
    if kind == "string":
        if node.get("format") == "date":
            return "date (YYYY-MM-DD)"
        if node.get("pattern") == ID_PATTERN:
            return "id"
        if "maxLength" in node:
            return f"text (up to {node['maxLength']:,} characters)"
        return "text"
    if kind == "integer":
        return _bounds(node, "whole number")
    if kind == "number":
        return _bounds(node, "number")
    if kind == "boolean":
        return "`true` or `false`"
    if kind == "object" and "patternProperties" in node:
        (value,) = node["patternProperties"].values()
        return "mapping of item id to " + _type_text(value, anchors)
    raise ValueError(f"no words for schema {node}")  # a new kind of field: describe it here


def _default_text(name: str, node: _Schema, required: list[str]) -> str:
    if name in required:
        return "required"
    if "default" not in node:
        return "empty list" if node.get("type") == "array" else "empty"
    default = node["default"]
    if default is None:
        return "none"
    if isinstance(default, bool):
        return _code(str(default).lower())
    return _code(default)


def _example_text(value: Any) -> str:
    if isinstance(value, dict) or (
        isinstance(value, list) and value and isinstance(value[0], dict)
    ):
        return "see below"
    text = yaml.safe_dump(value, default_flow_style=True, width=1000, sort_keys=False).strip()
    text = text.removesuffix("...").strip()
    if len(text) > 60:
        text = text[:57].rstrip() + "..."
    return _code(text)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _anchor(heading: str) -> str:
    # GitHub's rule: lower case, drop punctuation other than hyphens, spaces become hyphens.
    kept = "".join(c for c in heading.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


def _object_field(node: _Schema) -> tuple[str, bool] | None:
    """(definition name, is a list) when a field holds objects of one definition, else None."""
    is_list = node.get("type") == "array"
    target = node["items"] if is_list else node
    for option in target.get("anyOf", [target]):
        if "$ref" in option:
            return option["$ref"].rsplit("/", 1)[-1], is_list
    return None


def _examples(data: Any, field: str) -> list[Any]:
    """The values ``field`` takes in the example objects ``data`` (one object or a list)."""
    objects = data if isinstance(data, list) else [data]
    return [o[field] for o in objects if isinstance(o, dict) and o.get(field) is not None]


def _sections(schema: _Schema, example: dict[str, Any]) -> list[tuple[str, str, list[Any]]]:
    """Every object of the format as (heading path, definition name, its example objects), in
    the order a record lists them, each nested object right after its parent."""
    found: list[tuple[str, str, list[Any]]] = []

    def visit(prefix: str, properties: _Schema, objects: list[Any]) -> None:
        for field, node in properties.items():
            held = _object_field(node)
            if held is None:
                continue
            name, is_list = held
            values = _examples(objects, field)
            children = [c for v in values for c in v] if is_list else values
            path = f"{prefix}{field}{'[]' if is_list else ''}"
            found.append((path, name, children))
            visit(f"{path}.", schema["$defs"][name]["properties"], children)

    visit("", schema["properties"], [example])
    return found


def _table(
    properties: _Schema, required: list[str], examples: list[Any], anchors: dict[str, str]
) -> list[str]:
    lines = [
        "| Field | Type and allowed values | Default | Meaning | Example |",
        "|---|---|---|---|---|",
    ]
    for field, node in properties.items():
        values = _examples(examples, field)
        lines.append(
            "| "
            + " | ".join(
                _cell(cell)
                for cell in (
                    _code(field),
                    _type_text(node, anchors),
                    _default_text(field, node, required),
                    node.get("description", ""),
                    _example_text(values[0]) if values else "",
                )
            )
            + " |"
        )
    return lines


def _self_assessment_items() -> list[str]:
    lines = [
        "## Self-assessment items",
        "",
        "`self_assessment[].item` names an item of its framework's catalogue, which ships with",
        "the project (`rulesets/catalogue/self-assessment.yaml`). Each item is rated once.",
        "",
    ]
    for key, framework in load_catalogue().frameworks.items():
        scale = (
            "rated by `rating`: green = happening well, amber = happening but could improve,"
            " red = a concern or not happening"
            if framework.scale == "rag"
            else "rated by `level`: 6 excellent, 5 very good, 4 good, 3 satisfactory, 2 weak,"
            " 1 unsatisfactory"
        )
        lines += [
            f"### {key}",
            "",
            f"{framework.title}; {scale}.",
            "",
            "| Item | What it asks |",
            "|---|---|",
        ]
        lines += [
            f"| `{item.id}` | {_cell(' '.join(item.wording.split()))} |" for item in framework.items
        ]
        lines.append("")
    return lines


def _survey_instruments() -> list[str]:
    lines = [
        "## Survey instruments",
        "",
        "`survey.instrument` names an instrument; each answer in `survey.responses[].answers`",
        "is keyed by one of its item ids and is a whole number on its scale. The project ships",
        "the instrument below (`rulesets/catalogue/instruments/`); an organisation adds its own,",
        "in the same form, with `audit --instrument PATH` (or `instruments` in the project",
        "configuration, or `Auditor(instruments=[...])`). A factor whose mean answer falls below",
        "its concern band's bound is reported.",
        "",
    ]
    for instrument in shipped_instruments().values():
        lines += [
            f"### {instrument.id}",
            "",
            f"{instrument.title}; answered from {instrument.scale.describe()}.",
            "",
            "| Factor | Concern band | Item | Statement |",
            "|---|---|---|---|",
        ]
        for factor in instrument.factors:
            for item in factor.items:
                lines.append(
                    f"| {_cell(factor.name)} | mean below {factor.concern_below:g}"
                    f" | `{item.id}` | {_cell(' '.join(item.wording.split()))} |"
                )
        lines.append("")
    return lines


def record_format_markdown() -> str:
    """``docs/record-format.md``: every section and field of the record format with its type,
    allowed values, default, meaning and an example, then the self-assessment items and a
    complete example record."""
    schema = _schema()
    example_text = record_example_text()
    example = yaml.safe_load(example_text)  # shipped data: dates become dates, shown unquoted
    sections = _sections(schema, example)
    anchors = {name: path for path, name, _ in sections}
    top = schema["properties"]
    lines = [
        "# Record format v1",
        "",
        "Generated from the record models by `partnership-rules schema --format markdown`; do not",
        "edit by hand (a test checks it is current).",
        "",
        "A record describes one partnership in one YAML or JSON file. Start from a template with",
        "`partnership-rules init record.yaml --context CONTEXT`; `partnership-rules audit",
        "record.yaml` checks it. Rules:",
        "",
        "- Field names are the contract: an unknown field is an error, so a typo never goes",
        "  unnoticed.",
        "- Only `partnership` (with its `id` and `name`) and at least one partner are required.",
        "  A missing optional field is information the rules may report as missing, never a crash.",
        "- Every `id` is unique across the whole record (a partner and a metric may not share",
        "  one), and every field that names an id must name one of the right kind: the loader",
        "  reports each problem with its file, line and field path.",
        "- Dates are ISO dates, `YYYY-MM-DD`. Recency rules count days up to",
        "  `partnership.assessed_on` (default: the day of the audit).",
        "- A list of ids may be written in flow style (`[craven, swissport]`) or one per line.",
        "",
        "## Editor support",
        "",
        "`partnership-rules schema` prints the JSON Schema of this format (also in",
        "[`record.schema.json`](record.schema.json)). Editors with YAML support (VS Code's YAML",
        "extension, or any editor using yaml-language-server) then complete field names and",
        "allowed values and show each field's meaning, if the record's first line names the",
        "schema:",
        "",
        "```yaml",
        "# yaml-language-server: $schema=record.schema.json",
        "```",
        "",
        "The schema checks each field on its own; the checks across the record (unique ids,",
        "references that resolve) are the loader's.",
        "",
        "## Top level",
        "",
        *_table(top, schema.get("required", []), [example], anchors),
        "",
    ]
    for path, name, data in sections:
        definition = schema["$defs"][name]
        lines += [f"## {path}", "", definition.get("description", ""), ""]
        lines += _table(definition["properties"], definition.get("required", []), data, anchors)
        lines.append("")
    lines += _self_assessment_items()
    lines += _survey_instruments()
    lines += [
        "## A complete example",
        "",
        "Every field used once (`partnership-rules audit` accepts it as it stands):",
        "",
        "```yaml",
        example_text.rstrip(),
        "```",
    ]
    return "\n".join(lines).rstrip() + "\n"
