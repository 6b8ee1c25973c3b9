"""Print how the time to load, build the graph, derive facts and audit grows with size.

Two shapes of synthetic record (from ``synthetic.py``, with its communication and governance
replaced), at 20, 100, 400, 1,600 and 5,000 partners:

* ``chain``: partner i talks to partner i+1 and nobody else, the board has two partners and
  the working groups are runs of consecutive partners, so nearly every partner is a cut
  point (the worst case for the cut-point facts);
* ``one channel``: every partner is in one channel (a channel lists at most 1,000 members,
  so above that, channels of 1,000 that overlap by one partner; the worst case for the
  size of the communication network).

Run: python benchmarks/bench_scale.py [--sizes 20 100 400] [--repeat 3]
Figures only (medians, in seconds); they move with machine load, so compare ratios.
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
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from synthetic import synthetic_record  # noqa: E402

from partnership_rules import Auditor, build_graph, derive_facts, load_record  # noqa: E402

SIZES = (20, 100, 400, 1600, 5000)
MAX_LIST = 1000  # most lists in a record (bodies, members, between...) hold at most 1,000 items
MAX_CHANNEL = MAX_LIST


def _lean(partners: int, seed: int = 0) -> dict[str, Any]:
    """``synthetic_record`` within the format's limits at 5,000 partners: fewer actions (the
    5 MB file limit), at most 1,000 bodies, members, signatories and review participants."""
    data = synthetic_record(partners, seed)
    data["actions"] = data["actions"][:partners]
    data["governance"]["bodies"] = data["governance"]["bodies"][:MAX_LIST]
    for body in data["governance"]["bodies"]:
        body["members"] = body["members"][:MAX_LIST]
    agreement = data["governance"]["agreement"]
    agreement["signed_by"] = agreement["signed_by"][:MAX_LIST]
    for review in data["reviews"]:
        review["participants"] = review["participants"][:MAX_LIST]
    return data


def chain_record(partners: int) -> dict[str, Any]:
    data = _lean(partners)
    ids = [p["id"] for p in data["partners"]]
    data["communication"] = [
        {"between": [a, b], "channel": "email", "every_days": 30, "two_way": i % 3 != 0}
        for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False))
    ]
    board, *groups = data["governance"]["bodies"]
    board["members"] = [ids[0], ids[1], "learners"]
    for g, group in enumerate(groups):
        run = ids[4 * g : 4 * g + 3] or ids[:2]
        group["members"], group["chair"] = run, run[0]
    return data


def one_channel_record(partners: int) -> dict[str, Any]:
    data = _lean(partners)
    ids = [p["id"] for p in data["partners"]]
    step = MAX_CHANNEL - 1
    data["communication"] = [
        {
            "between": ids[start : start + MAX_CHANNEL],
            "channel": "newsletter",
            "every_days": 30,
            "two_way": False,
        }
        for start in range(0, max(1, len(ids) - 1), step)
    ]
    return data


def median_s(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_record(auditor: Auditor, path: Path, repeat: int) -> tuple[float, ...]:
    """Median seconds to load ``path``, build its graph, derive its facts and audit it."""
    record = load_record(path)
    as_of = record.partnership.assessed_on
    assert as_of is not None
    graph = build_graph(record)
    return (
        median_s(lambda: load_record(path), repeat),
        median_s(lambda: build_graph(record), repeat),
        median_s(lambda: derive_facts(record, graph, as_of), repeat),
        median_s(lambda: auditor.audit(record), repeat),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    auditor = Auditor()
    print(
        f"{'record':<12} {'partners':>8} {'KB':>6} {'load':>8} {'graph':>8} {'facts':>8}"
        f" {'audit':>8} {'total':>8}   (seconds; audit = graph + facts + rules)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for label, make in (("chain", chain_record), ("one channel", one_channel_record)):
            for size in args.sizes:
                path = Path(tmp, f"{label.replace(' ', '-')}-{size}.json")
                path.write_text(json.dumps(make(size)))
                load, build, facts, audit = time_record(auditor, path, args.repeat)
                print(
                    f"{label:<12} {size:>8} {path.stat().st_size / 1024:>6.0f} {load:>8.3f}"
                    f" {build:>8.3f} {facts:>8.3f} {audit:>8.3f} {load + audit:>8.3f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
