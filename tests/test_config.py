"""Project configuration: found by walking up, named with --config, ignored with
--no-config; it adds rulesets, sets --fail-on, select/ignore, severities and thresholds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from partnership_rules.cli.main import cli

from partnership_rules import Auditor, ConfigError, ProjectConfig, find_config, load_config

ROOT = Path(__file__).parent.parent
RECORD = ROOT / "examples" / "barking-rooff.yaml"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_found_by_walking_up_and_pyproject_table(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) is None or not str(find_config(deep)).startswith(str(tmp_path))
    (tmp_path / "pyproject.toml").write_text('[tool.partnership-rules]\nfail-on = "low"\n')
    assert find_config(deep) == (tmp_path / "pyproject.toml").resolve()
    assert load_config(tmp_path / "pyproject.toml").fail_on == "low"
    (tmp_path / "a" / "partnership-rules.toml").write_text('fail-on = "medium"\n')
    assert find_config(deep) == (tmp_path / "a" / "partnership-rules.toml").resolve()


def test_a_pyproject_without_the_table_is_passed_by(tmp_path: Path) -> None:
    (tmp_path / "partnership-rules.toml").write_text('fail-on = "info"\n')
    inner = tmp_path / "pkg"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_config(inner) == (tmp_path / "partnership-rules.toml").resolve()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("colour = 1\n", "colour: unknown key"),
        ('fail-on = "dire"\n', "fail-on: Input should be"),
        ('severity = { CORE001 = "dire" }\n', "severity.CORE001: Input should be"),
        ('thresholds = { x = "many" }\n', "thresholds.x: Input should be a valid number"),
        ("rulesets = [\n", "invalid TOML"),
    ],
)
def test_invalid_configuration_names_the_key(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "partnership-rules.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=problem):
        load_config(path)
    result = run("audit", str(RECORD), "--config", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"partnership-rules: {path}")
    assert problem in result.stderr


def test_pyproject_errors_name_the_full_key(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.partnership-rules]\ncolour = 1\n")
    with pytest.raises(ConfigError, match=r"tool\.partnership-rules\.colour: unknown key"):
        load_config(path)


def test_configuration_lowers_a_severity_and_changes_a_threshold(tmp_path: Path) -> None:
    plain = Auditor(engine="python").audit(RECORD)
    fired = {f.rule for f in plain.findings}
    high = next(f for f in plain.findings if f.severity == "high")
    path = tmp_path / "partnership-rules.toml"
    path.write_text(
        f'fail-on = "critical"\nseverity = {{ {high.rule} = "low" }}\n'
        "thresholds = { min_purpose_words = 200 }\n"
    )
    result = run("audit", str(RECORD), "--config", str(path), "--format", "json")
    assert result.exit_code == 0  # nothing critical
    report = json.loads(result.output)
    severities = {f["rule"]: f["severity"] for f in report["findings"]}
    assert severities[high.rule] == "low"
    # A purpose must now have 200 words: the purpose rule fires where it did not.
    assert {f["rule"] for f in report["findings"]} - fired == {"CORE008"}
    ignored = run("audit", str(RECORD), "--config", str(path), "--no-config", "--format", "json")
    assert ignored.exit_code == 1
    assert {f["rule"]: f["severity"] for f in json.loads(ignored.output)["findings"]}[
        high.rule
    ] == high.severity


def test_configuration_adds_rulesets_relative_to_itself(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    own = (ROOT / "tests" / "test_custom_rules.py").read_text(encoding="utf-8")
    text = own.split('OWN_RULES = """\\\n')[1].split('"""')[0]
    (rules / "mine.yaml").write_text(text)
    (tmp_path / "partnership-rules.toml").write_text('rulesets = ["rules"]\nselect = ["OWN001"]\n')
    config = load_config(tmp_path / "partnership-rules.toml")
    assert config.rulesets == [str(tmp_path / "rules")]
    listing = run("rules", "--config", str(tmp_path / "partnership-rules.toml"))
    assert "my-checks: Our own checks (1 rules;" in listing.output


def test_unknown_rule_in_severity_overrides_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "partnership-rules.toml"
    path.write_text('severity = { NOPE001 = "low" }\n')
    result = run("audit", str(RECORD), "--config", str(path))
    assert result.exit_code == 2
    assert "'NOPE001' is no rule id of the rulesets loaded" in result.stderr


def test_the_model_is_strict() -> None:
    assert ProjectConfig.model_validate({"fail-on": "low"}).fail_on == "low"
    with pytest.raises(ValueError, match="Extra inputs"):
        ProjectConfig.model_validate({"colour": 1})


def test_the_readme_configuration_works_as_written(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("```toml\n", readme.index("### Project configuration")) + 8
    (tmp_path / "partnership-rules.toml").write_text(readme[start : readme.index("```", start)])
    rules_start = readme.index("```yaml\nruleset: my-checks") + len("```yaml\n")
    (tmp_path / "my-checks.yaml").write_text(readme[rules_start : readme.index("```", rules_start)])
    config = load_config(tmp_path / "partnership-rules.toml")
    assert config.severity == {"CORE001": "low"}
    result = run("audit", str(RECORD), "--config", str(tmp_path / "partnership-rules.toml"))
    assert result.exit_code == 0, result.stderr  # nothing critical
    assert "my-checks" in result.output


def test_a_severity_set_by_configuration_says_so_and_claims_no_basis(tmp_path: Path) -> None:
    plain = Auditor(engine="python").audit(RECORD)
    high = next(f for f in plain.findings if f.severity == "high")
    path = tmp_path / "partnership-rules.toml"
    path.write_text(f'severity = {{ {high.rule} = "low" }}\n')
    result = run("audit", str(RECORD), "--config", str(path), "--format", "json")
    lowered = [f for f in json.loads(result.output)["findings"] if f["rule"] == high.rule]
    assert lowered and all(
        f["evidence"]["severity"] == "low, set by configuration (the rule file says high)"
        for f in lowered
    )
    auditor = Auditor(engine="python", severities={high.rule: "low"})
    (rule,) = [r for r in auditor.rules if r.id == high.rule]
    assert (rule.rule.severity, rule.rule.severity_basis, rule.rule_file_severity) == (
        "low",
        None,
        "high",
    )
    explained = run("explain", high.rule, "--config", str(path)).output
    assert "Severity: low, set by configuration (the rule file says high)" in explained
    assert (
        "set by configuration; the rule file says `high`"
        in run("rules", "--format", "markdown", "--config", str(path)).output
    )
    # Without the configuration, the rule file's severity and nothing about configuration.
    assert "severity" not in next(f for f in plain.findings if f.rule == high.rule).evidence


def test_diff_audits_records_within_the_configuration(tmp_path: Path) -> None:
    saved = tmp_path / "before.json"
    saved.write_text(run("audit", str(RECORD), "--no-config", "--format", "json").output)
    fired = {f["rule"] for f in json.loads(saved.read_text())["findings"]}
    ignored, raised = sorted(fired)[:2]
    path = tmp_path / "partnership-rules.toml"
    path.write_text(
        f'ignore = ["{ignored}"]\nseverity = {{ {raised} = "critical" }}\nfail-on = "critical"\n'
    )
    result = run("diff", str(saved), str(RECORD), "--config", str(path), "--format", "json")
    comparison = json.loads(result.output)
    assert {f["rule"] for f in comparison["resolved"]} == {ignored}
    assert {f["severity"] for f in comparison["unchanged"] if f["rule"] == raised} == {"critical"}
    assert result.exit_code == 0  # nothing new, whatever its severity
    plain = run("diff", str(saved), str(RECORD), "--no-config", "--format", "json")
    assert json.loads(plain.output)["resolved"] == []


def test_rules_check_finds_a_clash_with_the_configurations_rulesets(tmp_path: Path) -> None:
    own = (ROOT / "tests" / "test_custom_rules.py").read_text(encoding="utf-8")
    text = own.split('OWN_RULES = """\\\n')[1].split('"""')[0]
    (tmp_path / "mine.yaml").write_text(text)
    theirs = tmp_path / "theirs.yaml"
    theirs.write_text(text.replace("ruleset: my-checks", "ruleset: their-checks"))
    path = tmp_path / "partnership-rules.toml"
    path.write_text('rulesets = ["mine.yaml"]\n')
    # The configuration's own rule file is checked as itself, not against itself.
    assert run("rules", "check", str(tmp_path / "mine.yaml"), "--config", str(path)).exit_code == 0
    clash = run("rules", "check", str(theirs), "--config", str(path))
    assert clash.exit_code == 2
    assert "'OWN001' is defined in both" in clash.stderr
    assert f"{tmp_path / 'mine.yaml'}, line" in clash.stderr
    assert run("rules", "check", str(theirs), "--no-config").exit_code == 0


def test_the_readme_shows_what_the_configuration_changed_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shlex

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Project configuration") :]
    start = section.index("```toml\n") + len("```toml\n")
    (tmp_path / "partnership-rules.toml").write_text(section[start : section.index("```", start)])
    rules_start = readme.index("```yaml\nruleset: my-checks") + len("```yaml\n")
    (tmp_path / "my-checks.yaml").write_text(readme[rules_start : readme.index("```", rules_start)])
    shown = section.index("```sh\n") + len("```sh\n")
    lines = section[shown : section.index("```", shown)].splitlines()
    # Each command, followed by comment lines quoting what it prints ("..." cuts a line short).
    steps: list[tuple[str, list[str]]] = []
    for line in lines:
        if line.startswith("partnership-rules "):
            steps.append((line, []))
        else:
            steps[-1][1].append(line.removeprefix("#").strip().removesuffix("...").strip())
    assert [command for command, _ in steps] == [
        "partnership-rules explain CORE001",
        "partnership-rules explain CORE008",
    ]
    monkeypatch.chdir(tmp_path)  # the configuration is found by walking up from here
    for command, quoted in steps:
        result = run(*shlex.split(command)[1:])
        assert result.exit_code == 0, result.output
        printed = " ".join(result.output.split())
        for part in quoted:
            assert part in printed or part in result.output, (command, part)
