"""The SQLite history store: saving audits, reading a partnership's history, two processes
writing at once, upgrading an older schema, and files that are not a history database."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from partnership_rules.cli.main import cli

from partnership_rules import (
    Auditor,
    HistoryError,
    HistoryStore,
    Report,
    UsageError,
    compare_reports,
    load_history,
)
from partnership_rules._history import APPLICATION_ID, SCHEMA_VERSION

ROOT = Path(__file__).parent.parent
NVQ = ROOT / "examples" / "nvq-consortium.yaml"
BARKING = ROOT / "examples" / "barking-rooff.yaml"
AUDITOR = Auditor(engine="python")


def fixed_nvq(tmp_path: Path) -> Path:
    """The NVQ consortium's record after the consultant's visit: two more assessors, a sponsor
    at Riverside, the records action unblocked and the ratio issue resolved."""
    text = NVQ.read_text(encoding="utf-8")
    for old, new in [
        ("  assessors: 2\n", "  assessors: 4\n"),
        ("senior_sponsor: null", "senior_sponsor: Home Manager"),
        ("due: 2004-11-30, status: blocked}", "due: 2004-11-30, status: in-progress}"),
        ("raised: 2004-06-02, resolved: null}", "raised: 2004-06-02, resolved: 2005-01-15}"),
    ]:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "nvq-fixed.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def keys(findings: Any) -> list[tuple[str, str]]:
    return [(f.rule, f.subject) for f in findings]


def test_history_lists_audits_in_order_with_findings_opened_and_closed(tmp_path: Path) -> None:
    before, after = AUDITOR.audit(NVQ), AUDITOR.audit(fixed_nvq(tmp_path))
    db = tmp_path / "history.db"
    with HistoryStore(db) as store:
        first = store.save(before)
        second = store.save(after)
    history = load_history(db, "nvq-consortium")
    assert [e.audit_id for e in history.entries] == [first, second]
    opening, follow_up = history.entries
    # The first audit opens every finding, rule by rule (a group's finding as its parts).
    assert keys(opening.opened) == [(u.rule, u.subject) for f in before.findings for u in f.units()]
    assert opening.closed == []
    change = compare_reports(before, after)
    assert keys(follow_up.opened) == keys(change.new)
    assert keys(follow_up.closed) == keys(change.resolved)
    assert follow_up.summary == after.summary and follow_up.findings == len(after.findings)
    assert after.profile is not None
    assert follow_up.score == after.profile.overall.score
    assert follow_up.band == after.profile.overall.band
    assert follow_up.dimensions == {d: s.score for d, s in after.profile.dimensions.items()}
    assert history.partnership == after.partnership


def test_history_is_ordered_by_audit_date_not_by_saving_order(tmp_path: Path) -> None:
    record = fixed_nvq(tmp_path)
    later = AUDITOR.audit(record, as_of=dt.date(2006, 1, 31))
    earlier = AUDITOR.audit(NVQ, as_of=dt.date(2005, 1, 31))
    db = tmp_path / "history.db"
    with HistoryStore(db) as store:
        later_id, earlier_id = store.save_many([later, earlier])
    entries = load_history(db, "nvq-consortium").entries
    assert [e.audit_id for e in entries] == [earlier_id, later_id]
    assert keys(entries[1].closed) == keys(compare_reports(earlier, later).resolved)


def test_one_file_holds_several_partnerships(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    nvq, barking = AUDITOR.audit(NVQ), AUDITOR.audit(BARKING)
    with HistoryStore(db) as store:
        store.save_many([nvq, barking, nvq])
        held = {p.id: p.audits for p in store.partnerships()}
        assert held == {"nvq-consortium": 2, "barking-rooff": 1}
        assert [r.to_dict() for _, _, r in store.reports("barking-rooff")] == [barking.to_dict()]
        with pytest.raises(UsageError, match="holds no audits of partnership 'other'"):
            store.history("other")


def test_database_runs_in_wal_mode_with_the_current_schema(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    HistoryStore(db).close()
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


SAVES_PER_PROCESS = 15


def _save_repeatedly(db: str, report_json: str, barrier: Any) -> None:
    report = Report.model_validate_json(report_json)
    barrier.wait()  # both processes create, upgrade and write the same new file at once
    for _ in range(SAVES_PER_PROCESS):
        with HistoryStore(db) as store:
            store.save(report)


def test_two_processes_writing_at_once_both_succeed(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    reports = [AUDITOR.audit(NVQ), AUDITOR.audit(BARKING)]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(reports))
    workers = [
        context.Process(
            target=_save_repeatedly, args=(str(db), r.model_dump_json(), barrier), daemon=True
        )
        for r in reports
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert [w.exitcode for w in workers] == [0, 0]
    with HistoryStore(db) as store:
        for report in reports:
            stored = store.reports(report.partnership.id)
            assert len(stored) == SAVES_PER_PROCESS
            assert all(r == report for _, _, r in stored)
    with sqlite3.connect(db) as raw:
        ids = [row[0] for row in raw.execute("SELECT id FROM audits ORDER BY id")]
        assert ids == list(range(1, 2 * SAVES_PER_PROCESS + 1))


# What the first release of the history store wrote (schema 1): kept verbatim, so that a
# change to the upgrade steps that would break files already written fails here.
SCHEMA_1 = """
CREATE TABLE partnerships (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE audits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    partnership_id TEXT NOT NULL REFERENCES partnerships (id),
    as_of TEXT NOT NULL, saved_at TEXT NOT NULL, source TEXT, engine TEXT NOT NULL,
    rulesets TEXT NOT NULL, summary TEXT NOT NULL, score REAL, report TEXT NOT NULL
);
CREATE INDEX audits_by_partnership ON audits (partnership_id, as_of, id);
PRAGMA application_id = 1347577971;
PRAGMA user_version = 1;
"""


def write_schema_1(db: Path, reports: list[Report]) -> None:
    with sqlite3.connect(db) as raw:
        raw.executescript(SCHEMA_1)
        for n, report in enumerate(reports, 1):
            raw.execute(
                "INSERT OR REPLACE INTO partnerships VALUES (?, ?)",
                (report.partnership.id, report.partnership.name),
            )
            raw.execute(
                "INSERT INTO audits (partnership_id, as_of, saved_at, source, engine, rulesets,"
                " summary, score, report) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                (
                    report.partnership.id,
                    report.as_of.isoformat(),
                    f"2005-02-0{n}T10:00:00+00:00",
                    report.source,
                    report.engine,
                    json.dumps(report.rulesets),
                    json.dumps(report.summary),
                    json.dumps(report.to_dict()),
                ),
            )
    raw.close()


def test_a_schema_1_file_is_upgraded_and_its_findings_filled_in(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    before, after = AUDITOR.audit(NVQ), AUDITOR.audit(fixed_nvq(tmp_path))
    write_schema_1(db, [before, after])
    with HistoryStore(db) as store:
        history = store.history("nvq-consortium")
        store.save(after)
    assert [len(e.closed) for e in history.entries] == [
        0,
        len(compare_reports(before, after).resolved),
    ]
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        per_audit = raw.execute(
            "SELECT audit_id, count(*) FROM findings GROUP BY audit_id ORDER BY audit_id"
        ).fetchall()
    raw.close()
    # One row per rule firing on a subject: a group's finding is stored as its parts.
    before_rows = sum(len(f.units()) for f in before.findings)
    after_rows = sum(len(f.units()) for f in after.findings)
    assert per_audit == [(1, before_rows), (2, after_rows), (3, after_rows)]


def test_a_file_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    HistoryStore(db).close()
    with sqlite3.connect(db) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(HistoryError, match="written by a newer partnership-rules"):
        HistoryStore(db)


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as raw:
        raw.execute("CREATE TABLE notes (text TEXT)")
    raw.close()
    with pytest.raises(HistoryError, match="other.db: an SQLite database, but not a partnership"):
        HistoryStore(db)
    with sqlite3.connect(db) as raw:
        tables = [row[0] for row in raw.execute("SELECT name FROM sqlite_master")]
    raw.close()
    assert tables == ["notes"]


def test_a_damaged_database_raises_history_error(tmp_path: Path) -> None:
    db = tmp_path / "damaged.db"
    with HistoryStore(db) as store:
        store.save_many([AUDITOR.audit(BARKING)] * 20)
    data = bytearray(db.read_bytes())
    for i in range(4096, len(data), 7):  # keep the header page, scramble every other page
        data[i] = 0x5A
    db.write_bytes(bytes(data))
    with (
        pytest.raises(HistoryError, match=r"damaged\.db: .*malformed"),
        HistoryStore(db) as store,
    ):
        store.history("barking-rooff")


@pytest.mark.parametrize(
    "content", [b"partnership: not a database\n", b"SQLite format 3\x00" + b"\xff" * 200]
)
def test_cli_refuses_a_file_that_is_not_a_database(tmp_path: Path, content: bytes) -> None:
    db = tmp_path / "notes.db"
    db.write_bytes(content)
    runner = CliRunner()
    for args in (
        ["audit", str(BARKING), "--save", str(db)],
        ["history", "barking-rooff", "--db", str(db)],
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1
        assert lines[0].startswith(f"partnership-rules: {db}: ")
    assert db.read_bytes() == content


def test_cli_history_of_a_missing_file_or_partnership(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["history", "p", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 2
    assert (
        missing.stderr == f"partnership-rules: {tmp_path / 'none.db'}: no such history database\n"
    )
    assert not (tmp_path / "none.db").exists()
    db = tmp_path / "history.db"
    runner.invoke(cli, ["audit", str(BARKING), "--save", str(db), "--engine", "python"])
    unknown = runner.invoke(cli, ["history", "nvq-consortium", "--db", str(db)])
    assert unknown.exit_code == 2
    assert unknown.stderr == (
        f"partnership-rules: {db}: holds no audits of partnership 'nvq-consortium'"
        " (partnerships held: 'barking-rooff')\n"
    )


def test_cli_save_then_history_in_every_format(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    fixed = fixed_nvq(tmp_path)
    runner = CliRunner()
    for record in (NVQ, fixed):
        saved = runner.invoke(cli, ["audit", str(record), "--save", str(db), "--engine", "python"])
        assert saved.exit_code in (0, 1), saved.output
    expected = load_history(db, "nvq-consortium")

    as_json = runner.invoke(cli, ["history", "nvq-consortium", "--db", str(db), "--format", "json"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout) == expected.to_dict()

    as_text = runner.invoke(cli, ["history", "nvq-consortium", "--db", str(db)])
    assert as_text.exit_code == 0
    assert as_text.stdout.startswith(
        "Southern Care Skills NVQ Consortium (nvq-consortium): 2 audits"
    )
    for finding in expected.entries[1].closed:
        line = f"closed  {finding.severity:<8} {finding.rule} {finding.title} ("
        assert line in as_text.stdout
        assert finding.subject_name and finding.subject_name in as_text.stdout

    as_markdown = runner.invoke(
        cli, ["history", "nvq-consortium", "--db", str(db), "--format", "markdown"]
    )
    assert as_markdown.exit_code == 0
    assert as_markdown.stdout.startswith("# History: Southern Care Skills NVQ Consortium\n")
    audit_rows = [line for line in as_markdown.stdout.splitlines() if line[:4] in ("| 1 ", "| 2 ")]
    assert len(audit_rows) == 2
    finding_rows = [line for line in as_markdown.stdout.splitlines() if line.startswith("| medium")]
    changed = [*expected.entries[1].opened, *expected.entries[1].closed]
    assert len(finding_rows) == sum(1 for f in changed if f.severity == "medium")
    for finding in expected.entries[1].closed:
        assert f"| {finding.severity} | {finding.rule} | {finding.title} |" in as_markdown.stdout


def test_history_reads_the_file_without_loading_the_auditing_stack(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    with HistoryStore(db) as store:
        store.save(AUDITOR.audit(NVQ))
    code = (
        "import sys; from click.testing import CliRunner; from partnership_rules.cli.main import cli;"
        f" result = CliRunner().invoke(cli, ['history', 'nvq-consortium', '--db', {str(db)!r}]);"
        " print(result.exit_code, sorted(m for m in ('networkx', 'durable',"
        " 'partnership_rules.facts') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout == "0 []\n", run.stderr
