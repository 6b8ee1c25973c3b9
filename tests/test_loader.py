"""The loader: exact problems (message, field path, line) for each kind of bad input.

YAML problems carry the line; validation problems carry the field path (and, from YAML,
the line of that field); every problem of a record is reported at once.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from partnership_rules import (
    DataLimits,
    Problem,
    RecordError,
    UsageError,
    load_record,
    parse_date,
    read_data_file,
    record_from_data,
)
from partnership_rules._loader import MAX_DEPTH, RECORD_LIMITS, _Abort, _read_yaml, parse_text

GOOD = """\
partnership: {id: p, name: P, assessed_on: 2016-06-30}
partners:
  - {id: college, name: College}
  - {id: swissport, name: Swissport}
"""


def problems(tmp_path: Path, text: str | bytes, suffix: str = ".yaml") -> list[Problem]:
    path = tmp_path / f"record{suffix}"
    if isinstance(text, str):
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    else:
        path.write_bytes(text)
    with pytest.raises(RecordError) as caught:
        load_record(path)
    assert caught.value.source == str(path)
    assert str(caught.value) == "\n".join(p.describe(str(path)) for p in caught.value.problems)
    return caught.value.problems


def one(tmp_path: Path, text: str | bytes, suffix: str = ".yaml") -> tuple[str, str, int | None]:
    found = problems(tmp_path, text, suffix)
    assert len(found) == 1, found
    return found[0].message, found[0].path, found[0].line


# --- validation errors name the field path, and its line in YAML ------------------------------


def test_unknown_reference_names_the_field_path_and_line(tmp_path: Path) -> None:
    text = (
        GOOD + "actions:\n  - id: a1\n    action: Co-design\n    responsible: [college, ghostco]\n"
    )
    assert one(tmp_path, text) == ("unknown id 'ghostco'", "actions[0].responsible[1]", 8)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = GOOD + textwrap.dedent(
        """\
        objectives:
          - {id: o1, statement: S, owner: ghost, metrics: [m-missing]}
        actions:
          - {id: o1, action: A, accountable: o1}
        """
    )
    found = [(p.path, p.message, p.line) for p in problems(tmp_path, text)]
    assert found == [
        ("actions[0].id", "duplicate id 'o1' (first used at objectives[0].id)", 8),
        ("objectives[0].owner", "unknown id 'ghost'", 6),
        ("objectives[0].metrics[0]", "unknown id 'm-missing'", 6),
        ("actions[0].accountable", "'o1' is an objective, expected a partner", 8),
    ]


def test_a_reference_to_the_wrong_kind_of_item(tmp_path: Path) -> None:
    text = GOOD + "metrics:\n  - {id: m1, name: M, collected_by: m1}\n"
    assert one(tmp_path, text) == (
        "'m1' is a metric, expected a partner",
        "metrics[0].collected_by",
        6,
    )


def test_type_and_enum_errors_name_the_field(tmp_path: Path) -> None:
    text = GOOD + "stakeholders:\n  - {id: s, name: S, kind: alien, engagement: consulted}\n"
    message, path, line = one(tmp_path, text)
    assert (path, line) == ("stakeholders[0].kind", 6)
    assert message.startswith("Input should be 'learners', 'carers'")


def test_unknown_and_missing_fields(tmp_path: Path) -> None:
    text = "partnership: {id: p}\npartners:\n  - {id: a, name: A, colour: blue}\n"
    found = [(p.path, p.message, p.line) for p in problems(tmp_path, text)]
    assert found == [
        ("partnership.name", "required field is missing", 1),
        ("partners[0].colour", "unknown field", 3),
    ]


def test_a_channel_sender_must_be_one_of_its_members(tmp_path: Path) -> None:
    text = (
        GOOD + "communication:\n  - {between: [college, swissport], channel: newsletter,"
        " sender: council}\n"
    )
    assert one(tmp_path, text) == (
        "'council' is not one of between",
        "communication[0].sender",
        6,
    )


def test_feedback_from_is_named_as_written(tmp_path: Path) -> None:
    text = GOOD + "feedback:\n  - {from: nobody}\n"
    assert one(tmp_path, text) == ("unknown id 'nobody'", "feedback[0].from", 6)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("'craven college'", "'craven college' is not a valid id"),
        ('"a\\tb"', "'a\\tb' is not a valid id"),
        ('"a\\u0007"', "'a\\x07' is not a valid id"),
        ("''", "'' is not a valid id"),
        ("x" * 101, f"'{'x' * 40}'... is not a valid id"),
    ],
)
def test_bad_ids_are_refused_with_the_rule_for_ids(
    tmp_path: Path, value: str, message: str
) -> None:
    text = f"partnership: {{id: p, name: P}}\npartners:\n  - {{id: {value}, name: A}}\n"
    found, path, line = one(tmp_path, text)
    assert (path, line) == ("partners[0].id", 3)
    assert found == message + (
        " (letters, digits, '.', '_' and '-', starting with a letter or digit, at most 100;"
        " no spaces or control characters)"
    )


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2016-13-45", "'2016-13-45' is not a valid date: month must be in 1..12"),
        ("2016-02-30", "'2016-02-30' is not a valid date: day is out of range for month"),
        ("0000-01-01", "'0000-01-01' is not a valid date: year 0 is out of range"),
        ("10000-01-01", "expected an ISO date (YYYY-MM-DD), found '10000-01-01'"),
        ("2016-06-30 10:00:00", "expected an ISO date (YYYY-MM-DD), found '2016-06-30 10:00:00'"),
        ("20160630", "expected an ISO date (YYYY-MM-DD), found 20160630"),
        ("0", "expected an ISO date (YYYY-MM-DD), found 0"),
        ("'30/06/2016'", "expected an ISO date (YYYY-MM-DD), found '30/06/2016'"),
    ],
)
def test_bad_dates(tmp_path: Path, value: str, message: str) -> None:
    text = f"partnership:\n  id: p\n  name: P\n  assessed_on: {value}\npartners: [{{id: a, name: A}}]\n"
    assert one(tmp_path, text) == (message, "partnership.assessed_on", 4)


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "2016-02-29"])
def test_extreme_but_real_dates_are_accepted_and_audited(tmp_path: Path, value: str) -> None:
    from partnership_rules import audit

    path = tmp_path / "r.yaml"
    path.write_text(
        GOOD.replace("2016-06-30", value)
        + f"objectives:\n  - {{id: o, statement: S, due: {value}}}\n"
    )
    assert load_record(path).partnership.assessed_on == dt.date.fromisoformat(value)
    audit(path)


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (".nan", "'.nan' is not a finite number"),
        (".inf", "'.inf' is not a finite number"),
        ("-.Inf", "'-.Inf' is not a finite number"),
        ("1.0e+999", "'1.0e+999' is not a finite number"),
        ("-5", "Input should be greater than or equal to 0"),
        ("1.0e+13", "Input should be less than or equal to 1000000000000"),
    ],
)
def test_bad_amounts(tmp_path: Path, value: str, message: str) -> None:
    text = (
        "partnership: {id: p, name: P}\npartners:\n  - id: a\n    name: A\n"
        f"    contributions: [{{kind: funding, amount: {value}}}]\n"
    )
    assert one(tmp_path, text) == (message, "partners[0].contributions[0].amount", 5)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("NaN", "NaN is not a finite number"),
        ("Infinity", "infinity is not a finite number"),
        ("-Infinity", "infinity is not a finite number"),
        ("1e999", "infinity is not a finite number"),
    ],
)
def test_non_finite_json_numbers_name_their_field(tmp_path: Path, value: str, message: str) -> None:
    text = (
        '{"partnership": {"id": "p", "name": "P"},\n'
        f' "partners": [{{"id": "a", "name": "A", "contributions": [{{"kind": "funding", "amount": {value}}}]}}]}}'
    )
    assert one(tmp_path, text, ".json") == (message, "partners[0].contributions[0].amount", None)


def test_counts_are_bounded(tmp_path: Path) -> None:
    text = GOOD + "qualifications: {candidates: 10000000000}\n"
    assert one(tmp_path, text) == (
        "Input should be less than or equal to 1000000000",
        "qualifications.candidates",
        5,
    )


# --- YAML errors carry the line ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD + "x: [unclosed\n", ("invalid YAML: did not find expected ',' or ']'", "", 6)),
        (
            GOOD + "x:\n\t- y\n",
            ("invalid YAML: found character that cannot start any token", "", 6),
        ),
        (GOOD + "---\n" + GOOD, ("more than one YAML document: a file holds one", "", 5)),
        (GOOD + "x: *nowhere\n", ("unknown alias '*nowhere'", "", 5)),
        (GOOD + "? [a, b]\n: c\n", ("mapping keys must be plain text", "", 5)),
        (GOOD + "partners: []\n", ("duplicate key 'partners'", "partners", 5)),
        (
            "partnership: {id: p, name: P, name: Q}\npartners: [{id: a, name: A}]\n",
            ("duplicate key 'name'", "partnership.name", 1),
        ),
        (GOOD + "x: !!binary aGVsbG8=\n", ("tag '!!binary' is not allowed", "x", 5)),
        (GOOD + "x: !!set {a: null}\n", ("tag '!!set' is not allowed", "x", 5)),
        (GOOD + "x: !!python/tuple [1, 2]\n", ("tag '!!python/tuple' is not allowed", "x", 5)),
        (GOOD + "x: !local {a: 1}\n", ("tag '!local' is not allowed", "x", 5)),
        (
            "base: &b {signed_agreement: true}\npartnership: {id: p, name: P}\n"
            "partners:\n  - {<<: *b, id: a, name: A}\n",
            ("merge keys ('<<') are not allowed", "partners[0].<<", 4),
        ),
        ("hello\n", ("expected a mapping (a partnership record), found a str", "", 1)),
        ("- a\n- b\n", ("expected a mapping (a partnership record), found a list", "", 1)),
        ("", ("empty file: expected a partnership record", "", None)),
        ("# nothing\n\n", ("empty file: expected a partnership record", "", None)),
        ("---\n...\n", ("expected a mapping (a partnership record), found nothing", "", 1)),
    ],
)
def test_yaml_problems(tmp_path: Path, text: str, expected: tuple[str, str, int | None]) -> None:
    assert one(tmp_path, text) == expected


def test_deep_yaml_names_the_line_where_the_limit_is_crossed(tmp_path: Path) -> None:
    text = GOOD + "deep:\n" + "".join("  " * (i + 1) + "- \n" for i in range(MAX_DEPTH + 5))
    message, path, line = one(tmp_path, text)
    assert message == f"nested more than {MAX_DEPTH} levels deep"
    assert (path, line) == ("", 6 + MAX_DEPTH)  # "deep:" is line 5, its value nests from 6


def test_a_utf8_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_record(path).partnership.id == "p"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"partnership: {id: p, name: Caf\xe9}\n", ("not UTF-8 text (bad byte 0xe9)", "", 1)),
        (b"\xef\xbb\xbf# ok\n\n\nname: \xff\n", ("not UTF-8 text (bad byte 0xff)", "", 4)),
        (b"\xff\xfep\x00", ("UTF-16 text: save the file as UTF-8", "", 1)),
        (b"partnership:\x00\x01\x02", ("binary data, not a text file", "", None)),
        (b"\x89PNG\r\n\x1a\n\x00\x00", ("binary data, not a text file", "", None)),
    ],
)
def test_bytes_that_are_not_utf8_text(
    tmp_path: Path, raw: bytes, expected: tuple[str, str, int | None]
) -> None:
    assert one(tmp_path, raw) == expected


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(GOOD)
    with pytest.raises(RecordError) as caught:
        load_record(path, max_bytes=50)
    assert [(p.message, p.path, p.line) for p in caught.value.problems] == [
        ("file is larger than the 50-byte limit", "", None)
    ]


# --- JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("invalid JSON: Expecting value (column 1)", "", 1)),
        (
            '{"partnership": {"id": "p",',
            ("invalid JSON: Expecting property name enclosed in double quotes (column 28)", "", 1),
        ),
        ('{"a": 1}\n{"b": 2}', ("invalid JSON: Extra data (column 1)", "", 2)),
        ("[1, 2]", ("expected a mapping (a partnership record), found a list", "", None)),
        ("null", ("expected a mapping (a partnership record), found nothing", "", None)),
        (
            '{"partnership": {"id": "p", "name": "P"}, "partners": [], "partners": [1]}',
            ("duplicate key 'partners'", "partners", None),
        ),
        ('{"x": [{"a": 1, "b": {"c": 1, "c": 2}}]}', ("duplicate key 'c'", "x[0].b.c", None)),
        (
            '{"x": ' + "[" * 70 + "]" * 70 + "}",
            (f"nested more than {MAX_DEPTH} levels deep", "", 1),
        ),
        (
            '{"x": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}',
            ("required field is missing", "partnership", None),
        ),
    ],
)
def test_json_problems(tmp_path: Path, text: str, expected: tuple[str, str, int | None]) -> None:
    assert problems(tmp_path, text, ".json")[0] == Problem(expected[0], expected[1], expected[2])


def test_json_validation_errors_name_the_path(tmp_path: Path) -> None:
    text = (
        '{"partnership": {"id": "p", "name": "P"},\n "partners": [{"id": "a", "name": "A"}],\n'
        ' "actions": [{"id": "x", "action": "Do", "responsible": ["a", "ghostco"]}]}'
    )
    assert one(tmp_path, text, ".json") == (
        "unknown id 'ghostco'",
        "actions[0].responsible[1]",
        None,
    )


# --- library entry points --------------------------------------------------------------------


def test_record_from_data_has_paths_but_no_lines() -> None:
    data = {
        "partnership": {"id": "p", "name": "P"},
        "partners": [{"id": "a", "name": "A"}],
        "actions": [{"id": "x", "action": "Do", "responsible": ["a", "ghostco"]}],
    }
    with pytest.raises(RecordError) as caught:
        record_from_data(data, source="inline")
    assert str(caught.value) == "inline: actions[0].responsible[1]: unknown id 'ghostco'"


def test_parse_text_reports_the_line_without_a_source() -> None:
    with pytest.raises(RecordError) as caught:
        parse_text("a: 1\nb: [\n", json_format=False)
    assert caught.value.source == ""
    assert caught.value.problems[0].line is not None
    assert str(caught.value).startswith("line ")


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RecordError) as caught:
        load_record(tmp_path / "missing.yaml")
    assert (
        str(caught.value)
        == f"{tmp_path / 'missing.yaml'}: cannot read file: No such file or directory"
    )


# --- strict types: YAML 1.2 core schema, and forms YAML 1.1 reads otherwise refused -----------

BOOLEAN_HINT = "is a boolean to YAML 1.1 and text to YAML 1.2"
NUMBER_HINT = "is not a plain decimal number (YAML 1.1 and 1.2 read it differently)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("False", False), ("TRUE", True), ("~", None), ("null", None), ("", None)],
)
def test_yaml_12_booleans_and_nulls(tmp_path: Path, value: str, expected: bool | None) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        GOOD
        + f"information_sharing: {{agreement: true}}\nqualifications: {{awarding_body_approved: {value}}}\n"
    )
    assert load_record(path).qualifications.awarding_body_approved is expected  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12.0),
        ("-0.5", -0.5),
        ("1e3", 1000.0),
        ("+7", 7.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("017.5", 17.5),
    ],
)
def test_yaml_12_numbers(tmp_path: Path, value: str, expected: float) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(GOOD + f"objectives: [{{id: o, statement: S, baseline: {value}}}]\n")
    assert load_record(path).objectives[0].baseline == expected


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        *((word, BOOLEAN_HINT) for word in ("yes", "No", "ON", "off", "y", "N")),
        *(
            (number, NUMBER_HINT)
            for number in (
                "017",
                "-01",
                "0o17",
                "0x1f",
                "0b11",
                "1_000",
                "1_000.5",
                "1:30",
                "-190:20:30.5",
            )
        ),
    ],
)
def test_yaml_11_forms_are_refused_with_how_to_write_them(
    tmp_path: Path, value: str, hint: str
) -> None:
    # Refused in any field, text fields too: another reader would see a different value.
    text = GOOD + f"stakeholders: [{{id: s, name: {value}}}]\n"
    assert one(tmp_path, text) == (
        f"{value!r} {hint}: write "
        + (
            "true or false, or quotes if it is text"
            if hint == BOOLEAN_HINT
            else "decimal digits, such as 1000, or quotes if it is text"
        ),
        "stakeholders[0].name",
        5,
    )
    quoted = GOOD + f"stakeholders: [{{id: s, name: '{value}'}}]\n"
    path = tmp_path / "quoted.yaml"
    path.write_text(quoted)
    assert load_record(path).stakeholders[0].name == value


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("partners[0].lead", '"off"', "expected true or false, found the text 'off'"),
        ("partners[0].lead", '"true"', "expected true or false, found the text 'true'"),
        ("partners[0].lead", "1", "expected true or false, found the number 1"),
        ("partners[0].lead", "0.0", "expected true or false, found the number 0.0"),
        ("objectives[0].target", '"12"', "expected a number, found the text '12'"),
        ("objectives[0].target", "true", "expected a number, found true"),
        ("qualifications.candidates", "12.5", "expected a whole number, found the number 12.5"),
        ("qualifications.candidates", "12.0", "expected a whole number, found the number 12.0"),
        ("qualifications.candidates", "false", "expected a whole number, found false"),
        ("metrics[0].readings[0].value", "true", "expected a number or text, found true"),
        ("metrics[0].readings[0].value", "[1]", "expected a number or text, found a list"),
        ("partnership.name", "12", "expected text, found the number 12"),
    ],
)
def test_a_wrong_type_is_refused_in_yaml_and_json(
    tmp_path: Path, field: str, value: str, message: str
) -> None:
    import json

    data: dict[str, object] = {
        "partnership": {"id": "p", "name": "P"},
        "partners": [{"id": "a", "name": "A"}],
        "objectives": [{"id": "o", "statement": "S"}],
        "metrics": [{"id": "m", "name": "M", "readings": [{"date": "2016-01-01", "value": 1}]}],
        "qualifications": {},
    }
    parts = field.replace("]", "").replace("[", ".").split(".")
    node: object = data
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]  # type: ignore[index]
    node[parts[-1]] = json.loads(value)  # type: ignore[index]
    for suffix in (".yaml", ".json"):
        assert one(tmp_path, json.dumps(data), suffix)[:2] == (message, field)


def test_explicit_standard_tags_are_read_strictly(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        GOOD + "objectives: [{id: !!str 017, statement: !!str yes, target: !!float 12}]\n"
    )
    objective = load_record(path).objectives[0]
    assert (objective.id, objective.statement, objective.target) == ("017", "yes", 12.0)
    assert one(tmp_path, GOOD + "qualifications: {candidates: !!int 0x1F}\n") == (
        f"'0x1F' {NUMBER_HINT}: write decimal digits, such as 1000, or quotes if it is text",
        "qualifications.candidates",
        5,
    )
    assert (
        one(tmp_path, GOOD + "qualifications: {candidates: !!int 1.5}\n")[0]
        == "'1.5' is not a valid !!int"
    )


def test_a_huge_json_integer_names_the_file_and_line(tmp_path: Path) -> None:
    text = (
        '{"partnership": {"id": "p", "name": "P"},\n "partners": [{"id": "a", "name": "A"}],\n "x": -'
        + "9" * 5000
        + "}"
    )
    assert one(tmp_path, text, ".json") == ("a number with too many digits to read", "", 3)


@pytest.mark.parametrize(
    ("text", "path"),
    [
        (
            '{"partnership": {"id": "p", "name": "P"}, "partners": [{"id": "a", "name": "\\ud800x"}]}',
            "partners[0].name",
        ),
        ('{"partnership": {"id": "p", "name": "P"}, "x\\udfff": 1}', ""),
        (
            '{"partnership": {"id": "p", "name": "P"}, "partners": [{"id": "a", "name": "\\udc00\\ud800"}]}',
            "partners[0].name",
        ),
    ],
)
def test_lone_surrogates_in_json_are_refused(tmp_path: Path, text: str, path: str) -> None:
    found = problems(tmp_path, text, ".json")[0]
    assert "lone surrogate" in found.message and found.path == path


def test_a_surrogate_pair_in_json_is_one_character(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(
        '{"partnership": {"id": "p", "name": "\\ud83d\\ude00"}, "partners": [{"id": "a", "name": "A"}]}'
    )
    assert load_record(path).partnership.name == "\U0001f600"


# --- the bounded reader, for any data file ----------------------------------------------------


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_limits_are_the_callers(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"data{suffix}"
    path.write_text('{"a": [1, 2, 3, 4], "b": {"c": [[[]]]}}')
    parsed = read_data_file(path, limits=DataLimits(max_items=4, max_depth=4))
    assert parsed.data == {"a": [1, 2, 3, 4], "b": {"c": [[[]]]}}
    with pytest.raises(RecordError) as caught:
        read_data_file(path, limits=DataLimits(max_items=3))
    assert caught.value.problems[0].message == "more than 3 items in one list or mapping"
    assert caught.value.problems[0].path == "a"
    with pytest.raises(RecordError) as caught:
        read_data_file(path, limits=DataLimits(max_depth=3))
    assert caught.value.problems[0].message == "nested more than 3 levels deep"
    with pytest.raises(RecordError) as caught:
        read_data_file(path, limits=DataLimits(max_values=5))
    assert "more than 5 values" in caught.value.problems[0].message


def test_yaml_lines_are_looked_up_by_path(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("a:\n  b:\n    - x\n    - {c: 1,\n       d: 2}\ne: &e [1]\nf: *e\n")
    lines = read_data_file(path).lines
    assert [
        lines.get(p) for p in [(), ("a",), ("a", "b"), ("a", "b", 1), ("a", "b", 1, "d"), ("f",)]
    ] == [1, 2, 3, 4, 5, 7]
    assert lines.get(("a", "b", 5)) is None and lines.nearest(("a", "b", 5)) == 3
    assert dict(lines)[("e", 0)] == 6  # an alias's items keep the lines of its anchor


def test_parse_date_reads_exactly_what_record_dates_accept() -> None:
    assert parse_date("2016-02-29") == dt.date(2016, 2, 29)
    assert parse_date(dt.date(2016, 2, 29)) == dt.date(2016, 2, 29)
    for value, message in [
        ("2015-02-29", "as_of: '2015-02-29' is not a valid date: day is out of range for month"),
        ("2016-2-29", "as_of: expected an ISO date (YYYY-MM-DD), found '2016-2-29'"),
        ("20160229", "as_of: expected an ISO date (YYYY-MM-DD), found '20160229'"),
        ("2016-02-29T00:00", "as_of: expected an ISO date (YYYY-MM-DD), found '2016-02-29T00:00'"),
        (
            dt.datetime(2016, 2, 29),
            "as_of: expected an ISO date (YYYY-MM-DD), found datetime.datetime(2016, 2, 29, 0, 0)",
        ),
        (0, "as_of: expected an ISO date (YYYY-MM-DD), found 0"),
    ]:
        with pytest.raises(UsageError) as caught:
            parse_date(value)
        assert str(caught.value) == message
    with pytest.raises(UsageError, match="^--as-of: "):
        parse_date("soon", name="--as-of")


# --- the same answers with libyaml and with PyYAML's pure-Python parser -----------------------

HOSTILE = Path(__file__).parent / "hostile"


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML built without libyaml")
@pytest.mark.parametrize(
    "text",
    [
        *(
            p.read_text(encoding="utf-8-sig")
            for p in sorted(HOSTILE.glob("*.yaml"))
            if p.name not in ("binary-junk.yaml", "latin-1.yaml", "utf-16.yaml")
        ),
        GOOD + "deep: " + "[" * 5000 + "]" * 5000 + "\n",
        GOOD + "deep:\n" + "".join("  " * (i + 1) + "- \n" for i in range(2000)),
        GOOD + 'x: "\\ud800"\n',
    ],
)
def test_libyaml_and_the_pure_python_parser_agree(text: str) -> None:
    results: list[tuple[Any, ...]] = []
    for parser in (yaml.CSafeLoader, yaml.SafeLoader):
        try:
            parsed = _read_yaml(text, RECORD_LIMITS, "partnership record", parser)
            results.append(("data", parsed.data, dict(parsed.lines)))
        except _Abort as abort:
            results.append(
                ("refused", abort.problem.message, abort.problem.path, abort.problem.line)
            )
    if results[0][0] == "refused" and results[0][1].startswith("invalid YAML"):
        assert results[1][0] == "refused"  # the two parsers word their own syntax errors
    else:
        assert results[0] == results[1]
