"""Rulesets published by installed packages (entry point group partnership_rules.rulesets):
the example package in docs/, made visible to importlib.metadata without installing it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from partnership_rules.cli.main import cli

from partnership_rules import Auditor, load_rulesets
from partnership_rules._rule_loader import ENTRY_POINT_GROUP, published_rule_files

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "docs" / "example-ruleset-package"
RECORD = ROOT / "examples" / "barking-rooff.yaml"


@pytest.fixture
def published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example package importable, and its distribution's metadata (name, version,
    entry point) where importlib.metadata looks: on sys.path."""
    info = tmp_path / "funder_checks-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: funder-checks\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nfunder = funder_checks\n")
    monkeypatch.syspath_prepend(str(PACKAGE))
    monkeypatch.syspath_prepend(str(tmp_path))
    return PACKAGE / "funder_checks" / "funder.yaml"


def test_published_rule_files_name_their_package_and_version(published: Path) -> None:
    files = published_rule_files()
    assert [Path(p).resolve() for p in files] == [published.resolve()]
    assert list(files.values())[0].startswith("package funder-checks 1.0 (")


def test_an_audit_runs_the_published_rules(published: Path) -> None:
    auditor = Auditor(engine="python")
    assert "FUND001" in [rule.id for rule in auditor.rules]
    assert "funder" in auditor.audit(RECORD).rulesets


def test_rules_shows_where_each_rule_comes_from(published: Path) -> None:
    result = CliRunner().invoke(cli, ["rules"], catch_exceptions=False)
    assert "core: " in result.output and "from shipped ruleset core (core.yaml)" in result.output
    assert "funder: A funder's reporting expectations (1 rules; from package funder-checks 1.0" in (
        result.output
    )


def test_nothing_is_published_without_the_package() -> None:
    assert all("funder" not in rs.name for rs in load_rulesets())
    assert not any("funder_checks" in path for path in published_rule_files())
