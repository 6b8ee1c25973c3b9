"""Hypothesis strategies for VALID partnership records in format v1, as plain dicts.

Every list item with an id gets an id unique across the record, and every reference
(members, chairs, owners, metrics, responsible/accountable partners, meeting bodies,
participants...) names an item of the right kind, so ``record_from_data`` accepts every
generated record. ``reports_to`` only points at a body generated earlier, so it never forms
a cycle. Records stay small (1 to 6 partners, a handful of everything else) and dates fall
in a narrow window around ``assessed_on``, so that ties (same dates, same counts, same
shares) are common: they are where order-dependence would hide.

Every choice is read from bytes that hypothesis draws (:class:`Choices`), so failing
examples shrink: towards zero bytes, every optional field is left out, every choice is the
first one and every shuffle keeps the order.

``shuffled(record, random)`` returns the same record with every list in it reordered.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar, get_args

from hypothesis import strategies as st

from partnership_rules import _record
from partnership_rules._catalogue import load_catalogue
from partnership_rules._instruments import shipped_instruments

Record = dict[str, Any]

# The closed vocabularies, read from the record model so they cannot drift from it.
CONTEXTS = list(get_args(_record.Context))
STAGES = list(get_args(_record.Stage))
PARTNER_KINDS = list(get_args(_record.PartnerKind))
CONTRIBUTION_KINDS = list(get_args(_record.ContributionKind))
STAKEHOLDER_KINDS = list(get_args(_record.StakeholderKind))
ENGAGEMENT = list(get_args(_record.Engagement))
BODY_KINDS = list(get_args(_record.BodyKind))
DECISION_RULES = list(get_args(_record.DecisionRule))
TOPICS = list(get_args(_record.AgreementTopic))
DIMENSIONS = list(get_args(_record.Dimension))
DIRECTIONS = list(get_args(_record.Direction))
PHASES = list(get_args(_record.Phase))
STATUSES = list(get_args(_record.ActionStatus))
CHANNELS = list(get_args(_record.Channel))
REVIEW_KINDS = list(get_args(_record.ReviewKind))
ISSUE_KINDS = list(get_args(_record.IssueKind))

ASSESSED_ON = dt.date(2016, 6, 30)
EARLIEST = ASSESSED_ON - dt.timedelta(days=900)
LATEST = ASSESSED_ON + dt.timedelta(days=200)

_NAMES = ["Alpha College", "Beta Ltd", "Gamma Council", "Delta Trust", "Epsilon Forum", "Zeta"]
_STATEMENTS = [
    "Raise the pass rate of the 60 learners from 60% to 85% by July 2016",
    "Improve and support learner outcomes where possible",
    "Develop better links with employers",
    "Deliver 12 employer-led sessions to all learners by 15 July 2016",
    "Work towards a shared curriculum",
    "Increase completers recruited from 3 to 10 a year",
]
_SHORT_TEXT = ["College records", "Survey", "HR data", " ", "Minutes"]
_AMOUNTS = [0, 1, 2, 5, 10, 100, 120, 5000, 6000, 0.5, 1.25, 999_999.99, 1e6]
_ID_CHARS = "abcdefgh0123"


def _iso(day: dt.date) -> str:
    return day.isoformat()


T = TypeVar("T")

# Choices are drawn from hypothesis in chunks of this many bytes, as they are needed.
CHUNK_BYTES = 64
_CHUNK = st.binary(min_size=CHUNK_BYTES, max_size=CHUNK_BYTES)


class Choices:
    """The choices of ``random.Random`` (``random``, ``randint``, ``choice``, ``sample``,
    ``shuffle``) read two bytes at a time from bytes that hypothesis draws as needed.

    Zero bytes give the simplest outcome of each call (0.0, the lowest number, the first
    item, the order unchanged), so shrinking the bytes shrinks the example; reading them is
    about as fast as ``random.Random``. ``draw`` is hypothesis' draw function (of a
    ``@composite`` strategy or of ``st.data()``).
    """

    def __init__(self, draw: Callable[[st.SearchStrategy[bytes]], bytes]) -> None:
        self._draw = draw
        self._data = b""
        self._pos = 0

    def __repr__(self) -> str:
        return f"Choices({self._pos} bytes read)"

    def _next(self) -> int:
        if self._pos + 2 > len(self._data):
            self._data = self._data[self._pos :] + self._draw(_CHUNK)
            self._pos = 0
        pos = self._pos
        self._pos = pos + 2
        return int.from_bytes(self._data[pos : pos + 2], "big")

    def random(self) -> float:
        return self._next() / 65536

    def randint(self, low: int, high: int) -> int:
        return low + self._next() % (high - low + 1)

    def choice(self, items: Sequence[T]) -> T:
        return items[self.randint(0, len(items) - 1)]

    def sample(self, items: Sequence[T], k: int) -> list[T]:
        pool = list(items)
        return [pool.pop(self.randint(0, len(pool) - 1)) for _ in range(k)]

    def shuffle(self, items: list[Any]) -> None:
        for i in range(len(items) - 1, 0, -1):
            j = i - self.randint(0, i)  # zero bytes: j == i, the order is kept
            items[i], items[j] = items[j], items[i]


@st.composite
def choices(draw: Any) -> Choices:
    """A shrinkable source of random choices (see :class:`Choices`) for a test to use."""
    data = draw(st.data())
    return Choices(data.draw)


class Shuffler(Protocol):
    def shuffle(self, items: list[Any]) -> None: ...


class _Gen:
    """Fills in a record from :class:`Choices`: cheap to generate, and it shrinks."""

    def __init__(self, rnd: Choices) -> None:
        self.rnd = rnd

    def maybe(self, values: Any, p_none: float = 0.3) -> Any:
        if self.rnd.random() < p_none:
            return None
        return self.rnd.choice(values) if isinstance(values, (list, tuple)) else values()

    def subset(self, items: list[str], min_size: int = 0, max_size: int | None = None) -> list[str]:
        top = len(items) if max_size is None else min(max_size, len(items))
        if min_size > top:
            return []
        return self.rnd.sample(items, self.rnd.randint(min_size, top))

    def date(self) -> dt.date:
        return EARLIEST + dt.timedelta(days=self.rnd.randint(0, (LATEST - EARLIEST).days))

    def ids(self, n: int) -> list[str]:
        found: list[str] = []
        for index in range(n):
            size = self.rnd.randint(1, 3)
            candidate = "x" + "".join(self.rnd.choice(_ID_CHARS) for _ in range(size))
            # A repeat gets a suffix no drawn id has ("_"): ids stay unique however the
            # bytes shrink.
            found.append(f"{candidate}_{index}" if candidate in found else candidate)
        found.sort()
        self.rnd.shuffle(found)
        return found


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    """Optional fields: leave the key out when the value is None."""
    if value is not None:
        target[key] = value


@st.composite
def records(
    draw: Any,
    *,
    max_partners: int = 6,
    min_objectives: int = 0,
    with_assessed_on: bool | None = None,
) -> Record:
    """A valid record (format v1) as a dict."""
    n_partners = draw(st.integers(1, max_partners))
    n_stakeholders = draw(st.integers(0, 4))
    n_bodies = draw(st.integers(0, 3))
    n_objectives = draw(st.integers(min_objectives, max(min_objectives, 4)))
    n_metrics = draw(st.integers(0, 4))
    n_actions = draw(st.integers(0, 4))
    n_channels = draw(st.integers(0, 4))
    n_meetings = draw(st.integers(0, 4))
    n_reviews = draw(st.integers(0, 3))
    n_feedback = draw(st.integers(0, 3))
    n_issues = draw(st.integers(0, 3))
    n_ratings = draw(st.integers(0, 3))
    g = _Gen(Choices(draw))
    rnd = g.rnd
    total = n_partners + n_stakeholders + n_bodies + n_objectives + n_metrics + n_actions + n_issues
    it = iter(g.ids(total + 1))
    partnership_id = next(it)
    partner_ids = [next(it) for _ in range(n_partners)]
    stakeholder_ids = [next(it) for _ in range(n_stakeholders)]
    body_ids = [next(it) for _ in range(n_bodies)]
    objective_ids = [next(it) for _ in range(n_objectives)]
    metric_ids = [next(it) for _ in range(n_metrics)]
    action_ids = [next(it) for _ in range(n_actions)]
    issue_ids = [next(it) for _ in range(n_issues)]
    members = partner_ids + stakeholder_ids

    partnership: dict[str, Any] = {"id": partnership_id, "name": rnd.choice(_NAMES)}
    _put(partnership, "contexts", g.maybe(lambda: g.subset(CONTEXTS, max_size=3)))
    _put(partnership, "sector", g.maybe(["aviation", "care", "hair"]))
    _put(partnership, "purpose", g.maybe(_STATEMENTS))
    _put(partnership, "stage", g.maybe(STAGES))
    _put(partnership, "established", g.maybe(lambda: _iso(g.date())))
    if with_assessed_on is None:
        _put(partnership, "assessed_on", g.maybe([_iso(ASSESSED_ON)], p_none=0.1))
    elif with_assessed_on:
        partnership["assessed_on"] = _iso(ASSESSED_ON)
    _put(partnership, "exit_strategy", g.maybe(["Hand over to the college", " "]))

    partners = []
    for pid in partner_ids:
        partner: dict[str, Any] = {
            "id": pid,
            "name": rnd.choice(_NAMES),
            "kind": rnd.choice(PARTNER_KINDS),
        }
        _put(partner, "lead", g.maybe([True, False]))
        _put(partner, "senior_sponsor", g.maybe(["Principal", "Director", ""]))
        _put(partner, "signed_agreement", g.maybe([True, False]))
        contributions = []
        for _ in range(rnd.randint(0, 3)):
            contribution: dict[str, Any] = {"kind": rnd.choice(CONTRIBUTION_KINDS)}
            _put(contribution, "amount", g.maybe(_AMOUNTS))
            _put(contribution, "unit", g.maybe(["GBP", "hours", "days"]))
            contributions.append(contribution)
        if contributions:
            partner["contributions"] = contributions
        benefits = [rnd.choice(["recruits", "skills", "income"]) for _ in range(rnd.randint(0, 2))]
        if benefits:
            partner["benefits"] = benefits
        partners.append(partner)

    stakeholders = [
        {
            "id": sid,
            "name": rnd.choice(_NAMES),
            "kind": rnd.choice(STAKEHOLDER_KINDS),
            "engagement": rnd.choice(ENGAGEMENT),
        }
        for sid in stakeholder_ids
    ]

    bodies = []
    for index, bid in enumerate(body_ids):
        body: dict[str, Any] = {
            "id": bid,
            "name": rnd.choice(_NAMES),
            "kind": rnd.choice(BODY_KINDS),
        }
        body_members = g.subset(members)
        if body_members:
            body["members"] = body_members
        _put(body, "chair", g.maybe(body_members or members))
        _put(body, "terms_of_reference", g.maybe([True, False]))
        _put(body, "decision_rule", g.maybe(DECISION_RULES))
        _put(body, "meets_every_days", g.maybe([14, 30, 42, 90]))
        if index:  # only to an earlier body: never a cycle
            _put(body, "reports_to", g.maybe(body_ids[:index]))
        bodies.append(body)
    governance: dict[str, Any] = {}
    if bodies:
        governance["bodies"] = bodies
    if rnd.random() < 0.6:
        agreement: dict[str, Any] = {"exists": rnd.random() < 0.7}
        signed = g.subset(partner_ids)
        if signed:
            agreement["signed_by"] = signed
        _put(agreement, "last_reviewed", g.maybe(lambda: _iso(g.date())))
        covers = g.subset(TOPICS)
        if covers:
            agreement["covers"] = covers
        governance["agreement"] = agreement

    metrics = []
    for mid in metric_ids:
        metric: dict[str, Any] = {
            "id": mid,
            "name": rnd.choice(_NAMES),
            "kind": rnd.choice(["quantitative", "qualitative"]),
        }
        _put(metric, "dimension", g.maybe(DIMENSIONS))
        _put(metric, "source", g.maybe(_SHORT_TEXT))
        _put(metric, "collected_by", g.maybe(partner_ids))
        _put(metric, "every_days", g.maybe([30, 90, 365]))
        _put(metric, "direction", g.maybe(DIRECTIONS))
        readings = [
            {"date": _iso(g.date()), "value": rnd.choice([0, 50, 70.5, 100, "good", "poor"])}
            for _ in range(rnd.randint(0, 3))
        ]
        if readings:
            metric["readings"] = readings
        metrics.append(metric)

    objectives = []
    for oid in objective_ids:
        objective: dict[str, Any] = {"id": oid, "statement": rnd.choice(_STATEMENTS)}
        _put(objective, "owner", g.maybe(partner_ids))
        measured_by = g.subset(metric_ids)
        if measured_by:
            objective["metrics"] = measured_by
        _put(objective, "baseline", g.maybe([0, 3, 60, 12.5]))
        _put(objective, "target", g.maybe([0, 10, 85, 99.5]))
        _put(objective, "due", g.maybe(lambda: _iso(g.date())))
        beneficiaries = g.subset(members)
        if beneficiaries:
            objective["beneficiaries"] = beneficiaries
        objectives.append(objective)

    actions = []
    for aid in action_ids:
        action: dict[str, Any] = {"id": aid, "action": rnd.choice(_STATEMENTS)}
        responsible = g.subset(partner_ids)
        if responsible:
            action["responsible"] = responsible
        _put(action, "accountable", g.maybe(partner_ids))
        _put(action, "phase", g.maybe(PHASES))
        if objective_ids:
            _put(action, "objective", g.maybe(objective_ids))
        _put(action, "due", g.maybe(lambda: _iso(g.date())))
        _put(action, "status", g.maybe(STATUSES))
        actions.append(action)

    communication = []
    if len(members) >= 2:
        for _ in range(n_channels):
            channel: dict[str, Any] = {
                "between": g.subset(members, min_size=2, max_size=4),
                "channel": rnd.choice(CHANNELS),
            }
            _put(channel, "every_days", g.maybe([7, 14, 30]))
            _put(channel, "two_way", g.maybe([True, False]))
            communication.append(channel)

    meetings = []
    for _ in range(n_meetings):
        meeting: dict[str, Any] = {"date": _iso(g.date())}
        if body_ids:
            _put(meeting, "body", g.maybe(body_ids, p_none=0.2))
        attended = g.subset(members)
        if attended:
            meeting["attended"] = attended
        meetings.append(meeting)

    reviews = []
    for _ in range(n_reviews):
        # Often on the same day as another review or as assessed_on: ties matter.
        day = rnd.choice([ASSESSED_ON, EARLIEST, g.date()])
        review: dict[str, Any] = {"date": _iso(day)}
        _put(review, "kind", g.maybe(REVIEW_KINDS))
        participants = g.subset(members)
        if participants:
            review["participants"] = participants
        reviews.append(review)

    feedback = []
    for _ in range(n_feedback):
        item: dict[str, Any] = {"from": rnd.choice(members)}
        _put(item, "date", g.maybe(lambda: _iso(g.date())))
        _put(item, "method", g.maybe(["survey", "forum"]))
        _put(item, "acted_on", g.maybe([True, False]))
        feedback.append(item)

    issues = []
    for iid in issue_ids:
        issue: dict[str, Any] = {
            "id": iid,
            "description": rnd.choice(_STATEMENTS),
            "kind": rnd.choice(ISSUE_KINDS),
        }
        raised = g.maybe(g.date)
        if raised is not None:
            issue["raised"] = _iso(raised)
            if rnd.random() < 0.5:
                issue["resolved"] = _iso(raised + dt.timedelta(days=rnd.randint(0, 120)))
        issues.append(issue)

    record: Record = {
        "format": "partnership-record/1",
        "partnership": partnership,
        "partners": partners,
    }
    if stakeholders:
        record["stakeholders"] = stakeholders
    if governance:
        record["governance"] = governance
    for key, value in (
        ("objectives", objectives),
        ("metrics", metrics),
        ("actions", actions),
        ("communication", communication),
        ("meetings", meetings),
        ("reviews", reviews),
        ("feedback", feedback),
        ("issues", issues),
    ):
        if value:
            record[key] = value
    if rnd.random() < 0.5:
        sharing: dict[str, Any] = {"agreement": rnd.random() < 0.5}
        purposes = g.subset(["safeguarding", "transitions", "funding"], max_size=2)
        if purposes:
            sharing["purposes"] = purposes
        _put(sharing, "lawful_basis", g.maybe(["public task", ""]))
        _put(sharing, "safeguarding_exception", g.maybe([True, False]))
        record["information_sharing"] = sharing
    if rnd.random() < 0.5:
        quals: dict[str, Any] = {}
        for key in ("candidates", "assessors", "internal_verifiers"):
            _put(quals, key, g.maybe([0, 1, 3, 12, 40, 60]))
        _put(quals, "awarding_body_approved", g.maybe([True, False]))
        record["qualifications"] = quals
    if n_ratings:
        entries = []
        for framework, item_id, scale in rnd.sample(_CATALOGUE_ITEMS, n_ratings):
            entry: dict[str, Any] = {"framework": framework, "item": item_id}
            if scale == "rag":
                entry["rating"] = rnd.choice(["red", "amber", "green"])
            else:
                entry["level"] = rnd.randint(1, 6)
            _put(entry, "evidence", g.maybe(["Minutes of May meeting", " "]))
            entries.append(entry)
        record["self_assessment"] = entries
    if n_partners >= 2 and rnd.random() < 0.4:
        record["relationships"] = _relationships(g, partner_ids)
    if rnd.random() < 0.3:
        respondents = g.subset(members, min_size=1)
        record["survey"] = {
            "instrument": "partnership-factors",
            "responses": [
                {
                    "respondent": who,
                    "answers": {
                        item: rnd.randint(1, 5) for item in g.subset(_SURVEY_ITEMS, max_size=6)
                    },
                }
                for who in respondents
            ],
        }
        _put(record["survey"], "date", g.maybe(lambda: _iso(g.date())))
    return record


def _rating(g: _Gen, dimensions: tuple[str, ...]) -> dict[str, int] | None:
    rating = {d: g.rnd.randint(1, 4) for d in g.subset(list(dimensions))}
    return rating or None


def _relationships(g: _Gen, partner_ids: list[str]) -> list[dict[str, Any]]:
    """Pairs of partners, each listed once, each side rated by a subset of the pair."""
    listed: set[frozenset[str]] = set()
    pairs = []
    for _ in range(g.rnd.randint(1, 5)):
        a, b = g.rnd.sample(partner_ids, 2)
        if frozenset((a, b)) in listed:
            continue
        listed.add(frozenset((a, b)))
        sides = []
        for rater in g.subset([a, b]):
            side: dict[str, Any] = {"partner": rater}
            _put(side, "trust", _rating(g, ("reliability", "mission", "openness")))
            _put(side, "value", _rating(g, ("power", "involvement", "resources")))
            _put(side, "level", g.maybe(list(get_args(_record.CollaborationLevel))))
            sides.append(side)
        pair: dict[str, Any] = {"partners": [a, b]}
        if sides:
            pair["sides"] = sides
        _put(pair, "date", g.maybe(lambda: _iso(g.date())))
        pairs.append(pair)
    return pairs


_CATALOGUE_ITEMS = sorted(
    (name, item.id, framework.scale)
    for name, framework in load_catalogue().frameworks.items()
    for item in framework.items
)


_SURVEY_ITEMS = shipped_instruments()["partnership-factors"].item_ids()


def shuffled(record: Record, rnd: Shuffler) -> Record:
    """A deep copy of ``record`` with every list in it (at any depth) shuffled."""

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            items = [walk(item) for item in value]
            rnd.shuffle(items)
            return items
        return value

    reordered: Record = walk(copy.deepcopy(record))
    return reordered


def fresh_id(record: Record, stem: str = "new") -> str:
    """An id no item of ``record`` uses."""
    used = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("id"), str):
                used.add(value["id"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(record)
    n = 0
    while f"{stem}{n}" in used:
        n += 1
    return f"{stem}{n}"


def every_field_rules() -> dict[str, Any]:
    """A rule file (as data) with one rule per testable fact field, of every fact type.

    Numbers test ``gt 0``, booleans ``equals true``, texts ``not_equals`` a value no fact has
    (which must not hold where the field is missing); each message shows the field's value,
    so comparing messages compares the derived values themselves.
    """
    from partnership_rules import FACT_SCHEMAS
    from partnership_rules._vocabulary import RESERVED_FIELDS
    from partnership_rules.engines._limits import MAX_ENGINE_FIELDS

    rules: list[dict[str, Any]] = []
    for fact_type, schema in FACT_SCHEMAS.items():
        fields = [
            f for f, spec in schema.items() if f not in RESERVED_FIELDS and spec.type != "list"
        ]
        for field in fields[:MAX_ENGINE_FIELDS]:
            kind = schema[field].type
            test: dict[str, Any] = {"field": field}
            if kind == "number":
                test["gt"] = 0
            elif kind == "bool":
                test["equals"] = True
            else:
                test["not_equals"] = "no such value"
            n = len(rules) + 1
            rules.append(
                {
                    "id": f"EF{n:03d}",
                    "name": f"every-field-{n}",
                    "title": f"{fact_type} {field}",
                    "severity": "info",
                    "category": "compliance",
                    "applies_to": fact_type,
                    "when": test,
                    "message": f"{{subject}}: {field} = {{{field}}}",
                    "rationale": "Generated for tests.",
                    "remedy": "None.",
                    "references": [{"source": "qca-partnership-guide"}],
                }
            )
    return {"ruleset": "every-field", "title": "One rule per fact field", "rules": rules}


def write_every_field_ruleset() -> str:
    """Write :func:`every_field_rules` to a temporary JSON file; return its path."""
    import json
    import tempfile

    with tempfile.NamedTemporaryFile(
        "w", suffix=".json", prefix="every-field-", delete=False, encoding="utf-8"
    ) as handle:
        json.dump(every_field_rules(), handle)
    return handle.name
