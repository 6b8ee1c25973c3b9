"""Comparing two audits: ``compare_reports`` and ``partnership-rules diff`` on a record before
and after fixing problems, on saved JSON reports, and refused across partnerships."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from partnership_rules.cli.main import cli
from test_history import BARKING, NVQ, fixed_nvq, keys

from partnership_rules import (
    Auditor,
    Finding,
    HistoryStore,
    Report,
    UsageError,
    compare_reports,
    compare_with_baseline,
    load_history,
    load_report,
    render_comparison,
    render_history,
)

AUDITOR = Auditor(engine="python")


def units(findings: list[Finding]) -> list[Finding]:
    return [unit for finding in findings for unit in finding.units()]


PYTHON = ["--engine", "python"]


def test_fixing_a_record_resolves_its_findings(tmp_path: Path) -> None:
    before, after = AUDITOR.audit(NVQ), AUDITOR.audit(fixed_nvq(tmp_path))
    change = compare_reports(before, after)
    resolved = set(keys(change.resolved))
    assert ("NVQ001", "partnership:nvq-consortium") in resolved  # two more assessors
    assert ("CORE057", "partner:riverside") in resolved  # a senior sponsor named
    # the ratio issue (a resourcing issue: under-resourced delivery) closed
    assert ("CORE079", "partnership:nvq-consortium") in resolved
    # Every finding is accounted for exactly once on each side (a group's finding, one per
    # cause, as its parts).
    before_units, after_units = units(before.findings), units(after.findings)
    assert sorted(keys(change.resolved) + keys(change.unchanged)) == sorted(keys(before_units))
    assert sorted(keys(change.new) + keys(change.unchanged)) == sorted(keys(after_units))
    assert not set(keys(change.new)) & set(keys(before_units))
    assert change.summary_change()["high"] == after.summary["high"] - before.summary["high"]


def test_the_profile_change_is_the_difference_of_the_two_profiles(tmp_path: Path) -> None:
    before, after = AUDITOR.audit(NVQ), AUDITOR.audit(fixed_nvq(tmp_path))
    assert before.profile is not None and after.profile is not None
    change = compare_reports(before, after)
    assert change.score is not None
    assert (change.score.before, change.score.after) == (
        before.profile.overall.score,
        after.profile.overall.score,
    )
    assert change.score.change == change.score.after - change.score.before
    assert set(change.dimensions) == set(after.profile.dimensions)
    for name, dimension in change.dimensions.items():
        assert dimension.after - dimension.before == dimension.change
        assert dimension.after == after.profile.dimensions[name].score
    assert set(change.categories) == set(before.profile.categories) & set(after.profile.categories)
    assert change.after.band == after.profile.overall.band


def test_a_report_saved_without_a_profile_compares_without_scores(tmp_path: Path) -> None:
    before, after = AUDITOR.audit(NVQ), AUDITOR.audit(fixed_nvq(tmp_path))
    change = compare_reports(before.model_copy(update={"profile": None}), after)
    assert change.score is None and change.dimensions == change.categories == {}
    assert change.before.score is None and change.after.score is not None
    assert keys(change.resolved) == keys(compare_reports(before, after).resolved)
    text = render_comparison(change, "text")
    assert "Score:" not in text


def test_comparing_an_audit_with_itself_changes_nothing() -> None:
    report = AUDITOR.audit(BARKING)
    change = compare_reports(report, report)
    assert change.new == change.resolved == []
    assert sorted(keys(change.unchanged)) == sorted(keys(units(report.findings)))
    assert not change.fails("info")


def test_audits_of_different_partnerships_are_refused() -> None:
    with pytest.raises(UsageError, match="cannot compare audits of different partnerships"):
        compare_reports(AUDITOR.audit(NVQ), AUDITOR.audit(BARKING))


def test_cli_diff_of_two_records(tmp_path: Path) -> None:
    fixed = fixed_nvq(tmp_path)
    expected = compare_reports(AUDITOR.audit(NVQ), AUDITOR.audit(fixed))
    runner = CliRunner()

    as_json = runner.invoke(cli, ["diff", str(NVQ), str(fixed), "--format", "json", *PYTHON])
    assert as_json.exit_code == 0, as_json.output  # nothing new at or above high
    data = json.loads(as_json.stdout)
    assert {"new", "resolved", "unchanged", "score"} <= set(data)
    assert data == expected.to_dict()

    as_text = runner.invoke(cli, ["diff", str(NVQ), str(fixed), *PYTHON])
    assert as_text.exit_code == 0
    counts = f"{len(expected.resolved)} resolved, {len(expected.new)} new,"
    assert counts in as_text.stdout
    for finding in expected.resolved:
        assert f"{finding.rule} {finding.title} (" in as_text.stdout
        assert finding.subject_name and finding.subject_name in as_text.stdout  # names, not ids

    as_markdown = runner.invoke(
        cli, ["diff", str(NVQ), str(fixed), "--format", "markdown", *PYTHON]
    )
    assert as_markdown.stdout.startswith("# Progress: Southern Care Skills NVQ Consortium\n")
    assert f"## Resolved ({len(expected.resolved)})" in as_markdown.stdout


def test_cli_diff_exit_code_follows_new_findings_only(tmp_path: Path) -> None:
    fixed = fixed_nvq(tmp_path)
    change = compare_reports(AUDITOR.audit(NVQ), AUDITOR.audit(fixed))
    worst_new = min(change.new, key=lambda f: f.sort_key()).severity
    runner = CliRunner()
    failing = runner.invoke(cli, ["diff", str(NVQ), str(fixed), "--fail-on", worst_new, *PYTHON])
    assert failing.exit_code == 1
    # Going backwards resolves what the fix opened and brings back what it closed.
    reverse = runner.invoke(cli, ["diff", str(fixed), str(NVQ), "--fail-on", "high", *PYTHON])
    assert reverse.exit_code == (1 if any(f.severity == "high" for f in change.resolved) else 0)


def test_cli_diff_of_saved_json_reports_matches_the_records(tmp_path: Path) -> None:
    fixed = fixed_nvq(tmp_path)
    runner = CliRunner()
    saved = []
    for record in (NVQ, fixed):
        out = tmp_path / f"{record.stem}.report.json"
        result = runner.invoke(
            cli, ["audit", str(record), "--format", "json", "-o", str(out), *PYTHON]
        )
        assert result.exit_code in (0, 1), result.output
        saved.append(out)
    from_reports = runner.invoke(cli, ["diff", *map(str, saved), "--format", "json"])
    from_records = runner.invoke(cli, ["diff", str(NVQ), str(fixed), "--format", "json", *PYTHON])
    mixed = runner.invoke(cli, ["diff", str(saved[0]), str(fixed), "--format", "json", *PYTHON])
    assert from_reports.exit_code == from_records.exit_code == mixed.exit_code == 0
    assert json.loads(from_reports.stdout) == json.loads(from_records.stdout)
    assert json.loads(mixed.stdout) == json.loads(from_records.stdout)
    assert load_report(saved[0]) == AUDITOR.audit(NVQ)


def test_cli_diff_across_partnerships_exits_2_with_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["diff", str(NVQ), str(BARKING), *PYTHON])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "partnership-rules: cannot compare audits of different partnerships:"
        f" 'nvq-consortium' (from {NVQ}) and 'barking-rooff' (from {BARKING})\n"
    )


def test_cli_baseline_of_another_partnership_exits_2(tmp_path: Path) -> None:
    runner = CliRunner()
    baseline = tmp_path / "barking.json"
    runner.invoke(cli, ["audit", str(BARKING), "--format", "json", "-o", str(baseline), *PYTHON])
    result = runner.invoke(cli, ["audit", str(NVQ), "--baseline", str(baseline), *PYTHON])
    assert result.exit_code == 2
    assert result.stderr == (
        f"partnership-rules: {baseline}: the baseline has no report on partnership"
        f" 'nvq-consortium' (from {NVQ}) (it holds 'barking-rooff')\n"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"findings": [], "findings": []}', "duplicate key 'findings'"),
        ("[" * 200 + "]" * 200, "nested more than 64 levels deep"),
        ('{"findings": [], "summary": NaN}', "summary: NaN is not a finite number"),
        ('{"findings": "none"}', "expected a report saved with --format json"),
    ],
)
def test_cli_diff_of_a_hostile_report_exits_2_naming_the_file(
    tmp_path: Path, content: str, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = CliRunner().invoke(cli, ["diff", str(bad), str(NVQ), *PYTHON])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"partnership-rules: {bad}")
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_batch_report_of_several_partnerships_is_not_one_side_of_a_diff(tmp_path: Path) -> None:
    batch = tmp_path / "batch.json"
    CliRunner().invoke(
        cli, ["audit", str(NVQ), str(BARKING), "--format", "json", "-o", str(batch), *PYTHON]
    )
    with pytest.raises(UsageError, match="batch.json: holds 2 reports"):
        load_report(batch)


def test_render_comparison_refuses_an_unknown_format() -> None:
    report = AUDITOR.audit(BARKING)
    with pytest.raises(UsageError, match="unknown format 'html'"):
        render_comparison(compare_reports(report, report), "html")


def test_baseline_with_two_reports_on_one_partnership_uses_the_same_source(tmp_path: Path) -> None:
    fixed = fixed_nvq(tmp_path)
    old_nvq, old_fixed = AUDITOR.audit(NVQ), AUDITOR.audit(fixed)
    results = compare_with_baseline([old_fixed, old_nvq], [old_nvq, old_fixed])
    progress = [r.progress for r in results if isinstance(r, Report)]
    assert len(progress) == 2
    assert all(p is not None and p.new == p.resolved == [] for p in progress)
    with pytest.raises(UsageError, match="base.json: the baseline has no report on partnership"):
        compare_with_baseline([AUDITOR.audit(BARKING)], [old_nvq], source="base.json")


def test_record_text_cannot_drive_the_terminal_or_inject_markup(tmp_path: Path) -> None:
    report = AUDITOR.audit(BARKING)
    hostile = report.model_copy(
        update={
            "partnership": report.partnership.model_copy(
                update={"name": "Evil\x1b]8;;http://x\x07 <img src=x> [link](http://x)"}
            ),
            "source": "dir/\x1b[2Jname.yaml",
        }
    )
    change = compare_reports(report, hostile)
    for fmt in ("text", "markdown", "json"):
        out = render_comparison(change, fmt)
        assert "\x1b" not in out and "\x07" not in out
    markdown = render_comparison(change, "markdown")
    assert not re.search(r"(?<!\\)<img", markdown)  # only as escaped text
    assert not re.search(r"(?<!\\)\[link(?<!\\)\]", markdown)
    db = tmp_path / "history.db"
    with HistoryStore(db) as store:
        store.save_many([report, hostile])
    for fmt in ("text", "markdown", "json"):
        out = render_history(load_history(db, report.partnership.id), fmt)
        assert "\x1b" not in out and "\x07" not in out
