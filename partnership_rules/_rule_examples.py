"""A rule's examples (its tests, as data beside it): each ``fire`` and ``quiet`` fragment
merged into :data:`MINIMAL_RECORD` and audited.

The merge: a mapping in the fragment is merged key by key into the base's mapping,
recursively; any other value (a list, a text, a number, true/false) replaces the base's
value; ``null`` removes the key. The key ``about`` at the top of a fragment describes the
case and is not merged.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ._errors import PartnershipRulesError

__all__ = ["MINIMAL_RECORD", "ExampleFailure", "merge_fragment", "run_rule_examples"]

MINIMAL_RECORD: dict[str, Any] = {
    "partnership": {"id": "example", "name": "Example partnership", "assessed_on": "2025-01-01"},
    "partners": [
        {"id": "college", "name": "College", "kind": "provider"},
        {"id": "employer", "name": "Employer", "kind": "employer"},
    ],
}


def merge_fragment(base: Mapping[str, Any], fragment: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``fragment`` merged in (see the module's docstring); neither changes."""
    out = copy.deepcopy(dict(base))
    for key, value in fragment.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge_fragment(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@dataclass(frozen=True)
class ExampleFailure:
    """An example that did not do what it says: ``kind`` is "fire" or "quiet"."""

    rule: str
    kind: str
    index: int
    about: str
    problem: str

    def describe(self, source: str) -> str:
        """One line: ``source: RULE fire[0] (about): problem``."""
        about = f" ({self.about})" if self.about else ""
        return f"{source}: {self.rule} {self.kind}[{self.index}]{about}: {self.problem}"


def run_rule_examples(
    path: str | os.PathLike[str], extra: Iterable[str | os.PathLike[str]] = ()
) -> tuple[int, list[ExampleFailure]]:
    """Run the examples of every rule of the rule file ``path`` (with the shipped rulesets and
    ``extra`` rule files loaded beside it): the number of cases run, and the failures."""
    from ._audit import Auditor
    from ._rule_loader import load_ruleset, shipped_ruleset_names

    ruleset = load_ruleset(os.fspath(path))
    # Every ruleset applies to every example (a context ruleset's rules too); a shipped
    # ruleset's own file stands in for its shipped copy.
    others = [name for name in shipped_ruleset_names() if name != ruleset.name]
    auditor = Auditor([*others, os.fspath(path), *extra], engine="python")
    failures: list[ExampleFailure] = []
    cases = 0
    for compiled in ruleset.rules:
        examples = compiled.rule.examples
        if examples is None:
            continue
        for kind, fragments in (("fire", examples.fire), ("quiet", examples.quiet)):
            for index, fragment in enumerate(fragments):
                cases += 1
                about = str(fragment.get("about", ""))
                record = merge_fragment(
                    MINIMAL_RECORD, {k: v for k, v in fragment.items() if k != "about"}
                )
                try:
                    report = auditor.audit(record)
                except PartnershipRulesError as error:
                    problem = f"the merged record is not valid: {str(error).splitlines()[0]}"
                    failures.append(ExampleFailure(compiled.id, kind, index, about, problem))
                    continue
                fired = [f.subject for f in report.findings if f.rule == compiled.id]
                if kind == "fire" and not fired:
                    failures.append(ExampleFailure(compiled.id, kind, index, about, "did not fire"))
                if kind == "quiet" and fired:
                    problem = f"fired on {', '.join(sorted(fired))}"
                    failures.append(ExampleFailure(compiled.id, kind, index, about, problem))
    return cases, failures
