"""The rule model: a rule as written in a rule file, and as compiled for the engines.

See :mod:`partnership_rules._rule_loader` for the file format and
:mod:`partnership_rules._conditions` for the condition language.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from ._sources import source_title
from ._templates import render_template
from ._vocabulary import SEVERITY_OF_BASIS, Category, Severity, SeverityBasis

__all__ = [
    "MAX_JOIN_FIELDS",
    "MAX_RULES_PER_FILE",
    "CompiledGroup",
    "CompiledRule",
    "Escalation",
    "CompiledJoin",
    "Group",
    "GroupPart",
    "Join",
    "Reference",
    "Rule",
    "RuleExamples",
    "RuleFile",
    "Ruleset",
    "Threshold",
    "ThresholdUse",
]

_RuleId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{1,9}[0-9]{3}$")]
_Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")]
_Text = Annotated[str, StringConstraints(min_length=1, max_length=5000)]
RecordContext = Literal["education-training", "nvq", "childrens-services", "community-learning"]
# A threshold's name: what a condition ({threshold: NAME}), a placeholder ({threshold.NAME})
# and Auditor(thresholds={NAME: value}) call it.
_ThresholdName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,59}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Reference(_Strict):
    """Where a rule comes from: a source's key in the source catalogue (``docs/sources.md``)
    and the section cited. ``title`` is the source's short title, filled in from the catalogue:
    reports show it, never the key alone."""

    source: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    section: Annotated[str, StringConstraints(max_length=300)] | None = None
    title: Annotated[str, StringConstraints(max_length=300)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _title_from_catalogue(cls, data: Any) -> Any:
        # The catalogue's title wins over any given (a rule file cannot mislabel a source); a
        # key the catalogue lacks keeps what it has: the rule loader refuses such keys, and a
        # report saved by another version may still name one.
        if isinstance(data, dict) and isinstance(data.get("source"), str):
            title = source_title(data["source"])
            if title is not None:
                return {**data, "title": title}
        return data

    def __str__(self) -> str:
        name = self.title or self.source
        return f"{name} — {self.section}" if self.section else name


def _known_base(name: str) -> str:
    from ._rule_examples import base_record_names

    if name not in base_record_names():
        raise ValueError(f"no base record '{name}' (known: {', '.join(base_record_names())})")
    return name


def _case_form(case: dict[str, Any]) -> dict[str, Any]:
    from ._rule_examples import example_case_problems

    problems = example_case_problems(case)
    if problems:
        raise ValueError("; ".join(problems))
    return case


# The name of a base record for a rule's examples (``partnership_rules._rule_examples``).
_BaseName = Annotated[str, AfterValidator(_known_base)]
# One example: a record fragment, with optional about, subjects, set, append and remove.
_ExampleCase = Annotated[dict[str, Any], AfterValidator(_case_form)]


class RuleExamples(_Strict):
    """A rule's tests, as data beside it: cases applied to a base record (see
    ``partnership_rules._rule_examples``) that must make the rule fire (``fire``) or keep it
    quiet (``quiet``). ``base`` names the base record (default: the rule file's
    ``examples_base``, else ``minimal``)."""

    base: _BaseName | None = None
    fire: list[_ExampleCase] = Field(default_factory=list, max_length=50)
    quiet: list[_ExampleCase] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _quiet_cases_pin_no_subjects(self) -> RuleExamples:
        # A quiet case fires on nothing: subjects there would be silently ignored.
        for i, case in enumerate(self.quiet):
            if "subjects" in case:
                raise ValueError(
                    f"quiet[{i}].subjects: only a fire case names the subjects it fires on"
                )
        return self


# A join names a fact field on each side; at most this many pairs must all be equal.
MAX_JOIN_FIELDS = 4


class Join(_Strict):
    """Another fact a rule looks at beside its subject (``join``: some such fact exists;
    ``absent``: none does): facts of ``type`` whose fields equal the subject's as ``match``
    says (the subject's field: the other fact's field, such as ``{accountable: id}``) and
    that meet ``when``, if given. The subject itself is never its own other fact.

    (Not ``on``, as SQL has it: YAML 1.1 readers, PyYAML's among them, read ``on`` as true.)"""

    type: str
    match: dict[
        Annotated[str, StringConstraints(min_length=1, max_length=80)],
        Annotated[str, StringConstraints(min_length=1, max_length=80)],
    ] = Field(min_length=1, max_length=MAX_JOIN_FIELDS)
    when: dict[str, Any] | None = None


class Rule(_Strict):
    """One rule, as written in a rule file."""

    id: _RuleId
    name: _Slug
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    severity: Severity
    # Optional for rule files of one's own; every shipped rule states it (a test checks).
    severity_basis: SeverityBasis | None = None
    category: Category
    applies_to: str
    when: dict[str, Any]
    # A second subject (some fact of another type, joined on fields) the rule also tests;
    # its fields are placeholders as {TYPE.FIELD}.
    join: Join | None = None
    # Something that must not exist (no fact of a type, joined on fields) for the rule to fire.
    absent: Join | None = None
    message: _Text
    rationale: _Text
    remedy: _Text
    references: list[Reference] = Field(min_length=1, max_length=20)
    evidence: list[str] | None = Field(default=None, max_length=30)
    aliases: list[_RuleId] = Field(default_factory=list, max_length=10)
    covers: list[Annotated[str, StringConstraints(max_length=200)]] = Field(
        default_factory=list, max_length=50
    )
    tags: list[_Slug] = Field(default_factory=list, max_length=20)
    # The remedy worded for a context (its examples and actors), used when the record's
    # contexts name it; `remedy` otherwise. A children's services report never reads an
    # education example.
    remedy_in_context: dict[RecordContext, _Text] = Field(default_factory=dict)

    def remedy_for(self, contexts: Collection[str]) -> str:
        """The remedy for a record whose applicable rulesets (or contexts) are ``contexts``:
        the first context-specific wording that applies, else the general one."""
        for context, remedy in self.remedy_in_context.items():
            if context in contexts:
                return remedy
        return self.remedy

    # Record fragments that must make the rule fire / keep it quiet (``rules test``).
    examples: RuleExamples | None = None

    @model_validator(mode="after")
    def _severity_follows_its_basis(self) -> Rule:
        if self.severity_basis is not None:
            expected = SEVERITY_OF_BASIS[self.severity_basis]
            if expected != self.severity:
                raise ValueError(
                    f"severity_basis '{self.severity_basis}' makes a rule {expected} under the"
                    f" severity policy (docs/severity.md), not {self.severity}"
                )
        return self


class Threshold(_Strict):
    """A number a rule compares with that no source fixes: the project's judgement, named,
    documented and settable (``Auditor(thresholds={name: value})``)."""

    default: float
    # What the number is, read before the value in a finding's evidence ("most candidates
    # per assessor": 40).
    label: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    why: _Text  # why this default: the reasoning behind the judgement
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False  # only whole numbers make sense (a count, a number of days)

    @model_validator(mode="after")
    def _default_in_range(self) -> Threshold:
        problem = self.problem(self.default)
        if problem is not None:
            raise ValueError(f"default {problem}")
        return self

    def problem(self, value: float) -> str | None:
        """Why ``value`` cannot be this threshold, or None if it can."""
        if self.integer and value != int(value):
            return f"{value} is not a whole number"
        if self.minimum is not None and value < self.minimum:
            return f"{value} is below the smallest allowed, {self.minimum:g}"
        if self.maximum is not None and value > self.maximum:
            return f"{value} is above the largest allowed, {self.maximum:g}"
        return None


@dataclass(frozen=True)
class ThresholdUse:
    """A threshold as one auditor compiled it into a rule: its value and where that came from."""

    name: str
    label: str
    value: float
    default: float

    def evidence(self) -> str:
        """One sentence for a finding's evidence: the value and that it is a judgement."""
        value = _number(self.value)
        if self.value == self.default:
            return (
                f"{self.label}: {value}, the project's default judgement, not a figure from a"
                f" source (threshold {self.name}, settable)"
            )
        return (
            f"{self.label}: {value}, set for this audit (the project's default judgement is"
            f" {_number(self.default)}; threshold {self.name})"
        )


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


class GroupPart(_Strict):
    """A rule (or another group) whose findings a group gathers, and how the group's message
    names each one."""

    # A rule id, or the id of another group: its finding is gathered and, where it did not
    # form, the findings of its parts that fired alone.
    rule: _RuleId
    # The ruleset holding ``rule`` when it is not this rule file; the part takes part only
    # when that ruleset is loaded and applies to the record.
    ruleset: _Slug | None = None
    # A short phrase for the group's message ("no target"); may hold placeholders of the
    # part rule's fact ("{seat_top_share:.0%} of the seats").
    says: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    # The field of the part rule's fact that holds the id of the group's subject (of the
    # group's ``about`` kind); omitted when the part rule's own subject is the group's, or
    # when the group is about the partnership (every subject of a record belongs to it).
    key: Annotated[str, StringConstraints(min_length=1, max_length=80)] | None = None


class Escalation(_Strict):
    """When a combination of parts is worse than its worst part: a severity for it."""

    parts_at_least: int | None = Field(default=None, ge=2, le=50)
    all_of: list[_RuleId] | None = Field(default=None, min_length=2, max_length=20)
    severity: Severity
    severity_basis: SeverityBasis

    @model_validator(mode="after")
    def _one_condition_and_the_policy(self) -> Escalation:
        if (self.parts_at_least is None) == (self.all_of is None):
            raise ValueError("an escalation gives parts_at_least or all_of, not both")
        expected = SEVERITY_OF_BASIS[self.severity_basis]
        if expected != self.severity:
            raise ValueError(
                f"severity_basis '{self.severity_basis}' makes a finding {expected} under the"
                f" severity policy (docs/severity.md), not {self.severity}"
            )
        return self

    def holds(self, fired: set[str]) -> bool:
        """Whether the rules that fired (ids) meet this escalation."""
        if self.all_of is not None:
            return set(self.all_of) <= fired
        return len(fired) >= (self.parts_at_least or 0)


class Group(_Strict):
    """One finding per cause: when several part rules fire about one subject, the audit
    reports one finding of the group carrying the others as its parts.

    The group's id, name and category select or ignore it like a rule's; a part rule
    selected without its group still fires alone."""

    id: _RuleId
    name: _Slug
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    category: Category
    about: str  # the fact type of the group's subject
    parts: list[GroupPart] = Field(min_length=2, max_length=20)
    min_parts: int = Field(default=2, ge=2, le=20)
    # Filled from the subject's fact; {parts} lists what each part rule found.
    message: _Text
    rationale: _Text
    remedy: _Text
    escalate: list[Escalation] = Field(default_factory=list, max_length=10)
    aliases: list[_RuleId] = Field(default_factory=list, max_length=10)

    @model_validator(mode="after")
    def _parts_are_distinct(self) -> Group:
        rules = [part.rule for part in self.parts]
        if len(set(rules)) != len(rules):
            raise ValueError("a rule is a part of a group once")
        for escalation in self.escalate:
            unknown = set(escalation.all_of or ()) - set(rules)
            if unknown:
                raise ValueError(f"escalate names rules that are not parts: {sorted(unknown)}")
        return self


@dataclass(frozen=True)
class CompiledGroup:
    """A validated group of the ruleset ``ruleset``."""

    group: Group
    ruleset: str
    line: int | None = None  # where the group starts in its file, when known

    @property
    def id(self) -> str:
        return self.group.id

    def part(self, rule_id: str) -> GroupPart | None:
        """The part for ``rule_id``, or None if that rule is not a part of this group."""
        return next((p for p in self.group.parts if p.rule == rule_id), None)


# A rule file holds at most this many rules.
MAX_RULES_PER_FILE = 1000


class RuleFile(_Strict):
    """A rule file's header; its rules are validated one by one (see ``Rule``)."""

    ruleset: _Slug
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=5000)] | None = None
    thresholds: dict[_ThresholdName, Threshold] = Field(default_factory=dict, max_length=200)
    rules: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_RULES_PER_FILE)
    groups: list[dict[str, Any]] = Field(default_factory=list, max_length=MAX_RULES_PER_FILE)
    # The base record of the file's rule examples, unless a rule's examples name another.
    examples_base: _BaseName | None = None


@dataclass(frozen=True)
class CompiledJoin:
    """A rule's ``join`` or ``absent``, compiled: the other fact's type, the pairs of fields
    that must be equal (the subject's, the other fact's), its condition in the engine's form
    (including the fact-type test) and the fields of the other fact that condition tests."""

    type: str
    on: tuple[tuple[str, str], ...]
    condition: dict[str, Any]
    fields: tuple[str, ...]


@dataclass(frozen=True)
class CompiledRule:
    """A validated rule with its condition compiled to the engine's JSON condition form."""

    rule: Rule
    ruleset: str
    condition: dict[str, Any]  # durable-rules condition, including the fact-type test
    fields: tuple[str, ...]  # fact fields the condition tests
    # Fact fields reported as evidence; "TYPE.FIELD" names a field of the joined fact.
    evidence: tuple[str, ...]
    thresholds: tuple[ThresholdUse, ...] = ()  # the named thresholds its condition uses
    join: CompiledJoin | None = None  # another fact that must exist (see Rule.join)
    absent: CompiledJoin | None = None  # another fact that must not exist (Rule.absent)
    line: int | None = None  # where the rule starts in its file, when known
    # The rule file's severity, when the audit's configuration gave the rule another one
    # (``rule.severity``; ``rule.severity_basis`` is then None).
    rule_file_severity: Severity | None = None

    def severity_note(self) -> str | None:
        """When the configuration set the rule's severity: a sentence saying so (for a
        finding's evidence and the rule's documentation); None otherwise."""
        if self.rule_file_severity is None:
            return None
        return (
            f"{self.rule.severity}, set by configuration (the rule file says"
            f" {self.rule_file_severity})"
        )

    @property
    def id(self) -> str:
        return self.rule.id

    def render_message(self, fact: dict[str, Any], joined: Mapping[str, Any] | None = None) -> str:
        """The rule's message with the fact's values (and its thresholds, and the joined
        fact's values) filled in."""
        return render_template(self.rule.message, self.placeholder_values(fact, joined))

    def render_remedy(self, fact: dict[str, Any], joined: Mapping[str, Any] | None = None) -> str:
        """The rule's remedy, with any placeholders filled in from the fact."""
        return render_template(self.rule.remedy, self.placeholder_values(fact, joined))

    def placeholder_values(
        self, fact: Mapping[str, Any], joined: Mapping[str, Any] | None = None
    ) -> Mapping[str, Any]:
        """What the rule's placeholders may name: the fact's fields, as ``threshold.NAME``
        the values of the thresholds the rule uses and, as ``TYPE.FIELD``, the fields of the
        fact its ``join`` found (``joined``)."""
        if not self.thresholds and self.join is None:
            return fact
        values = {**fact, **{f"threshold.{t.name}": t.value for t in self.thresholds}}
        if self.join is not None and joined is not None:
            values.update({f"{self.join.type}.{k}": v for k, v in joined.items()})
        return values


@dataclass(frozen=True)
class Ruleset:
    """A named, compiled set of rules loaded from one file."""

    name: str
    title: str
    description: str | None
    source: str
    rules: tuple[CompiledRule, ...]
    thresholds: Mapping[str, Threshold] = field(default_factory=dict)
    groups: tuple[CompiledGroup, ...] = ()
    # Where it comes from, for people: "shipped", or the rule file's path.
    origin: str = ""
    examples_base: str | None = None  # the rule file's ``examples_base``

    def describe_origin(self, line: int | None = None) -> str:
        """Where this ruleset (or, given its ``line``, a rule of it) comes from, in words
        (for listings and error messages)."""
        at = f", line {line}" if line is not None else ""
        if self.origin == "shipped":
            return f"shipped ruleset {self.name} ({self.source}{at})"
        return f"{self.origin or self.source}{at}"
