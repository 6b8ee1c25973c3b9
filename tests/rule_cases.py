"""Data-driven rule cases: each file in ``tests/rule_cases/`` says how to make one rule fire
and how to keep it quiet, starting from a healthy base record.

A case file::

    rule: CORE001
    base: healthy            # tests/data/<base>.yaml (default: healthy)
    fire:                    # each variant must produce a finding of this rule...
      - about: objective has no target
        set: {"objectives[0].target": null}
        subjects: [objective:maths]    # ...on exactly these subjects (optional)
    quiet:                   # ...and each of these must not
      - about: a target of zero is still a target
        set: {"objectives[0].target": 0}

Operations, applied in this order: ``set`` (path -> value; null deletes a mapping key),
``append`` (path of a list -> item or list of items), ``remove`` (list of paths).
Paths use dots and [index], as in error messages: ``governance.bodies[0].members``.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
CASES = HERE / "rule_cases"
DATA = HERE / "data"

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _parts(path: str) -> list[str | int]:
    return [int(index) if index else name for name, index in _PART.findall(path)]


def _walk(data: Any, parts: list[str | int], create: bool) -> Any:
    for part in parts:
        if isinstance(part, int):
            data = data[part]
        else:
            if part not in data and create:
                data[part] = {}
            data = data[part]
    return data


def apply(record: dict[str, Any], variant: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``record`` with the variant's operations applied."""
    out = copy.deepcopy(record)
    for path, value in (variant.get("set") or {}).items():
        parts = _parts(path)
        parent = _walk(out, parts[:-1], create=True)
        if value is None and isinstance(parts[-1], str):
            parent.pop(parts[-1], None)
        else:
            parent[parts[-1]] = copy.deepcopy(value)
    for path, items in (variant.get("append") or {}).items():
        parts = _parts(path)
        parent = _walk(out, parts[:-1], create=True)
        target = parent.setdefault(parts[-1], [])
        target.extend(copy.deepcopy(items if isinstance(items, list) else [items]))
    for path in sorted(variant.get("remove") or [], key=lambda p: _parts(p), reverse=True):
        parts = _parts(path)
        parent = _walk(out, parts[:-1], create=False)
        del parent[parts[-1]]
    return out


def base_record(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DATA / f"{name}.yaml").read_text(encoding="utf-8"))
    return data


def load_cases() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(CASES.glob("*.yaml")):
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        case["file"] = path.name
        cases.append(case)
    return cases
