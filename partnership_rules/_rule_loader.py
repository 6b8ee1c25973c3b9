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

from collections.abc import Iterable, Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ._conditions import compile_condition
from ._errors import Problem, RecordError, RulesetError
from ._loader import parse_text
from ._rule_model import CompiledRule, Rule, RuleFile, Ruleset
from ._templates import template_problems
from .engines._limits import distinct_test_problem
from .facts import FACT_SCHEMAS

__all__ = ["MAX_RULE_FILE_BYTES", "load_ruleset", "load_rulesets", "shipped_ruleset_names"]

MAX_RULE_FILE_BYTES = 1024 * 1024


def _validation_problems(error: ValidationError, prefix: str = "") -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        loc = ".".join(str(p) for p in item["loc"])
        message = "unknown field" if item["type"] == "extra_forbidden" else item["msg"]
        problems.append(Problem(message, f"{prefix}.{loc}" if prefix else loc))
    return problems


def compile_rule(raw: Any, ruleset: str, where: str) -> tuple[CompiledRule | None, list[Problem]]:
    """Validate and compile one rule of ``ruleset`` (``where`` locates it in its file, such
    as ``rules[3]``): the compiled rule, or None and its problems."""
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
    compiled = compile_condition(rule.when, rule.applies_to, schema, f"{label}.when")
    problems = list(compiled.problems)
    problems += template_problems(rule.message, rule.applies_to, schema, f"{label}.message")
    problems += template_problems(rule.remedy, rule.applies_to, schema, f"{label}.remedy")
    evidence = tuple(rule.evidence) if rule.evidence is not None else compiled.fields
    for name in evidence:
        if name not in schema:
            problems.append(
                Problem(f"'{name}' is not a field of {rule.applies_to} facts", f"{label}.evidence")
            )
    if problems:
        return None, problems
    full = {"$and": [{"type": rule.applies_to}, compiled.condition]}
    return CompiledRule(rule, ruleset, full, compiled.fields, evidence), []


def _parse_rule_file(text: str, source: str) -> Any:
    # Rule files are trusted no more than records: the same bounded, tag-free YAML reader.
    try:
        data, _ = parse_text(text, json_format=source.endswith(".json"))
    except RecordError as error:
        raise RulesetError(source, error.problems) from None
    return data


def load_ruleset(path: str | Path, *, text: str | None = None) -> Ruleset:
    """Load and compile one rule file. Raises :class:`RulesetError` listing every problem."""
    source = str(path)
    if text is None:
        try:
            raw = Path(path).read_bytes()
        except OSError as error:
            raise RulesetError(
                source, [Problem(f"cannot read rule file: {error.strerror or error}")]
            ) from None
        if len(raw) > MAX_RULE_FILE_BYTES:
            raise RulesetError(
                source, [Problem(f"rule file is larger than {MAX_RULE_FILE_BYTES:,} bytes")]
            )
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise RulesetError(source, [Problem("rule file is not UTF-8 text")]) from None
    data = _parse_rule_file(text, source)
    if not isinstance(data, dict):
        raise RulesetError(
            source, [Problem("a rule file is a mapping with 'ruleset', 'title' and 'rules'")]
        )
    try:
        header = RuleFile.model_validate(data)
    except ValidationError as error:
        raise RulesetError(source, _validation_problems(error)) from None
    compiled: list[CompiledRule] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for index, raw_rule in enumerate(header.rules):
        rule, rule_problems = compile_rule(raw_rule, header.ruleset, f"rules[{index}]")
        problems += rule_problems
        if rule is None:
            continue
        for key in (rule.rule.id, rule.rule.name, *rule.rule.aliases):
            if key in seen:
                problems.append(
                    Problem(
                        f"'{key}' is already used by {seen[key]}", f"rules[{index}] ({rule.id})"
                    )
                )
            seen[key] = rule.id
        compiled.append(rule)
    if not problems:
        problem = distinct_test_problem(compiled)
        if problem is not None:
            index = next(i for i, r in enumerate(compiled) if problem.path.startswith(f"{r.id}."))
            problems.append(Problem(problem.message, f"rules[{index}] ({problem.path[:-5]}).when"))
    if problems:
        raise RulesetError(source, problems)
    return Ruleset(header.ruleset, header.title, header.description, source, tuple(compiled))


def shipped_ruleset_names() -> list[str]:
    """Names of the rulesets that ship with the package (``core`` first)."""
    root = files("partnership_rules.rulesets")
    names = sorted(p.name[: -len(".yaml")] for p in root.iterdir() if p.name.endswith(".yaml"))
    return sorted(names, key=lambda n: (n != "core", n))


def _load_named(name_or_file: str | Path) -> Ruleset:
    text = str(name_or_file)
    if text in shipped_ruleset_names():
        resource = files("partnership_rules.rulesets").joinpath(f"{text}.yaml")
        return load_ruleset(f"{text}.yaml", text=resource.read_text(encoding="utf-8"))
    path = Path(text)
    if path.suffix.lower() in (".yaml", ".yml", ".json") or path.exists():
        return load_ruleset(path)
    known = ", ".join(shipped_ruleset_names())
    raise RulesetError(
        text, [Problem(f"no such ruleset (shipped rulesets: {known}; or give a .yaml file)")]
    )


def load_rulesets(names_or_files: Iterable[str | Path] | None = None) -> list[Ruleset]:
    """Load shipped rulesets by name and rule files by path (all shipped ones when None).

    Rule ids, names and aliases must be unique across everything loaded.
    """
    wanted: Sequence[str | Path] = (
        shipped_ruleset_names() if names_or_files is None else list(dict.fromkeys(names_or_files))
    )
    rulesets = [_load_named(item) for item in wanted]
    names: dict[str, str] = {}
    owners: dict[str, str] = {}
    problems: list[Problem] = []
    for ruleset in rulesets:
        if ruleset.name in names:
            problems.append(
                Problem(
                    f"ruleset '{ruleset.name}' is loaded twice"
                    f" ({names[ruleset.name]} and {ruleset.source})"
                )
            )
        names[ruleset.name] = ruleset.source
        for rule in ruleset.rules:
            for key in (rule.rule.id, rule.rule.name, *rule.rule.aliases):
                if key in owners:
                    problems.append(
                        Problem(
                            f"'{key}' is defined in both {owners[key]} and {ruleset.source}",
                            rule.id,
                        )
                    )
                owners[key] = ruleset.source
    if problems:
        raise RulesetError(rulesets[-1].source if rulesets else "rulesets", problems)
    return rulesets
