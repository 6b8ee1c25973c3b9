"""Rule files: reading, validating and compiling them into :class:`Ruleset` objects.

A rule file holds one ruleset::

    ruleset: core
    title: Checks every partnership gets
    rules:
      - id: CORE001
        name: objective-without-target
        title: Objective has no measurable target
        severity: high
        category: vague-objectives
        applies_to: objective
        when: {field: has_target, equals: false}
        message: "Objective '{id}' has no target value."
        rationale: Why it matters, with the threshold justified.
        remedy: What to do about it, concretely.
        references:
          - {source: qca-partnership-guide, section: Limiting factors}

The rule model is in ``_rule_model``, the condition language in ``_conditions`` and the
message placeholders in ``_templates``. Every problem found is reported at once, as a
:class:`RulesetError` naming the file, the rule and the field.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib.metadata import entry_points
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ._conditions import compile_condition
from ._errors import Problem, RecordError, RulesetError, UsageError
from ._loader import DataLimits, PathKey, parse_text, read_text
from ._rule_cache import cache_key, cached_ruleset, store_ruleset
from ._rule_model import (
    MAX_RULES_PER_FILE,
    CompiledGroup,
    CompiledJoin,
    CompiledRule,
    Group,
    GroupPart,
    Join,
    Rule,
    RuleFile,
    Ruleset,
    Threshold,
    ThresholdUse,
)
from ._sources import source_keys
from ._templates import FieldSpec, template_problems
from ._vocabulary import RESERVED_FIELDS
from .engines._limits import distinct_test_problem
from .facts import CHECKED_APART, FACT_SCHEMAS

__all__ = [
    "MAX_RULE_FILE_BYTES",
    "ENTRY_POINT_GROUP",
    "RULE_FILE_LIMITS",
    "RULE_FILE_SUFFIXES",
    "published_rule_files",
    "expand_rule_paths",
    "load_ruleset",
    "load_rulesets",
    "shipped_ruleset_names",
]

MAX_RULE_FILE_BYTES = 1024 * 1024
# A rule file nests a condition at most 8 deep (two levels each: {all: [...]}) under
# rules[i].when; it holds at most MAX_RULES_PER_FILE rules.
RULE_FILE_LIMITS = DataLimits(
    max_bytes=MAX_RULE_FILE_BYTES,
    max_depth=32,
    max_values=200_000,
    max_items=MAX_RULES_PER_FILE,
)


def _validation_problems(error: ValidationError, prefix: str = "") -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        loc = ".".join(str(p) for p in item["loc"])
        message = "unknown field" if item["type"] == "extra_forbidden" else item["msg"]
        problems.append(Problem(message, f"{prefix}.{loc}" if prefix and loc else prefix or loc))
    return problems


def compile_rule(
    raw: Any,
    ruleset: str,
    where: str,
    thresholds: Mapping[str, Threshold] | None = None,
    values: Mapping[str, float] | None = None,
) -> tuple[CompiledRule | None, list[Problem]]:
    """Validate and compile one rule of ``ruleset`` (``where`` locates it in its file, such
    as ``rules[3]``): the compiled rule, or None and its problems. ``thresholds`` are the
    ruleset's named thresholds, ``values`` their values for this compilation (default: each
    threshold's default)."""
    thresholds = thresholds or {}
    values = {name: (values or {}).get(name, t.default) for name, t in thresholds.items()}
    if not isinstance(raw, dict):
        return None, [Problem("a rule is a mapping", where)]
    rule_id = raw.get("id")
    label = f"{where} ({rule_id})" if isinstance(rule_id, str) else where
    try:
        rule = Rule.model_validate(raw)
    except ValidationError as error:
        return None, _validation_problems(error, label)
    schema = FACT_SCHEMAS.get(rule.applies_to)
    if schema is None:
        return None, [
            Problem(
                f"unknown fact type '{rule.applies_to}' (one of: {', '.join(FACT_SCHEMAS)})",
                f"{label}.applies_to",
            )
        ]
    compiled = compile_condition(rule.when, rule.applies_to, schema, f"{label}.when", values)
    problems = list(compiled.problems)
    joins: dict[str, CompiledJoin | None] = {}
    used = list(compiled.thresholds)
    for key in ("join", "absent"):
        joins[key], join_thresholds, join_problems = compile_join(
            getattr(rule, key), rule.applies_to, f"{label}.{key}", values
        )
        problems += join_problems
        used += [name for name in join_thresholds if name not in used]
    join = joins["join"]
    joined = (join.type, FACT_SCHEMAS[join.type]) if join is not None else None
    texts = [("message", rule.message), ("remedy", rule.remedy)]
    texts += [(f"remedy_in_context.{k}", v) for k, v in rule.remedy_in_context.items()]
    for part, text in texts:
        problems += template_problems(
            text, rule.applies_to, schema, f"{label}.{part}", thresholds, joined
        )
    for index, reference in enumerate(rule.references):
        # A source of one's own is cited with its title; a catalogue key needs none.
        if reference.source not in source_keys() and not reference.title:
            problems.append(
                Problem(
                    f"unknown source '{reference.source}': cite a key listed in docs/sources.md"
                    f" ({', '.join(source_keys())}), or give your own source a title",
                    f"{label}.references[{index}].source",
                )
            )
    if rule.evidence is not None:
        evidence = tuple(rule.evidence)
    else:  # what the conditions test, the joined fact's fields after its type
        evidence = compiled.fields
        if join is not None:
            evidence += tuple(f"{join.type}.{name}" for name in join.fields)
    for name in evidence:
        fact_type, field_name = rule.applies_to, name
        if join is not None and name.startswith(f"{join.type}."):
            fact_type, field_name = join.type, name[len(join.type) + 1 :]
        if field_name not in FACT_SCHEMAS[fact_type]:
            problems.append(
                Problem(f"'{field_name}' is not a field of {fact_type} facts", f"{label}.evidence")
            )
    if problems:
        return None, problems
    full = {"$and": [{"type": rule.applies_to}, compiled.condition]}
    uses = tuple(
        ThresholdUse(name, thresholds[name].label, values[name], thresholds[name].default)
        for name in used
    )
    return (
        CompiledRule(rule, ruleset, full, compiled.fields, evidence, uses, join, joins["absent"]),
        [],
    )


# The one reserved field a join may compare: the record's id of the item (not its subject).
_JOINABLE_RESERVED = ("id",)


def _joinable(name: str, fact_type: str) -> str | None:
    """Why facts of ``fact_type`` cannot be joined on their field ``name``, or None."""
    if name in RESERVED_FIELDS and name not in _JOINABLE_RESERVED:
        return f"'{name}' is reserved and cannot be joined on"
    spec = FACT_SCHEMAS[fact_type].get(name)
    if spec is None:
        return f"'{name}' is not a field of {fact_type} facts"
    if spec.type == "list":
        return f"'{name}' is a list and cannot be joined on"
    return None


def compile_join(
    join: Join | None, subject_type: str, where: str, values: Mapping[str, float]
) -> tuple[CompiledJoin | None, tuple[str, ...], list[Problem]]:
    """Compile a rule's ``join`` or ``absent`` (None: nothing to compile) for a rule about
    ``subject_type`` facts; ``where`` locates it (``rules[3] (CORE001).join``), ``values``
    are the thresholds its condition may name. Returns the compiled join (None when there
    are problems), the names of the thresholds its condition uses, and its problems."""
    if join is None:
        return None, (), []
    other = FACT_SCHEMAS.get(join.type)
    if other is None:
        return (
            None,
            (),
            [
                Problem(
                    f"unknown fact type '{join.type}' (one of: {', '.join(FACT_SCHEMAS)})",
                    f"{where}.type",
                )
            ],
        )
    problems = [
        Problem(
            f"{fact_type} facts are checked apart from the others and cannot be joined",
            f"{where}.type",
        )
        for fact_type in dict.fromkeys((subject_type, join.type))
        if fact_type in CHECKED_APART
    ]
    for mine, theirs in join.match.items():
        side_problems = [
            Problem(problem, f"{where}.match.{mine}")
            for name, fact_type in ((mine, subject_type), (theirs, join.type))
            if (problem := _joinable(name, fact_type)) is not None
        ]
        problems += side_problems
        kinds = FACT_SCHEMAS[subject_type].get(mine), other.get(theirs)
        if not side_problems and kinds[0] and kinds[1] and kinds[0].type != kinds[1].type:
            problems.append(
                Problem(
                    f"'{mine}' is {kinds[0].type} but '{theirs}' of {join.type} facts is"
                    f" {kinds[1].type}: joined fields are of one kind",
                    f"{where}.match.{mine}",
                )
            )
    condition: dict[str, Any] = {"type": join.type}
    fields: tuple[str, ...] = ()
    thresholds: tuple[str, ...] = ()
    if join.when is not None:
        compiled = compile_condition(join.when, join.type, other, f"{where}.when", values)
        problems += compiled.problems
        condition = {"$and": [condition, compiled.condition]}
        fields, thresholds = compiled.fields, compiled.thresholds
    if problems:
        return None, (), problems
    return CompiledJoin(join.type, tuple(join.match.items()), condition, fields), thresholds, []


@dataclass(frozen=True)
class _TextField:
    type: str = "text"


def compile_group(
    raw: Any,
    ruleset: str,
    where: str,
    rules: dict[str, CompiledRule],
    group_ids: Collection[str] = (),
) -> tuple[CompiledGroup | None, list[Problem]]:
    """Validate one group of ``ruleset`` against the file's compiled ``rules`` (by id). A
    part names a rule of the file, another group of the file (``group_ids``) or, with its
    ``ruleset``, a rule or group of another rule file; those two are checked once every
    ruleset is loaded (:func:`group_part_problems`)."""
    if not isinstance(raw, dict):
        return None, [Problem("a group is a mapping", where)]
    group_id = raw.get("id")
    label = f"{where} ({group_id})" if isinstance(group_id, str) else where
    try:
        group = Group.model_validate(raw)
    except ValidationError as error:
        return None, _validation_problems(error, label)
    schema = FACT_SCHEMAS.get(group.about)
    if schema is None:
        return None, [
            Problem(
                f"unknown fact type '{group.about}' (one of: {', '.join(FACT_SCHEMAS)})",
                f"{label}.about",
            )
        ]
    with_parts: dict[str, FieldSpec] = {**schema, "parts": _TextField()}
    problems: list[Problem] = []
    for text_field in ("message", "remedy"):
        problems += template_problems(
            getattr(group, text_field), group.about, with_parts, f"{label}.{text_field}"
        )
    for index, part in enumerate(group.parts):
        at = f"{label}.parts[{index}]"
        if part.ruleset not in (None, ruleset) or part.rule in group_ids:
            continue  # checked against every loaded ruleset (group_part_problems)
        rule = rules.get(part.rule)
        if rule is None:
            problems.append(
                Problem(
                    f"'{part.rule}' is not a rule or group of this file (a part of another"
                    " rule file names its 'ruleset')",
                    f"{at}.rule",
                )
            )
            continue
        problems += _part_problems(part, rule.rule.applies_to, group.about, at)
    if problems:
        return None, problems
    return CompiledGroup(group, ruleset), []


def _part_problems(part: GroupPart, fact_type: str, about: str, at: str) -> list[Problem]:
    """Problems of a group's ``part`` whose findings are about ``fact_type`` facts, in a
    group about ``about`` facts: its ``says`` and its ``key``."""
    part_schema = FACT_SCHEMAS[fact_type]
    problems = template_problems(part.says, fact_type, part_schema, f"{at}.says")
    if part.key is None and about not in (fact_type, "partnership"):
        problems.append(
            Problem(
                f"{part.rule} is about {fact_type} facts, the group about {about}: give"
                f" 'key', the field naming the {about}",
                at,
            )
        )
    elif part.key is not None and part_schema.get(part.key, _TextField("")).type != "text":
        problems.append(
            Problem(f"'{part.key}' is not a text field of {fact_type} facts", f"{at}.key")
        )
    return problems


def group_part_problems(rulesets: Sequence[Ruleset]) -> tuple[str, list[Problem]]:
    """Problems of the group parts that name a group or another rule file's rule, checked
    against ``rulesets`` (everything loaded): the rule or group must exist in its ruleset
    when that ruleset is loaded (a part of a ruleset not loaded takes no part), and a part
    naming a group must gather subjects the outer group can hold (its ``says`` may name
    ``{parts}``, that group's own list). Returns the source of the first rule file with
    problems and its problems (no problems: an empty list)."""
    by_name = {ruleset.name: ruleset for ruleset in rulesets}
    problems: list[Problem] = []
    for ruleset in rulesets:
        own_rules = {rule.id for rule in ruleset.rules}
        for compiled in ruleset.groups:
            group = compiled.group
            for index, part in enumerate(group.parts):
                home = part.ruleset or ruleset.name
                if home == ruleset.name and part.rule in own_rules:
                    continue  # checked with its file
                target = by_name.get(home)
                if target is None:
                    continue
                at = f"{ruleset.describe_origin(compiled.line)}: {group.id}.parts[{index}]"
                rule = next((r for r in target.rules if r.id == part.rule), None)
                inner = next((g for g in target.groups if g.id == part.rule), None)
                if rule is not None:
                    problems += _part_problems(part, rule.rule.applies_to, group.about, at)
                elif inner is None or inner is compiled:
                    problems.append(
                        Problem(f"'{part.rule}' is not a rule or group of ruleset '{home}'", at)
                    )
                elif group.about != "partnership" and inner.group.about != group.about:
                    problems.append(
                        Problem(
                            f"group {part.rule} is about {inner.group.about}, {group.id} about"
                            f" {group.about}: only a group about the partnership gathers"
                            " another kind of group",
                            at,
                        )
                    )
                else:
                    schema: dict[str, FieldSpec] = {
                        **FACT_SCHEMAS[inner.group.about],
                        "parts": _TextField(),
                    }
                    problems += template_problems(part.says, inner.group.about, schema, at)
        if problems:
            return ruleset.source, problems
    return "", []


# A problem's path as the compiler writes it: "rules[3] (CORE001).when.all[0].field".
_PATH_PART = re.compile(r"([^.\[\]\s()]+)|\[(\d+)\]|\s*\([^)]*\)")


def _line_of(lines: Mapping[PathKey, int], path: tuple[str | int, ...]) -> int | None:
    """The line of the value at ``path`` (or of the nearest enclosing one), when known."""
    nearest = getattr(lines, "nearest", None)
    return nearest(path) if nearest is not None else lines.get(path)


def _with_lines(problems: list[Problem], lines: Mapping[PathKey, int]) -> list[Problem]:
    """The problems with the line of the value each names (or of the nearest enclosing one)."""
    nearest = getattr(lines, "nearest", None)
    if nearest is None:
        return problems
    out = []
    for problem in problems:
        if problem.line is not None or not problem.path:
            out.append(problem)
            continue
        parts: list[str | int] = [
            int(index) if index else name
            for name, index in _PATH_PART.findall(problem.path)
            if name or index
        ]
        out.append(replace(problem, line=nearest(tuple(parts))))
    return out


def load_ruleset(
    path: str | os.PathLike[str],
    *,
    text: str | None = None,
    thresholds: Mapping[str, float] | None = None,
) -> Ruleset:
    """Load and compile one rule file (or ``text``, when given, as if read from ``path``).
    Raises :class:`RulesetError` listing every problem.

    ``thresholds`` sets named thresholds (declared in the file's ``thresholds``) to values
    other than their defaults; names the file does not declare are left for other files.
    Rule files are trusted no more than records: the file is checked (a regular file, at most
    ``MAX_RULE_FILE_BYTES``) before it is read, and parsed by the same bounded, tag-free
    reader, within ``RULE_FILE_LIMITS``. A compiled rule file is cached across processes
    (see ``_rule_cache``)."""
    source = os.fspath(path)
    if text is None:
        text = read_text(path, max_bytes=MAX_RULE_FILE_BYTES, error=RulesetError)
    json_format = source.lower().endswith(".json")
    key = cache_key(text, json_format, thresholds or {})
    ruleset = cached_ruleset(key, source)
    if ruleset is None:
        ruleset = _compile_rule_file(text, source, json_format, thresholds or {})
        store_ruleset(key, ruleset)
    return ruleset


def _compile_rule_file(
    text: str, source: str, json_format: bool, thresholds: Mapping[str, float]
) -> Ruleset:
    try:
        data, lines = parse_text(
            text, json_format=json_format, limits=RULE_FILE_LIMITS, what="rule file"
        )
    except RecordError as error:
        raise RulesetError(source, error.problems) from None
    if not isinstance(data, dict):
        raise RulesetError(
            source, [Problem("a rule file is a mapping with 'ruleset', 'title' and 'rules'")]
        )
    try:
        header = RuleFile.model_validate(data)
    except ValidationError as error:
        raise RulesetError(source, _with_lines(_validation_problems(error), lines)) from None
    compiled: list[CompiledRule] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    values = {k: v for k, v in thresholds.items() if k in header.thresholds}
    for index, raw_rule in enumerate(header.rules):
        rule, rule_problems = compile_rule(
            raw_rule, header.ruleset, f"rules[{index}]", header.thresholds, values
        )
        problems += rule_problems
        if rule is None:
            continue
        line = _line_of(lines, ("rules", index))
        for key in (rule.rule.id, rule.rule.name, *rule.rule.aliases):
            if key in seen:
                problems.append(
                    Problem(
                        f"'{key}' is already used by {seen[key]}", f"rules[{index}] ({rule.id})"
                    )
                )
            seen[key] = f"{rule.id} (line {line})" if line is not None else rule.id
        compiled.append(replace(rule, line=line))
    groups: list[CompiledGroup] = []
    by_id = {rule.id: rule for rule in compiled}
    group_ids = {str(g.get("id")) for g in header.groups if isinstance(g, dict)}
    grouped: dict[str, str] = {}
    for index, raw_group in enumerate(header.groups):
        group, group_problems = compile_group(
            raw_group, header.ruleset, f"groups[{index}]", by_id, group_ids
        )
        problems += group_problems
        if group is None:
            continue
        line = _line_of(lines, ("groups", index))
        for key in (group.id, group.group.name, *group.group.aliases):
            if key in seen:
                problems.append(
                    Problem(
                        f"'{key}' is already used by {seen[key]}", f"groups[{index}] ({group.id})"
                    )
                )
            seen[key] = f"{group.id} (line {line})" if line is not None else group.id
        for part in group.group.parts:
            if part.rule in grouped:
                problems.append(
                    Problem(
                        f"{part.rule} is already a part of {grouped[part.rule]}",
                        f"groups[{index}] ({group.id}).parts",
                    )
                )
            grouped[part.rule] = group.id
        groups.append(replace(group, line=line))
    if not problems:
        problem = distinct_test_problem(compiled)
        if problem is not None:
            index = next(i for i, r in enumerate(compiled) if problem.path.startswith(f"{r.id}."))
            problems.append(Problem(problem.message, f"rules[{index}] ({problem.path[:-5]}).when"))
    if problems:
        raise RulesetError(source, _with_lines(problems, lines))
    return Ruleset(
        header.ruleset,
        header.title,
        header.description,
        source,
        tuple(compiled),
        dict(header.thresholds),
        tuple(groups),
        examples_base=header.examples_base,
    )


def shipped_ruleset_names() -> list[str]:
    """Names of the rulesets that ship with the package (``core`` first)."""
    return list(_shipped_names())


@lru_cache(maxsize=1)
def _shipped_names() -> tuple[str, ...]:
    # The package's data does not change while it runs.
    root = files("partnership_rules.rulesets")
    names = sorted(p.name[: -len(".yaml")] for p in root.iterdir() if p.name.endswith(".yaml"))
    return tuple(sorted(names, key=lambda n: (n != "core", n)))


def _load_named(name_or_file: str | Path, thresholds: Mapping[str, float]) -> Ruleset:
    text = str(name_or_file)
    if text in shipped_ruleset_names():
        resource = files("partnership_rules.rulesets").joinpath(f"{text}.yaml")
        shipped = load_ruleset(
            f"{text}.yaml", text=resource.read_text(encoding="utf-8"), thresholds=thresholds
        )
        return replace(shipped, origin="shipped")
    path = Path(text)
    if path.suffix.lower() in RULE_FILE_SUFFIXES or path.exists():
        origin = published_rule_files().get(str(path), str(path))
        return replace(load_ruleset(path, thresholds=thresholds), origin=origin)
    known = ", ".join(shipped_ruleset_names())
    raise RulesetError(
        text, [Problem(f"no such ruleset (shipped rulesets: {known}; or give a .yaml file)")]
    )


RULE_FILE_SUFFIXES = (".yaml", ".yml", ".json")
# Installed packages publish rulesets under this entry point group: each entry point names a
# package (``my-checks = "my_checks_package"``) whose rule files are run like shipped ones.
ENTRY_POINT_GROUP = "partnership_rules.rulesets"


def published_rule_files() -> dict[str, str]:
    """The rule files installed packages publish (entry point group ``ENTRY_POINT_GROUP``),
    each with where it comes from (``package my-checks 1.2 (path)``), in a stable order.

    A published package that cannot be found is a :class:`RulesetError` naming the entry
    point."""
    out: dict[str, str] = {}
    points = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: (p.name, p.value))
    for point in points:
        dist = point.dist
        package = f"{dist.name} {dist.version}" if dist is not None else point.value
        try:
            folder = files(point.value)
        except (ImportError, TypeError, ValueError) as error:
            raise RulesetError(
                f"entry point {point.name} = {point.value!r} ({ENTRY_POINT_GROUP})",
                [Problem(f"cannot find the package: {error}")],
            ) from None
        for item in sorted(folder.iterdir(), key=lambda i: i.name):
            if item.is_file() and item.name.lower().endswith(RULE_FILE_SUFFIXES):
                out[str(item)] = f"package {package} ({item})"
    return out


def expand_rule_paths(items: Iterable[str | Path]) -> list[str]:
    """Shipped ruleset names and rule files as given; a directory becomes the rule files
    directly in it (``*.yaml``, ``*.yml``, ``*.json``), sorted by name."""
    out: list[str] = []
    for item in items:
        path = Path(item)
        if str(item) not in shipped_ruleset_names() and path.is_dir():
            out += sorted(
                str(p)
                for p in path.iterdir()
                if p.is_file() and p.suffix.lower() in RULE_FILE_SUFFIXES
            )
        else:
            out.append(str(item))
    return out


def _threshold_values(thresholds: Mapping[str, Any] | None) -> dict[str, float]:
    values = {}
    for name, value in (thresholds or {}).items():
        if (
            not isinstance(value, (int, float))
            or isinstance(value, bool)
            or value != value
            or abs(value) > 10**15
        ):
            raise UsageError(f"threshold '{name}': {value!r} is not a number")
        if isinstance(value, float) and "e" in repr(value):  # the C engine cannot read it
            raise UsageError(f"threshold '{name}': {value!r} is too small (at least 0.0001)")
        values[str(name)] = value
    return values


def _check_thresholds(rulesets: Sequence[Ruleset], values: Mapping[str, float]) -> None:
    declared = {name: t for rs in rulesets for name, t in rs.thresholds.items()}
    for name, value in values.items():
        if name not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise UsageError(
                f"'{name}' names no threshold of the rulesets loaded (thresholds: {known})"
            )
        problem = declared[name].problem(value)
        if problem is not None:
            raise UsageError(f"threshold '{name}': {problem}")


def load_rulesets(
    names_or_files: Iterable[str | Path] | None = None,
    *,
    thresholds: Mapping[str, float] | None = None,
) -> list[Ruleset]:
    """Load shipped rulesets by name and rule files by path (all shipped ones when None).

    Rule ids, names, aliases and threshold names must be unique across everything loaded.
    ``thresholds`` sets named thresholds to values other than their defaults; a name that no
    loaded ruleset declares, or a value outside a threshold's range, is a
    :class:`UsageError`.
    """
    wanted: Sequence[str | Path] = (
        shipped_ruleset_names()
        if names_or_files is None
        else list(dict.fromkeys(expand_rule_paths(names_or_files)))
    )
    values = _threshold_values(thresholds)
    rulesets = [_load_named(item, values) for item in wanted]
    _check_thresholds(rulesets, values)
    names: dict[str, str] = {}
    owners: dict[str, str] = {}
    problems: list[Problem] = []
    for ruleset in rulesets:
        origin = ruleset.describe_origin()
        if ruleset.name in names:
            problems.append(
                Problem(
                    f"ruleset '{ruleset.name}' is loaded twice ({names[ruleset.name]} and {origin})"
                )
            )
        names[ruleset.name] = origin
        for name in ruleset.thresholds:
            if f"threshold {name}" in owners:
                problems.append(
                    Problem(
                        f"threshold '{name}' is declared in both"
                        f" {owners[f'threshold {name}']} and {origin}"
                    )
                )
            owners[f"threshold {name}"] = origin
        keys = [(r.id, r.line, (r.rule.id, r.rule.name, *r.rule.aliases)) for r in ruleset.rules]
        keys += [(g.id, g.line, (g.id, g.group.name, *g.group.aliases)) for g in ruleset.groups]
        for owner_id, line, rule_keys in keys:
            at = ruleset.describe_origin(line)
            for key in rule_keys:
                if key in owners:
                    problems.append(
                        Problem(f"'{key}' is defined in both {owners[key]} and {at}", owner_id)
                    )
                owners[key] = at
    if not problems:
        source, problems = group_part_problems(rulesets)
        if problems:
            raise RulesetError(source, problems)
    if problems:
        raise RulesetError(rulesets[-1].source if rulesets else "rulesets", problems)
    return rulesets
