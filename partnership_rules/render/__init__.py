"""Render reports: text for a terminal, JSON, SARIF 2.1.0, Markdown, a self-contained HTML
page, and CSV of the action plan or the partner table; one module per output kind.

Every renderer takes a list of results (a :class:`Report`, or an :class:`ErrorReport` for an
input that could not be audited) and returns a string; nothing here prints. Untrusted text is
made safe for each kind by one function of :mod:`.escape`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._errors import UsageError
from .escape import terminal as safe_terminal_text

if TYPE_CHECKING:  # the report models load pydantic; importing the package need not
    from .._history import History, Trend
    from .common import Result

__all__ = ["FORMATS", "render", "render_batch", "safe_terminal_text"]

FORMATS = ("text", "json", "sarif", "markdown", "html", "csv", "csv-partners")
"""Output formats. ``csv`` is the action plan and ``csv-partners`` the partner table, for
spreadsheets; the others hold the whole report."""


def render(
    result: Result,
    fmt: str = "text",
    *,
    color: bool = False,
    width: int = 100,
    indent: int | None = None,
    history: History | Trend | None = None,
) -> str:
    """Render one report (JSON: one object).

    ``history`` (from :func:`partnership_rules.load_trend`, which reads only what is
    drawn, or :func:`partnership_rules.load_history`) is the report's partnership's audits
    over time: text, Markdown and HTML then show the health over time (HTML draws it), ending
    with this report. Other formats leave it out. A history of another
    partnership raises :class:`UsageError`.
    """
    return render_batch(
        [result],
        fmt,
        color=color,
        width=width,
        single=True,
        indent=indent,
        histories=() if history is None else (history,),
    )


def render_batch(
    results: Sequence[Result],
    fmt: str = "text",
    *,
    color: bool = False,
    width: int = 100,
    single: bool | None = None,
    indent: int | None = None,
    histories: Sequence[History | Trend] = (),
) -> str:
    """Render results in order.

    ``fmt`` is one of :data:`FORMATS`. JSON gives an array unless ``single`` (default: when
    there is one result); JSON and SARIF are compact unless ``indent`` is given. ``color``
    and ``width`` apply to text. ``histories``: partnerships' audits over time, each shown
    with the report of its partnership (text, Markdown, HTML; see :func:`render`). Raises
    :class:`UsageError` for an unknown format or a history that matches no report.
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}' (use one of: {', '.join(FORMATS)})")
    if histories:
        from .common import check_histories

        check_histories(results, histories)
    # Each output kind is imported when asked for: the CLI renders one kind per run.
    if fmt == "json":
        from .as_json import render_json

        return render_json(
            results, single=len(results) == 1 if single is None else single, indent=indent
        )
    if fmt == "sarif":
        from .as_sarif import render_sarif

        return render_sarif(results, indent=indent)
    if fmt == "markdown":
        from .as_markdown import render_markdown

        return render_markdown(results, histories)
    if fmt == "html":
        from .as_html import render_html

        return render_html(results, histories)
    if fmt == "csv":
        from .as_csv import render_plan_csv

        return render_plan_csv(results)
    if fmt == "csv-partners":
        from .as_csv import render_partners_csv

        return render_partners_csv(results)
    from .as_text import render_text

    return render_text(results, color=color, width=width, histories=histories)
