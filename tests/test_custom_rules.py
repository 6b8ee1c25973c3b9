"""Rules of one's own: checked with 'rules check', added to an audit with --ruleset, listed,
explained and selected like shipped rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from partnership_rules.cli.main import cli

from partnership_rules import Auditor, RulesetError

ROOT = Path(__file__).parent.parent
RECORD = ROOT / "examples" / "barking-rooff.yaml"

OWN_RULES = """\
ruleset: my-checks
title: Our own checks
rules:
  - id: OWN001
    name: own-partner-without-sponsor
    title: Partner names no senior sponsor
    severity: low
    category: unclear-roles
    applies_to: partner
    when: {field: has_senior_sponsor, equals: false}
    message: "Partner '{id}' names no contact."
    rationale: Without a named person nobody knows whom to call.
    remedy: Name a contact for each partner.
    references: [{source: qca-partnership-guide}]
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def rule_file(tmp_path: Path) -> Path:
    path = tmp_path / "my-checks.yaml"
    path.write_text(OWN_RULES, encoding="utf-8")
    return path


def test_rules_check_accepts_a_valid_file(rule_file: Path) -> None:
    result = run("rules", "check", str(rule_file))
    assert result.exit_code == 0, result.stderr
    assert "1 rule(s): no problems" in result.output


def test_rules_check_reports_every_problem_with_file_line_rule_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    second = OWN_RULES.split("rules:\n")[1].replace("OWN001", "OWN002").replace("-sponsor", "-x")
    text = OWN_RULES.replace("severity: low", "severity: dire") + second.replace(
        "has_senior_sponsor", "has_senior_sponsr"
    )
    bad.write_text(text, encoding="utf-8")
    result = run("rules", "check", str(bad))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"partnership-rules: {bad}:7: rules[0] (OWN001).severity: Input should be 'critical',"
        " 'high', 'medium', 'low' or 'info'",
        f"partnership-rules: {bad}:21: rules[1] (OWN002).when.field: 'has_senior_sponsr' is not"
        " a field of partner facts",
        "partnership-rules: 2 problem(s) in 1 rule file(s)",
    ]


def test_rules_check_names_both_files_of_a_clash_with_a_shipped_rule(tmp_path: Path) -> None:
    clash = tmp_path / "clash.yaml"
    clash.write_text(OWN_RULES.replace("OWN001", "CORE001"), encoding="utf-8")
    result = run("rules", "check", str(clash))
    assert result.exit_code == 2
    core = (ROOT / "rulesets" / "core.yaml").read_text(encoding="utf-8").splitlines()
    shipped_line = core.index("  - id: CORE001") + 1
    own_line = clash.read_text(encoding="utf-8").splitlines().index("  - id: CORE001") + 1
    assert (
        f"'CORE001' is defined in both shipped ruleset core (core.yaml, line {shipped_line})"
        f" and {clash}, line {own_line}"
    ) in result.stderr


def test_rules_check_checks_a_shipped_ruleset_in_its_own_place(tmp_path: Path) -> None:
    # The checkout's own rule files, and an edited copy of one, are new versions of a shipped
    # ruleset, not a second copy beside it.
    shipped = run("rules", "check", str(ROOT / "rulesets"))
    assert shipped.exit_code == 0, shipped.stderr
    assert shipped.stderr == ""
    copy = tmp_path / "nvq.yaml"
    copy.write_text((ROOT / "rulesets" / "nvq.yaml").read_text(encoding="utf-8"), "utf-8")
    edited = run("rules", "check", str(copy))
    assert edited.exit_code == 0, edited.stderr


def test_ruleset_file_adds_rules_to_the_default_selection(rule_file: Path) -> None:
    report = Auditor(extra_rulesets=[rule_file], engine="python").audit(RECORD)
    assert "my-checks" in report.rulesets and "core" in report.rulesets
    plain = Auditor(engine="python").audit(RECORD)
    assert set(report.rulesets) - set(plain.rulesets) == {"my-checks"}


def test_a_directory_of_rule_files_is_loaded(rule_file: Path) -> None:
    auditor = Auditor(extra_rulesets=[rule_file.parent], engine="python")
    assert "OWN001" in [r.id for r in auditor.rules]


def test_rules_lists_and_explain_explains_a_custom_rule(rule_file: Path) -> None:
    listing = run("rules", "--ruleset", str(rule_file))
    assert f"my-checks: Our own checks (1 rules; from {rule_file})" in listing.output
    assert "core: " in listing.output and "shipped ruleset core" in listing.output
    explained = run("explain", "OWN001", "--ruleset", str(rule_file))
    assert explained.exit_code == 0
    assert explained.output.startswith(
        "OWN001 own-partner-without-sponsor: Partner names no senior sponsor"
    )


def test_audit_with_ruleset_and_select_runs_the_custom_rule(rule_file: Path) -> None:
    result = run("audit", str(RECORD), "--ruleset", str(rule_file), "--select", "OWN001")
    assert result.exit_code in (0, 1)
    assert "my-checks" in result.output


def test_selecting_a_rule_that_cannot_run_says_why() -> None:
    result = run("audit", str(RECORD), "--select", "CHS001")
    assert result.exit_code == 0
    assert (
        "CHS001 did not run: its ruleset 'childrens-services' applies only to records whose"
        " partnership.contexts include 'childrens-services'" in result.stderr
    )


def test_clash_error_from_the_library_names_both_files(tmp_path: Path) -> None:
    clash = tmp_path / "clash.yaml"
    clash.write_text(OWN_RULES.replace("own-partner-without-sponsor", "objective-without-target"))
    with pytest.raises(RulesetError, match="shipped ruleset core"):
        Auditor(extra_rulesets=[clash], engine="python")


def _readme_rule_file() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("```yaml\nruleset: my-checks") + len("```yaml\n")
    return text[start : text.index("```", start)]


def test_the_readme_rule_file_passes_rules_check_and_runs_in_an_audit(tmp_path: Path) -> None:
    path = tmp_path / "my-checks.yaml"
    path.write_text(_readme_rule_file(), encoding="utf-8")
    checked = run("rules", "check", str(path))
    assert checked.exit_code == 0, checked.stderr
    audited = run("audit", str(RECORD), "--ruleset", str(path), "--format", "json")
    assert audited.exit_code in (0, 1), audited.stderr
    assert "my-checks" in audited.output


def test_the_readme_rule_file_passes_rules_test(tmp_path: Path) -> None:
    path = tmp_path / "my-checks.yaml"
    path.write_text(_readme_rule_file(), encoding="utf-8")
    result = run("rules", "test", str(path))
    assert result.exit_code == 0, result.stderr
    assert "1 rule file(s), 4 example(s): all pass" in result.output


def test_rules_test_reports_each_failing_case_with_rule_and_case(tmp_path: Path) -> None:
    path = tmp_path / "my-checks.yaml"
    path.write_text(
        OWN_RULES
        + "    examples:\n"
        + "      fire:\n"
        + "        - {about: sponsor named, partners: [{id: a, name: A, senior_sponsor: Principal}]}\n"
        + "      quiet:\n"
        + "        - {about: no sponsor, partners: [{id: a, name: A}]}\n"
        + "        - {about: not a record, colour: blue}\n",
        encoding="utf-8",
    )
    result = run("rules", "test", str(path))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"partnership-rules: {path}: OWN001 fire[0] (sponsor named): did not fire"
    assert lines[1] == (
        f"partnership-rules: {path}: OWN001 quiet[0] (no sponsor): fired on partner:a"
    )
    assert lines[2].startswith(
        f"partnership-rules: {path}: OWN001 quiet[1] (not a record): the merged record is not valid"
    )
    assert lines[3] == "partnership-rules: 3 of 3 example(s) failed"


def test_the_merge_of_a_fragment() -> None:
    from partnership_rules import merge_fragment

    base = {"a": {"b": 1, "c": [1, 2]}, "d": "x"}
    merged = merge_fragment(base, {"a": {"c": [3], "e": True}, "d": None, "f": 2})
    assert merged == {"a": {"b": 1, "c": [3], "e": True}, "f": 2}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": "x"}


def test_rules_test_passes_on_every_shipped_ruleset() -> None:
    result = run("rules", "test", str(ROOT / "rulesets"))
    assert result.exit_code == 0, result.stderr
    assert result.output.startswith(f"{len(list((ROOT / 'rulesets').glob('*.yaml')))} rule file(s)")


def test_rule_docs_show_the_first_firing_and_quiet_example(tmp_path: Path) -> None:
    from partnership_rules import load_ruleset, rules_markdown

    path = tmp_path / "my-checks.yaml"
    path.write_text(_readme_rule_file(), encoding="utf-8")
    text = rules_markdown([load_ruleset(path)])
    own = text.split("### OWN001", 1)[1].split("### OWN002", 1)[0]
    assert "#### Example\n\na target without a baseline:\n\n```yaml\nobjectives:" in own
    assert "#### Use instead\n\nboth a target and a baseline:\n\n```yaml\nobjectives:" in own
    assert own.index("#### Example") < own.index("#### Use instead") < own.index("#### References")
