"""Record format v1 as pydantic v2 models (the public input contract).

Each field's docstring is its documented meaning: ``docs/record-format.md`` and the JSON
Schema are generated from these models. Closed vocabularies are enums (Literal
types); unknown keys are rejected so that a typo is an error instead of silence. The
cross-record checks (unique ids, every reference resolves to an id of the right kind,
no cycle in ``reports_to``) run in :func:`check_references`, which returns every problem
at once rather than stopping at the first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from ._errors import Problem, UsageError

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
    "Relationship",
    "RelationshipSide",
    "Review",
    "SelfAssessment",
    "Stakeholder",
    "Survey",
    "SurveyResponse",
    "TrustRating",
    "ValueRating",
    "Waiver",
    "check_references",
    "parse_date",
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


def parse_date(value: object, *, name: str = "as_of") -> dt.date:
    """``value`` read exactly as a record's dates are: a :class:`datetime.date` (not a
    datetime) or ``YYYY-MM-DD`` text. Anything else raises :class:`UsageError` naming
    ``name`` (``as_of``, ``--as-of``...)."""
    try:
        date: dt.date = _iso_date(value)
    except ValueError as error:
        raise UsageError(f"{name}: {error}") from None
    return date


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
Direction = Literal["higher", "lower"]
PartnershipKind = Literal["collaboration", "statutory", "contract", "network"]
CollaborationLevel = Literal["networking", "coordinating", "cooperating", "collaborating"]
MetricFocus = Literal["compliance", "quality", "outcomes"]
Phase = Literal["plan", "design", "deliver", "assess", "review", "other"]
ActionStatus = Literal["not-started", "in-progress", "done", "blocked"]
Channel = Literal[
    "meeting", "email", "shared-platform", "report", "phone", "social-media", "newsletter"
]
ReviewKind = Literal["progress", "annual", "external", "stakeholder-feedback", "case-review"]
IssueKind = Literal[
    "conflict", "commitment", "power", "resources", "quality", "other", "constraint"
]
Framework = Literal["teach-too", "hgiocld-3.2", "qca-checklist"]
Rating = Literal["red", "amber", "green"]
# A PARTNER-style rating: 1 not at all, 2 a small amount, 3 a fair amount, 4 a great deal.
PartnerScore = Annotated[int, Field(ge=1, le=4)]
# An answer to a survey item, on the instrument's scale (which the loader checks).
Answer = Annotated[int, Field(ge=-1000, le=1000)]
ITEM_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,99}$"
ItemId = Annotated[str, StringConstraints(pattern=ITEM_ID_PATTERN)]


class _Model(BaseModel):
    # Each field's docstring is its description: the JSON Schema and docs/record-format.md
    # read them from this file (_recformat). Not pydantic's use_attribute_docstrings, which
    # parses this file again for every class at import and doubles the models' build time.
    # Strict: a quoted "12" is not a number, "off" or 1 is not a boolean, true is not 1.0.
    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        frozen=True,
        strict=True,
    )


class Partnership(_Model):
    """The partnership as a whole: who it is, what it is for, and where it stands."""

    id: Id
    """Short identifier of the partnership (letters, digits, `-`, `_`, `.`), used to match
    audits of the same partnership over time."""
    name: ShortText
    """Full name of the partnership, as shown at the top of every report."""
    contexts: list[Context] = Field(default_factory=list, max_length=10)
    """The settings the partnership works in; each names a ruleset that runs on the record
    besides `core`, which always runs."""
    sector: ShortText | None = None
    """The occupational or industry sector, or the locality, the partnership focuses on."""
    purpose: Text | None = None
    """The shared strategic purpose, in words: why the partners work together and for whom."""
    stage: Stage | None = None
    """Where the partnership is in the six-stage cycle of QCA's partnership model, from
    identifying the need to recognising achievements."""
    established: Date | None = None
    """The date the partnership started."""
    assessed_on: Date | None = None
    """The "as of" date of the record: every recency rule counts days up to it. Missing
    means the day of the audit (the command line's `--as-of` overrides it)."""
    exit_strategy: Text | None = None
    """How the partners will manage transition or exit when the partnership ends or a partner
    leaves. Missing or null means no exit strategy is agreed."""
    kind: PartnershipKind | None = None
    """The kind of relationship, which sets what the rules expect of it: `collaboration`
    (partners join by choice and share control), `statutory` (a duty-led multi-agency
    arrangement, whose lead partner is expected to chair and to answer for the duty),
    `contract` (a prime provider, the lead partner, and its subcontractors: the prime's
    control is expected and its supervision of each subcontractor is checked) or `network`
    (a looser network around a hub). Missing means not stated: judged as a collaboration."""
    collaboration_level: CollaborationLevel | None = None
    """How closely the partners work, on the VicHealth continuum: `networking` (exchanging
    information), `coordinating` (also aligning activities), `cooperating` (also sharing
    resources) or `collaborating` (also sharing risks, responsibilities and rewards).
    Governance is expected to scale with it: a networking partnership is not asked for a
    governing body or a written agreement. Missing means not stated."""


class Contribution(_Model):
    """Something a partner puts into the partnership."""

    kind: ContributionKind
    """What kind of resource it is."""
    amount: NonNegative | None = None
    """How much, in `unit` (a number, 0 or more)."""
    unit: ShortText | None = None
    """The unit of `amount`, in words, e.g. `hours`, `days`, `GBP`. Staff time without a unit
    counts as hours."""
    planned: NonNegative | None = None
    """How much the partner agreed to put in, in the same `unit`, when the plan or agreement
    sets it; `amount` is then what it actually provides. Missing means no planned figure."""


class Partner(_Model):
    """A member organisation (or a parent or carer, or a learner representative) of the
    partnership."""

    id: Id
    """Identifier of the partner, unique in the record; other sections refer to it."""
    name: ShortText
    """The partner's name."""
    kind: PartnerKind = "other"
    """What sort of organisation it is."""
    lead: bool = False
    """True for the lead partner (normally one), the one that convenes and coordinates."""
    senior_sponsor: ShortText | None = None
    """The senior leader in this organisation who backs the partnership, by role or name.
    Missing or null means no senior leader backs it."""
    signed_agreement: bool | None = None
    """Whether this partner has signed the partnership agreement. Missing counts as not
    signed."""
    contributions: list[Contribution] = Field(default_factory=list, max_length=1000)
    """What the partner puts in: staff time, funding, facilities and so on."""
    benefits: list[ShortText] = Field(default_factory=list, max_length=1000)
    """What the partner gets out of the partnership, each in a few words."""


class Stakeholder(_Model):
    """A wider interest that is not a member: learners, carers, a community, a regulator."""

    id: Id
    """Identifier of the stakeholder, unique in the record; other sections refer to it."""
    name: ShortText
    """The stakeholder's name or description."""
    kind: StakeholderKind = "other"
    """What sort of stakeholder it is."""
    engagement: Engagement = "none"
    """How far the stakeholder takes part, from not at all (`none`) through being told
    (`informed`), asked (`consulted`) and taking part (`involved`) to sharing decisions
    (`deciding`)."""


class Body(_Model):
    """A governance body: a board, steering group, working group or operational group."""

    id: Id
    """Identifier of the body, unique in the record; meetings and other bodies refer to it."""
    name: ShortText
    """The body's name."""
    kind: BodyKind
    """What sort of body it is."""
    members: list[Id] = Field(default_factory=list, max_length=1000)
    """Who sits on it: partner or stakeholder ids."""
    chair: Id | None = None
    """Who chairs it: a partner or stakeholder id."""
    terms_of_reference: bool | None = None
    """Whether the body has written terms of reference (its remit, membership and powers).
    Missing counts as none."""
    decision_rule: DecisionRule = "unspecified"
    """How the body takes decisions."""
    meets_every_days: Days | None = None
    """How often the body is meant to meet, in days between meetings (e.g. 42 for every six
    weeks)."""
    reports_to: Id | None = None
    """The id of the body this one reports to, if any."""
    case_decisions: bool = False
    """True when the body takes decisions about individual children, families or learners
    (a strategy meeting, a case panel, a multi-agency hub): every agency that holds
    information about them is expected at its meetings."""


class Agreement(_Model):
    """The written partnership agreement (or memorandum of understanding)."""

    exists: bool = False
    """Whether a written agreement exists."""
    signed_by: list[Id] = Field(default_factory=list, max_length=1000)
    """The partners (ids) that have signed it."""
    last_reviewed: Date | None = None
    """The date the agreement was last reviewed."""
    covers: list[AgreementTopic] = Field(default_factory=list, max_length=10)
    """The topics the agreement settles: roles, resources, data sharing, disputes and exit."""


class Governance(_Model):
    """How the partnership is run: its bodies and its written agreement."""

    bodies: list[Body] = Field(default_factory=list, max_length=1000)
    """The governance bodies."""
    agreement: Agreement | None = None
    """The partnership agreement; missing means none is recorded."""


class Objective(_Model):
    """Something the partnership sets out to achieve."""

    id: Id
    """Identifier of the objective, unique in the record; actions refer to it."""
    statement: Text
    """The objective in words: what will change, for whom, by how much and by when."""
    owner: Id | None = None
    """The partner (id) answerable for the objective."""
    metrics: list[Id] = Field(default_factory=list, max_length=1000)
    """The metrics (ids) that measure progress towards it."""
    baseline: float | None = None
    """The starting value, in the unit of its metrics."""
    target: float | None = None
    """The value to reach, in the unit of its metrics."""
    due: Date | None = None
    """The date by which the target is to be reached."""
    beneficiaries: list[Id] = Field(default_factory=list, max_length=1000)
    """Who benefits: partner or stakeholder ids."""
    standing: bool = False
    """True for a standard to be met all the time rather than a target to reach by a date
    (a statutory timescale, a service standard such as a decision within one working day):
    it needs no due date, and its target applies to every reading."""


class Reading(_Model):
    """One measurement of a metric."""

    date: Date
    """The date of the measurement."""
    value: float | Text
    """The value measured: a number for a quantitative metric, text for a qualitative one."""


class Metric(_Model):
    """An indicator the partnership measures (a key performance indicator)."""

    id: Id
    """Identifier of the metric, unique in the record; objectives refer to it."""
    name: ShortText
    """What is measured, in words."""
    dimension: Dimension | None = None
    """Which of QCA's three dimensions of success it measures: the results achieved, the
    process of working together, or the relationships between partners."""
    kind: MetricKind = "quantitative"
    """Whether it is measured as a number (`quantitative`) or in words (`qualitative`)."""
    source: ShortText | None = None
    """Where the data come from, e.g. `College records`, `learner survey`."""
    collected_by: Id | None = None
    """The partner (id) that collects the data."""
    every_days: Days | None = None
    """How often a reading is meant to be taken, in days between readings."""
    focus: MetricFocus | None = None
    """What the metric checks: `compliance` (processes followed, files complete), `quality`
    (the quality of the service, teaching or practice as delivered) or `outcomes` (results for
    the people served). Quality assurance that only checks compliance is flagged in a
    contract partnership."""
    monitors: list[Id] = Field(default_factory=list, max_length=1000)
    """The partners (ids) whose work the metric measures, e.g. the subcontractor whose
    learners' achievement it reads. Used to check that a prime contractor supervises each
    subcontractor."""
    direction: Direction = "higher"
    """Which way is better: `higher` (a pass rate) or `lower` (a waiting time, a re-referral
    rate). Progress towards an objective's target, and whether a target plans a decline, are
    read this way round."""
    readings: list[Reading] = Field(default_factory=list, max_length=10_000)
    """The measurements taken so far."""


class Action(_Model):
    """A row of the action chart: who does what by when."""

    id: Id
    """Identifier of the action, unique in the record."""
    action: Text
    """What is to be done."""
    responsible: list[Id] = Field(default_factory=list, max_length=1000)
    """The partners (ids) that carry the action out."""
    accountable: Id | None = None
    """The one partner (id) answerable for the action being done."""
    phase: Phase | None = None
    """Which part of the programme the action belongs to."""
    objective: Id | None = None
    """The objective (id) the action serves."""
    due: Date | None = None
    """The date by which the action is to be done."""
    status: ActionStatus = "not-started"
    """Where the action stands on `assessed_on`."""
    follows: Id | None = None
    """The action (id) this one follows up: the action chart's "further actions" column,
    recorded as a new action that names the one it continues."""


class Communication(_Model):
    """A regular communication channel between partners or stakeholders."""

    between: list[Id] = Field(min_length=2, max_length=1000)
    """Who communicates over it: two or more partner or stakeholder ids."""
    channel: Channel
    """The means of communication."""
    every_days: Days | None = None
    """How often it is used, in days between contacts."""
    two_way: bool = False
    """True when every side both sends and receives over it (a dialogue, not a broadcast)."""
    sender: Id | None = None
    """For a one-way channel, who sends over it (one of `between`); the others receive.
    Missing means not stated: every member counts as reached by it."""


class Meeting(_Model):
    """A meeting that took place."""

    date: Date
    """The date of the meeting."""
    body: Id | None = None
    """The governance body (id) that met, if it was a meeting of one."""
    attended: list[Id] = Field(default_factory=list, max_length=1000)
    """Who attended: partner or stakeholder ids."""


class Review(_Model):
    """A review of the partnership's progress or working that took place."""

    date: Date
    """The date of the review."""
    kind: ReviewKind = "progress"
    """What sort of review it was: of the partnership's `progress`, its `annual` review, an
    `external` one (an inspection, an awarding body's verification), a `stakeholder-feedback`
    review, or a `case-review` (a review of a case or serious incident, a case audit: it
    looks at practice, not at how the partnership works)."""
    participants: list[Id] = Field(default_factory=list, max_length=1000)
    """Who took part: partner or stakeholder ids."""
    learning_shared: bool | None = None
    """Whether what the review learned was passed on to the staff and partners who do the
    work (briefings, training, revised practice guidance). Missing means not recorded."""


class Feedback(_Model):
    """Feedback received from a partner or stakeholder."""

    from_: Id = Field(alias="from")
    """Who gave it: a partner or stakeholder id. Written `from` in the record."""
    date: Date | None = None
    """The date it was received."""
    method: ShortText | None = None
    """How it was gathered, e.g. `survey`, `focus group`, `learner forum`."""
    acted_on: bool = False
    """Whether the partnership acted on it (and can say what changed)."""
    reported_back: bool | None = None
    """Whether those who gave it were told what was decided and how their views were used
    ("you said, we did"). Missing means not recorded."""

    model_config = ConfigDict(populate_by_name=True)


class InformationSharing(_Model):
    """How partners share information about the people they serve (mostly for children's
    services)."""

    agreement: bool = False
    """Whether a written information-sharing agreement is in place."""
    purposes: list[ShortText] = Field(default_factory=list, max_length=100)
    """What information is shared for, each in a few words, e.g. `safeguarding`."""
    lawful_basis: ShortText | None = None
    """The lawful basis for sharing personal data under UK GDPR, e.g. `public task`."""
    safeguarding_exception: bool = False
    """True when it is written down that safeguarding a child overrides confidentiality."""
    personal_data: bool = True
    """Whether the partners share personal data about the people they serve. The
    information-sharing checks (agreement, purposes, lawful basis, secure route, review) run
    on every record that shares personal data: any children's services record, and any other
    record with this section unless this is false."""
    secure_route: bool | None = None
    """Whether personal data moves between partners only by a secure route (secure email, a
    shared case system, encrypted transfer). Missing means not stated: a shared platform
    among the communication channels is then taken as the route."""
    last_reviewed: Date | None = None
    """The date the information-sharing agreement was last reviewed."""


class Issue(_Model):
    """An entry in the log of limiting factors: a problem that holds the partnership back."""

    id: Id
    """Identifier of the issue, unique in the record."""
    description: Text
    """What the problem is."""
    kind: IssueKind = "other"
    """What sort of limiting factor it is. `constraint` is a standing condition the partners
    work around rather than a problem to resolve (assessors can visit only monthly, small
    employers cannot release staff in the day): it is never "open too long"."""
    raised: Date | None = None
    """The date the issue was raised."""
    resolved: Date | None = None
    """The date it was resolved; missing or null while it is open."""


class Qualifications(_Model):
    """Qualification delivery and assessment capacity (mostly for NVQ consortia)."""

    candidates: Count | None = None
    """The number of candidates working towards qualifications."""
    assessors: Count | None = None
    """The number of qualified assessors."""
    internal_verifiers: Count | None = None
    """The number of internal verifiers (quality assurers of the assessors)."""
    awarding_body_approved: bool | None = None
    """Whether the awarding body has approved the centre to offer the qualifications."""


class SelfAssessment(_Model):
    """The partnership's own rating of one item of a published self-evaluation framework."""

    framework: Framework
    """The framework: the Teach Too checklist (`teach-too`), HGIOCLD quality indicator 3.2
    (`hgiocld-3.2`) or QCA's key question checklist (`qca-checklist`)."""
    item: Annotated[str, StringConstraints(max_length=100)]
    """The item rated: an item id of the framework, as listed under "Self-assessment items" in
    the record format documentation."""
    rating: Rating | None = None
    """For `teach-too` and `qca-checklist`: green = happening well, amber = happening but
    could improve, red = a concern or not happening. (The Teach Too material prints its key
    the other way round; the project uses this conventional meaning.)"""
    level: Annotated[int, Field(ge=1, le=6)] | None = None
    """For `hgiocld-3.2`: the level on HGIOCLD's six-point scale, 6 excellent, 5 very good,
    4 good, 3 satisfactory, 2 weak, 1 unsatisfactory."""
    evidence: Text | None = None
    """What the rating rests on, in words."""


class TrustRating(_Model):
    """How far one partner trusts another, on the PARTNER tool's three dimensions of trust,
    each 1 (not at all), 2 (a small amount), 3 (a fair amount) or 4 (a great deal)."""

    reliability: PartnerScore | None = None
    """How far the other partner does what it says it will do."""
    mission: PartnerScore | None = None
    """How far the other partner supports the partnership's shared mission and goals."""
    openness: PartnerScore | None = None
    """How open the other partner is to discussion: willing to listen, to share and to be
    challenged."""


class ValueRating(_Model):
    """How much one partner values another, on the PARTNER tool's three dimensions of value,
    each 1 (not at all), 2 (a small amount), 3 (a fair amount) or 4 (a great deal)."""

    power: PartnerScore | None = None
    """The other partner's power or influence: how far it can get things done in the field
    the partnership works in."""
    involvement: PartnerScore | None = None
    """The other partner's level of involvement: how actively it takes part."""
    resources: PartnerScore | None = None
    """The resources the other partner contributes: funding, staff, data, facilities,
    expertise, connections."""


class RelationshipSide(_Model):
    """One side of a relationship: how one partner of the pair rates the other."""

    partner: Id
    """The partner (id) giving the rating: one of the pair; it rates the other one."""
    trust: TrustRating | None = None
    """How far it trusts the other partner."""
    value: ValueRating | None = None
    """How much it values the other partner."""
    level: CollaborationLevel | None = None
    """How closely it says the two work together, on the VicHealth continuum: `networking`,
    `coordinating`, `cooperating` or `collaborating`."""


class Relationship(_Model):
    """What two partners say about their relationship: each side's rating of the other (as
    in the PARTNER tool) and the level of collaboration each side says they have."""

    partners: list[Id] = Field(min_length=2, max_length=2)
    """The two partners (ids) of the pair; a pair is listed once, either way round."""
    date: Date | None = None
    """The date the ratings were given."""
    sides: list[RelationshipSide] = Field(default_factory=list, max_length=2)
    """Each side's rating of the other: at most one per partner of the pair. A side that is
    missing has not rated the other."""


class SurveyResponse(_Model):
    """One respondent's answers to the survey."""

    respondent: Id
    """Who answered: a partner or stakeholder id."""
    answers: dict[ItemId, Answer] = Field(default_factory=dict, max_length=1000)
    """Item id -> the answer, a whole number on the instrument's scale (for the shipped
    instrument, 1 strongly disagree to 5 strongly agree). An item left out was not answered."""


class Survey(_Model):
    """Answers from named respondents to the items of a survey instrument (a questionnaire
    such as the shipped `partnership-factors`, or an organisation's own instrument)."""

    instrument: Id
    """The instrument (id) answered, as listed under "Survey instruments" in the record
    format documentation, or an instrument of the organisation's own given with
    `--instrument`."""
    date: Date | None = None
    """The date the survey closed."""
    responses: list[SurveyResponse] = Field(default_factory=list, max_length=10_000)
    """One entry per respondent."""


# A rule's or a group's id, as rule files write it (``CORE059``); a waiver names one.
RULE_ID_PATTERN = r"^[A-Z][A-Z0-9]{1,9}[0-9]{3}$"
# A finding's subject: ``kind:id`` (``action:a-placements``, ``self-assessment:teach-too/c1``).
# No control characters: no finding's subject has one, so such a waiver could match nothing.
SUBJECT_PATTERN = r"^[a-z][a-z-]{0,39}:[^\s\x00-\x1f\x7f-\x9f]{1,300}$"
# Words, not just whitespace: an accepted risk without a reason or an approver is no record.
Words = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
Approver = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class Waiver(_Model):
    """An accepted risk: one finding (a rule on one subject) that the partnership has decided,
    for a recorded reason, to live with until a date. Until then the audit reports the finding
    under "Accepted risks", apart from the findings, and neither `--fail-on` nor the health
    scores count it; after that date the finding is reported again, and the expired waiver is
    a finding itself, as is a waiver that matches no finding."""

    rule: Annotated[str, StringConstraints(pattern=RULE_ID_PATTERN)]
    """The id of the rule (or one of its aliases) or of the group whose finding is waived,
    e.g. `CORE059`. A rule of any ruleset may be named, including one's own rule files; an id
    no rule has simply matches nothing (and is reported as such)."""
    subject: Annotated[str, StringConstraints(pattern=SUBJECT_PATTERN)]
    """The finding's subject exactly as reports show it, `kind:id`, e.g.
    `action:a-placements` or `partnership:northvale`. There is no wildcard: a waiver accepts
    one finding, never findings not yet seen."""
    justification: Words
    """Why the risk is accepted, in words (not empty): reports show it beside the finding."""
    expires: Date
    """The last day the waiver holds. From the next day (counted against the audit's `as_of`
    date) the finding is reported again and the expired waiver is itself a finding."""
    approved_by: Approver
    """Who accepted the risk, by name or role (not empty), e.g. `Steering group, 12 May
    2016`."""


class Record(_Model):
    """One partnership record, format v1."""

    format: Literal["partnership-record/1"] | None = None
    """The record format and version."""
    partnership: Partnership
    """The partnership as a whole."""
    partners: list[Partner] = Field(min_length=1, max_length=5000)
    """The member organisations; at least one."""
    stakeholders: list[Stakeholder] = Field(default_factory=list, max_length=5000)
    """Wider interests that are not members."""
    governance: Governance = Field(default_factory=Governance)
    """Governance bodies and the partnership agreement."""
    objectives: list[Objective] = Field(default_factory=list, max_length=5000)
    """What the partnership sets out to achieve."""
    metrics: list[Metric] = Field(default_factory=list, max_length=5000)
    """The indicators it measures, with their readings."""
    actions: list[Action] = Field(default_factory=list, max_length=10_000)
    """The action chart: who does what by when."""
    communication: list[Communication] = Field(default_factory=list, max_length=10_000)
    """The regular communication channels."""
    meetings: list[Meeting] = Field(default_factory=list, max_length=10_000)
    """Meetings that took place."""
    reviews: list[Review] = Field(default_factory=list, max_length=10_000)
    """Reviews that took place."""
    feedback: list[Feedback] = Field(default_factory=list, max_length=10_000)
    """Feedback received from partners and stakeholders."""
    information_sharing: InformationSharing | None = None
    """Information-sharing arrangements (mostly for children's services)."""
    issues: list[Issue] = Field(default_factory=list, max_length=10_000)
    """The log of limiting factors."""
    qualifications: Qualifications | None = None
    """Qualification delivery capacity (mostly for NVQ consortia)."""
    self_assessment: list[SelfAssessment] = Field(default_factory=list, max_length=1000)
    """The partnership's own ratings against published self-evaluation frameworks."""
    relationships: list[Relationship] = Field(default_factory=list, max_length=100_000)
    """What pairs of partners say about each other: trust, value and the level of
    collaboration, as in the PARTNER tool."""
    survey: Survey | None = None
    """Answers to a survey of the partners (and optionally stakeholders) about the
    partnership."""
    waivers: list[Waiver] = Field(default_factory=list, max_length=1000)
    """Accepted risks: findings the partnership has decided to live with until a date, each
    with its reason and approver."""


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
        check_all(f"metrics[{i}].monitors", metric.monitors, _PARTNER)
    for i, action in enumerate(record.actions):
        base = f"actions[{i}]"
        check_all(f"{base}.responsible", action.responsible, _PARTNER)
        check(f"{base}.accountable", action.accountable, _PARTNER)
        check(f"{base}.objective", action.objective, ("objective",))
        check(f"{base}.follows", action.follows, ("action",))
        if action.follows == action.id:
            problems.append(Problem("an action cannot follow itself", f"{base}.follows"))
    for i, channel in enumerate(record.communication):
        check_all(f"communication[{i}].between", channel.between, _MEMBER)
        if channel.sender is not None and channel.sender not in channel.between:
            problems.append(
                Problem(f"'{channel.sender}' is not one of between", f"communication[{i}].sender")
            )
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
    _check_relationships(record, check_all, problems)
    if record.survey is not None:
        seen: dict[str, int] = {}
        for i, response in enumerate(record.survey.responses):
            path = f"survey.responses[{i}].respondent"
            check(path, response.respondent, _MEMBER)
            if response.respondent in seen:
                problems.append(
                    Problem(
                        f"'{response.respondent}' already answered at"
                        f" survey.responses[{seen[response.respondent]}]",
                        path,
                    )
                )
            seen.setdefault(response.respondent, i)
    waived: dict[tuple[str, str], int] = {}
    for i, waiver in enumerate(record.waivers):
        if waiver.subject.startswith("waiver:"):
            # An expired or unmatched waiver must be dealt with, not accepted in its turn.
            problems.append(
                Problem(
                    "a finding about a waiver cannot be waived: renew, correct or remove"
                    " the waiver it names",
                    f"waivers[{i}].subject",
                )
            )
        first = waived.setdefault((waiver.rule, waiver.subject), i)
        if first != i:
            problems.append(
                Problem(
                    f"a second waiver of {waiver.rule} on {waiver.subject} (first at"
                    f" waivers[{first}])",
                    f"waivers[{i}].subject",
                )
            )
    return problems


def _check_relationships(
    record: Record,
    check_all: Callable[[str, list[str], tuple[str, ...]], None],
    problems: list[Problem],
) -> None:
    """Add to ``problems`` (in record order, beside ``check_all``'s reference problems): a
    pair of two different partners, listed once (either way round), each side one of the
    pair and rated once."""
    listed: dict[frozenset[str], int] = {}  # a pair -> the index of its entry
    for i, pair in enumerate(record.relationships):
        base = f"relationships[{i}]"
        check_all(f"{base}.partners", pair.partners, _PARTNER)
        first, second = pair.partners
        if first == second:
            problems.append(
                Problem(f"'{first}' cannot be in a relationship with itself", f"{base}.partners[1]")
            )
            continue
        key = frozenset(pair.partners)
        if key in listed:
            problems.append(
                Problem(
                    f"the pair ({first}, {second}) is already listed at"
                    f" relationships[{listed[key]}]",
                    f"{base}.partners",
                )
            )
            continue
        listed[key] = i
        rated: set[str] = set()
        for j, side in enumerate(pair.sides):
            path = f"{base}.sides[{j}]"
            if side.partner not in pair.partners:
                problems.append(
                    Problem(
                        f"'{side.partner}' is not one of the pair ({first}, {second})",
                        f"{path}.partner",
                    )
                )
                continue
            if side.partner in rated:
                other = second if side.partner == first else first
                problems.append(
                    Problem(f"'{side.partner}' has already rated '{other}'", f"{path}.partner")
                )
            rated.add(side.partner)


def _reporting_cycles(bodies: list[Body]) -> list[Problem]:
    """A problem for each cycle of ``reports_to`` longer than one body, named from its first
    body in record order. Linear: each body is walked once (every body has at most one
    ``reports_to``, so each walk ends in a body already walked or on a new cycle)."""
    index = {body.id: i for i, body in enumerate(bodies)}
    parent = {body.id: body.reports_to for body in bodies}
    done: set[str] = set()
    cycles: dict[str, list[str]] = {}  # every body on a cycle -> that cycle, in walk order
    for body in bodies:
        walk: dict[str, int] = {}  # body -> its position in this walk
        current: str | None = body.id
        while current is not None and current in parent and current not in done:
            if current in walk:
                cycle = list(walk)[walk[current] :]
                for member in cycle:
                    cycles[member] = cycle
                break
            walk[current] = len(walk)
            current = parent[current]
        done.update(walk)
    problems = []
    reported: set[int] = set()
    for body in bodies:
        found = cycles.get(body.id)
        if found is None or len(found) < 2 or id(found) in reported:
            continue
        reported.add(id(found))
        start = found.index(body.id)
        named = found[start:] + found[:start] + [body.id]
        problems.append(
            Problem(
                "reports_to forms a cycle: " + " -> ".join(named),
                f"governance.bodies[{index[body.id]}].reports_to",
            )
        )
    return problems
