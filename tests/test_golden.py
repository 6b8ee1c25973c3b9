"""Golden files: the text, Markdown and JSON renderings of shipped examples, byte for byte.

Data-driven (black-style): every file in ``tests/golden/`` is one case, named
``<example>.<format>`` for ``examples/<example>.yaml``; a new case is a new file. After an
intended change to rules or renderers, rewrite them and review the diff:

    python -m pytest tests/test_golden.py --update-golden
    git diff tests/golden/
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from partnership_rules import Auditor, Report, render

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "golden"
# File suffix -> format. Text is 100 columns wide; JSON is indented so that a diff reads.
FORMATS = {".txt": "text", ".md": "markdown", ".json": "json"}
CASES = sorted(p for p in GOLDEN.iterdir() if p.suffix in FORMATS)


@cache
def _report(example: str) -> Report:
    path = ROOT / "examples" / f"{example}.yaml"
    report = Auditor(engine="python").audit(path)
    # The source as a user in the checkout would type it, not this machine's absolute path.
    return report.model_copy(update={"source": f"examples/{example}.yaml"})


def test_there_are_cases_for_two_examples_in_every_format() -> None:
    examples = {p.stem for p in CASES}
    assert len(examples) >= 2
    for example in examples:
        assert {p.suffix for p in CASES if p.stem == example} == set(FORMATS)


@pytest.mark.parametrize("golden", CASES, ids=[p.name for p in CASES])
def test_rendering_matches_golden_file(golden: Path, request: pytest.FixtureRequest) -> None:
    rendered = render(_report(golden.stem), FORMATS[golden.suffix], width=100, indent=2)
    if request.config.getoption("--update-golden"):
        golden.write_text(rendered, encoding="utf-8", newline="")
    expected = golden.read_text(encoding="utf-8")
    assert rendered == expected, (
        f"{golden.name} differs from the rendering; if the change is intended, run"
        " `python -m pytest tests/test_golden.py --update-golden` and review `git diff tests/golden`"
    )


@pytest.mark.parametrize("golden", [p for p in CASES if p.suffix == ".json"], ids=lambda p: p.name)
def test_compact_json_is_the_same_report(golden: Path) -> None:
    compact = render(_report(golden.stem), "json")
    assert "\n" not in compact.rstrip("\n")
    assert json.loads(compact) == json.loads(golden.read_text(encoding="utf-8"))
