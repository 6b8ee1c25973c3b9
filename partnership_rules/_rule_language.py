"""The rule language reference (``docs/rule-language.md``), generated from the rule model,
the condition compiler's operators, the template rules and the fact schemas, so that it
cannot drift from what the loader accepts.

Every field of :class:`Rule` and :class:`RuleFile`, and every operator, must have a meaning
here; a field or operator added without one makes :func:`rule_language_markdown` raise, and
the docs test fails until it is described.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import yaml

from ._conditions import (
    MAX_CONDITION_DEPTH,
    MAX_CONDITION_NUMBER,
    MAX_CONDITION_TESTS,
    MAX_CONDITION_TEXT,
    OPERATORS,
)
from ._graph import build_graph
from ._loader import record_from_data
from ._record_template import TEMPLATE_CONTEXTS, record_template
from ._rule_examples import MINIMAL_RECORD, base_record_names
from ._rule_model import Escalation, Group, GroupPart, Rule, RuleFile, Threshold
from ._vocabulary import CATEGORIES, RESERVED_FIELDS, SEVERITIES
from .facts import CHECKED_APART, FACT_SCHEMAS, derive_facts

__all__ = ["rule_language_markdown"]

_RULE_FILE_FIELDS = {
    "ruleset": "The ruleset's name (lower case, digits and `-`); unique among the rulesets loaded.",
    "title": "What the ruleset checks, in a line.",
    "description": "A longer description (optional).",
    "thresholds": "Named numbers the rules compare with (see *Thresholds*).",
    "rules": "The rules (see *Rule fields*), at least one.",
    "groups": "Optional: groups reported as one finding per cause when several of their part"
    " rules fire about one subject (see *One finding per cause*).",
    "examples_base": "Optional: the base record of the rules' examples, unless a rule's"
    " `examples` name another (see *Examples*); default `minimal`.",
}
_GROUP_FIELDS = {
    "id": "The group's id, like a rule's; it names the group's finding.",
    "name": "A slug, unique like a rule's name.",
    "title": "The cause, in a line.",
    "category": "The group finding's category.",
    "about": "The fact type of the group's subject. A group about `partnership` gathers parts"
    " found on any subject of the record (stakeholders, partners, bodies...) under the"
    " partnership they all belong to.",
    "parts": "The rules (or groups) it gathers, 2 to 20 (see the part fields below).",
    "min_parts": "How many different parts must fire about one subject (default 2); a group"
    " among the parts counts as one, however many of its parts fired.",
    "message": "The finding's message: placeholders of the subject's fact, and `{parts}`,"
    " what each part that fired says, joined by `; `.",
    "rationale": "Why these parts are one cause.",
    "remedy": "One remedy for the cause (placeholders as in `message`).",
    "escalate": "When a combination is worse than its worst part: `parts_at_least: N` or"
    " `all_of: [RULE, ...]`, with `severity` and `severity_basis` (see docs/severity.md).",
    "aliases": "Old ids of the group, still accepted by --select, --ignore and waivers.",
}
_GROUP_PART_FIELDS = {
    "rule": "A rule id, or the id of another group: that group's finding is gathered and,"
    " where it did not form, its parts that fired alone (said as that group says them).",
    "ruleset": "The ruleset holding `rule` when it is not this file. The loader checks that the"
    " rule exists when that ruleset is loaded; when it does not apply to the record, the"
    " part simply takes no part.",
    "says": "How the group's message names this part, with placeholders of the part's own"
    " fact (for a group part, also `{parts}`: that group's list).",
    "key": "The text field of the part's fact holding the id of the group's subject (the"
    " partner holding most seats); not needed when the part is about the group's own"
    " subject, or the group is about the partnership.",
}
_ESCALATION_FIELDS = {
    "parts_at_least": "The combination: at least this many different parts fired.",
    "all_of": "The combination: every one of these parts fired.",
    "severity": "The group finding's severity when the combination holds.",
    "severity_basis": "Why, under the severity policy (docs/severity.md).",
}
# What each base record of rule examples is (every name must have a line: a test checks).
_BASE_RECORDS = {
    "minimal": "The smallest valid record: a partnership and two partners, nothing else.",
    "healthy": "A college and two engineering employers (education-training context) with"
    " governance, objectives, metrics, actions, reviews and feedback: no core rule fires.",
    "healthy-childrens-services": "A children's services partnership (council, schools,"
    " health, police, a family trust, a parent forum) with an information-sharing section: no"
    " core or childrens-services rule fires.",
    "healthy-community-learning": "A community learning and development partnership with a"
    " learner forum and a self-assessment: no core or community-learning rule fires.",
    "healthy-education-training": "A college and an airport employer with a self-assessment"
    " (as examples/craven-swissport.yaml): no core or education-training rule fires.",
    "healthy-nvq": "An NVQ partnership with its qualifications figures (candidates, assessors,"
    " verifiers, stage): no core or nvq rule fires.",
}
_RULE_FIELDS = {
    "id": "Unique id: 1-10 capital letters or digits then 3 digits (`OWN001`).",
    "name": "Unique slug (`own-partner-without-sponsor`); `--select` and `explain` accept it.",
    "title": "The finding's headline.",
    "severity": f"One of {', '.join(f'`{s}`' for s in SEVERITIES)} (see docs/severity.md).",
    "severity_basis": "Optional: which clause of the severity policy the severity meets; a"
    " basis that gives another severity is refused.",
    "category": "One of the categories listed below.",
    "applies_to": "The fact type the rule tests (see *Fact types*): the rule runs once per"
    " fact of that type, and a finding's subject is that fact's subject.",
    "when": "The condition (see *Conditions*).",
    "join": "Optional: a second subject the rule tests with its own (see *Two subjects and"
    " absence*): `{type: FACT_TYPE, match: {FIELD: OTHER_FIELD}, when: CONDITION}`; the rule"
    " fires when some fact of that type matches.",
    "absent": "Optional: something that must not exist (see *Two subjects and absence*):"
    " `{type: FACT_TYPE, match: {FIELD: OTHER_FIELD}, when: CONDITION}`; the rule fires when"
    " no fact of that type matches.",
    "message": "The finding's message, with placeholders (see *Message placeholders*).",
    "rationale": "Why it matters.",
    "remedy": "What to do about it; may use placeholders too.",
    "remedy_in_context": "Optional: the remedy worded for a record context (education-training,"
    " nvq, childrens-services, community-learning), used when the record names that context.",
    "references": "Sources: a list of `{source: KEY, section: TEXT}`; a key of the source"
    " catalogue (`partnership-rules sources`) or a source of one's own with a title.",
    "evidence": "Fact fields reported as the finding's evidence (default: the fields the"
    " conditions test); `TYPE.FIELD` names a field of the fact the `join` found.",
    "aliases": "Former ids that still select and explain the rule.",
    "covers": "Points of the sources the rule checks (for the coverage matrix).",
    "tags": "Free slugs for grouping.",
    "examples": "The rule's tests: `{base: NAME, fire: [CASE, ...], quiet: [CASE, ...]}`,"
    " record fragments and path operations applied to a base record (see *Examples*); run by"
    " `partnership-rules rules test FILE`. Written last in the rule.",
}
_THRESHOLD_FIELDS = {
    "default": "The value used unless an audit sets another.",
    "label": "What the number is, shown before its value in a finding's evidence.",
    "why": "Why this default: the judgement behind it.",
    "minimum": "The smallest value an audit may set (optional).",
    "maximum": "The largest value an audit may set (optional).",
    "integer": "Only whole numbers make sense (a count, a number of days).",
}
_OPERATORS = {
    "equals": ("any", "the field has this value"),
    "not_equals": ("any", "the field has a value other than this one"),
    "lt": ("number", "the field is less than the value"),
    "lte": ("number", "the field is less than or equal to the value"),
    "gt": ("number", "the field is greater than the value"),
    "gte": ("number", "the field is greater than or equal to the value"),
    "one_of": ("text", "the field is one of a list of 1 to 50 texts"),
    "not_one_of": ("text", "the field is none of a list of 1 to 50 texts"),
    "exists": ("any", "`true`: the fact has a value for the field; `false`: it has none"),
}

_SINGLE_FACT = """\
  - id: OWN001
    name: own-objective-without-baseline
    title: Objective with a target has no baseline
    severity: medium
    category: absent-metrics
    applies_to: objective
    when:
      all:
        - {field: has_target, equals: true}
        - {field: has_baseline, equals: false}
    message: "Objective '{id}' has a target but no baseline."
    rationale: Without a starting point, progress towards the target cannot be shown.
    remedy: Record the value at the start of the partnership as the baseline.
    references: [{source: qca-partnership-guide, section: Stage 5}]
"""
_TWO_SUBJECTS = """\
  - id: OWN002
    name: own-action-answered-for-outside-governance
    title: An open action's accountable partner sits on no governance body
    severity: medium
    category: missing-governance
    applies_to: action
    when: {field: status, not_equals: done}
    join:
      type: partner
      match: {accountable: id}
      when: {field: in_governance, equals: false}
    message: >-
      Action '{id}' is answered for by {partner.name} ({partner.id}), who sits on no
      governance body.
    rationale: Whoever answers for the work should be where the work is reviewed.
    remedy: Give {partner.name} a seat on the body that reviews the action plan.
    references: [{source: qca-partnership-guide}]
"""
_ABSENCE = """\
  - id: OWN003
    name: own-objective-no-action-serves
    title: No open action serves the objective
    severity: medium
    category: vague-objectives
    applies_to: objective
    when: {field: has_target, equals: true}
    absent:
      type: action
      match: {id: objective}
      when: {field: status, not_equals: done}
    message: "No open action in the plan serves objective '{id}'."
    rationale: An objective nothing is being done for will not be met.
    remedy: Link an action to the objective, or drop it.
    references: [{source: qca-partnership-guide}]
"""


def _described(model_fields: Mapping[str, Any], meanings: Mapping[str, Any], what: str) -> None:
    missing = [name for name in model_fields if name not in meanings]
    stale = [name for name in meanings if name not in model_fields]
    if missing or stale:
        raise AssertionError(
            f"rule language reference: {what} fields without a meaning {missing},"
            f" meanings of no field {stale}"
        )


def _field_table(model: type[Any], meanings: Mapping[str, str]) -> list[str]:
    lines = ["| field | required | meaning |", "|---|---|---|"]
    for name, info in model.model_fields.items():
        required = "yes" if info.is_required() else "no"
        lines.append(f"| `{name}` | {required} | {meanings[name]} |")
    return lines


def _example_values() -> dict[tuple[str, str], Any]:
    """A value of each fact field, from the facts of the shipped record templates."""
    day = dt.date(2025, 1, 1)  # fixed, so that the reference is the same on every run
    found: dict[tuple[str, str], Any] = {}
    for context in TEMPLATE_CONTEXTS:
        record = record_from_data(yaml.safe_load(record_template(context, today=day)))
        for fact in derive_facts(record, build_graph(record), day):
            for name, value in fact.items():
                if value not in (None, []) and (fact["type"], name) not in found:
                    found[(fact["type"], name)] = value
    return found


def _example(value: Any) -> str:
    if value is None:
        return "—"
    text = json.dumps(value, ensure_ascii=False)
    text = text if len(text) <= 60 else text[:57] + "..."
    return "`" + text.replace("|", "\\|") + "`"


def _listed(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)


def rule_language_markdown() -> str:
    """The rule language reference, as Markdown (``docs/rule-language.md``)."""
    _described(RuleFile.model_fields, _RULE_FILE_FIELDS, "rule file")
    _described(Rule.model_fields, _RULE_FIELDS, "rule")
    _described(Threshold.model_fields, _THRESHOLD_FIELDS, "threshold")
    _described(Group.model_fields, _GROUP_FIELDS, "group")
    _described(GroupPart.model_fields, _GROUP_PART_FIELDS, "group part")
    _described(Escalation.model_fields, _ESCALATION_FIELDS, "escalation")
    _described(dict.fromkeys(base_record_names()), _BASE_RECORDS, "base record")
    _described(dict.fromkeys(OPERATORS), _OPERATORS, "operator")
    out = [
        "# The rule language",
        "",
        "<!-- Generated by `partnership-rules rules reference`; do not edit by hand. -->",
        "",
        "A rule file is YAML (or JSON) holding one ruleset. Conditions are data: nothing in a",
        "rule file is ever run as code. `partnership-rules rules check FILE` validates a file",
        "and names every problem with its line, rule id and field.",
        "",
        "## Rule file fields",
        "",
        *_field_table(RuleFile, _RULE_FILE_FIELDS),
        "",
        "## Rule fields",
        "",
        *_field_table(Rule, _RULE_FIELDS),
        "",
        "Categories: " + ", ".join(f"`{c}`" for c in CATEGORIES) + ".",
        "",
        "## Thresholds",
        "",
        "A number that is the rule author's judgement rather than a source's is declared once",
        "under `thresholds` and used by name, `{threshold: NAME}`, in place of a number in a",
        "condition; an audit may set it (`thresholds` in the project configuration,",
        "`Auditor(thresholds={NAME: value})`).",
        "",
        *_field_table(Threshold, _THRESHOLD_FIELDS),
        "",
        "## Conditions",
        "",
        "A condition is one of:",
        "",
        "- a test, `{field: NAME, OPERATOR: VALUE}`: one field of the fact, one operator;",
        "- `{all: [CONDITION, ...]}`: every condition holds;",
        "- `{any: [CONDITION, ...]}`: at least one holds.",
        "",
        "| operator | field kind | holds when |",
        "|---|---|---|",
        *[f"| `{op}` | {_OPERATORS[op][0]} | {_OPERATORS[op][1]} |" for op in OPERATORS],
        "",
        "A value is a number, a text, `true` or `false` (matching the field's kind), or",
        "`{threshold: NAME}` for a number. A comparison never matches a fact that has no value",
        "for the field (use `exists` to test that). List fields cannot be tested; test their",
        "count field. Fields reserved for the engine cannot be tested: "
        + ", ".join(f"`{f}`" for f in sorted(RESERVED_FIELDS))
        + ".",
        "",
        f"Limits: conditions nest at most {MAX_CONDITION_DEPTH} levels, hold at most"
        f" {MAX_CONDITION_TESTS} tests; numbers lie within ±{MAX_CONDITION_NUMBER:.0e} and,"
        f" unless 0, are at least 0.0001 in size; texts are at most {MAX_CONDITION_TEXT}"
        " characters, without control characters.",
        "",
        "## Message placeholders",
        "",
        "`message` and `remedy` may name fields of the fact in braces:",
        "",
        "- `{FIELD}`: the field's value (yes/no, `none` when missing, lists joined by commas);",
        "- `{FIELD:FORMAT}`: a number with a Python number format, such as `{seat_share:.0%}`;",
        "- `{threshold.NAME}`: the value of a threshold of the ruleset;",
        "- `{type}`: the fact type.",
        "",
        "- `{TYPE.FIELD}`: a field of the fact the rule's `join` found, such as `{partner.name}`.",
        "",
        "A placeholder that names no field of the fact type is refused when the file loads.",
        "",
        "## Two subjects and absence",
        "",
        "A rule tests its subject's fact (`applies_to`, `when`) and may also look at one other",
        "fact beside it, joined on fields:",
        "",
        "- `join: {type: TYPE, match: {FIELD: OTHER_FIELD, ...}, when: CONDITION}`: the rule fires",
        "  when some fact of type TYPE has OTHER_FIELD equal to the subject's FIELD (every pair",
        "  in `match`) and meets `when` (optional, a condition on that fact's fields). The finding",
        "  is still one per subject; its placeholders may name the other fact's fields as",
        "  `{TYPE.FIELD}` (the first such fact by subject, when several match).",
        "- `absent: {type: TYPE, match: {...}, when: CONDITION}`: the rule fires when no such fact",
        "  exists.",
        "",
        "`match` compares 1 to 4 pairs of fields of one kind (text, number or true/false; not",
        "lists); a field without a value equals nothing, so a subject without one has no",
        "joined fact. `id` names the item's id in the record (`accountable` and `owner` hold",
        "partners' ids; an action's `objective` holds an objective's id). A subject is never",
        "its own other fact. A rule may have a `join`, an `absent`, or both. "
        + _listed([f"`{t}`" for t in CHECKED_APART])
        + " facts are checked apart from the others (after them) and cannot be joined.",
        "",
        "## One finding per cause",
        "",
        "When several rules fire for one underlying problem, a group declared under `groups`",
        "reports one finding that carries theirs as its `parts` (and one action-plan row).",
        "Findings are gathered by subject: a part's finding counts for the subject it is about",
        "when that is the group's `about` kind, for the subject its `key` field names, or, in a",
        "group about `partnership`, for the record's partnership whatever its subject. When at",
        "least `min_parts` different parts fire about one subject, they become one finding of",
        "the group, at the severity of its worst part (raised by `escalate`); fewer stay as",
        "they are. A part may come from another rule file (`ruleset`) and may be another",
        "group (which then forms first); a rule is a part of at most one group of its file.",
        "When two groups of different files could gather one finding, the group loaded first",
        "(core, then by name) takes it.",
        "",
        "Part rules keep their ids: `--select` or `--ignore` of a part still works (a part",
        "selected without its group fires alone), naming a group selects or ignores its parts",
        "with it, a waiver of a part removes that finding before groups form (a waiver of a",
        "group among the parts, before the group naming it forms), and comparing audits",
        "(baselines) matches a group's finding through its parts.",
        "",
        "```yaml",
        "groups:",
        "  - id: CLD100",
        "    name: learners-and-community-not-heard",
        "    title: Learners and community have no voice in the partnership",
        "    category: stakeholder-voice",
        "    about: partnership",
        "    parts:",
        "      - {rule: CLD001, says: no learner or community representative on any body}",
        "      - {rule: CLD002, says: \"'{name}' take part in no review\"}",
        "      - {rule: CORE102, ruleset: core, says: \"'{name}' not heard: {parts}\"}",
        "    message: \"Partnership '{name}' does not hear its learners: {parts}.\"",
        "    rationale: ...",
        "    remedy: ...",
        "```",
        "",
        *_field_table(Group, _GROUP_FIELDS),
        "",
        "Part fields:",
        "",
        *_field_table(GroupPart, _GROUP_PART_FIELDS),
        "",
        "Escalation fields:",
        "",
        *_field_table(Escalation, _ESCALATION_FIELDS),
        "",
        "## Examples",
        "",
        "A rule's `examples` are its tests, kept beside it: `fire` cases must make the rule",
        "fire, `quiet` cases must keep it quiet. Every shipped rule has at least one of each.",
        "`partnership-rules rules test FILE` audits each case's record with the file's rules",
        "beside the shipped ones (on the engine an audit uses; `--engine` to choose) and",
        "reports every failing case with its file, rule, kind, index and `about`, exit 1 (a",
        "file that cannot be loaded: exit 2).",
        "",
        "```yaml",
        "examples_base: healthy          # the rule file's base record (optional)",
        "rules:",
        "  - id: OWN010",
        "    ...",
        "    examples:",
        "      base: healthy-nvq         # this rule's base record (optional)",
        "      fire:",
        "        - about: the placements metric has no reading frequency",
        '          set: {"metrics[2].every_days": null}',
        "          subjects: [metric:placements-completed]",
        "      quiet:",
        "        - about: once a year is a frequency",
        '          set: {"metrics[2].every_days": 365}',
        "```",
        "",
        "A case's record is its base record with the case applied, in this order:",
        "",
        "1. the record fragment (every key of the case but those below) is merged: a mapping",
        "   is merged key by key, recursively; any other value (a list, a text, a number)",
        "   replaces the base's; `null` removes the key;",
        "2. `set`: `{PATH: VALUE, ...}`; `null` removes a mapping key;",
        "3. `append`: `{PATH: ITEM, ...}` adds an item (or each item of a list) to a list;",
        "4. `remove`: `[PATH, ...]` removes mapping keys or list items.",
        "",
        "A path is written as error messages write it, dots and `[index]`:",
        "`governance.bodies[0].members`. `about` describes the case (reports and",
        "`docs/rules.md` show it); `subjects`, in a `fire` case, lists the subjects the rule",
        "must fire on, exactly (a rule's finding gathered into a group's counts).",
        "",
        "The base record is the rule's `examples: {base: NAME}`, else the file's",
        "`examples_base`, else `minimal`. The healthy records are shipped with the package",
        "(`rulesets/bases/`): no rule of their context fires on them, so a case changes one",
        "thing and shows one rule. Paths into them refer to list items by position; each",
        "file's opening comment lists its items.",
        "",
        "| base record | what it is |",
        "|---|---|",
        *[f"| `{name}` | {_BASE_RECORDS[name]} |" for name in base_record_names()],
        "",
        "The `minimal` record:",
        "",
        "```yaml",
        yaml.safe_dump(MINIMAL_RECORD, sort_keys=False).rstrip(),
        "```",
        "",
        "## Worked examples",
        "",
        "Each is a rule of a file that starts `ruleset: my-checks`, `title: ...`, `rules:`.",
        "",
        "A rule on one fact: an objective with a target and no baseline.",
        "",
        "```yaml",
        _SINGLE_FACT.rstrip(),
        "```",
        "",
        "A rule on two subjects together (`join`): an action not yet done whose accountable",
        "partner sits on no governance body. The finding is about the action; its message",
        "names the partner the join found.",
        "",
        "```yaml",
        _TWO_SUBJECTS.rstrip(),
        "```",
        "",
        "A rule on the absence of something (`absent`): an objective with a target that no",
        "open action serves (no action whose `objective` is this objective's `id` and whose",
        "status is not `done`).",
        "",
        "```yaml",
        _ABSENCE.rstrip(),
        "```",
        "",
        "## Fact types",
        "",
        "The fields of each fact type, with an example value from the shipped record",
        "templates (— where the templates leave the field empty). Any field may be missing",
        "where the record does not say.",
        "",
    ]
    examples = _example_values()
    for fact_type, schema in FACT_SCHEMAS.items():
        out += [f"### {fact_type}", "", "| field | type | meaning | example |", "|---|---|---|---|"]
        for name, spec in schema.items():
            doc = getattr(spec, "doc", "").replace("|", "\\|")
            out.append(
                f"| `{name}` | {spec.type} | {doc} | {_example(examples.get((fact_type, name)))} |"
            )
        out.append("")
    return "\n".join(out)


def worked_examples() -> list[str]:
    """The worked examples' rules, as YAML list items (for the test that loads them)."""
    return [_SINGLE_FACT, _TWO_SUBJECTS, _ABSENCE]
