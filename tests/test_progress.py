"""Tracking progress against a baseline report: resolved, new and remaining findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from partnership_rules.cli.main import cli

from partnership_rules import Auditor, UsageError
from partnership_rules._report import read_reports

RULES = """\
ruleset: progress-checks
title: Checks for the progress tests
rules:
  - id: PRG001
    name: objective-without-target-test
    title: Objective has no target
    severity: high
    category: vague-objectives
    applies_to: objective
    when: {field: has_target, equals: false}
    message: "Objective '{id}' has no target."
    rationale: A target is what progress is measured against.
    remedy: Set a target.
    references: [{source: education-training-notes, section: Examiner Marking Points}]
"""


def record(targets: dict[str, float | None]) -> dict[str, object]:
    return {
        "partnership": {"id": "p", "name": "P", "assessed_on": "2016-06-30"},
        "partners": [{"id": "college", "name": "College"}],
        "objectives": [
            {"id": oid, "statement": f"Objective {oid}", "target": target}
            for oid, target in targets.items()
        ],
    }


@pytest.fixture()
def auditor(tmp_path: Path) -> Auditor:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    return Auditor([str(rules)])


def test_compare_reports_resolved_new_and_remaining(auditor: Auditor) -> None:
    before = auditor.audit(record({"a": None, "b": None, "c": 5}))
    after = auditor.audit(record({"a": 10, "b": None, "c": None}))
    progress = after.compared_with(before).progress
    assert progress is not None
    assert [t.subject for t in progress.resolved] == ["objective:a"]
    assert [t.subject for t in progress.new] == ["objective:c"]
    assert [t.subject for t in progress.remaining] == ["objective:b"]


def test_baseline_of_another_partnership_is_refused(auditor: Auditor) -> None:
    other = record({"a": None})
    other["partnership"] = {"id": "other", "name": "Other"}
    with pytest.raises(UsageError, match="different partnerships: 'other' and 'p'"):
        auditor.audit(record({"a": None})).compared_with(auditor.audit(other))


def test_cli_baseline_shows_progress(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record({"a": None, "b": None})))
    runner = CliRunner()
    base = runner.invoke(
        cli,
        [
            "audit",
            str(path),
            "--ruleset",
            str(rules),
            "--select",
            "progress-checks",
            "--format",
            "json",
        ],
    )
    baseline = tmp_path / "baseline.json"
    baseline.write_text(base.output)
    path.write_text(json.dumps(record({"a": 3, "b": None})))
    result = runner.invoke(
        cli,
        ["audit", str(path), "--ruleset", str(rules), "--select", "progress-checks"]
        + ["--baseline", str(baseline), "--no-color"],
    )
    assert "Since 2016-06-30: 1 resolved, 0 new, 1 remaining." in result.output
    assert "resolved: PRG001 Objective has no target (Objective: a)" in result.output


def test_bad_baseline_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "baseline.json"
    bad.write_text("{not json")
    with pytest.raises(UsageError, match="baseline.json:1: invalid JSON"):
        read_reports(bad)
    result = CliRunner().invoke(
        cli, ["audit", "examples/craven-swissport.yaml", "--baseline", str(bad)]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"partnership-rules: {bad}:1: invalid JSON: Expecting property name enclosed in double"
        " quotes (column 2) (expected a JSON report saved with --format json)\n"
    )
