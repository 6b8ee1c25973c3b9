"""Print how long reading a partnership's history takes: the full history (every stored
report parsed and compared with the one before, what ``history ID`` shows) against the
health trend read from the summary columns (what ``audit --history DB`` draws).

Run: python benchmarks/bench_history.py [--partners 40] [--audits 30]
Figures are CPU time of this process (median of repeats); compare them on the same machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_audit import median_ms  # noqa: E402
from synthetic import synthetic_record  # noqa: E402

from partnership_rules import (  # noqa: E402
    Auditor,
    HistoryStore,
    load_history,
    load_trend,
    record_from_data,
    render,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=40)
    parser.add_argument("--audits", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    auditor = Auditor(engine="python")
    record = record_from_data(synthetic_record(args.partners))
    first = dt.date(2020, 1, 31)
    reports = [
        auditor.audit(record, as_of=first + dt.timedelta(days=30 * n)) for n in range(args.audits)
    ]
    latest = auditor.audit(record, as_of=first + dt.timedelta(days=30 * args.audits))
    pid = latest.partnership.id
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "history.db"
        with HistoryStore(db) as store:
            store.save_many(reports)
        load_trend(db, pid)  # the file opened once (WAL set up) before timing
        rows = [
            ("load_history (full)", median_ms(lambda: load_history(db, pid), args.repeat)),
            ("load_trend", median_ms(lambda: load_trend(db, pid), args.repeat)),
            (
                "html with load_history",
                median_ms(lambda: render(latest, "html", history=load_history(db, pid)), 3),
            ),
            (
                "html with load_trend",
                median_ms(lambda: render(latest, "html", history=load_trend(db, pid)), 3),
            ),
            ("html without history", median_ms(lambda: render(latest, "html"), 3)),
        ]
    findings = len(latest.findings)
    print(f"{args.audits} saved audits of {args.partners} partners ({findings} findings each)")
    for name, ms in rows:
        print(f"| {name} | {ms:.1f} ms |")


if __name__ == "__main__":
    main()
