"""A report rendered with its partnership's history: health over time in text, Markdown and
HTML (an inline SVG chart), ``audit --history DB`` (with ``--save DB``, one process and a
batch of workers), and what stays as it was (other formats, reports without a history)."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from partnership_rules.cli.main import cli
from test_history import fixed_nvq

from partnership_rules import (
    Auditor,
    History,
    HistoryStore,
    Report,
    UsageError,
    load_history,
    render,
    render_batch,
)
from partnership_rules.render.common import TrendPoint, trend_points
from partnership_rules.render.trend_svg import _findings_axis

ROOT = Path(__file__).parent.parent
NVQ = ROOT / "examples" / "nvq-consortium.yaml"
BARKING = ROOT / "examples" / "barking-rooff.yaml"
AUDITOR = Auditor(engine="python")


def _saved_history(tmp_path: Path) -> tuple[History, Report]:
    """Two saved audits of the NVQ consortium (before and after fixing) and a third, later
    audit to render with them."""
    db = tmp_path / "history.db"
    before = AUDITOR.audit(NVQ)
    after = AUDITOR.audit(fixed_nvq(tmp_path))
    with HistoryStore(db) as store:
        store.save_many([before, after])
    return load_history(db, "nvq-consortium"), AUDITOR.audit(NVQ, as_of=dt.date(2005, 9, 30))


class _Trend(HTMLParser):
    """The trend section's drawn audits (``<g class="audit">``) and table rows."""

    def __init__(self) -> None:
        super().__init__()
        self.audits: list[dict[str, str | None]] = []
        self.in_trend = False
        self.rows = 0
        self.current_rows = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if tag == "section":
            self.in_trend = "trend" in classes
        if self.in_trend and tag == "g" and "audit" in classes:
            self.audits.append(values | {"current": "yes" if "current" in classes else "no"})
        if self.in_trend and tag == "tr":
            self.rows += 1
            self.current_rows += "current" in classes


def test_html_draws_every_saved_audit_and_this_one(tmp_path: Path) -> None:
    history, report = _saved_history(tmp_path)
    page = render(report, "html", history=history)
    trend = _Trend()
    trend.feed(page)
    expected = [*history.entries, report]
    assert len(trend.audits) == len(expected) == 3
    for drawn, entry in zip(trend.audits, history.entries, strict=False):
        assert drawn["data-as-of"] == entry.as_of.isoformat()
        assert drawn["data-score"] == str(entry.score)
        assert drawn["data-findings"] == str(sum(entry.summary.values()))
        assert drawn["current"] == "no"
    assert report.profile is not None
    last = trend.audits[-1]
    assert last["current"] == "yes" and last["data-as-of"] == "2005-09-30"
    assert last["data-score"] == str(report.profile.overall.score)
    assert trend.rows == 1 + 3 and trend.current_rows == 1  # header + one row per audit
    # The section sits between the profile and the network, and fetches nothing.
    assert page.index('class="profile"') < page.index('class="trend"') < page.index('"network"')
    section = page[page.index('<section class="trend">') :]
    section = section[: section.index("</section>")]
    assert not re.search(r"(?:href|src)=|url\(|@import|<script", section)


def test_text_and_markdown_summarise_the_trend(tmp_path: Path) -> None:
    history, report = _saved_history(tmp_path)
    points = trend_points(history, report)
    scores = ", ".join(str(p.score) for p in points)
    counts = ", ".join(str(p.findings) for p in points)
    line = f"Health over 3 audits (2005-01-31 to 2005-09-30): {scores}; findings {counts}."
    text = render(report, "text", history=history, width=200)
    assert f"  {line}\n" in text
    markdown = render(report, "markdown", history=history)
    assert f"## Health over time\n\n{line}\n" in markdown
    rows = [r for r in markdown.splitlines() if re.match(r"\| (\*\*)?2005-", r)]
    assert len(rows) == 3
    assert rows[-1].startswith("| **2005-09-30** | this audit |")
    for row, entry in zip(rows, history.entries, strict=False):
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1] == f"audit {entry.audit_id}"
        assert cells[2] == f"{entry.score} ({entry.band})"
        assert cells[4:] == [str(entry.summary.get(s, 0)) for s in entry.summary]


def test_without_a_history_or_in_other_formats_nothing_changes(tmp_path: Path) -> None:
    history, report = _saved_history(tmp_path)
    for fmt in ("json", "sarif", "csv", "csv-partners"):
        assert render(report, fmt, history=history) == render(report, fmt)
    for fmt in ("text", "markdown", "html"):
        plain = render(report, fmt)
        assert "Health over" not in plain and 'class="trend"' not in plain


def test_a_history_of_another_partnership_is_refused(tmp_path: Path) -> None:
    history, _ = _saved_history(tmp_path)
    barking = AUDITOR.audit(BARKING)
    with pytest.raises(UsageError, match="history of partnership 'nvq-consortium'.*matches no"):
        render(barking, "html", history=history)
    # In a batch, each history goes with its own partnership's report.
    nvq = AUDITOR.audit(NVQ)
    page = render_batch([barking, nvq], "html", histories=[history])
    assert page.count('<section class="trend">') == 1
    assert page.index("<h1>Partnership health check: Southern Care") < page.index('"trend"')


def test_an_audit_saved_without_a_profile_has_no_score_drawn(tmp_path: Path) -> None:
    history, report = _saved_history(tmp_path)
    bare = history.entries[0].model_copy(update={"score": None, "band": None})
    gappy = history.model_copy(update={"entries": [bare, *history.entries[1:]]})
    page = render(report, "html", history=gappy)
    trend = _Trend()
    trend.feed(page)
    assert trend.audits[0]["data-score"] == ""
    chart = page[page.index('<svg class="trend"') :]
    chart = chart[: chart.index("</svg>")]
    assert chart.count('<circle class="score"') == 2  # the two audits with a score
    assert chart.count("<polyline") == 1
    assert "Health over 3 audits (2005-01-31 to 2005-09-30): -, " in render(
        report, "text", history=gappy, width=200
    )


@given(st.lists(st.integers(min_value=0, max_value=100_000), min_size=1, max_size=30))
def test_the_findings_axis_holds_every_audit_in_four_whole_steps(counts: list[int]) -> None:
    points = [TrendPoint("a", dt.date(2020, 1, 1), 50, "weak", {"high": n}, False) for n in counts]
    top = _findings_axis(points)
    assert top >= max(counts) and top % 4 == 0
    assert top <= max(4, 2.5 * max(counts))  # never more than 2.5 times too tall


def test_cli_audit_with_history_shows_the_saved_audits(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    runner = CliRunner()
    common = ["--engine", "python", "--save", str(db), "--history", str(db)]
    first = runner.invoke(cli, ["audit", str(NVQ), *common])
    assert first.exit_code == 1, first.output
    assert "Health over" not in first.stdout  # nothing saved before the first audit
    second = runner.invoke(cli, ["audit", str(fixed_nvq(tmp_path)), *common, "--format", "html"])
    assert second.exit_code in (0, 1), second.output
    trend = _Trend()
    trend.feed(second.stdout)
    assert [a["current"] for a in trend.audits] == ["no", "yes"]
    assert len(load_history(db, "nvq-consortium").entries) == 2  # and this one saved


def test_cli_history_file_must_exist_unless_saved_to(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    result = CliRunner().invoke(cli, ["audit", str(NVQ), "--history", str(missing)])
    assert result.exit_code == 2
    assert result.stderr == f"partnership-rules: {missing}: no such history database\n"
    assert not missing.exists()


def test_cli_batch_in_worker_processes_draws_each_partnership(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    with HistoryStore(db) as store:
        store.save(AUDITOR.audit(NVQ))
    result = CliRunner().invoke(
        cli,
        ["audit", str(NVQ), str(BARKING), "--engine", "python", "--jobs", "2"]
        + ["--history", str(db), "--format", "markdown"],
    )
    assert result.exit_code in (0, 1), result.output
    # Only the NVQ consortium has saved audits: Barking's report has no trend.
    assert result.stdout.count("## Health over time") == 1
    nvq_part = result.stdout[result.stdout.index("Southern Care Skills NVQ Consortium") :]
    assert "Health over 2 audits (2005-01-31 to 2005-01-31)" in nvq_part
