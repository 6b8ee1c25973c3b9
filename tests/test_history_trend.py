"""The health trend read from the history store's summary columns (``load_trend``): the same
figures as the full stored reports, an older file upgraded to carry them, and a trend that
never reads a stored report."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from test_history import NVQ, fixed_nvq, write_schema_1

from partnership_rules import (
    Auditor,
    HistoryError,
    HistoryStore,
    Report,
    Trend,
    UsageError,
    load_history,
    load_trend,
    render,
)
from partnership_rules._history import MIGRATIONS, SCHEMA_VERSION

ROOT = Path(__file__).parent.parent
VOICE = ROOT / "examples" / "community-learning-voice.yaml"  # carries a waiver
AUDITOR = Auditor(engine="python")


def _figures(report: Report) -> tuple[dt.date, int | None, str | None, dict[str, int], int]:
    """What the trend draws of one audit, taken from its full report."""
    profile = report.profile
    return (
        report.as_of,
        profile.overall.score if profile else None,
        profile.overall.band if profile else None,
        dict(report.summary),
        len(report.waived),
    )


def _trend_figures(
    trend: Trend,
) -> list[tuple[dt.date, int | None, str | None, dict[str, int], int]]:
    return [(e.as_of, e.score, e.band, dict(e.summary), e.accepted) for e in trend.entries]


def _reports(tmp_path: Path) -> list[Report]:
    """Three audits of the NVQ consortium: before fixing, after, and before again later."""
    return [
        AUDITOR.audit(NVQ),
        AUDITOR.audit(fixed_nvq(tmp_path)),
        AUDITOR.audit(NVQ, as_of=dt.date(2005, 9, 30)),
    ]


def test_the_trend_has_the_figures_of_the_full_reports(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    reports = [*_reports(tmp_path), AUDITOR.audit(VOICE)]
    with HistoryStore(db) as store:
        ids = store.save_many(reports)
    nvq = load_trend(db, "nvq-consortium")
    assert [e.audit_id for e in nvq.entries] == ids[:3]
    assert _trend_figures(nvq) == [_figures(r) for r in reports[:3]]
    assert nvq.partnership == reports[0].partnership
    assert nvq.database == str(db)
    voice = load_trend(db, "community-learning-voice")
    assert _trend_figures(voice) == [_figures(reports[3])]
    assert voice.entries[0].accepted == 1  # the waived finding: an accepted risk
    # And the same as the full history (which parses and compares every report).
    full = load_history(db, "nvq-consortium")
    assert [(e.audit_id, e.as_of, e.score, e.band, e.summary) for e in full.entries] == [
        (e.audit_id, e.as_of, e.score, e.band, e.summary) for e in nvq.entries
    ]


def test_the_trend_draws_the_same_as_the_full_history(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    reports = _reports(tmp_path)
    with HistoryStore(db) as store:
        store.save_many(reports[:2])
    trend, full = load_trend(db, "nvq-consortium"), load_history(db, "nvq-consortium")
    for fmt in ("text", "markdown", "html"):
        assert render(reports[2], fmt, history=trend) == render(reports[2], fmt, history=full)


def test_accepted_risks_are_drawn_when_an_audit_has_any(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    report = AUDITOR.audit(VOICE)
    with HistoryStore(db) as store:
        store.save(report)
    trend = load_trend(db, report.partnership.id)
    assert "accepted risks 1, 1." in render(report, "text", history=trend, width=300)
    page = render(report, "html", history=trend)
    assert "<th>Accepted risks</th>" in page
    assert "| Accepted risks |" in render(report, "markdown", history=trend)


def _write_schema_2(db: Path, reports: list[Report]) -> None:
    """A file as the second release wrote it: schema 1 upgraded by the shipped step to 2."""
    write_schema_1(db, reports)
    with sqlite3.connect(db) as raw:
        MIGRATIONS[1](raw)
        raw.execute("PRAGMA user_version = 2")
    raw.close()


@pytest.mark.parametrize("writer", [write_schema_1, _write_schema_2], ids=["schema1", "schema2"])
def test_an_older_file_is_upgraded_and_draws_the_same_trend(tmp_path: Path, writer: object) -> None:
    reports = _reports(tmp_path)
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    assert callable(writer)
    writer(old, reports)
    with HistoryStore(new) as store:
        store.save_many(reports)
    upgraded = load_trend(old, "nvq-consortium")
    assert _trend_figures(upgraded) == _trend_figures(load_trend(new, "nvq-consortium"))
    assert _trend_figures(upgraded) == [_figures(r) for r in reports]
    with sqlite3.connect(old) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    raw.close()
    later = AUDITOR.audit(NVQ, as_of=dt.date(2006, 1, 31))
    assert render(later, "html", history=upgraded) == render(
        later, "html", history=load_history(old, "nvq-consortium")
    )


def test_the_trend_reads_no_stored_report(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    with HistoryStore(db) as store:
        store.save_many(_reports(tmp_path)[:2])
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE audits SET report = 'not a report'")
    raw.close()
    assert len(load_trend(db, "nvq-consortium").entries) == 2
    with pytest.raises(HistoryError, match="audit 1: the stored report is unreadable"):
        load_history(db, "nvq-consortium")


def test_the_trend_of_an_unknown_partnership_or_a_missing_file(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    with HistoryStore(db) as store:
        store.save(AUDITOR.audit(NVQ))
    with pytest.raises(UsageError, match="holds no audits of partnership 'nope'"):
        load_trend(db, "nope")
    with pytest.raises(HistoryError, match="no such history database"):
        load_trend(tmp_path / "missing.db", "nvq-consortium")


def test_a_damaged_summary_is_named(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    with HistoryStore(db) as store:
        store.save(AUDITOR.audit(NVQ))
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE audits SET summary = '[1'")
    raw.close()
    with pytest.raises(HistoryError, match="audit 1: the stored summary is unreadable"):
        load_trend(db, "nvq-consortium")
