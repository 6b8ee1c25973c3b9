"""Hostile input: every file in ``tests/hostile/`` (and the big ones generated here) is refused
with exit code 2 and one message naming the file and the field or the line, quickly and in
bounded memory. The only files accepted are the two with a UTF-8 byte order mark.

Small cases are committed as files; the big ones (alias bombs, thousands of levels of
nesting, a 50 MB file) are generated into ``tmp_path`` by the tests that need them.
"""

from __future__ import annotations

import copy
import json
import os
import pickle
import socket
import sys
import threading
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from partnership_rules.cli.main import cli

from partnership_rules import (
    DataLimits,
    PartnershipRulesError,
    Problem,
    RecordError,
    RulesetError,
    UsageError,
    load_record,
    read_data_file,
    record_from_data,
)
from partnership_rules._loader import MAX_ITEMS, MAX_PROBLEMS

HOSTILE = Path(__file__).parent / "hostile"
ID_RULE = (
    "is not a valid id (letters, digits, '.', '_' and '-', starting with a letter or digit,"
    " at most 100; no spaces or control characters)"
)

YAML11_BOOLEAN = (
    "is a boolean to YAML 1.1 and text to YAML 1.2: write true or false, or quotes if it is text"
)
YAML11_NUMBER = (
    "is not a plain decimal number (YAML 1.1 and 1.2 read it differently):"
    " write decimal digits, such as 1000, or quotes if it is text"
)

# File -> what follows "<file>" in the first problem: ":line: field: message", ":line: message"
# (no field: the whole file) or ": field: message" (JSON, which has no line map).
EXPECTED = {
    "binary-junk.yaml": ": binary data, not a text file",
    "custom-tag.yaml": ":2: partners: tag '!include' is not allowed",
    "date-as-number.yaml": ":4: partnership.assessed_on: expected an ISO date (YYYY-MM-DD), found 0",
    "date-feb-30.json": (
        ": partnership.established: '2015-02-30' is not a valid date: day is out of range for month"
    ),
    "date-out-of-range.yaml": (
        ":4: partnership.assessed_on: '2016-13-45' is not a valid date: month must be in 1..12"
    ),
    "date-year-zero.yaml": ":4: reviews[0].date: '0000-01-01' is not a valid date: year 0 is out of range",
    "duplicate-id.yaml": ":5: metrics[0].id: duplicate id 'college' (first used at partners[0].id)",
    "duplicate-key.json": ": partners[0].lead: duplicate key 'lead'",
    "duplicate-key.yaml": ":4: partnership.name: duplicate key 'name'",
    "empty-between.yaml": (
        ":4: communication[0].between: List should have at least 2 items after validation, not 0"
    ),
    "empty-partners.yaml": ":2: partners: List should have at least 1 item after validation, not 0",
    "empty.json": ":1: invalid JSON: Expecting value (column 1)",
    "empty.yaml": ": empty file: expected a partnership record",
    "id-with-control-character.yaml": f":4: partners[1].id: 'b\\x1b[31m' {ID_RULE}",
    "id-with-newline.json": f": partners[0].id: 'a\\n' {ID_RULE}",
    "id-with-space.yaml": f":3: partners[0].id: 'craven college' {ID_RULE}",
    "infinity.json": ": objectives[0].target: infinity is not a finite number",
    "infinity.yaml": ":6: objectives[0].target: '.inf' is not a finite number",
    "latin-1.yaml": ":3: not UTF-8 text (bad byte 0xe9)",
    "merge-key.yaml": ":7: partners[0].<<: merge keys ('<<') are not allowed",
    "multiple-documents.yaml": ":3: more than one YAML document: a file holds one",
    "nan.json": ": partners[0].contributions[0].amount: NaN is not a finite number",
    "nan.yaml": ":6: partners[0].contributions[0].amount: '.nan' is not a finite number",
    "only-comment.yaml": ": empty file: expected a partnership record",
    "python-name-tag.yaml": ":3: partnership.name: tag '!!python/name:os.system' is not allowed",
    "python-object-tag.yaml": (
        ":5: partners[0].name: tag '!!python/object/apply:os.system' is not allowed"
    ),
    "reports-to-cycle.yaml": (
        ":5: governance.bodies[0].reports_to: reports_to forms a cycle:"
        " board -> steering -> working -> board"
    ),
    "scalar.yaml": ":1: expected a mapping (a partnership record), found a str",
    "self-report.yaml": ":8: governance.bodies[0].reports_to: a body cannot report to itself",
    "top-level-array.json": ": expected a mapping (a partnership record), found a list",
    "truncated.json": ":2: invalid JSON: Unterminated string starting at (column 27)",
    "unknown-reference.yaml": ":8: actions[0].responsible[1]: unknown id 'ghostco'",
    "survey-item-id-upper-case.yaml": (
        ":9: survey.responses[0].answers.Env-History: 'Env-History' is not an item id"
        " (lower-case letters, digits and '-', at most 100)"
    ),
    "utf-16.yaml": ":1: UTF-16 text: save the file as UTF-8",
    "waiver-of-a-waiver-finding.yaml": (
        ":6: waivers[0].subject: a finding about a waiver cannot be waived: renew, correct or"
        " remove the waiver it names"
    ),
    "waiver-rule-lower-case.yaml": (
        ":5: waivers[0].rule: 'core001' is not a rule id (capital letters and digits ending in"
        " three digits, such as CORE059)"
    ),
    "waiver-subject-control-character.yaml": (
        ":6: waivers[0].subject: 'objective:x\\x1b[31m' is not a finding's subject (kind:id as"
        " reports show it, such as objective:reading; no spaces or control characters)"
    ),
    # Strict types: a quoted value is text, a boolean is not a number, and plain forms that
    # YAML 1.1 and YAML 1.2 read differently are refused with how to write them.
    "boolean-amount.yaml": ":5: partners[0].contributions[0].amount: expected a number, found true",
    "number-as-boolean.json": ": partners[0].lead: expected true or false, found the number 1",
    "quoted-boolean.yaml": ":3: partners[0].lead: expected true or false, found the text 'off'",
    "quoted-number.yaml": ":4: objectives[0].target: expected a number, found the text '12'",
    "yaml11-yes.yaml": f":5: partners[0].lead: 'yes' {YAML11_BOOLEAN}",
    "yaml11-octal.yaml": f":4: qualifications.candidates: '017' {YAML11_NUMBER}",
    "yaml11-base-60.yaml": f":3: qualifications.assessors: '190:20:30' {YAML11_NUMBER}",
    "yaml11-binary.yaml": f":3: qualifications.candidates: '0b101' {YAML11_NUMBER}",
    "yaml11-digit-groups.yaml": f":3: qualifications.candidates: '1_000' {YAML11_NUMBER}",
    "yaml11-hexadecimal.yaml": f":3: qualifications.candidates: '0x1F' {YAML11_NUMBER}",
    # JSON's own reader: an integer over Python's digit limit, an escaped lone surrogate.
    "huge-integer.json": ":3: a number with too many digits to read",
    "lone-surrogate.json": (
        ": partnership.name: text holds a lone surrogate (not a Unicode character)"
    ),
}
ACCEPTED = {"utf8-bom.yaml": "bom", "utf8-bom.json": "bom"}

SECONDS = 0.25  # per file, to load (the CLI adds compiling the rulesets once)
PEAK_BYTES = 64 * 1024 * 1024


def run_cli(*args: str) -> object:
    return CliRunner().invoke(cli, ["audit", *args], catch_exceptions=False)


def expect_refused(path: Path, suffix: str) -> None:
    """Exit 2, and the first line on stderr names the file, then the line and/or field."""
    result = run_cli(str(path), "--format", "json")
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    lines = result.stderr.splitlines()  # type: ignore[attr-defined]
    assert lines[0] == f"partnership-rules: {path}{suffix}"
    assert "Traceback" not in result.stderr  # type: ignore[attr-defined]


def expect_fast_and_small(path: Path) -> None:
    start = time.perf_counter()
    with pytest.raises(RecordError):
        load_record(path)
    elapsed = time.perf_counter() - start
    assert elapsed < SECONDS, f"{path.name}: {elapsed:.3f}s"
    tracemalloc.start()
    try:
        with pytest.raises(RecordError):
            load_record(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < PEAK_BYTES, f"{path.name}: peak {peak:,} bytes"


def test_every_corpus_file_has_an_expectation() -> None:
    on_disk = {p.name for p in HOSTILE.iterdir()}
    assert on_disk == set(EXPECTED) | set(ACCEPTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_file_is_refused(name: str) -> None:
    path = HOSTILE / name
    expect_fast_and_small(path)
    expect_refused(path, EXPECTED[name])


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_a_utf8_byte_order_mark_is_accepted(name: str) -> None:
    assert load_record(HOSTILE / name).partnership.id == ACCEPTED[name]
    result = run_cli(str(HOSTILE / name), "--format", "json")
    assert result.exit_code in (0, 1)  # type: ignore[attr-defined]
    assert json.loads(result.stdout)["partnership"]["id"] == "bom"  # type: ignore[attr-defined]


def test_the_whole_corpus_in_one_batch_still_audits_the_good_files(tmp_path: Path) -> None:
    paths = [str(HOSTILE / name) for name in sorted(EXPECTED) + sorted(ACCEPTED)]
    result = run_cli(*paths, "--format", "json", "--jobs", "1")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    reports = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert [r["source"] for r in reports] == paths
    assert [("error" in r) for r in reports] == [True] * len(EXPECTED) + [False] * len(ACCEPTED)
    for report, name in zip(reports, sorted(EXPECTED), strict=False):
        assert f"{report['source']}{EXPECTED[name]}" == report["error"]["problems"][0]


# --- generated: too big to commit -----------------------------------------------------------


def nested_alias_bomb(levels: int = 12, width: int = 10) -> str:
    """ "Billion laughs": each anchor repeats the previous one ``width`` times."""
    lines = ["partnership: {id: p, name: P}", "partners: [{id: a, name: A}]", "a0: &a0 [lol]"]
    for level in range(1, levels):
        items = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{items}]")
    return "\n".join(lines) + "\n"


def wide_alias_bomb(items: int = 2000, width: int = 2000) -> str:
    """One anchor of ``items`` values, aliased ``width`` times in one flat list."""
    big = "[" + ", ".join(["x"] * items) + "]"
    wide = "[" + ", ".join(["*big"] * width) + "]"
    return f"partnership: {{id: p, name: P}}\npartners: [{{id: a, name: A}}]\nbig: &big {big}\nwide: {wide}\n"


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("nested-alias-bomb.yaml", nested_alias_bomb(), 9),
        ("wide-alias-bomb.yaml", wide_alias_bomb(), 4),
    ],
)
def test_alias_bombs_stop_early(tmp_path: Path, name: str, text: str, line: int) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    expect_fast_and_small(path)
    expect_refused(
        path,
        f":{line}: document expands to more than 500,000 values (alias expansion or size limit)",
    )


@pytest.mark.parametrize("levels", [100, 5000])
def test_deep_yaml_nesting_is_refused(tmp_path: Path, levels: int) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(
        "partnership: {id: p, name: P}\npartners: [{id: a, name: A}]\n"
        "deep: " + "[" * levels + "]" * levels + "\n",
        encoding="utf-8",
    )
    expect_fast_and_small(path)
    expect_refused(path, ":3: nested more than 64 levels deep")


@pytest.mark.parametrize("levels", [100, 5000, 1_000_000])
def test_deep_json_nesting_is_refused(tmp_path: Path, levels: int) -> None:
    path = tmp_path / "deep.json"
    path.write_text(
        '{"partnership": {"id": "p", "name": "P"},\n "deep": '
        + "[" * levels
        + "]" * levels
        + "}\n",
        encoding="utf-8",
    )
    expect_fast_and_small(path)
    expect_refused(path, ":2: nested more than 64 levels deep")


def test_deep_block_mappings_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep-blocks.yaml"
    body = "".join(" " * i + "a:\n" for i in range(2000))
    path.write_text("partnership: {id: p, name: P}\npartners: [{id: a, name: A}]\n" + body)
    expect_fast_and_small(path)
    expect_refused(path, ":68: nested more than 64 levels deep")


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_50_mb_file_is_refused_without_reading_it_all(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"big{suffix}"
    with path.open("wb") as handle:
        handle.write(b"partnership: {id: p, name: P}\npartners:\n" if suffix == ".yaml" else b"[")
        chunk = (b"  - {id: a, name: A}\n" if suffix == ".yaml" else b"0,") * 50_000
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(chunk)
    expect_fast_and_small(path)
    expect_refused(path, ": file is larger than the 5,242,880-byte limit")


def test_a_file_of_many_small_values_is_refused(tmp_path: Path) -> None:
    # 60 lists of 10,000: each list is within the limit of items, the document is not.
    path = tmp_path / "many.json"
    path.write_text("[" + ",".join(["[" + ",".join(["0"] * 10_000) + "]"] * 60) + "]")
    expect_refused(path, ": document holds more than 500,000 values")


def test_a_huge_integer_is_refused_with_a_short_message(tmp_path: Path) -> None:
    path = tmp_path / "huge-int.yaml"
    path.write_text(
        "partnership: {id: p, name: P}\npartners: [{id: a, name: A}]\n"
        "qualifications: {candidates: 1" + "0" * 5000 + "}\n",
        encoding="utf-8",
    )
    expect_fast_and_small(path)
    result = run_cli(str(path))
    assert result.exit_code == 2  # type: ignore[attr-defined]
    line = result.stderr.splitlines()[0]  # type: ignore[attr-defined]
    assert line.startswith(
        f"partnership-rules: {path}:3: qualifications.candidates: cannot read '1000"
    )
    assert len(line) < 400


def test_a_value_too_large_to_audit_exactly_is_refused(tmp_path: Path) -> None:
    # 1e20 pounds summed over partners overflowed the C engine's number format (segfault).
    path = tmp_path / "huge-amount.yaml"
    path.write_text(
        "partnership: {id: p, name: P}\npartners:\n"
        "  - id: a\n    name: A\n    contributions: [{kind: funding, amount: 1.0e+20}]\n",
        encoding="utf-8",
    )
    expect_refused(
        path,
        ":5: partners[0].contributions[0].amount: Input should be less than or equal to 1000000000000",
    )


def test_a_missing_file_or_a_directory_without_records_is_an_error(tmp_path: Path) -> None:
    directory = tmp_path / "dir.yaml"
    directory.mkdir()
    (directory / "inner.txt").write_text("not a record")
    result = run_cli(str(directory))
    assert result.exit_code == 2  # type: ignore[attr-defined]
    missing = tmp_path / "missing.yaml"
    result = run_cli(str(missing))
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert result.stderr.splitlines()[0] == (  # type: ignore[attr-defined]
        f"partnership-rules: {missing}: cannot read file: No such file or directory"
    )


# --- anything that is not a regular file is refused at once, before it is opened ------------


def load_in_thread(path: Path) -> RecordError:
    """Load ``path`` in a thread: a loader that blocked (reading a FIFO) would fail the test
    instead of hanging the suite."""
    caught: list[BaseException] = []

    def target() -> None:
        try:
            load_record(path)
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            caught.append(error)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), f"loading {path} blocked"
    assert len(caught) == 1 and isinstance(caught[0], RecordError), caught
    return caught[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")
def test_a_fifo_with_a_writer_is_refused_without_reading_it(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # reading it would wait for ever
    try:
        error = load_in_thread(fifo)
        assert str(error) == f"{fifo}: not a regular file: a named pipe (FIFO)"
        expect_refused(fifo, ": not a regular file: a named pipe (FIFO)")
    finally:
        os.close(writer)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_a_device_is_refused(tmp_path: Path, device: str) -> None:
    link = tmp_path / "record.yaml"  # a symlink is followed, and its target judged
    link.symlink_to(device)
    for path in (Path(device), link):
        error = load_in_thread(path)
        assert str(error) == f"{path}: not a regular file: a character device"
    expect_refused(link, ": not a regular file: a character device")


def test_a_directory_named_as_a_record_is_refused(tmp_path: Path) -> None:
    assert str(load_in_thread(tmp_path)) == f"{tmp_path}: not a regular file: a directory"


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no Unix sockets")
def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        assert str(load_in_thread(path)) == f"{path}: not a regular file: a socket"
    finally:
        server.close()


def test_every_kind_of_data_file_gets_the_same_refusals(tmp_path: Path) -> None:
    # Rule files and saved reports go through the same reader, with their own error type.
    fifo = tmp_path / "rules.yaml"
    os.mkfifo(fifo)
    with pytest.raises(RulesetError) as caught:
        read_data_file(fifo, error=RulesetError)
    assert str(caught.value) == f"{fifo}: not a regular file: a named pipe (FIFO)"
    big = tmp_path / "baseline.json"
    big.write_text("[" + ",".join(["{}"] * 100) + "]")
    with pytest.raises(RecordError) as caught_record:
        read_data_file(big, limits=DataLimits(max_bytes=100))
    assert str(caught_record.value) == f"{big}: file is larger than the 100-byte limit"


# --- lists are bounded while parsing, before their values are built -------------------------

FLAT_ITEMS = 480_000  # one flat list of numbers in about 1 MB: 15 s and 500 MB before


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_one_huge_flat_list_is_refused_at_the_item_limit(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"flat{suffix}"
    numbers = ",".join(["0"] * FLAT_ITEMS)
    if suffix == ".yaml":
        path.write_text(
            f"partnership: {{id: p, name: P}}\npartners: [{{id: a, name: A}}]\nactions: [{numbers}]\n"
        )
        expected = f"{path}:3: actions: more than {MAX_ITEMS:,} items in one list or mapping"
    else:
        path.write_text(f'{{"partnership": {{"id": "p", "name": "P"}},\n "actions": [{numbers}]}}')
        expected = f"{path}: actions: more than {MAX_ITEMS:,} items in one list or mapping"
    with pytest.raises(RecordError) as caught:
        load_record(path)
    # The reader's own limit, not the model's list length: refused before validation, and
    # (YAML) before the rest of the list was built.
    assert str(caught.value) == expected


def test_a_mapping_of_too_many_keys_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "wide.yaml"
    keys = ", ".join(f"k{i}: 0" for i in range(MAX_ITEMS + 1))
    path.write_text(f"partnership: {{id: p, name: P}}\nextra: {{{keys}}}\n")
    with pytest.raises(RecordError) as caught:
        load_record(path)
    assert (
        str(caught.value)
        == f"{path}:2: extra: more than {MAX_ITEMS:,} items in one list or mapping"
    )


def test_a_list_at_the_item_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "at-limit.yaml"
    readings = ", ".join(f"{{date: 2016-01-01, value: {i}}}" for i in range(MAX_ITEMS))
    path.write_text(
        "partnership: {id: p, name: P}\npartners: [{id: a, name: A}]\n"
        f"metrics: [{{id: m, name: M, readings: [{readings}]}}]\n"
    )
    assert len(load_record(path).metrics[0].readings) == MAX_ITEMS


# --- every check on a record is linear: generated worst cases ---------------------------------


def chain_of_bodies(count: int, *, cycle: bool) -> dict[str, Any]:
    """``count`` bodies, each reporting to the next; the last back to the first if ``cycle``."""
    bodies = [
        {"id": f"b{i}", "name": f"B{i}", "kind": "working-group", "reports_to": f"b{i + 1}"}
        for i in range(count - 1)
    ]
    bodies.append({"id": f"b{count - 1}", "name": "Top", "kind": "board"})
    if cycle:
        bodies[-1]["reports_to"] = "b0"
    return {
        "partnership": {"id": "p", "name": "P"},
        "partners": [{"id": "a", "name": "A"}],
        "governance": {"bodies": bodies},
    }


@pytest.mark.parametrize("count", [100, 1_000])
def test_a_long_reports_to_chain_is_checked_once(count: int) -> None:
    # A 1,000-body chain took 7 s (the cycle check was cubic); timings are in
    # benchmarks/bench_hostile.py. Here: the result of the worst case is right.
    record = record_from_data(chain_of_bodies(count, cycle=False))
    assert len(record.governance.bodies) == count
    with pytest.raises(RecordError) as caught:
        record_from_data(chain_of_bodies(count, cycle=True))
    [problem] = caught.value.problems
    names = problem.message.removeprefix("reports_to forms a cycle: ").split(" -> ")
    assert names == [f"b{i}" for i in range(count)] + ["b0"]
    assert problem.path == "governance.bodies[0].reports_to"


def test_many_cycles_and_chains_into_them_are_each_reported_once() -> None:
    bodies = []
    for c in range(50):  # 50 cycles of 3, each with a tail of 3 bodies leading into it
        ring = [f"c{c}r{i}" for i in range(3)]
        tail = [f"c{c}t{i}" for i in range(3)]
        for i, body in enumerate(ring):
            bodies.append(
                {"id": body, "name": body, "kind": "board", "reports_to": ring[(i + 1) % 3]}
            )
        for i, body in enumerate(tail):
            to = tail[i + 1] if i + 1 < len(tail) else ring[0]
            bodies.append({"id": body, "name": body, "kind": "board", "reports_to": to})
    data = {
        "partnership": {"id": "p", "name": "P"},
        "partners": [{"id": "a", "name": "A"}],
        "governance": {"bodies": bodies},
    }
    with pytest.raises(RecordError) as caught:
        record_from_data(data)
    assert [p.message for p in caught.value.problems] == [
        f"reports_to forms a cycle: c{c}r0 -> c{c}r1 -> c{c}r2 -> c{c}r0" for c in range(50)
    ]


def test_a_record_with_thousands_of_problems_reports_a_bounded_number() -> None:
    data = {
        "partnership": {"id": "p", "name": "P"},
        "partners": [{"id": "a", "name": "A", f"x{i}": 0} for i in range(1_000)],
    }
    with pytest.raises(RecordError) as caught:
        record_from_data(data)
    problems = caught.value.problems
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1].message == f"and {1_000 - MAX_PROBLEMS:,} more problems not shown"


# --- file names that are not UTF-8, or hold control characters, are shown escaped ------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names are bytes")
def test_a_file_name_that_is_not_utf8_is_shown_escaped(tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/caf\xe9.yaml"
    try:
        with open(raw, "wb") as handle:
            handle.write(b"partnership: [\n")
    except OSError:
        pytest.skip("the file system refuses names that are not UTF-8")
    name = os.fsdecode(raw)
    with pytest.raises(RecordError) as caught:
        load_record(name)
    assert caught.value.source == name  # the name as given, to match against inputs
    message = str(caught.value)
    assert message.startswith(f"{tmp_path}/caf\\xe9.yaml:2: invalid YAML")
    message.encode("utf-8")  # printable anywhere: no surrogate left


def test_control_characters_in_a_file_name_cannot_reach_the_terminal(tmp_path: Path) -> None:
    path = tmp_path / "red\x1b[31m\nsecond line.yaml"
    path.write_text("partnership: [\n")
    with pytest.raises(RecordError) as caught:
        load_record(path)
    message = str(caught.value)
    assert "\x1b" not in message and "\n" not in message
    assert message.startswith(f"{tmp_path}/red\\x1b[31m\\nsecond line.yaml:2: invalid YAML")


# --- the library's exceptions survive pickling and copying (process pools, task queues) ------


def load_in_worker(path: str) -> str:
    return load_record(path).partnership.id


EXCEPTIONS = [
    RecordError("r.yaml", [Problem("unknown id 'x'", "actions[0].responsible[1]", 8)]),
    RulesetError("rules.yaml", [Problem("unknown field", "rules[0].when")]),
    UsageError("unknown format 'pdf'"),
    PartnershipRulesError("something"),
]


@pytest.mark.parametrize("error", EXCEPTIONS, ids=lambda e: type(e).__name__)
def test_every_library_exception_survives_pickle_and_copy(error: PartnershipRulesError) -> None:
    for clone in (pickle.loads(pickle.dumps(error)), copy.copy(error), copy.deepcopy(error)):
        assert type(clone) is type(error)
        assert str(clone) == str(error)
        assert clone.args == error.args
        assert getattr(clone, "problems", None) == getattr(error, "problems", None)
        assert getattr(clone, "source", None) == getattr(error, "source", None)


def test_one_bad_file_in_a_process_pool_does_not_break_the_pool(tmp_path: Path) -> None:
    good = Path(__file__).parent.parent / "examples" / "craven-swissport.yaml"
    bad = HOSTILE / "unknown-reference.yaml"
    with ProcessPoolExecutor(max_workers=1) as pool:
        futures = [pool.submit(load_in_worker, str(p)) for p in (bad, good, bad)]
        with pytest.raises(RecordError) as caught:
            futures[0].result()
        assert futures[1].result() == load_record(good).partnership.id
        with pytest.raises(RecordError):
            futures[2].result()
    assert caught.value.source == str(bad)
    assert caught.value.problems[0].path == "actions[0].responsible[1]"


# --- survey instruments and project configuration: refused with the file and the key --------


def test_an_instrument_listing_a_factor_twice_is_refused(tmp_path: Path) -> None:
    factor = (
        "  - id: trust\n    name: Trust\n    concern_below: 3\n    remedy: Talk about it.\n"
        "    source: {source: partner-tool}\n    items:\n      - {id: ITEM, wording: W.}\n"
    )
    path = tmp_path / "pulse.yaml"
    path.write_text(
        "id: pulse\ntitle: Pulse\nscale: {min: 1, max: 5}\nfavourable_from: 4\nfactors:\n"
        + factor.replace("ITEM", "keep-word")
        + factor.replace("ITEM", "listen"),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["audit", str(HOSTILE / "utf8-bom.yaml"), "--no-config", "--instrument", str(path)]
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"partnership-rules: {path}:1: factor 'trust' is listed twice"
    ]


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ('thresholds = { min_purpose_words = "8" }', "thresholds.min_purpose_words"),
        ("thresholds = { min_purpose_words = true }", "thresholds.min_purpose_words"),
        ("severity = { CORE001 = 1 }", "severity.CORE001"),
        ("select = [1]", "select.0"),
    ],
)
def test_a_configuration_value_of_the_wrong_kind_is_refused(
    tmp_path: Path, setting: str, problem: str
) -> None:
    path = tmp_path / "partnership-rules.toml"
    path.write_text(setting + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["audit", str(HOSTILE / "utf8-bom.yaml"), "--config", str(path)]
    )
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"partnership-rules: {path}: {problem}: ")


@pytest.mark.parametrize(
    ("setting", "key", "command"),
    [
        ('severity = { NOPE001 = "low" }', "severity.NOPE001", "audit"),
        ("thresholds = { min_purpose_wordz = 8 }", "thresholds.min_purpose_wordz", "audit"),
        ('select = ["CORE001", "NOPE001"]', "select.1", "audit"),
        ('ignore = ["NOPE001"]', "ignore.0", "audit"),
        ('severity = { NOPE001 = "low" }', "severity.NOPE001", "explain"),
        ("thresholds = { min_purpose_wordz = 8 }", "thresholds.min_purpose_wordz", "rules"),
    ],
)
def test_a_configuration_naming_what_no_ruleset_has_names_the_file_and_key(
    tmp_path: Path, setting: str, key: str, command: str
) -> None:
    path = tmp_path / "partnership-rules.toml"
    path.write_text(setting + "\n", encoding="utf-8")
    args = {
        "audit": ["audit", str(HOSTILE / "utf8-bom.yaml")],
        "explain": ["explain", "CORE001"],
        "rules": ["rules"],
    }[command]
    result = CliRunner().invoke(cli, [*args, "--config", str(path)])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"partnership-rules: {path}: {key}: ")
    assert "Traceback" not in result.output


def test_the_command_lines_select_is_not_blamed_on_the_configuration(tmp_path: Path) -> None:
    path = tmp_path / "partnership-rules.toml"
    path.write_text('select = ["NOPE001"]\n', encoding="utf-8")
    record = str(HOSTILE / "utf8-bom.yaml")
    result = CliRunner().invoke(
        cli, ["audit", record, "--config", str(path), "--select", "NOPE002"]
    )
    assert result.exit_code == 2
    assert result.stderr == "partnership-rules: 'NOPE002' names no rule, category or ruleset\n"


def test_a_quiet_example_naming_subjects_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "ruleset: mine\ntitle: Mine\nrules:\n  - id: MIN001\n    name: min-open-action\n"
        "    title: Open action\n    severity: low\n    category: delivery\n"
        "    applies_to: action\n    when: {field: status, not_equals: done}\n"
        '    message: "Action {id}."\n    rationale: R.\n    remedy: Do.\n'
        "    references: [{source: qca-partnership-guide}]\n"
        "    examples: {base: healthy, quiet: [{subjects: ['action:a-plan']}]}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["rules", "check", str(path), "--no-config"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"partnership-rules: {path}:15: rules[0] (MIN001).examples: Value error, quiet[0].subjects:"
        " only a fire case names the subjects it fires on"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["audit", "RECORD", "--no-config", "--instrument", "DIR"],
        ["audit", "RECORD", "--config", "DIR"],
        ["audit", "RECORD", "--no-config", "--history", "DIR"],
        ["audit", "RECORD", "--no-config", "--save", "DIR"],
        ["audit", "RECORD", "--no-config", "--baseline", "DIR"],
        ["audit", "RECORD", "--no-config", "-o", "DIR"],
        ["diff", "DIR", "RECORD", "--no-config"],
        ["history", "p", "--db", "DIR"],
        ["explain", "CORE001", "--config", "DIR"],
    ],
)
def test_a_directory_given_for_a_file_is_one_line_naming_it(
    tmp_path: Path, args: list[str]
) -> None:
    record = str(HOSTILE / "utf8-bom.yaml")
    given = [{"RECORD": record, "DIR": str(tmp_path)}.get(a, a) for a in args]
    result = CliRunner().invoke(cli, given)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"partnership-rules: {tmp_path}: ")
    assert "directory" in line
