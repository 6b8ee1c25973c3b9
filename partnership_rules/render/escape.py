"""Untrusted text made safe for each kind of output: one function per kind owns the guarantee.

Everything a record says (names, statements, evidence, messages filled in from it), file
names met in a directory walk and error messages built from them are untrusted. Each output
kind has one function here that every renderer of that kind calls on such text:

=============  ==============================================================================
function       guarantee
=============  ==============================================================================
``terminal``   no control character reaches the terminal: C0 and C1 controls, DEL, bidi
               overrides and lone surrogates (undecodable file-name bytes) become visible
               escapes such as ``\\x1b``, so ANSI and OSC sequences are inert text
``markdown``   the above, plus every character Markdown could read as markup escaped: record
               text never makes raw HTML, a link, an autolink, an image or a heading
``html``       the above, plus HTML-escaped (``&``, ``<``, ``>``, quotes)
``csv_cell``   the above, plus a leading ``'`` on a cell a spreadsheet would run as a formula
``sarif_uri``  a file name as a percent-encoded URI reference
``json_text``  JSON text with controls, bidi overrides and lone surrogates written as
               ``\\uXXXX`` escapes (lossless: the parsed values are unchanged)
=============  ==============================================================================

Controls are escaped, not dropped, so that what was in the record stays visible and two
different names never print the same.
"""

from __future__ import annotations

import html as _html
import os
import re
from urllib.parse import quote

__all__ = ["csv_cell", "html", "json_text", "markdown", "sarif_uri", "terminal"]

# C0 controls (tab and newline handled by the caller's choice), DEL, C1 controls, the bidi
# embeddings, overrides and isolates and the line/paragraph separators (they reorder or break
# what a reader sees), and lone surrogates (a file name's undecodable bytes).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff]"
)
_UNSAFE_OR_BREAK = re.compile(_UNSAFE.pattern[:-1] + "\t\n]")


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in "\t\n":
        return " "
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for an undecodable byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal(text: str, *, multiline: bool = False) -> str:
    """``text`` safe to print on a terminal: every control character as a visible escape.

    Tabs and newlines become spaces, unless ``multiline`` keeps the newlines (for a
    message of several lines, each printed as one line)."""
    pattern = _UNSAFE if multiline else _UNSAFE_OR_BREAK
    if multiline:
        text = text.replace("\t", " ")
    return pattern.sub(_visible, text) if pattern.search(text) else text


# What CommonMark and GitHub's Markdown could read as markup anywhere in a line: escapes,
# emphasis, code, links and images, raw HTML and entities, tables, strikethrough, maths,
# attribute lists. Backslash-escaping ASCII punctuation is always literal in CommonMark.
_MARKDOWN_INLINE = re.compile(r"[\\`*_\[\]<>&|~$#{}@]")
# What could start a block at the beginning of a line: headings, quotes, lists, rules.
_MARKDOWN_LINE_START = re.compile(r"^(?:(?P<mark>[-+=>])|(?P<number>\d+)(?P<dot>[.)]))")
# Bare web addresses that GitHub's Markdown turns into links by itself (``@`` above stops
# bare e-mail addresses, "://" is escaped below).
_MARKDOWN_WWW = re.compile(r"(?i)\b(www)(?=\.)")


def markdown(text: str) -> str:
    """``text`` as literal Markdown inline text: one line (newlines become spaces), controls
    escaped as for a terminal, and markup characters backslash-escaped, so that record text
    never makes raw HTML, a link (``javascript:`` or any other), an image or a heading."""
    text = " ".join(terminal(text).split())
    if _MARKDOWN_INLINE.search(text):
        text = _MARKDOWN_INLINE.sub(r"\\\g<0>", text)
    if "://" in text:
        text = text.replace("://", "\\://")
    if "www." in text.lower():
        text = _MARKDOWN_WWW.sub(r"\1\\", text)
    if text[:1] in ("-", "+", "=", ">") or text[:1].isdigit():
        text = _MARKDOWN_LINE_START.sub(_escape_line_start, text)
    return text


def _escape_line_start(match: re.Match[str]) -> str:
    if match.group("mark"):
        return "\\" + match.group("mark")
    return match.group("number") + "\\" + match.group("dot")


def html(text: str) -> str:
    """``text`` as HTML text or attribute value: controls escaped, then HTML-escaped."""
    return _html.escape(terminal(text, multiline=True), quote=True)


# A cell a spreadsheet reads as a formula (and could run, or make a link of).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "|", "%")


def csv_cell(text: str) -> str:
    """``text`` for a CSV cell a spreadsheet opens: controls escaped, and a cell that would
    start a formula prefixed with ``'`` (the csv module quotes the cell itself)."""
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return terminal(text)


def sarif_uri(path: str) -> str:
    """A file name as a SARIF ``uri``: a relative URI reference, or a ``file://`` URI for
    an absolute path, percent-encoded (spaces, ``#``, ``?``, controls, undecodable bytes)."""
    raw = os.fsencode(path)
    if os.sep != "/":
        raw = raw.replace(os.sep.encode(), b"/")
    # ':' is encoded too: in a relative reference's first segment it would read as a scheme.
    encoded = quote(raw, safe="/-._~!$&'()*+,;=@")
    return "file://" + encoded if raw.startswith(b"/") else encoded


_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def json_text(text: str) -> str:
    """JSON text (from ``json.dumps``) with the characters a terminal or a JavaScript parser
    could misread written as ``\\uXXXX`` escapes. Lossless: they can occur only inside JSON
    strings, where the escape means the same character (``json.dumps`` escapes C0 itself)."""
    if not _JSON_UNSAFE.search(text):
        return text
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
