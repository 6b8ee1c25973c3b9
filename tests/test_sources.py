"""Rules cite sources by catalogue key and section; every output shows the title and section."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from partnership_rules.cli.main import cli

from partnership_rules import FORMATS, RulesetError, audit, load_rulesets, render
from partnership_rules._rule_loader import load_ruleset
from partnership_rules._sources import load_sources, source_keys

ROOT = Path(__file__).parent.parent
# A seed-style file name ("003_f366afbae562b1d7.txt") or a bare source number ("seed 003").
FILE_NAME = re.compile(r"\b0\d\d_[0-9a-f]{16}\.txt\b|\bseed 00\d\b", re.IGNORECASE)

RULE_FILE = """
ruleset: own
title: Own checks
rules:
  - id: OWN001
    name: objective-without-baseline
    title: Objective has no baseline
    severity: medium
    category: absent-metrics
    applies_to: objective
    when: {{field: has_baseline, equals: false}}
    message: "Objective '{{id}}' has no baseline."
    rationale: Progress cannot be shown without a starting point.
    remedy: Record the starting value.
    references: [{reference}]
"""


def test_every_shipped_reference_names_a_catalogue_source_and_a_section() -> None:
    for ruleset in load_rulesets():
        for rule in ruleset.rules:
            for reference in rule.rule.references:
                assert reference.source in source_keys(), rule.id
                assert reference.section, rule.id
                assert reference.title == load_sources().get(reference.source).short_title  # type: ignore[union-attr]


def test_an_unknown_source_key_is_refused_naming_the_rule_and_the_field() -> None:
    text = RULE_FILE.format(reference="{source: 002_5ecd9d84c7b6d37d.txt, section: Stage 5}")
    with pytest.raises(RulesetError) as caught:
        load_ruleset("own.yaml", text=text)
    message = str(caught.value)
    assert message.startswith("own.yaml:15: rules[0] (OWN001).references[0].source: unknown source")
    assert "qca-partnership-guide" in message  # the keys it could have cited


def test_a_source_of_ones_own_is_cited_with_its_title() -> None:
    text = RULE_FILE.format(
        reference="{source: our-handbook, title: Our partnership handbook, section: Baselines}"
    )
    reference = load_ruleset("own.yaml", text=text).rules[0].rule.references[0]
    assert str(reference) == "Our partnership handbook — Baselines"


def test_a_rule_file_cannot_relabel_a_catalogue_source() -> None:
    text = RULE_FILE.format(
        reference="{source: qca-partnership-guide, title: Something else, section: Stage 5}"
    )
    reference = load_ruleset("own.yaml", text=text).rules[0].rule.references[0]
    assert str(reference) == "QCA, A Guide to Working in Partnership — Stage 5"


REPORT = audit(ROOT / "examples" / "nvq-consortium.yaml")


# The partner table (csv-partners) holds no finding's text, so no sources either.
@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "csv-partners"])
def test_every_output_format_shows_titles_and_sections_not_file_names(fmt: str) -> None:
    text = render(REPORT, fmt)
    if fmt == "html":
        text = html.unescape(text)
    if fmt == "markdown":
        text = re.sub(r"\\([^\w\s])", r"\1", text)  # Markdown escapes punctuation
    assert not FILE_NAME.search(text)
    for finding in REPORT.findings:
        for reference in finding.references:
            assert reference.title and reference.section
            if fmt == "json":
                continue  # structured: checked below
            # The text report wraps long lines; compare with whitespace folded.
            assert " ".join(str(reference).split()) in " ".join(text.split()), (fmt, reference)


def test_json_references_carry_key_title_and_section() -> None:
    data = json.loads(render(REPORT, "json"))
    for finding in data["findings"]:
        for reference in finding["references"]:
            assert reference["source"] in source_keys()
            assert reference["title"] == load_sources().get(reference["source"]).short_title  # type: ignore[union-attr]
            assert reference["section"]


def test_explain_shows_titles_and_sections() -> None:
    result = CliRunner().invoke(cli, ["explain", "CHS004"])
    assert result.exit_code == 0
    assert "UK GDPR — Article 6(1)(e) and Article 9(2)(g)" in result.output
    assert "Children Act 2004 — Sections 10 and 11" in result.output
    assert not FILE_NAME.search(result.output)


@pytest.mark.parametrize(
    "doc", ["rules.md", "coverage.md", "sources.md", "record-format.md", "severity.md"]
)
def test_docs_name_no_seed_file(doc: str) -> None:
    path = ROOT / "docs" / doc
    if path.exists():
        assert not FILE_NAME.search(path.read_text(encoding="utf-8"))


def test_the_project_names_no_seed_file_and_no_outside_design_note() -> None:
    shipped = [
        *ROOT.joinpath("rulesets").rglob("*.yaml"),
        *ROOT.joinpath("partnership_rules").rglob("*.py"),
        *ROOT.joinpath("partnership_rules").rglob("*.yaml"),
        *ROOT.joinpath("cli").rglob("*.py"),
        *ROOT.joinpath("examples").rglob("*.yaml"),
        ROOT / "README.md",
    ]
    for path in shipped:
        text = path.read_text(encoding="utf-8")
        assert not FILE_NAME.search(text), path
        assert "DESIGN.md" not in text and "../shared" not in text, path
