"""The command line's own figures: cold start on one file, batch throughput and memory.

Run: python benchmarks/bench_cli.py [--records 10000] [--partners 20] [--jobs 1 2]

- Cold start: ``partnership-rules audit`` on one typical record against ``python -c pass``,
  the best of several runs, as wall time and as CPU time (user + system; steadier on a
  shared machine).
- Batch: ``audit DIR --format jsonl -o FILE --jobs N`` on synthetic YAML records (20
  partners each by default, a different seed each): wall time, records a minute, and the
  peak resident memory of the command's own process and of its largest worker (read from
  /proc while it runs; Linux only).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))

from synthetic import synthetic_record  # noqa: E402

CLI = [sys.executable, "-m", "partnership_rules"]


def best_of(command: list[str], runs: int) -> tuple[float, float]:
    """The best wall time and the best CPU time (user + system) of ``runs`` runs."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        wall = min(wall, time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = min(cpu, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, cpu


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def run_batch(folder: Path, output: Path, jobs: int) -> tuple[float, float, float, float]:
    """Wall time, CPU time of the command's own process, peak RSS of the command and of
    its largest worker (MB)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [
            *CLI,
            "audit",
            str(folder),
            "--format",
            "jsonl",
            "-o",
            str(output),
            "--jobs",
            str(jobs),
            "--no-progress",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    peaks = {"cli": 0.0, "worker": 0.0, "cpu": 0.0}

    def watch() -> None:
        while process.poll() is None:
            peaks["cpu"] = max(peaks["cpu"], cpu_seconds(process.pid))
            peaks["cli"] = max(peaks["cli"], rss_mb(process.pid))
            for pid in descendants(process.pid):
                peaks["worker"] = max(peaks["worker"], rss_mb(pid))
            time.sleep(0.2)

    watcher = threading.Thread(target=watch)
    watcher.start()
    process.wait()
    watcher.join()
    return time.perf_counter() - start, peaks["cpu"], peaks["cli"], peaks["worker"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--partners", type=int, default=20)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp, "one.yaml")
        one.write_text(yaml.safe_dump(synthetic_record(args.partners, seed=0), sort_keys=False))
        base_wall, base_cpu = best_of([sys.executable, "-c", "pass"], args.runs)
        wall, cpu = best_of([*CLI, "audit", str(one), "-o", str(Path(tmp, "one.txt"))], args.runs)
        print(
            f"cold start, one file: {wall * 1000:.0f} ms wall ({wall / base_wall:.0f}x python -c"
            f" pass), {cpu * 1000:.0f} ms CPU ({cpu / base_cpu:.0f}x)"
        )
        folder = Path(tmp, "batch")
        folder.mkdir()
        for i in range(args.records):
            record = synthetic_record(args.partners, seed=i)
            Path(folder, f"r{i:05}.yaml").write_text(yaml.safe_dump(record, sort_keys=False))
        for jobs in args.jobs:
            output = Path(tmp, f"out-{jobs}.jsonl")
            elapsed, cpu, cli_mb, worker_mb = run_batch(folder, output, jobs)
            lines = sum(1 for _ in output.open())
            assert lines == args.records, (lines, args.records)
            print(
                f"batch of {args.records} records, --jobs {jobs}: {elapsed:6.1f} s"
                f" = {args.records / elapsed * 60:,.0f} a minute; the command's own CPU"
                f" {cpu / args.records * 1000:.2f} ms a record; peak RSS: command"
                f" {cli_mb:.0f} MB, largest worker {worker_mb:.0f} MB"
            )


if __name__ == "__main__":
    main()
