"""Worst cases of loading one untrusted record: time and memory, each in a fresh process.

Run: python benchmarks/bench_hostile.py [--only NAME]

Each case is a generated file (or record data) built to cost as much as the loader allows:
the biggest lists, the most values, the deepest nesting, alias bombs, a long ``reports_to``
chain, thousands of problems. Most are refused; the figures are what
refusing (or loading) it costs. Peak memory is the peak of
Python's allocations while loading (tracemalloc, in a second run). Figures move with machine
load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

HEAD_YAML = "partnership: {id: p, name: P}\npartners: [{id: a, name: A}]\n"
HEAD_JSON = '{"partnership": {"id": "p", "name": "P"}, "partners": [{"id": "a", "name": "A"}], '

CHILD = """
import json, sys, time, tracemalloc
from partnership_rules import PartnershipRulesError, load_record, record_from_data

path = sys.argv[1]
data = json.load(open(path)) if path.endswith(".data") else None

def run():
    try:
        if data is not None:
            record_from_data(data)
        else:
            load_record(path)
        return "loaded"
    except PartnershipRulesError as error:
        return str(error).splitlines()[0].split(": ", 1)[1][:80]

record_from_data(  # warm up: first use loads the catalogue and builds validators
    {"partnership": {"id": "p", "name": "P"}, "partners": [{"id": "a", "name": "A"}]}
)
start = time.perf_counter()
outcome = run()
elapsed = time.perf_counter() - start
tracemalloc.start()
run()
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"seconds": elapsed, "peak_mb": peak / 2**20, "outcome": outcome}))
"""


def flat_list_yaml() -> str:
    return HEAD_YAML + "actions: [" + ",".join(["0"] * 480_000) + "]\n"


def flat_list_json() -> str:
    return HEAD_JSON + '"actions": [' + ",".join(["0"] * 480_000) + "]}"


def most_values_yaml() -> str:
    # 49 lists of 10,000 short items: under every per-list limit, 490,000 values in 2 MB.
    lists = "".join(f"x{i}: [" + ",".join(["a"] * 10_000) + "]\n" for i in range(49))
    return HEAD_YAML + lists


def most_values_json() -> str:
    lists = ", ".join(f'"x{i}": [' + ",".join(["0"] * 10_000) + "]" for i in range(49))
    return HEAD_JSON + lists + "}"


def too_many_values_json() -> str:
    lists = ", ".join(f'"x{i}": [' + ",".join(["0"] * 10_000) + "]" for i in range(60))
    return HEAD_JSON + lists + "}"


def nested_alias_bomb() -> str:
    lines = [HEAD_YAML.rstrip("\n"), "a0: &a0 [lol]"]
    for level in range(1, 12):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def deep_yaml() -> str:
    return HEAD_YAML + "deep: " + "[" * 5000 + "]" * 5000 + "\n"


def deep_json() -> str:
    return HEAD_JSON + '"deep": ' + "[" * 1_000_000 + "]" * 1_000_000 + "}"


def wide_mapping_yaml() -> str:
    return HEAD_YAML + "x: {" + ", ".join(f"k{i}: 0" for i in range(10_000)) + "}\n"


def chain(count: int, cycle: bool) -> str:
    bodies = [
        {"id": f"b{i}", "name": f"B{i}", "kind": "working-group", "reports_to": f"b{i + 1}"}
        for i in range(count - 1)
    ]
    bodies.append({"id": f"b{count - 1}", "name": "Top", "kind": "board"})
    if cycle:
        bodies[-1]["reports_to"] = "b0"
    data = {
        "partnership": {"id": "p", "name": "P"},
        "partners": [{"id": "a", "name": "A"}],
        "governance": {"bodies": bodies},
    }
    return json.dumps(data)


def many_problems() -> str:
    partners = [{"id": f"p{i}", "name": "x" * 600, "kind": "nobody"} for i in range(5_000)]
    return json.dumps({"partnership": {"id": "p", "name": "P"}, "partners": partners})


CASES: dict[str, tuple[str, Callable[[], str]]] = {
    "flat list of 480,000 numbers": (".yaml", flat_list_yaml),
    "flat list of 480,000 numbers ": (".json", flat_list_json),
    "490,000 values in 49 lists": (".yaml", most_values_yaml),
    "490,000 values in 49 lists ": (".json", most_values_json),
    "600,000 values in 60 lists": (".json", too_many_values_json),
    "alias bomb (10^11 values)": (".yaml", nested_alias_bomb),
    "5,000 levels of nesting": (".yaml", deep_yaml),
    "1,000,000 levels of nesting": (".json", deep_json),
    "mapping of 10,000 keys": (".yaml", wide_mapping_yaml),
    "reports_to chain, 1,000 bodies, cycle": (".data", lambda: chain(1_000, True)),
    "reports_to chain, 1,000 bodies": (".data", lambda: chain(1_000, False)),
    "5,000 partners, 10,000 problems": (".data", many_problems),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help="run the cases whose name contains this")
    args = parser.parse_args()
    print(f"{'case':<40} {'kind':<6} {'size':>8} {'time':>9} {'peak mem':>9}  outcome")
    with tempfile.TemporaryDirectory() as tmp:
        for index, (name, (suffix, make)) in enumerate(CASES.items()):
            if args.only and args.only not in name:
                continue
            path = Path(tmp, f"case{index}{suffix}")
            path.write_text(make(), encoding="utf-8")
            result = subprocess.run(
                [sys.executable, "-c", CHILD, str(path)],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, "PYTHONHASHSEED": "0"},
            )
            figures = json.loads(result.stdout)
            kind = "data" if suffix == ".data" else suffix[1:]
            size = f"{path.stat().st_size / 1024:,.0f} KB"
            print(
                f"{name.strip():<40} {kind:<6} {size:>8} {figures['seconds']:8.3f}s"
                f" {figures['peak_mb']:7.0f} MB  {figures['outcome']}"
            )


if __name__ == "__main__":
    main()
