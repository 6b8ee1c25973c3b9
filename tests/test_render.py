"""Renderers: text wrapping, colour, and what every format shows of a report."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from partnership_rules import Auditor, render
from partnership_rules.render.as_text import wrap

EXAMPLES = Path(__file__).parent.parent / "examples"
WORDS = st.lists(st.text(alphabet="ab-,.'", min_size=1, max_size=30), max_size=40)
SPACES = st.sampled_from([" ", "  ", "\n", " \t "])


@given(
    WORDS,
    st.lists(SPACES, min_size=40, max_size=40),
    st.integers(20, 100),
    st.sampled_from([0, 2, 4]),
)
def test_wrap_fills_like_textwrap(
    words: list[str], gaps: list[str], width: int, indent: int
) -> None:
    text = "".join(w + g for w, g in zip(words, gaps[: len(words)], strict=True))
    expected = textwrap.fill(
        " ".join(words),
        width,
        initial_indent=" " * indent,
        subsequent_indent=" " * indent,
        break_on_hyphens=False,
    )
    # textwrap keeps a trailing space where it cuts an over-long word; nothing else differs.
    assert wrap(text, width, indent) == "\n".join(line.rstrip() for line in expected.split("\n"))


@given(st.text(max_size=300), st.integers(20, 100), st.sampled_from([0, 4]))
def test_wrapped_lines_fit_and_keep_every_character(text: str, width: int, indent: int) -> None:
    wrapped = wrap(text, width, indent)
    lines = wrapped.split("\n") if wrapped else []
    assert all(len(line) <= width for line in lines)
    assert "".join(wrapped.split()) == "".join(text.split())


def test_colour_only_where_asked() -> None:
    report = Auditor(engine="python").audit(EXAMPLES / "childrens-services-no-isa.yaml")
    plain = render(report, "text")
    coloured = render(report, "text", color=True)
    assert "\x1b" not in plain
    assert re.sub("\x1b\\[[0-9;]*m", "", coloured) == plain
    critical = sum(f.severity == "critical" for f in report.findings)
    assert f"\x1b[1;37;41mCritical ({critical})\x1b[0m" in coloured
