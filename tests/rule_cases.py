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

from pathlib import Path
from typing import Any

import yaml

from partnership_rules._rule_examples import apply_example as apply
from partnership_rules._rule_examples import base_record

HERE = Path(__file__).parent
CASES = HERE / "rule_cases"

__all__ = ["apply", "base_record", "load_cases"]


def load_cases() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(CASES.glob("*.yaml")):
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        case["file"] = path.name
        cases.append(case)
    return cases
