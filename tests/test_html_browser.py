"""The HTML report opened in headless Chromium (Debian's ``chromium``; CI installs it, and
this test is skipped, saying why, where it is not installed): the page renders, the network
drawing holds every partner, stakeholder and body by name, every finding and every row of
the action plan are on the page, and the browser fetches nothing over the network.

Set ``PARTNERSHIP_RULES_SCREENSHOT=path.png`` to also save a screenshot of the first case
(``docs/report-example.png`` was made so).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from generated import synthetic_record
from test_relationship_report import SAID

from partnership_rules import (
    Auditor,
    History,
    HistoryStore,
    Report,
    load_history,
    load_record,
    render,
)

ROOT = Path(__file__).parent.parent

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="Chromium is not installed (apt-get install -y chromium): the HTML report is not"
    " checked in a browser here",
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AUDITOR = Auditor(engine="python")


class _Page(HTMLParser):
    """What the browser's DOM holds: drawn nodes, findings and action plan rows."""

    def __init__(self) -> None:
        super().__init__()
        self.node_names: list[str] = []
        self.findings: list[str] = []
        self.action_rows = 0
        self.trend_audits: list[str] = []
        self.relationships = 0
        self.table_classes: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        self.tags.add(tag)
        if tag == "g" and "node" in classes:
            self.node_names.append(values.get("data-name") or "")
        if tag == "div" and "finding" in classes:
            self.findings.append(values.get("id") or "")
        if tag == "tr" and "action" in classes:
            self.action_rows += 1
        if tag == "path" and "relationship" in classes:
            self.relationships += 1
        if tag == "table":
            self.table_classes.append(values.get("class") or "")
        if tag == "g" and "audit" in classes:
            self.trend_audits.append(values.get("data-as-of") or "")


def _browse(page: Path, tmp_path: Path, *extra: str) -> tuple[str, str]:
    """Chromium's output for ``page`` and its network log."""
    net_log = tmp_path / "net-log.json"
    profile = tmp_path / "profile"
    profile.mkdir()
    command = [
        str(BROWSER),
        *FLAGS,
        f"--user-data-dir={profile}",
        f"--log-net-log={net_log}",
        "--window-size=1200,3000",
        *extra,
        page.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return result.stdout, net_log.read_text(encoding="utf-8", errors="replace")


def _open(report: Report, tmp_path: Path, history: History | None = None) -> tuple[_Page, str]:
    """The DOM Chromium built from the report's HTML, and its network log."""
    page = tmp_path / "report.html"
    page.write_text(render(report, "html", history=history), encoding="utf-8")
    dom, net_log = _browse(page, tmp_path, "--dump-dom")
    parsed = _Page()
    parsed.feed(dom)
    return parsed, net_log


def _page_requests(net_log: str) -> list[str]:
    """URLs the page asked for (not the browser's own background requests, whose initiator
    is "not an origin"), other than its own file."""
    try:
        data = json.loads(net_log)
    except json.JSONDecodeError:  # the browser may stop without closing the log
        data = json.loads(net_log.rstrip().rstrip(",") + "]}")
    start_job = data["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = set()
    for event in data.get("events", []):
        params = event.get("params", {})
        if event.get("type") == start_job and params.get("initiator") != "not an origin":
            urls.add(str(params.get("url", "")))
    return sorted(u for u in urls if u and not u.startswith(("file:", "data:")))


def _check(report: Report, tmp_path: Path) -> None:
    page, net_log = _open(report, tmp_path)
    assert "svg" in page.tags and "table" in page.tags
    assert report.network is not None
    drawn = {n.name for n in report.network.nodes if n.kind != "channel"}
    assert drawn <= set(page.node_names)
    assert len(page.findings) == len(report.findings)
    assert page.action_rows == len(report.action_plan) == len(report.findings)
    assert _page_requests(net_log) == []


def test_a_real_example_in_the_browser(tmp_path: Path) -> None:
    report = AUDITOR.audit(ROOT / "examples" / "barking-rooff.yaml")
    record = load_record(ROOT / "examples" / "barking-rooff.yaml")
    assert report.network is not None
    names = {n.name for n in report.network.nodes}
    assert {p.name for p in record.partners} | {s.name for s in record.stakeholders} <= names
    _check(report, tmp_path)
    target = os.environ.get("PARTNERSHIP_RULES_SCREENSHOT")
    if target:
        shot = tmp_path / "shot"
        shot.mkdir()
        _browse(tmp_path / "report.html", shot, f"--screenshot={Path(target).resolve()}")
        assert Path(target).stat().st_size > 0


def test_the_network_check_sees_a_page_that_fetches(tmp_path: Path) -> None:
    # A control: a page with remote resources (to a closed local port: nothing leaves the
    # machine) must show up, so that the check above cannot pass by seeing nothing.
    page = tmp_path / "fetching.html"
    page.write_text(
        '<!DOCTYPE html><img src="http://127.0.0.1:9/x.png">'
        '<link rel="stylesheet" href="http://127.0.0.1:9/a.css">',
        encoding="utf-8",
    )
    _, net_log = _browse(page, tmp_path, "--dump-dom")
    assert _page_requests(net_log) == ["http://127.0.0.1:9/a.css", "http://127.0.0.1:9/x.png"]


@pytest.mark.parametrize("partners", [5, 40])
def test_generated_partnerships_of_5_and_40_partners_in_the_browser(
    tmp_path: Path, partners: int
) -> None:
    _check(AUDITOR.audit(synthetic_record(partners)), tmp_path)


def test_the_health_trend_in_the_browser(tmp_path: Path) -> None:
    record = ROOT / "examples" / "barking-rooff.yaml"
    db = tmp_path / "history.db"
    with HistoryStore(db) as store:
        store.save(AUDITOR.audit(record, as_of=dt.date(2003, 1, 31)))
    report = AUDITOR.audit(record)
    page, net_log = _open(report, tmp_path, load_history(db, report.partnership.id))
    assert page.trend_audits == ["2003-01-31", report.as_of.isoformat()]
    assert _page_requests(net_log) == []


def test_relationships_and_survey_in_the_browser(tmp_path: Path) -> None:
    data = yaml.safe_load((ROOT / "examples" / "barking-rooff.yaml").read_text(encoding="utf-8"))
    report = AUDITOR.audit({**data, **SAID})
    assert report.network is not None
    page, net_log = _open(report, tmp_path)
    drawn = [e for e in report.network.edges if e.relation == "relationship"]
    assert page.relationships == len(drawn) == 2
    for table in ("disagreement-pairs", "disagreement-items", "survey"):
        assert table in page.table_classes
    assert _page_requests(net_log) == []
