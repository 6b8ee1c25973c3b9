"""Print how long auditing takes: per stage for one 20-partner record, per engine, and a batch.

Run: python benchmarks/bench_audit.py [--partners 20] [--batch 400]
Stage figures are CPU time of this process (steadier on a shared machine); batch figures are
wall-clock. Compare ratios between runs on the same machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))

from synthetic import synthetic_record  # noqa: E402

from partnership_rules import (  # noqa: E402  # noqa: E402
    Auditor,
    BatchOptions,
    audit_batch,
    available_engines,
    build_graph,
    derive_facts,
    load_record,
)


def median_ms(fn: Callable[[], object], repeat: int = 200) -> float:
    # CPU time of this process: on a shared machine, other processes' load does not count.
    fn()  # warm up
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partners", type=int, default=20)
    parser.add_argument("--batch", type=int, default=400)
    args = parser.parse_args()

    data = synthetic_record(args.partners)
    with tempfile.TemporaryDirectory() as tmp:
        yaml_path = Path(tmp, "record.yaml")
        json_path = Path(tmp, "record.json")
        yaml_path.write_text(yaml.safe_dump(data, sort_keys=False))
        json_path.write_text(json.dumps(data))
        record = load_record(json_path)
        as_of = record.partnership.assessed_on
        assert as_of is not None
        graph = build_graph(record)
        facts = derive_facts(record, graph, as_of)
        print(
            f"record: {args.partners} partners, {len(facts)} facts, "
            f"{yaml_path.stat().st_size / 1024:.0f} KB as YAML"
        )
        print(f"  load YAML            {median_ms(lambda: load_record(yaml_path), 50):8.2f} ms")
        print(f"  load JSON            {median_ms(lambda: load_record(json_path)):8.2f} ms")
        print(f"  build graph          {median_ms(lambda: build_graph(record)):8.2f} ms")
        print(
            f"  derive facts         {median_ms(lambda: derive_facts(record, graph, as_of)):8.2f}"
            " ms"
        )
        runs: dict[str, float] = {}
        audits: dict[str, float] = {}
        for engine in available_engines():
            auditor = Auditor(engine=engine)
            findings = len(auditor.audit(record).findings)
            run = auditor._engine.run  # the engine alone, on the same facts
            runs[engine] = median_ms(lambda r=run: r(facts))
            audits[engine] = median_ms(lambda a=auditor: a.audit(record))
            print(f"  engine run, {engine:<7}      {runs[engine]:8.2f} ms")
            print(
                f"  audit in-process, {engine:<7} {audits[engine]:6.2f} ms"
                f"  ({len(auditor.rules)} rules, {findings} findings)"
            )
        if len(runs) == 2:
            print(
                f"  durable / python: engine run {runs['durable'] / runs['python']:.2f}x,"
                f" whole audit {audits['durable'] / audits['python']:.2f}x"
            )

        batch_dir = Path(tmp, "batch")
        batch_dir.mkdir()
        for i in range(args.batch):
            Path(batch_dir, f"r{i:05}.yaml").write_text(
                yaml.safe_dump(synthetic_record(args.partners, seed=i), sort_keys=False)
            )
        paths = sorted(str(p) for p in batch_dir.iterdir())
        for jobs in (1, 0):
            start = time.perf_counter()
            results = sum(1 for _ in audit_batch(paths, BatchOptions(format="jsonl"), jobs=jobs))
            elapsed = time.perf_counter() - start
            assert results == len(paths)
            label = "1 process" if jobs == 1 else "all CPUs"
            print(
                f"batch of {len(paths)} YAML files, {label:<9}: {elapsed:6.2f} s"
                f" = {len(paths) / elapsed * 60:,.0f} records a minute"
            )


if __name__ == "__main__":
    main()
