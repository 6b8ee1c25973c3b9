"""Hostile input: every file in ``tests/hostile/`` (and the big ones generated here) is refused
with exit code 2 and one message naming the file and the field or the line, quickly and in
bounded memory. The only files accepted are the two with a UTF-8 byte order mark.

Small cases are committed as files; the big ones (alias bombs, thousands of levels of
nesting, a 50 MB file) are generated into ``tmp_path`` by the tests that need them.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner
from partnership_rules.cli.main import cli

from partnership_rules import RecordError, load_record

HOSTILE = Path(__file__).parent / "hostile"
ID_RULE = (
    "is not a valid id (letters, digits, '.', '_' and '-', starting with a letter or digit,"
    " at most 100; no spaces or control characters)"
)

# File -> what follows "<file>" in the first problem: ":line: field: message", ":line: message"
# (no field: the whole file) or ": field: message" (JSON, which has no line map).
EXPECTED = {
    "binary-junk.yaml": ": binary data, not a text record",
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
    "multiple-documents.yaml": ":3: a record file holds one YAML document",
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
    "utf-16.yaml": ":1: UTF-16 text: save the file as UTF-8",
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
    path = tmp_path / "many.json"
    path.write_text("[" + ",".join(["0"] * 600_000) + "]", encoding="utf-8")
    expect_refused(path, ": [499999]: document holds more than 500,000 values")


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
