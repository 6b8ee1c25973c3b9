"""Plausible records of any size, from the benchmarks' generator (``benchmarks/synthetic.py``),
for tests that need more partners than the hypothesis strategies draw."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, cast

GENERATOR = Path(__file__).parent.parent / "benchmarks" / "synthetic.py"


@cache
def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("synthetic", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def synthetic_record(partners: int, seed: int = 0) -> dict[str, Any]:
    """A deterministic record with ``partners`` partners and proportionate everything else."""
    return cast(dict[str, Any], _generator().synthetic_record(partners, seed))
