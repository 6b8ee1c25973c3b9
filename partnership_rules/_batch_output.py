"""Write a batch's output as its items arrive: each report is rendered where it was audited
(:func:`render_piece`), and :class:`BatchWriter` joins the pieces into what
:func:`partnership_rules.render_batch` gives for the whole list, without holding the list.

JSON is written as an array with one report per line (one object for a single file); JSON
Lines (``jsonl``) one compact report per line; text, Markdown and HTML report by report;
SARIF gathers its results in a temporary file, since the rule descriptors that come first
in the log are known only at the end. :class:`BatchSummary` counts what a batch found.
"""

from __future__ import annotations

import heapq
import json
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from ._errors import UsageError
from ._vocabulary import SEVERITIES
from .render import FORMATS

if TYPE_CHECKING:  # each format's module is imported when that format is used
    from ._batch import BatchItem
    from ._history import History, Trend
    from ._output import TextSink
    from ._report import ErrorReport, Report
    from .render.as_sarif import SarifPart

__all__ = ["BATCH_FORMATS", "BatchSummary", "BatchWriter", "render_piece"]

# Every report format, and JSON Lines for batches: one compact report per line.
BATCH_FORMATS = (*FORMATS, "jsonl")


def render_piece(
    result: Report | ErrorReport,
    fmt: str,
    *,
    color: bool = False,
    width: int = 100,
    history: History | Trend | None = None,
) -> Any:
    """``result`` rendered as its part of a batch in format ``fmt`` (picklable); with the
    ``history`` of its partnership as :func:`partnership_rules.render` shows it."""
    if fmt in ("json", "jsonl"):
        from .render.as_json import dump_json

        return dump_json(result.to_dict())  # compact, one line
    if fmt == "sarif":
        from .render.as_sarif import sarif_part

        return sarif_part(result)
    if fmt == "html":
        from .render.as_html import html_fragment

        return html_fragment(result, history)
    if fmt in ("csv", "csv-partners"):
        from .render.as_csv import csv_rows

        return csv_rows([result], fmt)  # the writer writes the header once
    if fmt in FORMATS:
        from .render import render

        return render(result, fmt, color=color, width=width, history=history)
    raise UsageError(f"unknown format '{fmt}' (use one of: {', '.join(BATCH_FORMATS)})")


class BatchWriter:
    """Writes pieces from :func:`render_piece` to ``out`` as they come, in the order given.

    ``single``: the batch is one file named on its own, so JSON is one object, not an array.
    Call :meth:`close` at the end (it writes what closes the document; it does not close
    ``out``).
    """

    def __init__(self, fmt: str, out: TextSink, *, single: bool = False) -> None:
        if fmt not in BATCH_FORMATS:
            raise UsageError(f"unknown format '{fmt}' (use one of: {', '.join(BATCH_FORMATS)})")
        self.fmt = fmt
        self.out = out
        self.single = single and fmt == "json"
        self.count = 0
        self._spool: IO[str] | None = None
        self._rules: dict[str, dict[str, Any]] = {}
        self._artifacts: dict[str, None] = {}
        self._notifications: list[dict[str, Any]] = []
        if fmt == "html":
            from .render.as_html import html_page_start

            out.write(html_page_start())
        elif fmt in ("csv", "csv-partners"):
            from .render.as_csv import csv_header

            out.write(csv_header(fmt))
        elif fmt == "sarif":
            # Closed in close(), or with the writer when the batch stops early.
            self._spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115

    def write(self, piece: Any) -> None:
        """Write the next piece."""
        first = self.count == 0
        self.count += 1
        if self.fmt == "json" and not self.single:
            self.out.write(("[\n" if first else ",\n") + piece.rstrip("\n"))
        elif self.fmt == "sarif":
            self._gather(piece)
        elif self.fmt in ("text", "markdown", "html"):
            # Text and Markdown reports are separated by a blank line, HTML ones by a newline.
            self.out.write(piece if first else "\n" + piece)
        else:  # one JSON object, one JSON line, or CSV rows
            self.out.write(piece)

    def _gather(self, part: SarifPart) -> None:
        assert self._spool is not None
        self._artifacts.setdefault(part.uri)
        for rule_id, rule in part.rules.items():
            self._rules.setdefault(rule_id, rule)
        self._notifications += part.notifications
        for result in part.results:
            self._spool.write(json.dumps(result, ensure_ascii=False) + "\n")

    def close(self) -> None:
        """Write what ends the document."""
        if self.fmt == "json" and not self.single:
            self.out.write("[]\n" if not self.count else "\n]\n")
        elif self.fmt == "html":
            from .render.as_html import HTML_PAGE_END

            self.out.write(HTML_PAGE_END)
        elif self.fmt == "sarif" and self._spool is not None:
            from .render.as_sarif import write_sarif

            self._spool.seek(0)
            lines = (line.rstrip("\n") for line in self._spool)
            write_sarif(self.out, self._rules, self._artifacts, lines, self._notifications)
            self._spool.close()
            self._spool = None
        elif self.fmt in ("text", "markdown") and not self.count:
            self.out.write("\n")


@dataclass
class BatchSummary:
    """What a batch found: files, errors, findings by severity and category, and the
    partnerships with the most severe findings (at most ``keep_worst``)."""

    keep_worst: int = 10
    files: int = 0
    errors: int = 0
    severities: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)
    # Files whose most severe finding is of each severity (for the exit code).
    worst_counts: Counter[str] = field(default_factory=Counter)
    # Accepted risks (waived findings): shown, never counted toward the exit code.
    waived: int = 0
    _worst: list[tuple[tuple[int, ...], int, str, str]] = field(default_factory=list)

    def add(self, item: BatchItem) -> None:
        """Count one item."""
        self.files += 1
        if item.failed:
            self.errors += 1
            return
        self.severities.update(item.summary)
        self.categories.update(item.categories)
        self.waived += item.waived
        if item.worst is None:
            return
        self.worst_counts[item.worst] += 1
        # Worst first: most critical findings, then most high ones, and so on.
        key = tuple(item.summary.get(s, 0) for s in SEVERITIES)
        entry = (key, -item.index, item.partnership or "", item.source)
        if len(self._worst) < self.keep_worst:
            heapq.heappush(self._worst, entry)
        else:
            heapq.heappushpop(self._worst, entry)

    def fails(self, fail_on: str) -> bool:
        """True when a report has a finding at or above ``fail_on``."""
        limit = SEVERITIES.index(fail_on)
        return any(self.worst_counts[s] for s in SEVERITIES[: limit + 1])

    def worst(self) -> list[tuple[str, str, dict[str, int]]]:
        """The partnerships with the most severe findings: (id, source, counts), worst first."""
        ranked = sorted(self._worst, reverse=True)
        return [
            (pid, source, dict(zip(SEVERITIES, key, strict=True))) for key, _, pid, source in ranked
        ]

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-able data."""
        return {
            "files": self.files,
            "audited": self.files - self.errors,
            "errors": self.errors,
            "findings": {s: self.severities.get(s, 0) for s in SEVERITIES},
            "waived": self.waived,
            "categories": dict(sorted(self.categories.items(), key=lambda kv: (-kv[1], kv[0]))),
            "worst": [
                {"partnership": pid, "source": source, "findings": counts}
                for pid, source, counts in self.worst()
            ],
        }

    def render_text(self) -> str:
        """The summary as lines of text."""
        data = self.to_dict()
        found = ", ".join(f"{n} {s}" for s, n in data["findings"].items() if n) or "none"
        lines = [
            f"Batch summary: {data['files']} files, {data['audited']} audited,"
            f" {data['errors']} could not be audited",
            f"Findings: {found}",
        ]
        if self.waived:
            lines.append(f"Accepted risks (waived, not counted): {self.waived}")
        if data["categories"]:
            lines.append("By category:")
            lines += [f"  {name:<20} {n}" for name, n in data["categories"].items()]
        if data["worst"]:
            lines.append("Worst partnerships:")
            for entry in data["worst"]:
                counts = ", ".join(f"{n} {s}" for s, n in entry["findings"].items() if n)
                lines.append(f"  {entry['partnership']} ({entry['source']}): {counts}")
        return "\n".join(lines) + "\n"


def write_all(
    items: Sequence[Report | ErrorReport], fmt: str, out: TextSink, *, single: bool = False
) -> None:
    """Write whole results through a :class:`BatchWriter` (as a batch would)."""
    writer = BatchWriter(fmt, out, single=single)
    for result in items:
        writer.write(render_piece(result, fmt))
    writer.close()
