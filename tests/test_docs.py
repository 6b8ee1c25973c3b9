"""Generated documentation stays in step with the rules."""

from __future__ import annotations

from pathlib import Path

from partnership_rules import load_rulesets
from partnership_rules._ruledocs import describe_condition, rules_markdown
from partnership_rules._sources import load_sources, sources_markdown

ROOT = Path(__file__).parent.parent


def test_rules_doc_is_current() -> None:
    expected = rules_markdown(load_rulesets())
    actual = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert actual == expected, "run: partnership-rules rules --format markdown > docs/rules.md"


def test_conditions_read_as_words() -> None:
    condition = {
        "all": [
            {"field": "has_target", "equals": False},
            {"any": [{"field": "vague_term_count", "gt": 0}, {"field": "owner", "exists": False}]},
        ]
    }
    assert describe_condition(condition) == (
        "has_target is false and (vague_term_count > 0 or owner is not given)"
    )


def test_every_rule_is_documented() -> None:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for ruleset in load_rulesets():
        for rule in ruleset.rules:
            assert f"### {rule.id} {rule.rule.name}" in text


def test_sources_doc_is_current() -> None:
    expected = sources_markdown(load_rulesets())
    actual = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    assert actual == expected, "run: partnership-rules sources --output docs/sources.md"


def test_every_source_has_a_title_author_date_and_place() -> None:
    for source in load_sources().sources:
        assert source.title and source.short_title and source.author and source.year
        assert source.where or source.url
        assert f"### {source.title}" in (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")


def test_the_readme_record_shape_names_every_section() -> None:
    from partnership_rules import Record

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("```yaml\nformat: partnership-record/1\n") + len("```yaml\n")
    shape = readme[start : readme.index("```", start)]
    sections = {line.split(":", 1)[0] for line in shape.splitlines() if line[:1].isalpha()}
    assert sections == {field.alias or name for name, field in Record.model_fields.items()}
