"""SARIF output validated against the SARIF 2.1.0 JSON schema (shipped in tests/sarif/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, FormatChecker

from partnership_rules import Auditor, ErrorReport, Report, render_batch
from partnership_rules._report import AuditError

ROOT = Path(__file__).parent.parent
SCHEMA = json.loads((Path(__file__).parent / "sarif" / "sarif-schema-2.1.0.json").read_text())
VALIDATOR = Draft4Validator(SCHEMA, format_checker=FormatChecker())
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
AUDITOR = Auditor(engine="python")


def _errors(log: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(log)
    ]


def test_the_schema_is_the_sarif_2_1_0_schema() -> None:
    Draft4Validator.check_schema(SCHEMA)
    assert SCHEMA["properties"]["version"]["enum"] == ["2.1.0"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_sarif_of_every_example_is_valid(example: Path) -> None:
    report = AUDITOR.audit(example)
    log = json.loads(render_batch([report], "sarif"))
    assert _errors(log) == []
    # Accepted risks are results too, each with a suppression.
    assert len(log["runs"][0]["results"]) == len(report.findings) + len(report.waived)


def test_sarif_of_a_batch_with_errors_and_odd_file_names_is_valid() -> None:
    reports: list[Report | ErrorReport] = [AUDITOR.audit(p) for p in EXAMPLES[:3]]
    reports.append(
        reports[0].model_copy(update={"source": "records/a name with spaces #1 \x1b[31m.yaml"})
    )
    reports.append(
        ErrorReport(
            source="/srv/records/broken\udcff.yaml",
            error=AuditError(message="partners[0].id: bad\x07 value", line=4, problems=["x"]),
        )
    )
    log = json.loads(render_batch(reports, "sarif", indent=2))
    assert _errors(log) == []
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert len(notes) == 1 and log["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_the_validator_catches_an_invalid_log() -> None:
    log = json.loads(render_batch([AUDITOR.audit(EXAMPLES[0])], "sarif"))
    log["runs"][0]["results"][0]["level"] = "severe"
    assert _errors(log)
