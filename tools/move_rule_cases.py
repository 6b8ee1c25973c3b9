"""Move rule case files of the old form (``tests/rule_cases/RULE.yaml``: ``rule``, ``base``,
``fire``, ``quiet``) into their rules' ``examples`` in ``rulesets/*.yaml``, and delete them.

The shipped rules' cases used to live in ``tests/rule_cases/``; they are now each rule's
examples (``docs/rule-language.md``, *Examples*). This moves a case file that a branch still
carries. It inserts text, so the rest of each rule file is kept byte for byte: the case's
lines (comments included) go last in the rule, under ``examples:``, with a ``base:`` when the
case's base differs from the file's ``examples_base`` (added before ``rules:`` when the file
has none). A rule that already has examples is left alone and its case file kept.

    python tools/move_rule_cases.py [REPOSITORY]
"""

from __future__ import annotations

import collections
import re
import sys
from pathlib import Path

import yaml

OLD_DEFAULT_BASE = "healthy"  # a case file without `base` meant tests/data/healthy.yaml
ID_LINE = re.compile(r"^  - id: ([A-Z][A-Z0-9]+)\s*$")


def read_case(path: Path) -> tuple[str, str, list[str]]:
    """The case file's rule, base, and lines other than ``rule:`` and ``base:``."""
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    body = [
        line for line in text.rstrip("\n").split("\n") if not line.startswith(("rule:", "base:"))
    ]
    while body and not body[0].strip():
        body.pop(0)
    return str(data["rule"]), str(data.get("base", OLD_DEFAULT_BASE)), body


def rule_end(lines: list[str], start: int) -> int:
    """The index after the last line of the rule whose ``- id:`` line is ``start``; blank
    lines and comments before the next item belong to that item."""
    end = start + 1
    while end < len(lines):
        line = lines[end]
        if line.startswith("  - ") or (line and not line.startswith((" ", "#"))):
            break
        end += 1
    while end > start + 1:
        line = lines[end - 1]
        indent = len(line) - len(line.lstrip())
        if line.strip() and not (line.lstrip().startswith("#") and indent <= 4):
            break
        end -= 1
    return end


def move(root: Path) -> tuple[list[str], list[str]]:
    """Move the case files under ``root``: (rules given examples, rules left alone)."""
    cases = {}
    files = {}
    for path in sorted((root / "tests" / "rule_cases").glob("*.yaml")):
        rule, base, body = read_case(path)
        cases[rule] = (base, body)
        files[rule] = path
    moved: list[str] = []
    kept: list[str] = []
    for path in sorted((root / "rulesets").glob("*.yaml")):
        lines = path.read_text(encoding="utf-8").split("\n")
        starts = [(i, m.group(1)) for i, line in enumerate(lines) if (m := ID_LINE.match(line))]
        here = [(i, rule) for i, rule in starts if rule in cases]
        if not here:
            continue
        header = next((line for line in lines if line.startswith("examples_base:")), None)
        if header is not None:
            file_base = header.split(":", 1)[1].split("#")[0].strip()
        else:
            counts = collections.Counter(cases[rule][0] for _, rule in here)
            file_base = counts.most_common(1)[0][0]
        for start, rule in reversed(here):
            end = rule_end(lines, start)
            if any(line.startswith("    examples:") for line in lines[start:end]):
                kept.append(rule)
                continue
            base, body = cases[rule]
            block = ["    examples:"]
            if base != file_base:
                block.append(f"      base: {base}")
            block += [("      " + line) if line.strip() else "" for line in body]
            lines[end:end] = block
            moved.append(rule)
        if header is None:
            at = lines.index("rules:")
            lines[at:at] = [
                "# The base record of the rule examples below (a rule's `examples: {base: NAME}`",
                "# may name another): a shipped healthy record, see docs/rule-language.md.",
                f"examples_base: {file_base}",
            ]
        path.write_text("\n".join(lines), encoding="utf-8")
    for rule in moved:
        files[rule].unlink()
    return sorted(moved), sorted(kept + sorted(set(cases) - set(moved) - set(kept)))


if __name__ == "__main__":
    moved, kept = move(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
    print(f"moved into their rules: {', '.join(moved) or 'none'}")
    if kept:
        print(f"kept (the rule has examples already, or no rule file has it): {', '.join(kept)}")
