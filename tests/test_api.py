"""The library API: the public names, the input kinds audit accepts, and no printing."""

from __future__ import annotations

import datetime as dt
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import partnership_rules
from partnership_rules import Auditor, RecordError, Report, UsageError, audit, load_record

ROOT = Path(__file__).parent.parent
UNHEALTHY = ROOT / "examples" / "barking-rooff.yaml"


def test_public_api_is_exactly_all() -> None:
    public = {
        name
        for name in dir(partnership_rules)
        if not name.startswith("_") and not inspect.ismodule(getattr(partnership_rules, name))
    }
    assert public == set(partnership_rules.__all__) - {"__version__"}


def test_audit_accepts_a_path_a_dict_and_a_record() -> None:
    record = load_record(UNHEALTHY)
    from_path = audit(UNHEALTHY)
    from_str = audit(str(UNHEALTHY))
    from_record = audit(record)
    from_dict = audit(record.model_dump(mode="json", by_alias=True, exclude_none=True))
    assert from_path.findings == from_str.findings == from_record.findings == from_dict.findings
    assert from_path.source == str(UNHEALTHY)
    assert from_record.source is None


def test_audit_does_not_print(capsys: pytest.CaptureFixture[str]) -> None:
    audit(UNHEALTHY)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_findings_are_sorted_by_severity_rule_and_subject() -> None:
    report = audit(UNHEALTHY)
    assert report.findings == sorted(report.findings, key=lambda f: f.sort_key())
    assert sum(report.summary.values()) == len(report.findings)


def test_as_of_defaults_to_assessed_on_and_can_be_overridden() -> None:
    record = load_record(UNHEALTHY)
    assert audit(record).as_of == record.partnership.assessed_on
    later = dt.date(2030, 1, 1)
    assert audit(record, as_of=later).as_of == later


def test_report_round_trips_through_json() -> None:
    report = audit(UNHEALTHY)
    assert Report.model_validate(report.to_dict()) == report


def test_bad_dict_raises_record_error_with_paths() -> None:
    with pytest.raises(RecordError) as caught:
        audit({"partnership": {"id": "x", "name": "X"}, "partners": [{"id": "a"}]})
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("partners[0].name", "required field is missing")
    ]


def test_unknown_source_type_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        audit(42)  # type: ignore[arg-type]


def test_one_auditor_audits_many_records() -> None:
    auditor = Auditor()
    first = auditor.audit(UNHEALTHY)
    second = auditor.audit(UNHEALTHY)
    assert first == second


def test_context_rulesets_follow_the_record() -> None:
    record = load_record(UNHEALTHY)
    assert Auditor().rulesets_for(record)[:1] == ["core"]
    assert "education-training" in audit(record).rulesets


def test_explicit_rulesets_override_contexts() -> None:
    report = audit(UNHEALTHY, rulesets=["core"])
    assert report.rulesets == ["core"]
    assert {f.rule[:4] for f in report.findings} == {"CORE"}


def test_every_public_name_is_imported_on_first_use_from_the_module_that_defines_it() -> None:
    exports = partnership_rules._EXPORTS
    assert set(exports) == set(partnership_rules.__all__) - {"__version__"}
    for name in exports:
        assert getattr(partnership_rules, name) is not None


def test_importing_the_package_leaves_the_auditing_stack_unloaded() -> None:
    code = (
        "import sys, partnership_rules; "
        "print(sorted(m for m in ('networkx', 'durable', 'sqlite3') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT.parent
    ).stdout
    assert loaded == "[]\n"
