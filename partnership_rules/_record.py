"""Record format v1 as pydantic v2 models (the public input contract, see DESIGN.md).

Field names and meanings follow DESIGN.md exactly. Closed vocabularies are enums (Literal
types); unknown keys are rejected so that a typo is an error instead of silence. The
cross-record checks (unique ids, every reference resolves to an id of the right kind,
no cycle in ``reports_to``) run in :func:`check_references`, which returns every problem
at once rather than stopping at the first.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from ._errors import Problem

__all__ = [
    "Action",
    "Agreement",
    "Body",
    "Communication",
    "Contribution",
    "Feedback",
    "Governance",
    "InformationSharing",
    "Issue",
    "Meeting",
    "Metric",
    "Objective",
    "Partner",
    "Partnership",
    "Qualifications",
    "Reading",
    "Record",
    "Review",
    "SelfAssessment",
    "Stakeholder",
    "check_references",
]

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(max_length=10_000)]
ShortText = Annotated[str, StringConstraints(max_length=500)]
# Upper bounds keep every derived number finite and exact: a sum of the largest amounts over
# the largest record stays far below float overflow, and counts stay far below 2**53, past
# which durable-rules (which compares C doubles) and Python would disagree.
MAX_AMOUNT = 1e12
MAX_COUNT = 1_000_000_000
NonNegative = Annotated[float, Field(ge=0, le=MAX_AMOUNT)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Days = Annotated[int, Field(ge=1, le=36_500)]

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> Any:
    # Without this, pydantic's lax mode reads a number as a Unix timestamp (0 becomes
    # 1970-01-01) and accepts datetime text with a zero time: both silent misreadings.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError as error:
            raise ValueError(f"'{value}' is not a valid date: {error}") from None
    shown = repr(value)
    raise ValueError(f"expected an ISO date (YYYY-MM-DD), found {shown[:40]}")


Date = Annotated[dt.date, BeforeValidator(_iso_date)]

Context = Literal["core", "education-training", "nvq", "childrens-services", "community-learning"]
Stage = Literal[
    "identify-need",
    "explore-commitment",
    "agree-plan",
    "design-structure",
    "monitor-review",
    "recognise-achievements",
]
PartnerKind = Literal[
    "provider",
    "employer",
    "awarding-body",
    "local-authority",
    "enterprise-partnership",
    "funder",
    "agency",
    "school",
    "health",
    "police",
    "voluntary",
    "community-organisation",
    "parent-carer",
    "learner-representative",
    "other",
]
ContributionKind = Literal[
    "staff-time", "funding", "facilities", "equipment", "expertise", "data", "other"
]
StakeholderKind = Literal[
    "learners",
    "carers",
    "community",
    "employer-organisation",
    "local-authority",
    "enterprise-partnership",
    "professional-body",
    "regulator",
    "awarding-body",
    "funder",
    "other",
]
Engagement = Literal["none", "informed", "consulted", "involved", "deciding"]
BodyKind = Literal["board", "steering-group", "working-group", "operational-group"]
DecisionRule = Literal["consensus", "majority", "lead-partner", "unspecified"]
AgreementTopic = Literal["roles", "resources", "data-sharing", "disputes", "exit"]
Dimension = Literal["results", "process", "relationships"]
MetricKind = Literal["quantitative", "qualitative"]
Phase = Literal["plan", "design", "deliver", "assess", "review", "other"]
ActionStatus = Literal["not-started", "in-progress", "done", "blocked"]
Channel = Literal[
    "meeting", "email", "shared-platform", "report", "phone", "social-media", "newsletter"
]
ReviewKind = Literal["progress", "annual", "external", "stakeholder-feedback"]
IssueKind = Literal["conflict", "commitment", "power", "resources", "quality", "other"]
Framework = Literal["teach-too", "hgiocld-3.2", "qca-checklist"]
Rating = Literal["red", "amber", "green"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


class Partnership(_Model):
    id: Id
    name: ShortText
    contexts: list[Context] = Field(default_factory=list, max_length=10)
    sector: ShortText | None = None
    purpose: Text | None = None
    stage: Stage | None = None
    established: Date | None = None
    assessed_on: Date | None = None
    exit_strategy: Text | None = None


class Contribution(_Model):
    kind: ContributionKind
    amount: NonNegative | None = None
    unit: ShortText | None = None


class Partner(_Model):
    id: Id
    name: ShortText
    kind: PartnerKind = "other"
    lead: bool = False
    senior_sponsor: ShortText | None = None
    signed_agreement: bool | None = None
    contributions: list[Contribution] = Field(default_factory=list, max_length=1000)
    benefits: list[ShortText] = Field(default_factory=list, max_length=1000)


class Stakeholder(_Model):
    id: Id
    name: ShortText
    kind: StakeholderKind = "other"
    engagement: Engagement = "none"


class Body(_Model):
    id: Id
    name: ShortText
    kind: BodyKind
    members: list[Id] = Field(default_factory=list, max_length=1000)
    chair: Id | None = None
    terms_of_reference: bool | None = None
    decision_rule: DecisionRule = "unspecified"
    meets_every_days: Days | None = None
    reports_to: Id | None = None


class Agreement(_Model):
    exists: bool = False
    signed_by: list[Id] = Field(default_factory=list, max_length=1000)
    last_reviewed: Date | None = None
    covers: list[AgreementTopic] = Field(default_factory=list, max_length=10)


class Governance(_Model):
    bodies: list[Body] = Field(default_factory=list, max_length=1000)
    agreement: Agreement | None = None


class Objective(_Model):
    id: Id
    statement: Text
    owner: Id | None = None
    metrics: list[Id] = Field(default_factory=list, max_length=1000)
    baseline: float | None = None
    target: float | None = None
    due: Date | None = None
    beneficiaries: list[Id] = Field(default_factory=list, max_length=1000)


class Reading(_Model):
    date: Date
    value: float | Text


class Metric(_Model):
    id: Id
    name: ShortText
    dimension: Dimension | None = None
    kind: MetricKind = "quantitative"
    source: ShortText | None = None
    collected_by: Id | None = None
    every_days: Days | None = None
    readings: list[Reading] = Field(default_factory=list, max_length=10_000)


class Action(_Model):
    id: Id
    action: Text
    responsible: list[Id] = Field(default_factory=list, max_length=1000)
    accountable: Id | None = None
    phase: Phase | None = None
    objective: Id | None = None
    due: Date | None = None
    status: ActionStatus = "not-started"


class Communication(_Model):
    between: list[Id] = Field(min_length=2, max_length=1000)
    channel: Channel
    every_days: Days | None = None
    two_way: bool = False


class Meeting(_Model):
    date: Date
    body: Id | None = None
    attended: list[Id] = Field(default_factory=list, max_length=1000)


class Review(_Model):
    date: Date
    kind: ReviewKind = "progress"
    participants: list[Id] = Field(default_factory=list, max_length=1000)


class Feedback(_Model):
    from_: Id = Field(alias="from")
    date: Date | None = None
    method: ShortText | None = None
    acted_on: bool = False

    model_config = ConfigDict(populate_by_name=True)


class InformationSharing(_Model):
    agreement: bool = False
    purposes: list[ShortText] = Field(default_factory=list, max_length=100)
    lawful_basis: ShortText | None = None
    safeguarding_exception: bool = False


class Issue(_Model):
    id: Id
    description: Text
    kind: IssueKind = "other"
    raised: Date | None = None
    resolved: Date | None = None


class Qualifications(_Model):
    candidates: Count | None = None
    assessors: Count | None = None
    internal_verifiers: Count | None = None
    awarding_body_approved: bool | None = None


class SelfAssessment(_Model):
    framework: Framework
    item: Annotated[str, StringConstraints(max_length=100)]
    rating: Rating | None = None
    level: Annotated[int, Field(ge=1, le=6)] | None = None
    evidence: Text | None = None


class Record(_Model):
    """One partnership record, format v1."""

    format: Literal["partnership-record/1"] | None = None
    partnership: Partnership
    partners: list[Partner] = Field(min_length=1, max_length=5000)
    stakeholders: list[Stakeholder] = Field(default_factory=list, max_length=5000)
    governance: Governance = Field(default_factory=Governance)
    objectives: list[Objective] = Field(default_factory=list, max_length=5000)
    metrics: list[Metric] = Field(default_factory=list, max_length=5000)
    actions: list[Action] = Field(default_factory=list, max_length=10_000)
    communication: list[Communication] = Field(default_factory=list, max_length=10_000)
    meetings: list[Meeting] = Field(default_factory=list, max_length=10_000)
    reviews: list[Review] = Field(default_factory=list, max_length=10_000)
    feedback: list[Feedback] = Field(default_factory=list, max_length=10_000)
    information_sharing: InformationSharing | None = None
    issues: list[Issue] = Field(default_factory=list, max_length=10_000)
    qualifications: Qualifications | None = None
    self_assessment: list[SelfAssessment] = Field(default_factory=list, max_length=1000)


# What kind of thing each id names, for reference checks and for ``kind:id`` subjects.
_PARTNER = ("partner",)
_MEMBER = ("partner", "stakeholder")


def _ids_by_kind(record: Record) -> tuple[dict[str, str], list[Problem]]:
    """Map every id to its kind; report ids used twice anywhere in the record."""
    kinds: dict[str, str] = {}
    first_path: dict[str, str] = {}
    problems: list[Problem] = []
    groups: list[tuple[str, str, list[BaseModel]]] = [
        ("partners", "partner", list(record.partners)),
        ("stakeholders", "stakeholder", list(record.stakeholders)),
        ("governance.bodies", "body", list(record.governance.bodies)),
        ("objectives", "objective", list(record.objectives)),
        ("metrics", "metric", list(record.metrics)),
        ("actions", "action", list(record.actions)),
        ("issues", "issue", list(record.issues)),
    ]
    for field_path, kind, items in groups:
        for index, item in enumerate(items):
            item_id: str = item.id  # type: ignore[attr-defined]
            path = f"{field_path}[{index}].id"
            if item_id in kinds:
                problems.append(
                    Problem(f"duplicate id '{item_id}' (first used at {first_path[item_id]})", path)
                )
            else:
                kinds[item_id] = kind
                first_path[item_id] = path
    return kinds, problems


def _article(kind: str) -> str:
    return "an" if kind[0] in "aeiou" else "a"


def check_references(record: Record) -> list[Problem]:
    """Every cross-reference problem in ``record``: duplicate ids, unknown or wrong-kind ids,
    references to itself, and cycles in ``reports_to``. Empty when the record is consistent."""
    kinds, problems = _ids_by_kind(record)

    def check(path: str, ref: str | None, allowed: tuple[str, ...]) -> None:
        if ref is None:
            return
        kind = kinds.get(ref)
        if kind is None:
            problems.append(Problem(f"unknown id '{ref}'", path))
        elif kind not in allowed:
            expected = " or ".join(f"{_article(k)} {k}" for k in allowed)
            problems.append(
                Problem(f"'{ref}' is {_article(kind)} {kind}, expected {expected}", path)
            )

    def check_all(path: str, refs: list[str], allowed: tuple[str, ...]) -> None:
        for i, ref in enumerate(refs):
            check(f"{path}[{i}]", ref, allowed)

    bodies = record.governance.bodies
    for i, body in enumerate(bodies):
        base = f"governance.bodies[{i}]"
        check_all(f"{base}.members", body.members, _MEMBER)
        check(f"{base}.chair", body.chair, _MEMBER)
        check(f"{base}.reports_to", body.reports_to, ("body",))
        if body.reports_to == body.id:
            problems.append(Problem("a body cannot report to itself", f"{base}.reports_to"))
    problems.extend(_reporting_cycles(bodies))
    if record.governance.agreement is not None:
        check_all("governance.agreement.signed_by", record.governance.agreement.signed_by, _PARTNER)
    for i, objective in enumerate(record.objectives):
        base = f"objectives[{i}]"
        check(f"{base}.owner", objective.owner, _PARTNER)
        check_all(f"{base}.metrics", objective.metrics, ("metric",))
        check_all(f"{base}.beneficiaries", objective.beneficiaries, _MEMBER)
    for i, metric in enumerate(record.metrics):
        check(f"metrics[{i}].collected_by", metric.collected_by, _PARTNER)
    for i, action in enumerate(record.actions):
        base = f"actions[{i}]"
        check_all(f"{base}.responsible", action.responsible, _PARTNER)
        check(f"{base}.accountable", action.accountable, _PARTNER)
        check(f"{base}.objective", action.objective, ("objective",))
    for i, channel in enumerate(record.communication):
        check_all(f"communication[{i}].between", channel.between, _MEMBER)
    for i, meeting in enumerate(record.meetings):
        check(f"meetings[{i}].body", meeting.body, ("body",))
        check_all(f"meetings[{i}].attended", meeting.attended, _MEMBER)
    for i, review in enumerate(record.reviews):
        check_all(f"reviews[{i}].participants", review.participants, _MEMBER)
    for i, item in enumerate(record.feedback):
        check(f"feedback[{i}].from", item.from_, _MEMBER)
    for i, issue in enumerate(record.issues):
        if issue.raised and issue.resolved and issue.resolved < issue.raised:
            problems.append(Problem("resolved before it was raised", f"issues[{i}].resolved"))
    return problems


def _reporting_cycles(bodies: list[Body]) -> list[Problem]:
    """A problem for each body whose ``reports_to`` chain leads back to itself (length > 1)."""
    index = {body.id: i for i, body in enumerate(bodies)}
    parent = {body.id: body.reports_to for body in bodies}
    problems = []
    reported: set[str] = set()
    for body in bodies:
        seen = [body.id]
        current = parent.get(body.id)
        while current is not None and current in parent and current not in seen:
            seen.append(current)
            current = parent[current]
        if current == body.id and len(seen) > 1 and body.id not in reported:
            cycle = seen + [body.id]
            reported.update(seen)
            problems.append(
                Problem(
                    "reports_to forms a cycle: " + " -> ".join(cycle),
                    f"governance.bodies[{index[body.id]}].reports_to",
                )
            )
    return problems
