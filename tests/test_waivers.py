"""Waivers: accepted risks set apart from the findings until their expiry, in the report and
every format; an expired waiver, or one that matches nothing, is a finding itself."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import assume, given
from hypothesis import strategies as st
from partnership_rules.cli.main import cli
from strategies import records

from partnership_rules import Auditor, RecordError, Report
from partnership_rules._rule_loader import shipped_ruleset_names

ROOT = Path(__file__).parent.parent
HEALTHY = ROOT / "rulesets" / "bases" / "healthy.yaml"
PARTNERSHIP = "partnership:northvale-engineering"
AS_OF = dt.date(2016, 6, 30)  # the healthy record's assessed_on


@pytest.fixture(scope="module")
def auditor() -> Auditor:
    return Auditor(engine="python")


def healthy() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(HEALTHY.read_text(encoding="utf-8"))
    return data


def waiver(**given: Any) -> dict[str, Any]:
    """A waiver of the healthy record's one finding (EDU010 on the partnership)."""
    return {
        "rule": "EDU010",
        "subject": PARTNERSHIP,
        "justification": "The awarding body is named in the contract annex",
        "expires": "2016-12-31",
        "approved_by": "Steering group",
        **given,
    }


def with_waivers(*waivers: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
    data = copy.deepcopy(base or healthy())
    data["waivers"] = list(waivers)
    return data


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def write(folder: Path, data: dict[str, Any], name: str = "record.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def keys(findings: Any) -> list[tuple[str, str]]:
    return [(f.rule, f.subject) for f in findings]


def test_a_waiver_moves_its_finding_into_waived(auditor: Auditor) -> None:
    before = auditor.audit(healthy())
    assert ("EDU010", PARTNERSHIP) in keys(before.findings)
    report = auditor.audit(with_waivers(waiver()))
    assert ("EDU010", PARTNERSHIP) not in keys(report.findings)
    assert [(w.finding.rule, w.finding.subject) for w in report.waived] == [("EDU010", PARTNERSHIP)]
    accepted = report.waived[0]
    assert accepted.waiver.justification == "The awarding body is named in the contract annex"
    assert accepted.waiver.approved_by == "Steering group"
    assert accepted.waiver.expires == dt.date(2016, 12, 31)
    assert accepted.finding == next(f for f in before.findings if f.rule == "EDU010")


def test_waived_findings_count_toward_neither_fail_on_summary_nor_scores(
    auditor: Auditor, tmp_path: Path
) -> None:
    before = auditor.audit(healthy())
    report = auditor.audit(with_waivers(waiver()))
    assert before.fails("low") and not report.fails("low")
    assert report.summary["low"] == before.summary["low"] - 1
    assert before.profile is not None and report.profile is not None
    assert report.profile.overall.score > before.profile.overall.score
    assert "EDU010" not in [c.rule for c in report.profile.overall.causes]
    assert len(report.action_plan) == len(report.findings)
    path = write(tmp_path, with_waivers(waiver()))
    assert run("audit", str(path), "--fail-on", "low").exit_code == 0
    assert run("audit", str(HEALTHY), "--fail-on", "low").exit_code == 1


def test_a_waiver_holds_on_its_expiry_date_and_not_the_day_after(auditor: Auditor) -> None:
    on_the_day = auditor.audit(with_waivers(waiver(expires="2016-06-30")))
    assert keys(on_the_day.findings) == []
    assert len(on_the_day.waived) == 1
    expired = auditor.audit(with_waivers(waiver(expires="2016-06-29")))
    assert expired.waived == []
    assert keys(expired.findings) == [
        ("CORE110", f"waiver:EDU010/{PARTNERSHIP}"),
        ("EDU010", PARTNERSHIP),
    ]
    message = expired.findings[0].message
    assert "expired on 2016-06-29" in message and "Steering group" in message


def test_the_audit_date_decides_expiry(auditor: Auditor) -> None:
    later = auditor.audit(with_waivers(waiver()), as_of=dt.date(2017, 1, 1))
    assert "CORE110" in [f.rule for f in later.findings]
    assert later.waived == []


def test_a_waiver_that_matches_nothing_is_a_finding(auditor: Auditor) -> None:
    report = auditor.audit(with_waivers(waiver(subject="partnership:northvale")))
    assert ("CORE111", "waiver:EDU010/partnership:northvale") in keys(report.findings)
    assert ("EDU010", PARTNERSHIP) in keys(report.findings)
    assert report.waived == []


def test_a_waiver_may_name_a_rule_by_its_alias(auditor: Auditor) -> None:
    aliased = next(
        (rule for rule in auditor.rules if rule.rule.aliases and rule.ruleset == "core"), None
    )
    if aliased is None:
        pytest.skip("no shipped core rule has an alias")
    # The rule's finding on some record is waived by its alias alone.
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        report = auditor.audit(path)
        found = [f for f in report.findings if f.rule == aliased.id]
        if found:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            alias = aliased.rule.aliases[0]
            data["waivers"] = [waiver(rule=alias, subject=found[0].subject)]
            waived = auditor.audit(data)
            assert [w.finding.rule for w in waived.waived] == [aliased.id]
            return
    pytest.skip(f"no example gives a finding of {aliased.id}")


BODY_NOT_SET_UP = {
    "partnership": {"id": "example", "name": "Example", "assessed_on": "2025-01-01"},
    "partners": [{"id": "college", "name": "College", "kind": "provider", "lead": True}],
    "governance": {
        "bodies": [{"id": "board", "name": "Board", "kind": "board", "members": ["college"]}]
    },
}


def test_a_group_finding_is_waived_by_the_group_id(auditor: Auditor) -> None:
    grouped = auditor.audit(BODY_NOT_SET_UP)
    assert ("CORE103", "body:board") in keys(grouped.findings)
    report = auditor.audit(
        with_waivers(
            waiver(rule="CORE103", subject="body:board", expires="2025-06-30"), base=BODY_NOT_SET_UP
        )
    )
    assert ("CORE103", "body:board") not in keys(report.findings)
    assert keys(w.finding for w in report.waived) == [("CORE103", "body:board")]
    assert len(report.waived[0].finding.parts) >= 2


def test_a_waived_part_no_longer_counts_toward_its_group(auditor: Auditor) -> None:
    grouped = auditor.audit(BODY_NOT_SET_UP)
    group = next(f for f in grouped.findings if f.rule == "CORE103")
    part = group.parts[0]
    report = auditor.audit(
        with_waivers(
            waiver(rule=part.rule, subject=part.subject, expires="2025-06-30"), base=BODY_NOT_SET_UP
        )
    )
    assert keys(w.finding for w in report.waived) == [(part.rule, part.subject)]
    rest = [f for f in report.findings if f.rule == "CORE103"]
    # The group forms from the other parts, or they stand alone: the waived one is in neither.
    assert all(p.rule != part.rule for f in rest for p in f.parts)
    assert (part.rule, part.subject) not in keys(report.findings)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"justification": "   "}, "waivers[0].justification", "at least 1 character"),
        ({"justification": ""}, "waivers[0].justification", "at least 1 character"),
        ({"expires": None}, "waivers[0].expires", "expected an ISO date"),
        ({"approved_by": ""}, "waivers[0].approved_by", "at least 1 character"),
        ({"subject": "*"}, "waivers[0].subject", "is not a finding's subject"),
        ({"rule": "core001"}, "waivers[0].rule", "is not a rule id"),
    ],
)
def test_a_waiver_without_reason_expiry_or_approver_is_a_record_error(
    auditor: Auditor, change: dict[str, Any], field: str, words: str
) -> None:
    given = waiver(**change)
    with pytest.raises(RecordError) as raised:
        auditor.audit(with_waivers(given))
    problem = raised.value.problems[0]
    assert problem.path == field
    assert words in problem.message


def test_a_missing_expiry_is_a_record_error_naming_the_field(auditor: Auditor) -> None:
    given = waiver()
    del given["expires"]
    with pytest.raises(RecordError) as raised:
        auditor.audit(with_waivers(given))
    assert raised.value.problems[0].path == "waivers[0].expires"


def test_a_second_waiver_of_the_same_finding_is_a_record_error(auditor: Auditor) -> None:
    with pytest.raises(RecordError) as raised:
        auditor.audit(with_waivers(waiver(), waiver(expires="2017-01-31")))
    problem = raised.value.problems[0]
    assert problem.path == "waivers[1].subject"
    assert "a second waiver of EDU010 on partnership:northvale-engineering" in problem.message


def test_a_rule_id_of_no_loaded_ruleset_is_no_record_error(auditor: Auditor) -> None:
    report = auditor.audit(with_waivers(waiver(rule="OWN001")))
    assert ("CORE111", f"waiver:OWN001/{PARTNERSHIP}") in keys(report.findings)


def test_the_json_report_has_waived_as_a_top_level_field_and_reads_back(
    auditor: Auditor,
) -> None:
    report = auditor.audit(with_waivers(waiver()))
    data = json.loads(json.dumps(report.to_dict()))
    assert [w["finding"]["rule"] for w in data["waived"]] == ["EDU010"]
    assert data["waived"][0]["waiver"] == {
        "rule": "EDU010",
        "subject": PARTNERSHIP,
        "justification": "The awarding body is named in the contract annex",
        "expires": "2016-12-31",
        "approved_by": "Steering group",
    }
    assert Report.model_validate(data) == report


def test_text_and_markdown_list_accepted_risks_apart(tmp_path: Path) -> None:
    record = str(write(tmp_path, with_waivers(waiver())))
    text = run("audit", record, "--no-color").output
    assert "Accepted risks (1): waived, not counted" in text
    assert "Accepted until 2016-12-31 by Steering group: The awarding body" in text
    assert text.rstrip().endswith("No findings. 1 accepted risk (waived).")
    markdown = run("audit", record, "--format", "markdown").output
    assert "## Accepted risks (1)" in markdown
    assert "**Accepted until 2016-12-31 by Steering group: The awarding body" in markdown


def test_html_has_an_accepted_risks_section(auditor: Auditor) -> None:
    from partnership_rules import render_batch

    page = render_batch([auditor.audit(with_waivers(waiver()))], "html")
    section = page.split('<section class="accepted-risks">', 1)[1].split("</section>", 1)[0]
    assert "<h2>Accepted risks (1)</h2>" in section
    assert '<div class="finding waived low" id="waived-EDU010-' in section
    assert "Accepted until 2016-12-31 by Steering group" in section
    assert "EDU010" not in page.split('<section class="findings">', 1)[1].split("</section>")[0]


def test_sarif_marks_a_waived_result_as_an_accepted_external_suppression(
    auditor: Auditor,
) -> None:
    from jsonschema import Draft4Validator

    from partnership_rules import render_batch

    report = auditor.audit(with_waivers(waiver()))
    log = json.loads(render_batch([report], "sarif"))
    schema = json.loads((ROOT / "tests" / "sarif" / "sarif-schema-2.1.0.json").read_text())
    assert list(Draft4Validator(schema).iter_errors(log)) == []
    results = log["runs"][0]["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert [r["ruleId"] for r in suppressed] == ["EDU010"]
    assert suppressed[0]["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "The awarding body is named in the contract annex",
            "properties": {"approvedBy": "Steering group", "expires": "2016-12-31"},
        }
    ]
    assert "EDU010" in [rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]]


def test_csv_rows_say_open_or_waived(auditor: Auditor) -> None:
    import csv
    import io

    from partnership_rules import render_batch

    report = auditor.audit(with_waivers(waiver(), waiver(rule="CORE001", subject="objective:x")))
    rows = list(csv.DictReader(io.StringIO(render_batch([report], "csv"))))
    assert [(r["Rule"], r["Status"]) for r in rows] == [("CORE111", "open"), ("EDU010", "waived")]
    assert rows[1]["#"] == "" and rows[1]["By when"] == ""
    assert rows[1]["Waiver"].startswith("Accepted until 2016-12-31 by Steering group")


def test_waiving_a_finding_neither_resolves_it_nor_is_a_regression(auditor: Auditor) -> None:
    from partnership_rules import compare_reports

    before = auditor.audit(healthy())
    after = auditor.audit(with_waivers(waiver()))
    change = compare_reports(before, after)
    assert keys(change.resolved) == [] and keys(change.new) == []
    assert keys(change.waived) == [("EDU010", PARTNERSHIP)]
    assert not change.fails("info")
    progress = after.compared_with(before).progress
    assert progress is not None
    assert keys(progress.waived) == [("EDU010", PARTNERSHIP)] and progress.resolved == []


def test_a_finding_whose_waiver_expired_is_not_new_but_the_expiry_is(auditor: Auditor) -> None:
    from partnership_rules import compare_reports

    record = with_waivers(waiver(expires="2016-07-01"))
    before = auditor.audit(record)
    after = auditor.audit(record, as_of=dt.date(2016, 7, 2))
    change = compare_reports(before, after)
    assert keys(change.new) == [("CORE110", f"waiver:EDU010/{PARTNERSHIP}")]
    assert ("EDU010", PARTNERSHIP) in keys(change.unchanged)
    assert change.waived == []


def test_an_accepted_risk_that_no_longer_fires_is_resolved(auditor: Auditor) -> None:
    from partnership_rules import compare_reports

    before = auditor.audit(with_waivers(waiver()))
    fixed = with_waivers()
    fixed["stakeholders"].append({"id": "ofsted", "name": "Ofsted", "kind": "regulator"})
    after = auditor.audit(fixed)
    assert "EDU010" not in [f.rule for f in after.findings]
    assert keys(compare_reports(before, after).resolved) == [("EDU010", PARTNERSHIP)]


def test_the_history_opens_and_closes_nothing_when_a_finding_is_waived(
    auditor: Auditor, tmp_path: Path
) -> None:
    from partnership_rules import HistoryStore, load_history

    db = tmp_path / "history.db"
    with HistoryStore(db) as store:
        store.save(auditor.audit(healthy()))
        store.save(auditor.audit(with_waivers(waiver(expires="2016-07-31"))))
    _, accepted = load_history(db, "northvale-engineering").entries
    assert accepted.opened == [] and accepted.closed == []
    assert accepted.findings == 0


def test_diff_and_baseline_list_accepted_risks_apart(auditor: Auditor, tmp_path: Path) -> None:
    before = write(tmp_path, healthy(), "before.yaml")
    after = write(tmp_path, with_waivers(waiver()), "after.yaml")
    text = run("diff", str(before), str(after)).output
    assert "0 resolved, 0 new, 0 unchanged, 1 accepted risk(s) (waived)" in text
    assert "Accepted risks (waived) (1)" in text
    saved = tmp_path / "baseline.json"
    saved.write_text(run("audit", str(before), "--format", "json").output, encoding="utf-8")
    result = run("audit", str(after), "--baseline", str(saved), "--fail-on", "low", "--no-color")
    assert result.exit_code == 0
    assert "Since 2016-06-30: 0 resolved, 0 new, 0 remaining, 1 accepted (waived)." in result.output


def _readme_block(opening: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(opening) + len(opening.split("\n", 1)[0]) + 1
    return text[start : text.index("```", start)]


def test_the_readme_waiver_walkthrough_works_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shlex

    monkeypatch.chdir(tmp_path)
    Path("my-checks.yaml").write_text(_readme_block("```yaml\nruleset: my-checks"), "utf-8")
    record = _readme_block("```yaml\n# reading.yaml")
    assert record.startswith("# reading.yaml\n")
    Path("reading.yaml").write_text(record, "utf-8")
    lines = _readme_block("```sh\npartnership-rules audit reading.yaml").splitlines()
    # Each command, followed by the comment lines that say what it does ("# exit N: ...").
    steps: list[tuple[str, str]] = []
    for line in lines:
        if line.startswith("partnership-rules "):
            steps.append((line, ""))
        else:
            command, said = steps[-1]
            steps[-1] = (command, f"{said} {line.lstrip('# ')}".strip())
    assert len(steps) == 2
    outputs = []
    for command, said in steps:
        args = shlex.split(command)[1:]
        result = run(*args, "--no-color")
        expected_exit = int(said.split("exit ", 1)[1].split(":", 1)[0])
        assert result.exit_code == expected_exit, (command, result.output)
        outputs.append(result.output)
    waived, expired = outputs
    # Until its expiry the waiver silences the one finding, which is still shown with its reason.
    assert waived.rstrip().endswith("No findings. 1 accepted risk (waived).")
    assert "Accepted until 2025-04-30 by Steering group, 10 February 2025:" in waived
    # Then the finding is back, and the expired waiver is a finding itself.
    assert "OWN001 Objective has no baseline" in expired.split("Accepted risks")[0]
    assert "CORE110 Accepted risk has expired" in expired
    assert expired.rstrip().endswith("2 findings: 2 medium.")


# Every shipped rule on every generated record, whatever its contexts say.
SHIPPED = Auditor(shipped_ruleset_names(), engine="python")


@given(records(), st.data())
def test_a_waiver_moves_exactly_its_finding_from_findings_to_waived(
    record: dict[str, Any], data: st.DataObject
) -> None:
    before = SHIPPED.audit(record)
    assume(before.findings)
    target = data.draw(st.sampled_from(before.findings), label="finding waived")
    accepted = waiver(rule=target.rule, subject=target.subject, expires="2999-12-31")
    after = SHIPPED.audit({**record, "waivers": [accepted]})
    assert [w.finding for w in after.waived] == [target]
    assert after.waived[0].waiver.subject == target.subject
    assert after.findings == [f for f in before.findings if f != target]


def test_the_batch_summary_counts_accepted_risks_apart(tmp_path: Path) -> None:
    waived = write(tmp_path, with_waivers(waiver()), "waived.yaml")
    result = CliRunner().invoke(
        cli, ["audit", str(waived), str(HEALTHY), "--format", "jsonl", "--summary"]
    )
    assert result.exit_code == 0, result.stderr
    summary = result.stderr[result.stderr.index("Batch summary") :].splitlines()
    assert summary[1] == "Findings: 1 low"
    assert summary[2] == "Accepted risks (waived, not counted): 1"


def test_the_record_template_s_commented_waiver_is_valid_once_uncommented(
    auditor: Auditor,
) -> None:
    from partnership_rules import record_template

    text = record_template("education-training", today=dt.date(2025, 1, 1))
    lines = text.splitlines()
    start = lines.index("# waivers:")
    block = [lines[start][2:]] + [
        line[2:] for line in lines[start + 1 :] if line.startswith("#   ")
    ]
    record = yaml.safe_load(text + "\n" + "\n".join(block) + "\n")
    report = auditor.audit(record)
    accepted = [w.waiver for w in report.waived] + [
        f for f in report.findings if f.rule == "CORE111"
    ]
    assert len(accepted) == 1
