"""Keep audits over time in an SQLite database and read back each partnership's history.

One file holds any number of partnerships. The schema is versioned (``PRAGMA user_version``)
and upgraded on opening by the ordered steps in ``MIGRATIONS``; ``PRAGMA application_id``
marks the file as a partnership-rules history so that another program's database is refused
rather than written into. The database runs in WAL mode with a busy timeout, and every write
is one ``BEGIN IMMEDIATE`` transaction, so several processes can save at once: each waits
its turn instead of failing.

Tables (schema 3)::

    partnerships  id, name (the name of the latest audit saved)
    audits        id, partnership_id, as_of, saved_at, source, engine, rulesets (JSON),
                  summary (JSON: count per severity), score (null until reports carry one),
                  band (the score's health band), accepted (how many waived findings),
                  report (the JSON report, as ``audit --format json`` writes it)
    findings      audit_id, rule, subject, severity, category, title, message (one row per
                  rule firing on a subject: a group's finding is stored as its parts)
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._compare import compare_reports, report_score
from ._errors import HistoryError, UsageError
from ._report import Finding, PartnershipRef, Report, TrackedFinding

__all__ = [
    "APPLICATION_ID",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "History",
    "HistoryEntry",
    "HistoryStore",
    "StoredPartnership",
    "Trend",
    "TrendEntry",
    "load_history",
    "load_trend",
]

# Written into the file header (PRAGMA application_id): "PRhs" in ASCII.
APPLICATION_ID = 0x50526873


def _run_script(db: sqlite3.Connection, script: str) -> None:
    # Not executescript(): it commits first, which would split a migration in two.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _schema_1(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE TABLE partnerships (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL
        );
        CREATE TABLE audits (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            partnership_id TEXT NOT NULL REFERENCES partnerships (id),
            as_of TEXT NOT NULL,
            saved_at TEXT NOT NULL,
            source TEXT,
            engine TEXT NOT NULL,
            rulesets TEXT NOT NULL,
            summary TEXT NOT NULL,
            score REAL,
            report TEXT NOT NULL
        );
        CREATE INDEX audits_by_partnership ON audits (partnership_id, as_of, id);
        """,
    )


def _schema_2(db: sqlite3.Connection) -> None:
    # One row per finding, so that the history can be queried with SQL; filled in for the
    # audits a schema-1 file already holds from their stored reports.
    _run_script(
        db,
        """
        CREATE TABLE findings (
            audit_id INTEGER NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
            rule TEXT NOT NULL,
            subject TEXT NOT NULL,
            severity TEXT NOT NULL,
            category TEXT NOT NULL,
            title TEXT NOT NULL,
            message TEXT NOT NULL
        );
        CREATE INDEX findings_by_audit ON findings (audit_id);
        CREATE INDEX findings_by_rule ON findings (rule, subject);
        """,
    )
    for audit_id, text in db.execute("SELECT id, report FROM audits ORDER BY id").fetchall():
        try:
            findings = Report.model_validate_json(text).findings
        except ValidationError as error:
            raise _StoredReportError(audit_id, error) from None
        _insert_findings(db, audit_id, findings)


def _schema_3(db: sqlite3.Connection) -> None:
    # What the health trend draws, beside the score and summary already stored, so that
    # drawing it reads a few columns instead of parsing every stored report. Filled in for
    # the audits a file already holds from their stored reports (SQLite's JSON functions: no
    # report is parsed in Python); a report that is not JSON is left for load_history to name.
    _run_script(
        db,
        """
        ALTER TABLE audits ADD COLUMN band TEXT;
        ALTER TABLE audits ADD COLUMN accepted INTEGER NOT NULL DEFAULT 0;
        UPDATE audits SET
            score = coalesce(score, json_extract(report, '$.profile.overall.score')),
            band = json_extract(report, '$.profile.overall.band'),
            accepted = coalesce(json_array_length(report, '$.waived'), 0)
        WHERE json_valid(report)
        """,
    )


# The ordered upgrade steps: step i brings a file from schema i to schema i + 1. Append new
# steps; never change one that has shipped, since files written by it exist.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_schema_1, _schema_2, _schema_3)
SCHEMA_VERSION = len(MIGRATIONS)


class _StoredReportError(Exception):
    def __init__(self, audit_id: int, error: ValidationError) -> None:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        self.message = (
            f"audit {audit_id}: the stored report is unreadable ({where}: {first['msg']})"
        )


def _insert_findings(db: sqlite3.Connection, audit_id: int, findings: list[Finding]) -> None:
    db.executemany(
        "INSERT INTO findings (audit_id, rule, subject, severity, category, title, message)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (audit_id, f.rule, f.subject, f.severity, f.category, f.title, f.message)
            for finding in findings
            for f in finding.units()  # a group's finding is stored as its parts
        ],
    )


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StoredPartnership(_Frozen):
    """A partnership the database holds audits of."""

    id: str
    name: str
    audits: int
    last_as_of: dt.date


class HistoryEntry(_Frozen):
    """One stored audit, and which findings it opened and closed since the audit before it
    (the first audit of a partnership opens all its findings)."""

    audit_id: int
    as_of: dt.date
    saved_at: dt.datetime
    source: str | None
    summary: dict[str, int]
    findings: int
    score: int | None
    """The overall health score (None for an audit saved without a health profile)."""
    band: str | None = None
    dimensions: dict[str, int] = Field(default_factory=dict)
    """The score per QCA dimension (results, process, relationships)."""
    opened: list[TrackedFinding]
    closed: list[TrackedFinding]


class History(_Frozen):
    """The audits of one partnership over time, oldest first (by ``as_of``, then saving order)."""

    partnership: PartnershipRef
    database: str
    entries: list[HistoryEntry]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (dates and times as ISO text)."""
        return self.model_dump(mode="json")


class TrendEntry(_Frozen):
    """One stored audit as the health trend draws it: its date, health score and band,
    findings per severity and accepted risks (waived findings). Read from summary columns,
    without the stored report."""

    audit_id: int
    as_of: dt.date
    score: int | None
    """The overall health score (None for an audit saved without a health profile)."""
    band: str | None = None
    summary: dict[str, int]
    accepted: int = 0
    """How many findings the record's waivers accepted (not in ``summary``)."""


class Trend(_Frozen):
    """The health of one partnership over its stored audits, oldest first (by ``as_of``,
    then saving order): what ``render(..., history=)`` draws. A light read of
    :class:`History` without the findings each audit opened and closed."""

    partnership: PartnershipRef
    database: str
    entries: list[TrendEntry]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (dates as ISO text)."""
        return self.model_dump(mode="json")


class HistoryStore:
    """An SQLite file of audits over time.

    >>> with HistoryStore("history.db") as store:        # doctest: +SKIP
    ...     store.save(report)
    ...     store.history(report.partnership.id).entries

    Opening creates the file (unless ``create`` is false) and upgrades an older schema. All
    failures raise :class:`HistoryError` naming the file; asking for a partnership the file
    holds no audits of raises :class:`UsageError`. A store holds one connection: use one
    store per thread. ``timeout`` is how many seconds a write waits for another to finish.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, create: bool = True, timeout: float = 30.0
    ) -> None:
        self.path = os.fspath(path)
        target = Path(path)
        if target.is_dir():
            raise HistoryError(f"{self.path}: is a directory, not a history database")
        if not create and not target.exists():
            raise HistoryError(f"{self.path}: no such history database")
        mode = "rwc" if create else "rw"
        with self._errors("cannot open the history database"):
            self._db = sqlite3.connect(
                f"{target.absolute().as_uri()}?mode={mode}",
                uri=True,
                timeout=timeout,
                isolation_level=None,  # transactions are explicit: BEGIN IMMEDIATE to write
            )
        try:
            with self._errors("cannot open the history database"):
                self._db.execute("PRAGMA foreign_keys = ON")
                self._prepare(time.monotonic() + timeout)
        except BaseException:
            self._db.close()
            raise

    def _prepare(self, deadline: float) -> None:
        """WAL mode and the current schema. Switching to WAL or upgrading can find the file
        busy at once, without waiting (SQLite does not wait where waiting could deadlock, as
        when two processes open a new file together): try again until ``deadline``."""
        for attempt in itertools.count(1):
            try:
                if self._db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    self._db.execute("PRAGMA journal_mode = WAL")
                current = (self._pragma("application_id"), self._pragma("user_version"))
                if current != (APPLICATION_ID, SCHEMA_VERSION):
                    self._upgrade()  # takes the write lock: only when there is work to do
                return
            except sqlite3.OperationalError as error:
                busy = "locked" in str(error) or "busy" in str(error)
                if not busy or time.monotonic() >= deadline:
                    raise
                time.sleep(min(0.02 * attempt, 0.25))

    # -- opening -------------------------------------------------------------------------------

    def _upgrade(self) -> None:
        with self._write():
            application_id = self._pragma("application_id")
            version = self._pragma("user_version")
            if application_id != APPLICATION_ID:
                tables = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if application_id or version or tables:
                    raise HistoryError(
                        f"{self.path}: an SQLite database, but not a partnership-rules history"
                    )
                self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            if version > SCHEMA_VERSION:
                raise HistoryError(
                    f"{self.path}: written by a newer partnership-rules (history schema"
                    f" {version}; this version reads up to {SCHEMA_VERSION})"
                )
            for step in MIGRATIONS[version:]:
                try:
                    step(self._db)
                except _StoredReportError as error:
                    raise HistoryError(f"{self.path}: {error.message}") from None
            if version < SCHEMA_VERSION:
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _pragma(self, name: str) -> int:
        return int(self._db.execute(f"PRAGMA {name}").fetchone()[0])

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as error:
            raise HistoryError(f"{self.path}: {doing}: {error}") from None

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction, taken at once so that concurrent writers queue up."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.rollback()
            raise
        self._db.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[None]:
        """One read transaction: every query inside sees the same snapshot."""
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            self._db.rollback()

    # -- writing -------------------------------------------------------------------------------

    def save(self, report: Report, *, saved_at: dt.datetime | None = None) -> int:
        """Store one audit; returns its id in the database."""
        return self.save_many([report], saved_at=saved_at)[0]

    def save_many(
        self, reports: Iterable[Report], *, saved_at: dt.datetime | None = None
    ) -> list[int]:
        """Store several audits in one transaction (all or none); returns their ids in order.

        ``saved_at`` defaults to now (UTC).
        """
        when = (saved_at or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
        ids = []
        with self._errors("cannot save the audit"), self._write():
            for report in reports:
                ids.append(self._insert(report, when))
        return ids

    def _insert(self, report: Report, saved_at: str) -> int:
        self._db.execute(
            "INSERT INTO partnerships (id, name) VALUES (?, ?)"
            " ON CONFLICT (id) DO UPDATE SET name = excluded.name",
            (report.partnership.id, report.partnership.name),
        )
        cursor = self._db.execute(
            "INSERT INTO audits (partnership_id, as_of, saved_at, source, engine, rulesets,"
            " summary, score, band, accepted, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                report.partnership.id,
                report.as_of.isoformat(),
                saved_at,
                report.source,
                report.engine,
                json.dumps(report.rulesets),
                json.dumps(report.summary),
                report_score(report),
                report.profile.overall.band if report.profile is not None else None,
                len(report.waived),
                json.dumps(report.to_dict(), ensure_ascii=False),
            ),
        )
        audit_id = cursor.lastrowid
        assert audit_id is not None  # an INSERT into a rowid table always sets it
        _insert_findings(self._db, audit_id, report.findings)
        return audit_id

    # -- reading -------------------------------------------------------------------------------

    def partnerships(self) -> list[StoredPartnership]:
        """Every partnership the file holds audits of, by id."""
        with self._errors("cannot read the history database"), self._read():
            rows = self._db.execute(
                "SELECT p.id, p.name, count(a.id), max(a.as_of) FROM partnerships p"
                " JOIN audits a ON a.partnership_id = p.id GROUP BY p.id ORDER BY p.id"
            ).fetchall()
        return [
            StoredPartnership(id=pid, name=name, audits=count, last_as_of=last)
            for pid, name, count, last in rows
        ]

    def reports(self, partnership_id: str) -> list[tuple[int, dt.datetime, Report]]:
        """Each stored audit of a partnership as (audit id, when saved, report), oldest first.

        Raises :class:`UsageError` when the file holds no audit of ``partnership_id``.
        """
        with self._errors("cannot read the history database"), self._read():
            rows = self._db.execute(
                "SELECT id, saved_at, report FROM audits WHERE partnership_id = ?"
                " ORDER BY as_of, id",
                (partnership_id,),
            ).fetchall()
        if not rows:
            raise self._unknown(partnership_id)
        out = []
        for audit_id, saved_at, text in rows:
            try:
                out.append(
                    (
                        audit_id,
                        dt.datetime.fromisoformat(saved_at),
                        Report.model_validate_json(text),
                    )
                )
            except ValidationError as error:
                message = _StoredReportError(audit_id, error).message
                raise HistoryError(f"{self.path}: {message}") from None
            except (TypeError, ValueError):
                raise HistoryError(
                    f"{self.path}: audit {audit_id}: saved_at {saved_at!r} is not a date and time"
                ) from None
        return out

    def _unknown(self, partnership_id: str) -> UsageError:
        held = ", ".join(f"'{p.id}'" for p in self.partnerships()) or "none"
        return UsageError(
            f"{self.path}: holds no audits of partnership '{partnership_id}'"
            f" (partnerships held: {held})"
        )

    def trend(self, partnership_id: str) -> Trend:
        """The health of one partnership over its stored audits, from their summary columns
        (no stored report is read). Raises :class:`UsageError` for an unknown partnership."""
        with self._errors("cannot read the history database"), self._read():
            name = self._db.execute(
                "SELECT name FROM partnerships WHERE id = ?", (partnership_id,)
            ).fetchone()
            rows = self._db.execute(
                "SELECT id, as_of, score, band, summary, accepted FROM audits"
                " WHERE partnership_id = ? ORDER BY as_of, id",
                (partnership_id,),
            ).fetchall()
        if not rows or name is None:
            raise self._unknown(partnership_id)
        entries = []
        for audit_id, as_of, score, band, summary, accepted in rows:
            try:
                entries.append(
                    TrendEntry(
                        audit_id=audit_id,
                        as_of=as_of,
                        score=score,
                        band=band,
                        summary=json.loads(summary),
                        accepted=accepted,
                    )
                )
            except (ValidationError, ValueError):
                raise HistoryError(
                    f"{self.path}: audit {audit_id}: the stored summary is unreadable"
                ) from None
        return Trend(
            partnership=PartnershipRef(id=partnership_id, name=name[0]),
            database=self.path,
            entries=entries,
        )

    def history(self, partnership_id: str) -> History:
        """The audits of one partnership over time, each with the findings it opened and
        closed since the one before. Raises :class:`UsageError` for an unknown partnership."""
        stored = self.reports(partnership_id)
        entries = []
        previous: Report | None = None
        for audit_id, saved_at, report in stored:
            if previous is None:
                opened, closed = [u for f in report.findings for u in f.units()], []
            else:
                change = compare_reports(previous, report)
                opened, closed = change.new, change.resolved
            entries.append(
                HistoryEntry(
                    audit_id=audit_id,
                    as_of=report.as_of,
                    saved_at=saved_at,
                    source=report.source,
                    summary=dict(report.summary),
                    findings=len(report.findings),
                    score=report_score(report),
                    band=report.profile.overall.band if report.profile else None,
                    dimensions={
                        name: score.score for name, score in report.profile.dimensions.items()
                    }
                    if report.profile
                    else {},
                    opened=[TrackedFinding.of(f) for f in opened],
                    closed=[TrackedFinding.of(f) for f in closed],
                )
            )
            previous = report
        return History(partnership=stored[-1][2].partnership, database=self.path, entries=entries)

    # -- lifetime ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (the store cannot be used afterwards)."""
        self._db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def load_history(path: str | os.PathLike[str], partnership_id: str) -> History:
    """The history of one partnership from an existing database file: every audit with the
    findings it opened and closed (what ``history ID`` shows). Raises :class:`HistoryError`
    or :class:`UsageError`."""
    with HistoryStore(path, create=False) as store:
        return store.history(partnership_id)


def load_trend(path: str | os.PathLike[str], partnership_id: str) -> Trend:
    """The health trend of one partnership from an existing database file (what
    ``render(..., history=)`` draws), read from summary columns: milliseconds, however large
    the stored reports. Raises :class:`HistoryError` or :class:`UsageError`."""
    with HistoryStore(path, create=False) as store:
        return store.trend(partnership_id)
