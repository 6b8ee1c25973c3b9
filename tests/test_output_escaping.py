"""Untrusted text cannot drive a terminal or inject markup, in any output format.

Every piece of text a record holds (names, statements, purposes, evidence, benefits), a file
name and an error message are filled with hostile text; each format's output is then checked
for what that text must not be able to do there. Each check also asserts that the hostile
text did reach the output, so that a check can never pass by printing nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from partnership_rules import (
    FORMATS,
    Auditor,
    ErrorReport,
    Report,
    render_batch,
    safe_terminal_text,
)
from partnership_rules._report import AuditError
from partnership_rules.render import escape

EXAMPLE = Path(__file__).parent.parent / "examples" / "community-learning-voice.yaml"

HOSTILE = (
    " MARK<script>alert(1)</script><img src=x onerror=alert(2)>"
    " [click](javascript:alert(3)) <javascript:alert(4)> ![i](http://evil.example/x.png)"
    " \x1b[31mRED\x1b[0m \x1b]8;;http://evil.example\x07link\x1b]8;;\x07 \x9b2J \x1b]0;title\x1b\\"
    " \u202eexe.txt \u2066iso\u2069 \r\nfake line\n# heading\n- item\n1. item\n> quote"
    " www.evil.example http://evil.example/a a@evil.example &lt;b&gt; `code` | pipe |"
    " *em* _em_ ~~del~~ $x$ {: .cls} \x00nul \x7fdel \x85nel \u2028ls"
)
# Everything a terminal could act on: C0 except newline, DEL, C1, bidi controls, separators.
TERMINAL_UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
SGR = re.compile("\x1b\\[[0-9;]*m")
TEXT_FIELDS = {
    "name",
    "statement",
    "purpose",
    "exit_strategy",
    "senior_sponsor",
    "action",
    "description",
    "evidence",
    "source",
    "method",
    "lawful_basis",
}


def _poison(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: (v + HOSTILE if k in TEXT_FIELDS and isinstance(v, str) else _poison(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_poison(v) for v in node]
    return node


@pytest.fixture(scope="module")
def results() -> list[Report | ErrorReport]:
    data = _poison(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
    data["partners"][0]["benefits"] = [HOSTILE]
    report = Auditor(engine="python").audit(data)
    assert report.findings and any("MARK" in f.message for f in report.findings)
    report = report.model_copy(update={"source": f"records/bad{HOSTILE}\udcff.yaml"})
    failed = ErrorReport(
        source=f"records/evil{HOSTILE}.yaml",
        error=AuditError(message=f"bad value{HOSTILE}", line=3, problems=[f"problem{HOSTILE}"]),
    )
    return [report, failed]


def test_text_output_has_no_control_characters(results: list[Report | ErrorReport]) -> None:
    plain = render_batch(results, "text")
    assert "MARK" in plain and "RED" in plain
    assert not TERMINAL_UNSAFE.search(plain)
    assert "\x1b" not in plain and "\\x1b[31mRED" in plain  # visible, inert
    coloured = render_batch(results, "text", color=True)
    assert "\x1b[" in coloured  # the renderer's own colours...
    assert not TERMINAL_UNSAFE.search(SGR.sub("", coloured))  # ...and nothing else
    assert "\\x0d" in plain  # a carriage return cannot overwrite the line


def test_error_messages_for_the_terminal() -> None:
    message = safe_terminal_text(f"records/a{HOSTILE}\udcff.yaml: bad", multiline=True)
    assert not TERMINAL_UNSAFE.search(message)
    assert "\\xff.yaml" in message  # an undecodable file-name byte, shown as a byte
    message.encode("utf-8")  # no lone surrogate left to crash the writer
    assert "\n" not in safe_terminal_text("two\nlines")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _tags(page: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


MARKDOWN_TAGS = {
    "h1",
    "h2",
    "h3",
    "h4",
    "ol",
    "p",
    "strong",
    "em",
    "ul",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "br",
}


def test_markdown_output_makes_no_markup_from_record_text(
    results: list[Report | ErrorReport],
) -> None:
    text = render_batch(results, "markdown")
    assert "MARK" in text and not TERMINAL_UNSAFE.search(text)
    page = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    tags = _tags(page)
    assert {tag for tag, _ in tags} <= MARKDOWN_TAGS
    assert all(not attrs or tag in ("th", "td") for tag, attrs in tags)
    assert "<script" not in page and "javascript:alert" in page  # shown as text, inert
    # GitHub's Markdown links bare addresses by itself: none may be left unescaped.
    assert not re.search(r"(?i)(?<!\\)://|\bwww\.|(?<!\\)@", text)


def test_markdown_escape_is_literal_for_every_character() -> None:
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    for char in map(chr, range(0x21, 0x7F)):
        for text in (char, f"a{char}b", f"{char}{char}x{char}", f"1{char} x", f"{char}[a](b)"):
            page = md.render(escape.markdown(text))
            assert page == f"<p>{escapeHtml(text)}</p>\n", text


def test_html_output_makes_no_markup_from_record_text(
    results: list[Report | ErrorReport],
) -> None:
    page = render_batch(results, "html")
    assert "MARK&lt;script&gt;" in page and not TERMINAL_UNSAFE.search(page)
    tags = _tags(page)
    assert not {tag for tag, _ in tags} & {"script", "img", "a", "iframe", "link", "object"}
    # No attribute that loads or links anything: record text can only be text.
    loading = {"href", "src", "xlink:href", "action", "formaction", "srcset", "background"}
    assert not any(name in loading for _, attrs in tags for name, _ in attrs)
    assert not any(name.startswith("on") for _, attrs in tags for name, _ in attrs)


def test_sarif_uris_are_percent_encoded_and_text_is_inert(
    results: list[Report | ErrorReport],
) -> None:
    text = render_batch(results, "sarif")
    assert not TERMINAL_UNSAFE.search(text)
    log = json.loads(text)
    run = log["runs"][0]
    uris = [a["location"]["uri"] for a in run["artifacts"]]
    assert len(uris) == 2
    for uri in uris:
        assert re.fullmatch(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", uri), uri
    assert uris[0].endswith("%FF.yaml")
    messages = [r["message"]["text"] for r in run["results"]]
    assert any("MARK" in m for m in messages)
    assert not any(TERMINAL_UNSAFE.search(m) for m in messages)


def test_json_output_is_lossless_and_inert(results: list[Report | ErrorReport]) -> None:
    text = render_batch(results, "json")
    assert not TERMINAL_UNSAFE.search(text)
    parsed = json.loads(text)
    assert parsed[0]["partnership"]["name"].endswith(HOSTILE)  # the data itself is unchanged
    assert parsed[1]["error"]["message"] == f"bad value{HOSTILE}"


@pytest.mark.parametrize("fmt", ["csv", "csv-partners"])
def test_csv_cells_cannot_start_a_formula(results: list[Report | ErrorReport], fmt: str) -> None:
    text = render_batch(results, fmt)
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows[1:] for cell in row]
    assert any("MARK" in cell for cell in cells)
    assert not any(TERMINAL_UNSAFE.search(cell) for cell in cells)
    assert not any(cell.startswith(("=", "+", "-", "@", "|", "%")) for cell in cells)
    assert (
        escape.csv_cell('=HYPERLINK("http://evil.example")')
        == '\'=HYPERLINK("http://evil.example")'
    )


def test_every_format_is_checked() -> None:
    checked = {"text", "json", "sarif", "markdown", "html", "csv", "csv-partners"}
    assert set(FORMATS) == checked


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("records/a b#c?.yaml", "records/a%20b%23c%3F.yaml"),
        ("c:evil.yaml", "c%3Aevil.yaml"),
        ("/srv/records/x.yaml", "file:///srv/records/x.yaml"),
        ("caf\u00e9.yaml", "caf%C3%A9.yaml"),
    ],
)
def test_sarif_uri(path: str, uri: str) -> None:
    assert escape.sarif_uri(path) == uri
