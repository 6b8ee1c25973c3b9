"""``partnership-rules init``: commented template records that load and audit as they stand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from partnership_rules.cli.main import cli

from partnership_rules import (
    TEMPLATE_CONTEXTS,
    Auditor,
    UsageError,
    load_record,
    record_json_schema,
    record_template,
)
from partnership_rules._loader import parse_text

TODAY = dt.date(2026, 3, 2)


def _invoke(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize("context", TEMPLATE_CONTEXTS)
def test_each_context_template_is_written_loads_and_audits(tmp_path: Path, context: str) -> None:
    path = tmp_path / f"{context}.yaml"
    result = _invoke("init", str(path), "--context", context)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert f"partnership-rules audit {path}" in result.output  # type: ignore[attr-defined]
    record = load_record(path)
    assert record.partnership.contexts == [context]
    report = Auditor().audit(record)
    assert context in report.rulesets
    # A fresh template shows good practice: nothing to fix at medium or above.
    assert not [f for f in report.findings if f.severity in ("critical", "high", "medium")]


@pytest.mark.parametrize("context", TEMPLATE_CONTEXTS)
def test_each_template_is_valid_against_the_json_schema(context: str) -> None:
    data, _ = parse_text(record_template(context, today=TODAY), json_format=False)
    jsonschema.Draft202012Validator(record_json_schema()).validate(data)


@pytest.mark.parametrize("context", TEMPLATE_CONTEXTS)
def test_templates_explain_each_section_in_comments(context: str) -> None:
    text = record_template(context, today=TODAY)
    data, _ = parse_text(text, json_format=False)
    lines = text.splitlines()
    for section in data:
        at = next(i for i, line in enumerate(lines) if line.startswith(f"{section}:"))
        assert lines[at - 1].startswith("#") or section == "format", section
    assert "docs/record-format.md" in text
    assert "# yaml-language-server: $schema=record.schema.json" in text


def test_template_dates_follow_the_day_it_is_written() -> None:
    record_text = record_template("nvq", today=TODAY)
    assert "assessed_on: 2026-03-02" in record_text
    assert "established: 2025-03-02" in record_text


def test_teach_too_template_says_green_means_happening_well() -> None:
    text = record_template("education-training", today=TODAY)
    assert "green = happening well" in text and "red = a concern" in text


def test_init_refuses_to_overwrite_a_file(tmp_path: Path) -> None:
    path = tmp_path / "record.yaml"
    path.write_text("mine\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", str(path)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"partnership-rules: {path}: already exists; not overwritten (choose another PATH)"
    )
    assert path.read_text(encoding="utf-8") == "mine\n"


def test_init_into_a_directory_writes_record_yaml(tmp_path: Path) -> None:
    assert _invoke("init", str(tmp_path)).exit_code == 0  # type: ignore[attr-defined]
    assert load_record(tmp_path / "record.yaml").partnership.contexts == ["education-training"]


def test_init_dash_prints_the_template() -> None:
    result = _invoke("init", "-", "--context", "community-learning")
    assert "contexts: [community-learning]" in result.output  # type: ignore[attr-defined]


def test_init_into_a_missing_folder_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "nowhere" / "r.yaml")])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "cannot write" in result.output


def test_unknown_context_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no template for context 'schools'"):
        record_template("schools")
    assert CliRunner().invoke(cli, ["init", "--context", "schools"]).exit_code == 2
