"""Every benchmark in one table, each figure beside its target.

Run: python benchmarks/run_all.py [--quick]

Rows: the stages of a typical 20-partner audit for both engines, the durable-to-python ratio
(engine run and whole audit), the whole audit (load + graph + facts + rules) of chain
records from 50 to 1,600 partners, batch throughput of the CLI with ``--jobs 1`` and
``--jobs 2`` (extrapolated to 10,000 records from a smaller batch), the CLI's cold start
against ``python -c pass``, and RSS growth over repeated in-process audits. Stage figures
are CPU time of this process, the rest wall time. ``--quick`` uses fewer repeats, a smaller
batch (each row says what it measured). The table is
Markdown, ready for the README. The figures move with machine load: the load average is
printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))

from bench_audit import median_ms  # noqa: E402
from bench_cli import CLI, best_of, rss_mb, run_batch  # noqa: E402
from bench_scale import chain_record, time_record  # noqa: E402
from synthetic import synthetic_record  # noqa: E402

from partnership_rules import (  # noqa: E402
    Auditor,
    available_engines,
    build_graph,
    derive_facts,
    load_record,
    record_from_data,
    render,
)

TYPICAL_PARTNERS = 20
TARGET_TYPICAL_MS = 5.0
TARGET_AUDIT_RATIO = 1.5
TARGET_ENGINE_RATIO = 3.0  # the goal for the engine run alone
TARGET_800_S = 2.0
TARGET_BATCH_S = 60.0  # 10,000 records with --jobs 2
TARGET_BATCH_RECORDS = 10_000
TARGET_CLI_RSS_MB = 300.0
TARGET_COLD_S = 0.5
TARGET_RSS_GROWTH_MB = 30.0


@dataclass
class Row:
    measure: str
    value: str
    target: str = ""
    met: bool | None = None

    def cells(self) -> list[str]:
        met = "" if self.met is None else ("yes" if self.met else "**no**")
        return [self.measure, self.value, self.target, met]


def typical_rows(tmp: Path, repeat: int) -> list[Row]:
    """Stages of one 20-partner audit, per engine, and the durable-to-python ratios."""
    data = synthetic_record(TYPICAL_PARTNERS)
    yaml_path, json_path = tmp / "typical.yaml", tmp / "typical.json"
    yaml_path.write_text(yaml.safe_dump(data, sort_keys=False))
    json_path.write_text(json.dumps(data))
    record = load_record(json_path)
    as_of = record.partnership.assessed_on
    assert as_of is not None
    graph = build_graph(record)
    facts = derive_facts(record, graph, as_of)
    default_engine = Auditor().engine
    load_yaml = median_ms(lambda: load_record(yaml_path), repeat)
    rows = [
        Row(f"load YAML ({yaml_path.stat().st_size / 1024:.0f} KB)", f"{load_yaml:.2f} ms"),
        Row("load JSON", f"{median_ms(lambda: load_record(json_path), repeat):.2f} ms"),
        Row("build graph", f"{median_ms(lambda: build_graph(record), repeat):.2f} ms"),
        Row(
            f"derive facts ({len(facts)})",
            f"{median_ms(lambda: derive_facts(record, graph, as_of), repeat):.2f} ms",
        ),
    ]
    runs: dict[str, float] = {}
    audits: dict[str, float] = {}
    for engine in available_engines():
        auditor = Auditor(engine=engine)
        report = auditor.audit(record)
        run = auditor._engine.run  # the engine alone, on the same facts
        runs[engine] = median_ms(lambda r=run: r(facts), repeat)
        audits[engine] = median_ms(lambda a=auditor: a.audit(record), repeat)
        rows.append(Row(f"engine run, {engine}", f"{runs[engine]:.2f} ms"))
        is_default = engine == default_engine
        rows.append(
            Row(
                f"audit from parsed record, {engine}" + (" (default)" if is_default else ""),
                f"{audits[engine]:.2f} ms",
                f"<= {TARGET_TYPICAL_MS:g} ms" if is_default else "",
                audits[engine] <= TARGET_TYPICAL_MS if is_default else None,
            )
        )
        if engine == "python":
            for fmt in ("text", "json"):
                rows.append(
                    Row(
                        f"render {fmt}",
                        f"{median_ms(lambda f=fmt, r=report: render(r, f), repeat):.2f} ms",
                    )
                )
    if {"durable", "python"} <= runs.keys():
        engine_ratio = runs["durable"] / runs["python"]
        rows.append(
            Row(
                "durable / python, engine run",
                f"{engine_ratio:.2f}x",
                f"<= {TARGET_ENGINE_RATIO:g}x (goal)",
                engine_ratio <= TARGET_ENGINE_RATIO,
            )
        )
        # The whole audit as a user pays for it: loading the YAML file, then the audit.
        whole = (load_yaml + audits["durable"]) / (load_yaml + audits["python"])
        rows.append(
            Row(
                "durable / python, whole audit (YAML load + audit)",
                f"{whole:.2f}x",
                f"<= {TARGET_AUDIT_RATIO:g}x",
                whole <= TARGET_AUDIT_RATIO,
            )
        )
    return rows


def scale_rows(tmp: Path, sizes: list[int], repeat: int) -> list[Row]:
    """The whole audit (load + graph + facts + rules) of chain records, default engine."""
    auditor = Auditor()
    rows = []
    for size in sizes:
        path = tmp / f"chain-{size}.json"
        path.write_text(json.dumps(chain_record(size)))
        load, _, _, audit = time_record(auditor, path, repeat)
        total = load + audit
        at_target = size == 800
        rows.append(
            Row(
                f"whole audit, {size:,} partners (chain, {path.stat().st_size / 1024:,.0f} KB)",
                f"{total:.3f} s",
                f"<= {TARGET_800_S:g} s" if at_target else "",
                total <= TARGET_800_S if at_target else None,
            )
        )
    return rows


def batch_rows(tmp: Path, records: int) -> list[Row]:
    """CLI batch throughput, extrapolated to 10,000 records when ``records`` is smaller."""
    folder = tmp / "batch"
    folder.mkdir()
    for i in range(records):
        data = synthetic_record(TYPICAL_PARTNERS, seed=i)
        (folder / f"r{i:05}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    rows = []
    for jobs in (1, 2):
        output = tmp / f"out-{jobs}.jsonl"
        elapsed, _, cli_mb, worker_mb = run_batch(folder, output, jobs)
        with output.open() as lines:
            assert sum(1 for _ in lines) == records
        per_minute = records / elapsed * 60
        for_target = elapsed * TARGET_BATCH_RECORDS / records
        note = "" if records == TARGET_BATCH_RECORDS else f", {for_target:.0f} s for 10,000 est."
        target = jobs == 2
        rows.append(
            Row(
                f"batch --jobs {jobs}, {records:,} YAML records",
                f"{elapsed:.1f} s = {per_minute:,.0f} a minute{note}",
                f"10,000 <= {TARGET_BATCH_S:g} s" if target else "",
                for_target <= TARGET_BATCH_S if target else None,
            )
        )
        rows.append(
            Row(
                f"batch --jobs {jobs}, peak RSS: command / largest worker",
                f"{cli_mb:.0f} MB / {worker_mb:.0f} MB",
                f"command < {TARGET_CLI_RSS_MB:g} MB",
                cli_mb < TARGET_CLI_RSS_MB,
            )
        )
    return rows


def cold_start_rows(tmp: Path, runs: int) -> list[Row]:
    one = tmp / "one.yaml"
    one.write_text(yaml.safe_dump(synthetic_record(TYPICAL_PARTNERS), sort_keys=False))
    base_wall, _ = best_of([sys.executable, "-c", "pass"], runs)
    wall, cpu = best_of([*CLI, "audit", str(one), "-o", str(tmp / "one.txt")], runs)
    return [
        Row(
            f"CLI on one file, best of {runs}",
            f"{wall:.2f} s wall, {cpu:.2f} s CPU ({wall / base_wall:.0f}x `python -c pass`,"
            f" {base_wall * 1000:.0f} ms)",
            f"<= {TARGET_COLD_S:g} s",
            wall <= TARGET_COLD_S,
        )
    ]


def rss_rows(audits: int) -> list[Row]:
    """RSS growth of this process over ``audits`` audits of different records."""
    auditor = Auditor()
    records = [record_from_data(synthetic_record(TYPICAL_PARTNERS, seed=i)) for i in range(20)]
    for record in records:  # warm up: caches fill on first use
        auditor.audit(record)
    before = rss_mb(os.getpid())
    for i in range(audits):
        auditor.audit(records[i % len(records)])
    growth = rss_mb(os.getpid()) - before
    return [
        Row(
            f"RSS growth over {audits:,} in-process audits",
            f"{growth:.1f} MB",
            f"< {TARGET_RSS_GROWTH_MB:g} MB over 5,000",
            growth < TARGET_RSS_GROWTH_MB,
        )
    ]


def table(rows: list[Row]) -> str:
    header = ["measure", "figure", "target", "met"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller batch")
    parser.add_argument("--records", type=int, help="batch size (default 10,000; quick 300)")
    parser.add_argument("--audits", type=int, default=5_000, help="audits for RSS growth")
    args = parser.parse_args()
    repeat = 20 if args.quick else 200
    records = args.records or (300 if args.quick else TARGET_BATCH_RECORDS)
    sizes = [50, 200, 800, 1600] if args.quick else [50, 100, 200, 400, 800, 1600]
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        rows = typical_rows(tmp, repeat)
        rows += scale_rows(tmp, sizes, 1 if args.quick else 3)
        rows += batch_rows(tmp, records)
        rows += cold_start_rows(tmp, 3 if args.quick else 7)
        rows += rss_rows(args.audits)
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    print(
        f"Machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]},"
        f" load average {load_before:.1f} at the start, {load} (1, 5, 15 min) at the end"
        + (" (--quick)" if args.quick else "")
    )
    print()
    print(table(rows))


if __name__ == "__main__":
    main()
