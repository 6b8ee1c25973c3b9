"""Rule documentation: find a rule, explain it, list the rules as text, JSON or Markdown.

The Markdown is ``docs/rules.md`` (``partnership-rules rules --format markdown``), in the
manner of ruff's rule pages; a test keeps the file in step with the rulesets.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ._errors import UsageError
from ._vocabulary import SEVERITIES

if TYPE_CHECKING:
    from ._rule_model import CompiledGroup, CompiledRule, Rule, Ruleset

__all__ = [
    "RULE_FORMATS",
    "describe_condition",
    "describe_group",
    "describe_others",
    "describe_rule",
    "explain_text",
    "find_group",
    "find_rule",
    "render_rules",
    "rules_markdown",
]

RULE_FORMATS = ("text", "json", "markdown")

_OPS = {
    "equals": "is",
    "not_equals": "is not",
    "lt": "<",
    "lte": "≤",
    "gt": ">",
    "gte": "≥",
    "one_of": "is one of",
    "not_one_of": "is none of",
}


# The clauses of docs/severity.md, as a rule's documentation names them.
_BASIS = {
    "harm": "people at risk of harm",
    "legal-duty": "a legal duty breached",
    "purpose": "cannot show it achieves its purpose",
    "decisions": "cannot take or enforce decisions",
    "weakens": "weakens the partnership",
    "good-practice": "good practice missing",
}


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict) and "threshold" in value:
        return f"the threshold {value['threshold']}"
    return str(value)


def describe_others(rule: Rule) -> str:
    """A rule's ``join`` and ``absent`` in words, to follow its condition's words (empty
    when it has neither): ", with a partner whose id is its accountable (and ...)"."""
    out = ""
    for lead, other in (("with", rule.join), ("and no", rule.absent)):
        if other is None:
            continue
        pairs = " and ".join(f"`{theirs}` is its `{mine}`" for mine, theirs in other.match.items())
        out += f", {lead} {other.type} whose {pairs}"
        if other.when is not None:
            out += f" and where {describe_condition(other.when)}"
    return out


def describe_condition(node: dict[str, Any], depth: int = 0) -> str:
    """A rule condition in words, e.g. ``has_target is false and vague_term_count > 0``."""
    if "all" in node or "any" in node:
        joiner = " and " if "all" in node else " or "
        parts = [describe_condition(child, depth + 1) for child in node.get("all") or node["any"]]
        text = joiner.join(parts)
        return f"({text})" if depth and len(parts) > 1 else text
    field = node["field"]
    op = next(k for k in node if k != "field")
    if op == "exists":
        return f"{field} is {'given' if node[op] else 'not given'}"
    return f"{field} {_OPS[op]} {_value(node[op])}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _thresholds_table(ruleset: Ruleset) -> list[str]:
    if not ruleset.thresholds:
        return []
    lines = [
        f"### Thresholds of {ruleset.name}",
        "",
        "Numbers no source fixes: the project's default judgement, settable with",
        "`Auditor(thresholds={name: value})`. A finding that uses one says so in its evidence.",
        "",
        "| threshold | default | what it is | why this default |",
        "|---|---|---|---|",
    ]
    for name, threshold in ruleset.thresholds.items():
        why = " ".join(threshold.why.split())
        lines.append(f"| `{name}` | {_number(threshold.default)} | {threshold.label} | {why} |")
    return [*lines, ""]


def _thresholds_used(compiled: CompiledRule) -> list[str]:
    if not compiled.thresholds:
        return []
    used = ", ".join(
        f"`{use.name}` ({use.label}, default {_number(use.default)})" for use in compiled.thresholds
    )
    return [f"Thresholds (the project's judgement, settable): {used}.", ""]


def find_rule(key: str, rulesets: Iterable[Ruleset] | None = None) -> CompiledRule:
    """The rule whose id (in any case), name or alias is ``key``, among ``rulesets``
    (default: every shipped ruleset). Raises :class:`UsageError` when there is none."""
    from ._rule_loader import load_rulesets

    wanted = key.strip()
    for ruleset in load_rulesets() if rulesets is None else rulesets:
        for compiled in ruleset.rules:
            rule = compiled.rule
            if wanted in (rule.id, rule.name, *rule.aliases) or wanted.upper() == rule.id:
                return compiled
    raise UsageError(f"no rule '{key}' (rules are named by id, name or alias)")


def describe_rule(compiled: CompiledRule, origin: str | None = None) -> str:
    """A rule in words for a terminal: what it checks, why it matters, what to do, sources;
    ``origin`` says where its ruleset comes from (see :meth:`Ruleset.describe_origin`)."""
    rule = compiled.rule
    ruleset = f"{compiled.ruleset} ({origin})" if origin else compiled.ruleset
    lines = [
        f"{rule.id} {rule.name}: {rule.title}",
        f"Severity: {compiled.severity_note() or rule.severity} · Category: {rule.category}"
        f" · Ruleset: {ruleset}"
        f" · Applies to: {rule.applies_to} facts",
        "",
        "Why it matters",
        f"  {rule.rationale.strip()}",
        "",
        "What to do",
        f"  {rule.remedy.strip()}",
        "",
        "Condition",
        f"  {json.dumps(rule.when, ensure_ascii=False)}",
        *[
            f"  {key}: {json.dumps(other.model_dump(exclude_none=True), ensure_ascii=False)}"
            for key, other in (("join", rule.join), ("absent", rule.absent))
            if other is not None
        ],
        "",
        # The values this auditor uses: a project configuration may have set them.
        *(
            ["Thresholds", *[f"  {use.evidence()}" for use in compiled.thresholds], ""]
            if compiled.thresholds
            else []
        ),
        "Sources",
        *[f"  - {ref}" for ref in rule.references],
    ]
    return "\n".join(lines) + "\n"


def find_group(key: str, rulesets: Iterable[Ruleset] | None = None) -> CompiledGroup:
    """The group (one finding per cause) whose id (in any case), name or alias is ``key``,
    among ``rulesets`` (default: every shipped ruleset). Raises :class:`UsageError` when
    there is none."""
    from ._rule_loader import load_rulesets

    wanted = key.strip()
    for ruleset in load_rulesets() if rulesets is None else rulesets:
        for compiled in ruleset.groups:
            group = compiled.group
            if wanted in (group.id, group.name, *group.aliases) or wanted.upper() == group.id:
                return compiled
    raise UsageError(f"no rule or group '{key}' (rules and groups are named by id, name or alias)")


def describe_group(
    compiled: CompiledGroup, rulesets: Iterable[Ruleset], origin: str | None = None
) -> str:
    """A group in words for a terminal: what it gathers, its part rules, how its severity is
    decided, why it matters, what to do and the sources its parts cite. ``rulesets`` are
    searched for the part rules; ``origin`` says where the group's ruleset comes from."""
    group = compiled.group
    compiled_rules = {r.rule.id: r for rs in rulesets for r in rs.rules}
    rules = {rule_id: r.rule for rule_id, r in compiled_rules.items()}
    ruleset = f"{compiled.ruleset} ({origin})" if origin else compiled.ruleset
    parts = []
    inner_groups = {g.id: g.group for rs in rulesets for g in rs.groups}
    for part in group.parts:
        rule = rules.get(part.rule)
        inner = inner_groups.get(part.rule)
        what = f"{rule.severity}, {rule.category}: {rule.title}" if rule else "not loaded"
        if inner is not None:
            what = (
                f"group: {inner.title}; its finding, or its parts that fired alone"
                f" ({', '.join(p.rule for p in inner.parts)})"
            )
        if part.ruleset:
            what += f"; ruleset {part.ruleset}, when it applies"
        subject = f"; its subject is the {group.about} named by `{part.key}`" if part.key else ""
        parts.append(f'  - {part.rule} ({what}); listed as "{part.says}"{subject}')
    severities = [rules[p.rule].severity for p in group.parts if p.rule in rules]
    span = ""
    if severities:  # SEVERITIES runs from the most severe down
        lowest, highest = (
            max(severities, key=SEVERITIES.index),
            min(severities, key=SEVERITIES.index),
        )
        span = (
            f" (its parts range from {lowest} to {highest})"
            if lowest != highest
            else f" (every part is {lowest})"
        )
    severity = [f"  The worst severity among the parts that fired{span}."]
    for escalation in group.escalate:
        when = (
            f"at least {escalation.parts_at_least} parts fire"
            if escalation.parts_at_least
            else f"{', '.join(escalation.all_of or [])} all fire"
        )
        severity.append(
            f"  Raised to {escalation.severity} when {when}: the combination means the"
            f" partnership {_BASIS[escalation.severity_basis]} ({escalation.severity_basis})."
        )
    sources: list[str] = []
    # A group among the parts cites what its own parts cite.
    cited = [
        rule_id
        for part in group.parts
        for rule_id in (
            [p.rule for p in inner_groups[part.rule].parts]
            if part.rule in inner_groups
            else [part.rule]
        )
    ]
    for rule_id in cited:
        for ref in rules[rule_id].references if rule_id in rules else []:
            if str(ref) not in sources:
                sources.append(str(ref))
    where = (
        " partnership (found on it or on any of its subjects: stakeholders, partners, bodies)"
        if group.about == "partnership"
        else f" {group.about}"
    )
    lines = [
        f"{group.id} {group.name}: {group.title}",
        f"Group (one finding per cause) · Category: {group.category} · Ruleset: {ruleset}"
        f" · About: each {group.about}",
        "",
        "What it gathers",
        f"  When at least {group.min_parts} of its part rules fire about the same"
        f"{where}, the audit reports one finding of this group that lists theirs as"
        " its parts; a part that fires alone is reported as it is. The part rules keep their"
        " ids, so selecting, ignoring and baselines work on them as before.",
        "",
        "Parts",
        *parts,
        "",
        "Severity",
        *severity,
        "",
        *[
            f"  {line}"
            for part in group.parts
            if part.rule in compiled_rules
            for line in _thresholds_used(compiled_rules[part.rule])[:1]
        ],
        "",
        "Why it matters",
        f"  {' '.join(group.rationale.split())}",
        "",
        "What to do",
        f"  {' '.join(group.remedy.split())}",
        "",
        "Message",
        f"  {group.message}",
        "",
        "Sources (cited by its parts)",
        *[f"  - {source}" for source in sources],
    ]
    return "\n".join(lines) + "\n"


def explain_text(key: str, rulesets: Sequence[Ruleset] | None = None) -> str:
    """The explanation of the rule or group named ``key`` (id, name or alias) among
    ``rulesets`` (default: every shipped ruleset), as ``explain`` prints it. Raises
    :class:`UsageError` when neither exists."""
    from ._rule_loader import load_rulesets

    loaded = list(load_rulesets() if rulesets is None else rulesets)
    origins = {rs.name: rs.describe_origin() for rs in loaded}
    try:
        rule = find_rule(key, loaded)
    except UsageError:
        group = find_group(key, loaded)
        return describe_group(group, loaded, origins.get(group.ruleset))
    return describe_rule(rule, origins.get(rule.ruleset))


def render_rules(rulesets: Sequence[Ruleset], fmt: str = "text") -> str:
    """Every rule of ``rulesets``: ``text`` (one line per rule under each ruleset), ``json``
    (a list of rule objects) or ``markdown`` (the full documentation, as in docs/rules.md)."""
    if fmt == "markdown":
        return rules_markdown(list(rulesets))
    if fmt == "json":
        data = [
            {
                "ruleset": compiled.ruleset,
                "origin": ruleset.describe_origin(),
                **compiled.rule.model_dump(mode="json", exclude={"when"}),
                "when": compiled.rule.when,
            }
            for ruleset in rulesets
            for compiled in ruleset.rules
        ]
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt != "text":
        raise UsageError(f"unknown format '{fmt}' (use one of: {', '.join(RULE_FORMATS)})")
    lines = []
    for ruleset in rulesets:
        lines.append(
            f"{ruleset.name}: {ruleset.title} ({len(ruleset.rules)} rules;"
            f" from {ruleset.describe_origin()})"
        )
        for compiled in ruleset.rules:
            r = compiled.rule
            lines.append(f"  {r.id:<9} {r.severity:<8} {r.category:<20} {r.title}")
    return "\n".join(lines) + "\n"


def _groups_doc(ruleset: Ruleset) -> list[str]:
    if not ruleset.groups:
        return []
    lines = [
        f"### Groups of {ruleset.name}: one finding per cause",
        "",
        "When at least two of a group's part rules fire about one subject, the audit reports one",
        "finding of the group with theirs as its `parts`; one part alone is reported as it is.",
        "A group about the partnership gathers parts found on any of its subjects; a part from",
        "another ruleset takes part when that ruleset applies; a part naming another group",
        "gathers that group's finding, or its parts that fired alone (counted as one part).",
        "The part rules keep their ids: selecting one without its group reports it alone,",
        "naming the group selects or ignores its parts with it, and comparing audits matches a",
        "group's finding through its parts. Its severity is its worst part's, unless an",
        "escalation below says the combination is worse.",
        "",
    ]
    for compiled in ruleset.groups:
        group = compiled.group
        parts = ", ".join(
            f"{p.rule} ({p.says}{', subject from `' + p.key + '`' if p.key else ''}"
            f"{', ruleset ' + p.ruleset if p.ruleset else ''})"
            for p in group.parts
        )
        escalations = [
            f"- {e.severity} ({_BASIS[e.severity_basis]}) when "
            + (
                f"at least {e.parts_at_least} parts fire"
                if e.parts_at_least
                else f"{', '.join(e.all_of or [])} all fire"
            )
            for e in group.escalate
        ]
        lines += [
            f"#### {group.id} {group.name}",
            "",
            f"**{group.title}** · about each {group.about} · category `{group.category}`",
            "",
            f"Parts: {parts}.",
            "",
            " ".join(group.rationale.split()),
            "",
            *(["Severity:", "", *escalations, ""] if escalations else []),
            f"> {group.message}",
            "",
            f"What to do: {' '.join(group.remedy.split())}",
            "",
        ]
    return lines


def _examples_doc(compiled: CompiledRule, file_base: str | None) -> list[str]:
    """The rule's first firing and first quiet example, as "Example" and "Use instead": the
    case as written (without its own ``about`` and ``subjects``) and its base record."""
    import yaml

    from ._rule_examples import DEFAULT_BASE

    examples = compiled.rule.examples
    if examples is None:
        return []
    base = examples.base or file_base or DEFAULT_BASE
    out: list[str] = []
    for title, cases in (("Example", examples.fire), ("Use instead", examples.quiet)):
        if cases:
            case = cases[0]
            fragment = {k: v for k, v in case.items() if k not in ("about", "subjects") and v != {}}
            about = f"{case['about']}:" if case.get("about") else "Record fragment:"
            text = yaml.safe_dump(fragment, sort_keys=False, allow_unicode=True).rstrip()
            if not fragment:
                text = "# the base record as it is"
            out += [f"#### {title}", "", about, "", "```yaml", text, "```", ""]
    if out:
        link = "[Examples](rule-language.md#examples)"
        out += [f"Base record of the examples: `{base}` (see {link}).", ""]
    return out


def rules_markdown(rulesets: list[Ruleset]) -> str:
    """``docs/rules.md``: one section per rule, grouped by ruleset."""
    from .facts import FACT_SCHEMAS  # the fact fields' meanings, only for this document

    lines = [
        "# Rules",
        "",
        "Generated by `partnership-rules rules --format markdown`; do not edit by hand.",
        "",
    ]
    for ruleset in rulesets:
        lines += [
            f"- [{ruleset.name}](#{ruleset.name}): {ruleset.title} ({len(ruleset.rules)} rules)"
        ]
    lines.append("")
    for ruleset in rulesets:
        lines += [f"## {ruleset.name}", "", ruleset.title + ".", ""]
        if ruleset.description:
            lines += [ruleset.description.strip(), ""]
        lines += _thresholds_table(ruleset)
        for compiled in ruleset.rules:
            rule = compiled.rule
            basis = f" ({_BASIS[rule.severity_basis]})" if rule.severity_basis else ""
            if compiled.rule_file_severity is not None:
                basis = (
                    f" (set by configuration; the rule file says `{compiled.rule_file_severity}`)"
                )
            fields = "; ".join(
                f"`{f}`: {FACT_SCHEMAS[rule.applies_to][f].doc}" for f in compiled.fields
            )
            lines += [
                f"### {rule.id} {rule.name}",
                "",
                f"**{rule.title}** · severity `{rule.severity}`{basis}"
                f" · category `{rule.category}`",
                "",
                "#### What it checks",
                "",
                f"Each {rule.applies_to} where {describe_condition(rule.when)}"
                f"{describe_others(rule)}.",
                "",
                f"Fields: {fields}." if fields else "",
                "",
                *_thresholds_used(compiled),
                "#### Why it matters",
                "",
                " ".join(rule.rationale.split()),
                "",
                "#### What to do",
                "",
                " ".join(rule.remedy.split()),
                "",
                *[
                    f"In a {context} record: {' '.join(text.split())}\n"
                    for context, text in rule.remedy_in_context.items()
                ],
                "#### Message",
                "",
                f"> {rule.message}",
                "",
                *_examples_doc(compiled, ruleset.examples_base),
                "#### References",
                "",
                *[f"- {ref}" for ref in rule.references],
                "",
            ]
        lines += _groups_doc(ruleset)
    return "\n".join(line for line in lines).replace("\n\n\n", "\n\n").rstrip() + "\n"
