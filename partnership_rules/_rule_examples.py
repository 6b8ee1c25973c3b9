"""A rule's examples (its tests, as data beside it): each ``fire`` and ``quiet`` case applied
to a base record and audited.

The base record is named by the rule's ``examples: {base: NAME}``, else by the rule file's
``examples_base``, else it is ``minimal`` (:data:`MINIMAL_RECORD`). The other names are the
healthy records shipped as package data in ``rulesets/bases/`` (see
:func:`base_record_names`): on each, no rule of its context fires.

A case is a record fragment plus a few keys of its own, applied in this order:

1. the fragment (every key but the case's own) is merged: a mapping is merged key by key
   into the base's mapping, recursively; any other value (a list, a text, a number,
   true/false) replaces the base's value; ``null`` removes the key;
2. ``set``: path -> value (``null`` removes a mapping key);
3. ``append``: path of a list -> an item, or a list of items;
4. ``remove``: a list of paths (list items removed from the last index to the first).

Paths use dots and [index], as error messages do: ``governance.bodies[0].members``. ``about``
describes the case; ``subjects`` (fire cases) lists the subjects the rule must fire on,
exactly.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from ._errors import PartnershipRulesError, Problem, RecordError
from ._shipped_yaml import load_shipped_yaml

if TYPE_CHECKING:
    from ._audit import Auditor
    from ._rule_model import Ruleset

__all__ = [
    "CASE_KEYS",
    "DEFAULT_BASE",
    "MINIMAL_RECORD",
    "ExampleFailure",
    "RuleExample",
    "apply_example",
    "base_record",
    "base_record_names",
    "example_case_problems",
    "example_failure",
    "examples_auditor",
    "merge_fragment",
    "rule_examples",
    "run_rule_examples",
]

MINIMAL_RECORD: dict[str, Any] = {
    "partnership": {"id": "example", "name": "Example partnership", "assessed_on": "2025-01-01"},
    "partners": [
        {"id": "college", "name": "College", "kind": "provider"},
        {"id": "employer", "name": "Employer", "kind": "employer"},
    ],
}
# The base record of a rule whose examples and file name none.
DEFAULT_BASE = "minimal"
# The keys of a case that are not part of its record fragment.
CASE_KEYS = ("about", "subjects", "set", "append", "remove")

_PATH = re.compile(r"^[^.\[\]]+(?:\.[^.\[\]]+|\[\d+\])*$")
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def base_record_names() -> list[str]:
    """The names a rule's examples may give as their base record: ``minimal`` and the
    healthy records shipped in ``rulesets/bases/``."""
    return [DEFAULT_BASE, *_shipped_bases()]


@lru_cache(maxsize=1)
def _shipped_bases() -> tuple[str, ...]:
    root = files("partnership_rules.rulesets").joinpath("bases")
    return tuple(sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".yaml")))


def base_record(name: str) -> dict[str, Any]:
    """A fresh copy of the base record ``name`` (one of :func:`base_record_names`).
    Raises :class:`RecordError` for an unknown name."""
    if name == DEFAULT_BASE:
        return copy.deepcopy(MINIMAL_RECORD)
    if name not in _shipped_bases():
        known = ", ".join(base_record_names())
        raise RecordError(name, [Problem(f"no base record of this name (known: {known})")])
    return copy.deepcopy(_read_base(name))


@cache
def _read_base(name: str) -> dict[str, Any]:

    resource = files("partnership_rules.rulesets").joinpath("bases", f"{name}.yaml")
    data: dict[str, Any] = load_shipped_yaml(resource.read_text(encoding="utf-8"))
    return data


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


def example_case_problems(case: Mapping[str, Any]) -> list[str]:
    """What is wrong with the form of one case (not whether it fires): empty if nothing."""
    problems: list[str] = []
    if "about" in case and not isinstance(case["about"], str):
        problems.append("about: a text")
    subjects = case.get("subjects")
    if "subjects" in case and not (
        isinstance(subjects, list) and all(isinstance(s, str) for s in subjects)
    ):
        problems.append("subjects: a list of subjects such as objective:maths")
    for key in ("set", "append"):
        operations = case.get(key)
        if key in case and not isinstance(operations, Mapping):
            problems.append(f"{key}: a mapping of path: value")
        elif isinstance(operations, Mapping):
            problems += [f"{key}: '{p}' is not a path" for p in operations if not _is_path(p)]
    removals = case.get("remove")
    if "remove" in case and not isinstance(removals, list):
        problems.append("remove: a list of paths")
    elif isinstance(removals, list):
        problems += [f"remove: '{p}' is not a path" for p in removals if not _is_path(p)]
    return problems


def _is_path(path: object) -> bool:
    return isinstance(path, str) and _PATH.match(path) is not None


def _parts(path: str) -> list[str | int]:
    return [int(index) if index else name for name, index in _PART.findall(path)]


def _walk(data: Any, parts: list[str | int], create: bool) -> Any:
    for part in parts:
        if isinstance(part, int):
            data = data[part]
        else:
            if create and part not in data:
                data[part] = {}
            data = data[part]
    return data


def apply_example(base: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with the case applied: its fragment merged, then ``set``, ``append`` and
    ``remove`` (see the module's docstring); neither changes. Raises :class:`RecordError`
    naming the path when a path does not fit the base."""
    fragment = {k: v for k, v in case.items() if k not in CASE_KEYS}
    out = merge_fragment(base, fragment)
    path = ""
    try:
        for path, value in (case.get("set") or {}).items():
            parts = _parts(path)
            parent = _walk(out, parts[:-1], create=True)
            if value is None and isinstance(parts[-1], str):
                parent.pop(parts[-1], None)
            else:
                parent[parts[-1]] = copy.deepcopy(value)
        for path, items in (case.get("append") or {}).items():
            parts = _parts(path)
            parent = _walk(out, parts[:-1], create=True)
            target = parent.setdefault(parts[-1], [])
            target.extend(copy.deepcopy(items if isinstance(items, list) else [items]))
        for path in sorted(case.get("remove") or [], key=_parts, reverse=True):
            parts = _parts(path)
            parent = _walk(out, parts[:-1], create=False)
            del parent[parts[-1]]
    except (KeyError, IndexError, TypeError, AttributeError):
        raise RecordError("example", [Problem("does not fit the base record", path)]) from None
    return out


@dataclass(frozen=True)
class RuleExample:
    """One case of a rule's examples: ``kind`` is "fire" or "quiet", ``index`` its place in
    that list, ``base`` the name of its base record."""

    rule: str
    kind: str
    index: int
    base: str
    case: Mapping[str, Any]

    @property
    def about(self) -> str:
        """The case's description (empty when it gives none)."""
        return str(self.case.get("about", ""))

    @property
    def subjects(self) -> list[str] | None:
        """The subjects the rule must fire on exactly, or None when the case names none."""
        subjects = self.case.get("subjects")
        return sorted(subjects) if isinstance(subjects, list) else None

    def record(self) -> dict[str, Any]:
        """The record the case describes: its base record with the case applied."""
        return apply_example(base_record(self.base), self.case)


def rule_examples(ruleset: Ruleset) -> list[RuleExample]:
    """Every case of every rule of ``ruleset``, each with the base record it applies to."""
    out: list[RuleExample] = []
    for compiled in ruleset.rules:
        examples = compiled.rule.examples
        if examples is None:
            continue
        base = examples.base or ruleset.examples_base or DEFAULT_BASE
        for kind, cases in (("fire", examples.fire), ("quiet", examples.quiet)):
            out += [RuleExample(compiled.id, kind, i, base, c) for i, c in enumerate(cases)]
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


def example_failure(auditor: Auditor, example: RuleExample) -> ExampleFailure | None:
    """Audit the record of ``example`` with ``auditor``: why it fails, or None if it passes.
    A rule's finding gathered into a group's finding counts as its finding."""

    def failed(problem: str) -> ExampleFailure:
        return ExampleFailure(example.rule, example.kind, example.index, example.about, problem)

    try:
        record = example.record()
    except RecordError as error:
        where = ", ".join(p.path for p in error.problems)
        return failed(f"{where} does not fit base record {example.base}")
    try:
        report = auditor.audit(record)
    except PartnershipRulesError as error:
        return failed(f"the merged record is not valid: {str(error).splitlines()[0]}")
    fired = sorted(
        {f.subject for f in report.findings if f.rule == example.rule}
        | {u.subject for f in report.findings for u in f.units() if u.rule == example.rule}
    )
    if example.kind == "quiet":
        return failed(f"fired on {', '.join(fired)}") if fired else None
    if not fired:
        return failed("did not fire")
    expected = example.subjects
    if expected is not None and fired != expected:
        return failed(f"fired on {', '.join(fired)}, not on {', '.join(expected)}")
    return None


def examples_auditor(
    path: str | os.PathLike[str],
    extra: Iterable[str | os.PathLike[str]] = (),
    engine: str | None = None,
) -> Auditor:
    """The auditor that runs the examples of the rule file ``path``: every shipped ruleset
    (the file standing in for its shipped copy) and ``extra``, on every record, on ``engine``
    (default: the engine an audit would use)."""
    from ._audit import Auditor
    from ._rule_loader import load_ruleset, shipped_ruleset_names

    name = load_ruleset(os.fspath(path)).name
    others = [n for n in shipped_ruleset_names() if n != name]
    return Auditor([*others, os.fspath(path), *extra], engine=engine)


def run_rule_examples(
    path: str | os.PathLike[str],
    extra: Iterable[str | os.PathLike[str]] = (),
    engine: str | None = None,
) -> tuple[int, list[ExampleFailure]]:
    """Run the examples of every rule of the rule file ``path`` (with the shipped rulesets and
    ``extra`` rule files loaded beside it) on ``engine`` (default: the engine an audit would
    use): the number of cases run, and the failures."""
    from ._rule_loader import load_ruleset

    examples = rule_examples(load_ruleset(os.fspath(path)))
    auditor = examples_auditor(path, extra, engine)
    failures = [f for f in (example_failure(auditor, e) for e in examples) if f is not None]
    return len(examples), failures
