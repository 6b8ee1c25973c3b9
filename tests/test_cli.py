"""The command line, through click's runner (and once through a real subprocess)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from partnership_rules.cli._common import Stopped, command
from partnership_rules.cli.main import cli
from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
HEALTHY = EXAMPLES / "craven-swissport.yaml"
UNHEALTHY = EXAMPLES / "barking-rooff.yaml"

BROKEN = """\
partnership: {id: broken, name: Broken}
partners:
  - {id: college, name: College}
actions:
  - id: a1
    action: Do something
    responsible: [college, ghostco]
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_audit_text_lists_findings_with_remedies() -> None:
    result = run("audit", str(UNHEALTHY), "--no-color")
    assert result.exit_code == 1
    assert "Remedy:" in result.output
    assert "finding" in result.output.splitlines()[-1]


def test_audit_json_matches_the_report_contract() -> None:
    result = run("audit", str(UNHEALTHY), "--format", "json")
    report = json.loads(result.output)
    assert {"partnership", "source", "rulesets", "findings", "summary"} <= set(report)
    assert report["partnership"]["id"] == "barking-rooff"
    assert set(report["summary"]) == {"critical", "high", "medium", "low", "info"}
    finding = report["findings"][0]
    expected = {
        "rule",
        "title",
        "severity",
        "category",
        "subject",
        "message",
        "evidence",
        "remedy",
        "references",
    }
    assert expected <= set(finding)
    assert sum(report["summary"].values()) == len(report["findings"])


def test_several_files_give_an_array_in_input_order(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text(BROKEN)
    result = run("audit", str(UNHEALTHY), str(bad), str(HEALTHY), "--format", "json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert [d["source"] for d in data] == [str(UNHEALTHY), str(bad), str(HEALTHY)]
    assert "findings" in data[0] and "findings" in data[2]
    assert data[1]["error"]["path"] == "actions[0].responsible[1]"
    assert data[1]["error"]["line"] == 7
    assert data[1]["error"]["message"] == "unknown id 'ghostco'"


def test_bad_record_exits_2_with_one_line_naming_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text(BROKEN)
    result = run("audit", str(bad))
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"partnership-rules: {bad}:7: actions[0].responsible[1]: unknown id 'ghostco'\n"
    )
    assert "Traceback" not in result.output


def test_fail_on_sets_the_exit_code() -> None:
    assert (
        run(
            "audit", str(UNHEALTHY), "--fail-on", "critical", "--select", "sustainability"
        ).exit_code
        == 0
    )
    assert run("audit", str(UNHEALTHY), "--fail-on", "info").exit_code == 1


def test_select_and_ignore_filter_rules() -> None:
    selected = json.loads(
        run("audit", str(UNHEALTHY), "--format", "json", "--select", "power-imbalance").output
    )
    assert selected["findings"]
    assert {f["category"] for f in selected["findings"]} == {"power-imbalance"}
    ignored = json.loads(
        run("audit", str(UNHEALTHY), "--format", "json", "--ignore", "power-imbalance").output
    )
    assert "power-imbalance" not in {f["category"] for f in ignored["findings"]}


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_unknown_selector_is_a_usage_error(option: str) -> None:
    result = run("audit", str(HEALTHY), option, "no-such-rule")
    assert result.exit_code == 2
    assert result.stderr == "partnership-rules: 'no-such-rule' names no rule, category or ruleset\n"


def test_unknown_ruleset_is_a_usage_error() -> None:
    result = run("audit", str(HEALTHY), "--ruleset", "nonesuch")
    assert result.exit_code == 2
    assert result.stderr.startswith("partnership-rules: nonesuch: no such ruleset")


@pytest.mark.parametrize("value", ["yesterday", "20160630", "2016-W26-4", "2016-06-30T00:00"])
def test_as_of_accepts_only_what_record_dates_accept(value: str) -> None:
    result = run("audit", str(HEALTHY), "--as-of", value)
    assert result.exit_code == 2
    assert f"Invalid value for '--as-of': expected an ISO date (YYYY-MM-DD), found '{value}'" in (
        result.output
    )


def test_directory_audits_every_record(tmp_path: Path) -> None:
    result = run("audit", str(EXAMPLES), "--format", "json", "--jobs", "1")
    data = json.loads(result.output)
    assert len(data) == len(list(EXAMPLES.glob("*.yaml")))


def test_empty_directory_is_an_input_error(tmp_path: Path) -> None:
    result = run("audit", str(tmp_path))
    assert result.exit_code == 2
    assert "no .yaml, .yml or .json files found" in result.stderr


def test_output_file_is_written(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    result = run("audit", str(UNHEALTHY), "--format", "markdown", "--output", str(out))
    assert result.exit_code == 1
    assert result.output == ""
    text = out.read_text()
    assert text.startswith("# Partnership health check:")
    assert "## Action plan" in text
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("fmt", ["sarif", "html", "markdown", "text", "json"])
def test_every_format_renders(fmt: str) -> None:
    result = run("audit", str(UNHEALTHY), str(HEALTHY), "--format", fmt)
    assert result.exit_code == 1
    assert result.output.strip()
    if fmt == "sarif":
        sarif = json.loads(result.output)
        assert sarif["version"] == "2.1.0"
        assert sarif["runs"][0]["results"]


def test_rules_lists_every_ruleset() -> None:
    result = run("rules")
    assert result.exit_code == 0
    assert result.output.startswith("core:")
    assert "CORE001" in result.output


def test_explain_shows_rationale_remedy_and_sources() -> None:
    result = run("explain", "CORE001")
    assert result.exit_code == 0
    for heading in ("Why it matters", "What to do", "Sources"):
        assert heading in result.output


def test_explain_unknown_rule_exits_2() -> None:
    result = run("explain", "NOPE999")
    assert result.exit_code == 2
    assert result.stderr.startswith("partnership-rules: no rule or group 'NOPE999'")


@pytest.mark.parametrize("group_id", ["CORE100", "CORE101", "CORE102", "CORE103", "NVQ100"])
def test_explain_a_group_says_what_it_gathers(group_id: str) -> None:
    from partnership_rules import find_group, load_rulesets

    group = find_group(group_id).group
    rules = {r.rule.id: r.rule for rs in load_rulesets() for r in rs.rules}
    result = run("explain", group_id.lower())
    assert result.exit_code == 0, result.stderr
    text = result.output
    assert text.startswith(f"{group.id} {group.name}: {group.title}\n")
    for heading in ("What it gathers", "Parts", "Severity", "Why it matters", "What to do"):
        assert f"\n{heading}\n" in text
    for part in group.parts:  # each part by id and title
        assert f"{part.rule} (" in text and rules[part.rule].title in text
    sources = text.split("Sources (cited by its parts)\n", 1)[1]
    cited = {str(ref) for part in group.parts for ref in rules[part.rule].references}
    assert cited and all(source in sources for source in cited)


def test_explain_a_group_names_its_escalation_and_thresholds() -> None:
    power = run("explain", "power-held-by-one-partner").output
    assert "Raised to high when at least 3 parts fire" in power
    ratios = run("explain", "NVQ100").output
    assert "`max_candidates_per_assessor`" in ratios
    assert "(its parts range from medium to high)" in ratios


@pytest.mark.parametrize("command", ["audit", "rules", "explain", "coverage", "engines"])
def test_every_command_has_help(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output
    assert len(cli.commands[command].help or "") > 20


def test_real_subprocess_via_python_m() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "partnership_rules", "audit", str(UNHEALTHY), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 1, completed.stderr
    assert json.loads(completed.stdout)["partnership"]["id"] == "barking-rooff"
    assert completed.stderr == ""


@pytest.mark.parametrize(
    "stage",
    [
        "partnership_rules._batch.BatchOptions.auditor",
        "partnership_rules._batch_output.BatchWriter.close",
    ],
)
def test_ctrl_c_at_any_stage_exits_130_without_output(
    stage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(stage, interrupt)
    out = tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["audit", str(UNHEALTHY), "--output", str(out)])
    assert result.exit_code == 130
    assert result.stderr == "partnership-rules: interrupted; no report written\n"
    assert not out.exists()


def test_the_command_line_loads_the_auditing_stack_only_when_a_command_needs_it() -> None:
    code = (
        "import sys, partnership_rules.cli.main; "
        "print(sorted(m for m in ('networkx', 'durable', 'sqlite3', 'pydantic', 'partnership_rules.facts')"
        " if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT.parent
    ).stdout
    assert loaded == "[]\n"


@pytest.mark.parametrize(
    ("interruption", "code"), [(KeyboardInterrupt(), 130), (Stopped(signal.SIGTERM), 143)]
)
def test_an_interruption_inside_a_report_serializer_stops_the_command(
    interruption: BaseException, code: int
) -> None:
    # pydantic hands an exception raised in a serializer function on as the cause of a
    # PydanticSerializationError; the command still ends as interrupted, without a traceback.
    class Interrupted(BaseModel):
        @model_serializer(mode="wrap")
        def _interrupt(self, handler: SerializerFunctionWrapHandler) -> Any:
            raise interruption

    @click.command()
    @command
    def dump() -> None:
        Interrupted().model_dump(mode="json")

    result = CliRunner().invoke(dump, [])
    assert result.exit_code == code
    assert "Traceback" not in result.output
