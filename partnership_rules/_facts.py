"""Derive facts: flat, JSON-able dicts, one per subject, carrying every value a rule tests.

Each fact has ``type`` (its fact type), ``subject`` (``kind:id``), ``id`` and ``name``, and
the fields that :data:`FACT_SCHEMAS` declares for its type. A field is ``None`` when the
record does not say (for instance the days since the last reading of a metric with no
readings); a rule comparison on such a field never matches, so rules test ``exists``
or a companion boolean instead.

Dates become whole days relative to the audit's ``as_of`` date: ``days_since_*`` count
back, ``days_until_*`` count forward (negative once the date has passed).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from heapq import nsmallest
from importlib.resources import files
from itertools import chain
from typing import Any, cast, get_args

import networkx as nx
import yaml

from ._catalogue import load_catalogue
from ._graph import contact_graph, node_key
from ._record import Record, Stage

__all__ = ["FACT_SCHEMAS", "FactField", "derive_facts"]

Fact = dict[str, Any]

# Stages of the QCA cycle in order; later stages are expected to have what earlier ones made.
STAGES: tuple[str, ...] = get_args(Stage)
ENGAGEMENT_LEVELS = {"none": 0, "informed": 1, "consulted": 2, "involved": 3, "deciding": 4}
VOICE_KINDS = ("learners", "carers", "community")
DIMENSIONS = ("results", "process", "relationships")
AGREEMENT_TOPICS = ("roles", "resources", "data-sharing", "disputes", "exit")
# Above this many nodes, betweenness is estimated from a fixed sample (exact is O(V*E)).
EXACT_BETWEENNESS_LIMIT = 150
# Very large records sample fewer sources (down to MIN_BETWEENNESS_SOURCES) when so many
# would take more than this many steps (nodes and edges visited): a bound of a second or two.
BETWEENNESS_WORK_LIMIT = 5_000_000
MIN_BETWEENNESS_SOURCES = 10
# A cut point's fact lists at most this many of the partners it alone connects (sorted); on a
# long chain the full lists would add up to O(N^2) ids. cut_off_count has the full count.
CUT_OFF_LIST_LIMIT = 20


@dataclass(frozen=True)
class FactField:
    """A field of a fact type: its JSON type and what it means (for rule authors)."""

    type: str  # "bool", "number", "text" or "list"
    doc: str


def _f(kind: str, doc: str) -> FactField:
    return FactField(kind, doc)


_COMMON = {
    "subject": _f("text", "the subject as kind:id"),
    "id": _f("text", "the id in the record"),
    "name": _f("text", "the name (or statement, or action text)"),
}

FACT_SCHEMAS: dict[str, dict[str, FactField]] = {
    "partnership": {
        **_COMMON,
        "stage": _f("text", "QCA model stage, if given"),
        "context_education_training": _f("bool", "contexts name education-training"),
        "context_nvq": _f("bool", "contexts name nvq"),
        "context_childrens_services": _f("bool", "contexts name childrens-services"),
        "context_community_learning": _f("bool", "contexts name community-learning"),
        "has_sector": _f("bool", "a sector is named"),
        "stage_index": _f(
            "number", "0 (identify-need) to 5 (recognise-achievements); -1 if no stage"
        ),
        "has_purpose": _f("bool", "a shared purpose is written down"),
        "purpose_words": _f("number", "words in the purpose statement"),
        "has_exit_strategy": _f("bool", "an exit or transition strategy is written down"),
        "partner_count": _f("number", "number of partners"),
        "partner_kind_count": _f("number", "number of distinct partner kinds"),
        "partner_kinds": _f("list", "distinct partner kinds"),
        "employer_count": _f("number", "partners of kind employer"),
        "local_authority_partner_count": _f("number", "partners of kind local-authority"),
        "external_requirement_body_count": _f(
            "number", "partners and stakeholders of kind awarding-body, regulator or funder"
        ),
        "provider_count": _f("number", "partners of kind provider"),
        "has_parent_carer_partner": _f("bool", "a partner of kind parent-carer"),
        "has_voice_partner": _f("bool", "a partner of kind parent-carer or learner-representative"),
        "stakeholder_count": _f("number", "number of stakeholders"),
        "wider_stakeholder_count": _f(
            "number",
            "stakeholders of kind employer-organisation, local-authority, enterprise-partnership"
            " or professional-body engaged at consulted or above",
        ),
        "body_count": _f("number", "number of governance bodies"),
        "top_body_count": _f("number", "bodies that report to no other body"),
        "working_group_count": _f("number", "bodies of kind working-group or operational-group"),
        "agreement_exists": _f("bool", "a partnership agreement exists"),
        "agreement_unsigned": _f("list", "partners that have not signed the agreement"),
        "agreement_unsigned_count": _f("number", "number of partners that have not signed it"),
        "days_since_agreement_review": _f("number", "days since the agreement was last reviewed"),
        "agreement_missing_topics": _f("list", "of roles, resources, data-sharing, disputes, exit"),
        "agreement_missing_topic_count": _f("number", "how many of those it does not cover"),
        "review_count": _f("number", "number of reviews recorded"),
        "days_since_review": _f("number", "days since the latest review"),
        "last_review_partner_share": _f(
            "number", "share of partners who took part in the latest review (0 to 1)"
        ),
        "external_review_count": _f("number", "reviews of kind external"),
        "annual_review_count": _f("number", "reviews of kind annual"),
        "stakeholder_feedback_review_count": _f("number", "reviews of kind stakeholder-feedback"),
        "objective_count": _f("number", "number of objectives"),
        "metric_count": _f("number", "number of metrics"),
        "action_count": _f("number", "number of actions"),
        "dimensions_covered": _f("list", "results/process/relationships covered by metrics"),
        "dimension_count": _f("number", "how many of the three dimensions metrics cover"),
        "missing_dimensions": _f("list", "dimensions no metric covers"),
        "quantitative_metric_count": _f("number", "metrics of kind quantitative"),
        "qualitative_metric_count": _f("number", "metrics of kind qualitative"),
        "seat_top_partner": _f("text", "partner with the most governance seats"),
        "seat_top_share": _f("number", "that partner's share of all partner seats (0 to 1)"),
        "seat_hhi": _f("number", "Herfindahl index of partner seats (1 = one partner)"),
        "chair_top_partner": _f("text", "partner chairing the most bodies"),
        "chair_top_count": _f("number", "bodies that partner chairs"),
        "chaired_body_count": _f("number", "bodies with a chair"),
        "chair_top_share": _f(
            "number", "share of partner-chaired bodies that partner chairs (0 to 1)"
        ),
        "lead_partner_rule_body_count": _f("number", "bodies deciding by lead-partner rule"),
        "funding_total": _f("number", "sum of funding contributions"),
        "funding_top_partner": _f("text", "partner supplying the most funding"),
        "funding_top_share": _f("number", "that partner's share of all funding (0 to 1)"),
        "funding_hhi": _f("number", "Herfindahl index of funding (1 = one funder)"),
        "funding_partner_count": _f("number", "partners contributing funding"),
        "accountable_top_partner": _f("text", "partner accountable for the most actions"),
        "accountable_top_share": _f("number", "its share of actions with an accountable partner"),
        "accountable_action_count": _f("number", "actions with an accountable partner"),
        "channel_count": _f("number", "communication channels recorded"),
        "two_way_channel_count": _f("number", "channels marked two-way"),
        "written_channel_count": _f(
            "number", "channels of kind email, shared-platform, report or newsletter"
        ),
        "report_channel_count": _f("number", "channels of kind report"),
        "partner_component_count": _f(
            "number", "groups of partners with no line of contact between groups"
        ),
        "meeting_count": _f("number", "meetings recorded"),
        "feedback_count": _f("number", "feedback items recorded"),
        "feedback_acted_on_count": _f("number", "feedback items acted on"),
        "learner_feedback_count": _f("number", "feedback items from learner stakeholders"),
        "learner_feedback_acted_on_count": _f("number", "of those, acted on"),
        "open_issue_count": _f("number", "issues not resolved"),
        "has_information_sharing": _f("bool", "an information_sharing section is present"),
        "isa_agreement": _f("bool", "a written information-sharing agreement exists"),
        "isa_purpose_count": _f("number", "purposes stated for sharing information"),
        "isa_has_lawful_basis": _f("bool", "a lawful basis for sharing is stated"),
        "isa_safeguarding_exception": _f(
            "bool", "written down that safeguarding overrides confidentiality"
        ),
        "has_qualifications": _f("bool", "a qualifications section is present"),
        "candidates": _f("number", "NVQ candidates"),
        "assessors": _f("number", "assessors"),
        "internal_verifiers": _f("number", "internal verifiers"),
        "candidates_per_assessor": _f("number", "candidates per assessor"),
        "assessors_per_verifier": _f("number", "assessors per internal verifier"),
        "candidates_per_verifier": _f("number", "candidates per internal verifier"),
        "awarding_body_approved": _f("bool", "the awarding body has approved the centre"),
        "voice_stakeholder_count": _f("number", "stakeholders of kind learners, carers, community"),
        "voice_on_body_count": _f("number", "of those, members of a governance body"),
        "self_assessment_count": _f("number", "self-assessment ratings recorded"),
    },
    "partner": {
        **_COMMON,
        "kind": _f("text", "partner kind"),
        "lead": _f("bool", "marked as the lead partner"),
        "has_senior_sponsor": _f("bool", "a senior leader backs the partnership"),
        "signed_agreement": _f("bool", "the partner's own signed_agreement flag (false if absent)"),
        "in_agreement_signatories": _f("bool", "listed in governance.agreement.signed_by"),
        "seat_count": _f("number", "governance bodies it sits on"),
        "seat_share": _f("number", "its share of all partner seats (0 to 1)"),
        "chair_count": _f("number", "bodies it chairs"),
        "in_governance": _f("bool", "sits on at least one governance body"),
        "owned_objective_count": _f("number", "objectives it owns"),
        "responsible_action_count": _f("number", "actions it is responsible for"),
        "accountable_action_count": _f("number", "actions it is accountable for"),
        "accountable_share": _f("number", "its share of actions with an accountable partner"),
        "collected_metric_count": _f("number", "metrics it collects"),
        "has_role": _f("bool", "sits on a body, owns, collects or is responsible/accountable"),
        "phases": _f("list", "programme phases of the actions it is responsible for"),
        "phase_count": _f("number", "of plan, design, deliver, assess: how many it works in"),
        "contribution_kinds": _f("list", "kinds of contribution it makes"),
        "contribution_count": _f("number", "contributions listed"),
        "funding": _f("number", "funding it contributes"),
        "staff_time_hours": _f("number", "staff-time contributions in hours (unit hours or none)"),
        "contributes_facilities": _f("bool", "contributes facilities or equipment"),
        "funding_share": _f("number", "its share of all funding (0 to 1)"),
        "benefit_count": _f("number", "benefits listed for it"),
        "beneficiary_of_objective_count": _f("number", "objectives naming it as a beneficiary"),
        "channel_degree": _f("number", "members it has a communication channel with"),
        "two_way_degree": _f("number", "members it has a two-way channel with"),
        "one_way_only": _f("bool", "has channels, but none of them two-way"),
        "isolated": _f("bool", "no channel and no body shared with anyone"),
        "cut_point": _f("bool", "removing it would cut other partners off from each other"),
        "cut_off_partners": _f(
            "list",
            "partners that would be cut off without it: those outside the largest group left"
            f" (first {CUT_OFF_LIST_LIMIT} ids in sorted order; cut_off_count has them all)",
        ),
        "cut_off_count": _f("number", "how many partners would be cut off without it (0 if none)"),
        "betweenness": _f(
            "number",
            "betweenness centrality in the contact network, channels counted as nodes (0 to 1);"
            f" above {EXACT_BETWEENNESS_LIMIT} nodes, estimated from sampled sources",
        ),
        "attendance_rate": _f("number", "share of its bodies' meetings it attended (0 to 1)"),
    },
    "stakeholder": {
        **_COMMON,
        "kind": _f("text", "stakeholder kind"),
        "engagement": _f("text", "none, informed, consulted, involved or deciding"),
        "engagement_level": _f("number", "0 (none) to 4 (deciding)"),
        "is_voice": _f("bool", "learners, carers or community"),
        "is_wider": _f(
            "bool",
            "employer-organisation, local-authority, enterprise-partnership or professional-body",
        ),
        "seat_count": _f("number", "governance bodies it sits on"),
        "in_governance": _f("bool", "sits on at least one governance body"),
        "feedback_count": _f("number", "feedback items from it"),
        "feedback_acted_on_count": _f("number", "of those, acted on"),
        "review_count": _f("number", "reviews it took part in"),
        "channel_degree": _f("number", "members it has a communication channel with"),
    },
    "body": {
        **_COMMON,
        "kind": _f("text", "board, steering-group, working-group or operational-group"),
        "member_count": _f("number", "members"),
        "partner_member_count": _f("number", "members that are partners"),
        "stakeholder_member_count": _f("number", "members that are stakeholders"),
        "has_chair": _f("bool", "a chair is named"),
        "chair": _f("text", "the chair's id"),
        "chair_is_member": _f("bool", "the chair is among the members"),
        "has_terms_of_reference": _f("bool", "terms of reference agreed"),
        "decision_rule": _f("text", "consensus, majority, lead-partner or unspecified"),
        "meets_every_days": _f("number", "intended days between meetings"),
        "meeting_count": _f("number", "meetings recorded"),
        "days_since_meeting": _f("number", "days since its latest meeting"),
        "meeting_gap_ratio": _f("number", "days since latest meeting / meets_every_days"),
        "attendance_rate": _f("number", "average share of members present (0 to 1)"),
        "reports_to": _f("text", "the body it reports to"),
        "reports_to_kind": _f("text", "kind of the body it reports to"),
    },
    "objective": {
        **_COMMON,
        "statement": _f("text", "the objective as written"),
        "has_owner": _f("bool", "an owning partner is named"),
        "owner": _f("text", "the owner's id"),
        "metric_count": _f("number", "metrics that measure it"),
        "has_baseline": _f("bool", "a baseline value is recorded"),
        "has_target": _f("bool", "a target value is recorded"),
        "has_due_date": _f("bool", "a due date is recorded"),
        "days_until_due": _f("number", "days until it is due (negative once past)"),
        "has_number": _f("bool", "the statement contains a number"),
        "vague_terms": _f("list", "vague words found in the statement"),
        "vague_term_count": _f("number", "how many vague words"),
        "statement_words": _f("number", "words in the statement"),
        "beneficiary_count": _f("number", "beneficiaries named"),
        "voice_beneficiary_count": _f(
            "number", "beneficiaries that are learner, carer or community stakeholders"
        ),
        "action_count": _f("number", "actions that serve it"),
        "dimensions": _f("list", "dimensions its metrics cover"),
    },
    "metric": {
        **_COMMON,
        "dimension": _f("text", "results, process or relationships"),
        "has_dimension": _f("bool", "a dimension is given"),
        "kind": _f("text", "quantitative or qualitative"),
        "has_source": _f("bool", "a data source is named"),
        "has_collector": _f("bool", "a collecting partner is named"),
        "every_days": _f("number", "intended days between readings"),
        "reading_count": _f("number", "readings recorded"),
        "days_since_reading": _f("number", "days since its latest reading"),
        "reading_gap_ratio": _f("number", "days since latest reading / every_days"),
        "objective_count": _f("number", "objectives it measures"),
    },
    "action": {
        **_COMMON,
        "responsible_count": _f("number", "partners responsible"),
        "has_accountable": _f("bool", "an accountable partner is named"),
        "accountable": _f("text", "the accountable partner's id"),
        "phase": _f("text", "plan, design, deliver, assess, review or other"),
        "has_objective": _f("bool", "linked to an objective"),
        "has_due_date": _f("bool", "a due date is given"),
        "days_until_due": _f("number", "days until due (negative once past)"),
        "status": _f("text", "not-started, in-progress, done or blocked"),
        "overdue": _f("bool", "due date passed and not done"),
        "days_overdue": _f("number", "days past its due date while not done (0 if not)"),
    },
    "issue": {
        **_COMMON,
        "kind": _f("text", "conflict, commitment, power, resources, quality or other"),
        "open": _f("bool", "not resolved"),
        "days_open": _f("number", "days since raised, while open"),
        "days_to_resolve": _f("number", "days from raised to resolved"),
    },
    "self-assessment": {
        **_COMMON,
        "framework": _f("text", "teach-too, hgiocld-3.2 or qca-checklist"),
        "item": _f("text", "the catalogue item id"),
        "rating": _f("text", "red, amber or green"),
        "level": _f("number", "1 to 6 (hgiocld-3.2)"),
        "favourable": _f("bool", "green, or level 4 and above"),
        "unfavourable": _f("bool", "red or amber, or level 3 and below"),
        "has_evidence": _f("bool", "the rating gives its evidence"),
        "score": _f("text", "the rating or level as written"),
        "item_wording": _f("text", "what the item asks, from the catalogue"),
        "item_remedy": _f("text", "what to do when the item is weak, from the catalogue"),
        "theme": _f("text", "the hgiocld-3.2 theme the item belongs to"),
        "contradictions": _f(
            "list", "findings of the item's evidence rules (filled in after the first pass)"
        ),
        "contradiction_count": _f("number", "how many such findings"),
        "contradiction_high_count": _f("number", "how many of them are high or critical"),
    },
}


@lru_cache(maxsize=1)
def _vague_terms() -> tuple[re.Pattern[str], ...]:
    path = files("partnership_rules.rulesets").joinpath("catalogue/vague-terms.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    terms = data["terms"]
    return tuple(re.compile(r"\b" + re.escape(term) + r"\w*", re.IGNORECASE) for term in terms)


_NUMBER = re.compile(r"\d")


def _days(since: dt.date | None, as_of: dt.date) -> int | None:
    return None if since is None else (as_of - since).days


def _share_stats(amounts: dict[str, float]) -> tuple[str | None, float | None, float | None]:
    """Largest holder, its share and the Herfindahl index; Nones when there is nothing."""
    total = math.fsum(amounts.values())
    if total <= 0:
        return None, None, None
    # Ties go to the smallest id so that the result never depends on list order.
    top = min(amounts, key=lambda k: (-amounts[k], k))
    shares = [v / total for v in amounts.values()]
    return top, round(amounts[top] / total, 4), round(math.fsum(s * s for s in shares), 4)


def _total(amounts: Iterable[float]) -> float:
    """The sum to 2 places, exact (math.fsum) so it does not depend on the order of the
    amounts; 0 (an int, as ``sum`` gives) when no amount is above 0."""
    values = list(amounts)
    return round(math.fsum(values), 2) if any(values) else 0


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 4)


def _sorted(values: Iterable[str]) -> list[str]:
    return sorted(set(values))


def _first(sorted_lists: Iterable[Iterable[str]]) -> list[str]:
    """The first CUT_OFF_LIST_LIMIT items of the merge of some sorted lists."""
    return sorted(chain.from_iterable(sorted_lists))[:CUT_OFF_LIST_LIMIT]  # (timsort merges runs)


def _channel_degrees(
    channel_members: dict[str, list[str]], two_way: set[str]
) -> tuple[dict[str, int], dict[str, int]]:
    """For each member of a channel: how many others it shares a channel with, and how many it
    shares a two-way channel with.

    Counted without listing pairs (a channel of N members has N² of them): each member is a
    bit, each channel the OR of its members' bits, and a member reaches the OR of its channels
    (itself included). The work is the total length of the member lists times N/64 words.
    """
    everyone = sorted({member for members in channel_members.values() for member in members})
    bit = {member: 1 << i for i, member in enumerate(everyone)}
    reach: dict[str, int] = defaultdict(int)
    reach_two_way: dict[str, int] = defaultdict(int)
    for channel, members in channel_members.items():
        mask = 0
        for member in members:
            mask |= bit[member]
        for member in members:
            reach[member] |= mask
            if channel in two_way:
                reach_two_way[member] |= mask
    return (
        {m: r.bit_count() - 1 for m, r in reach.items()},
        {m: r.bit_count() - 1 for m, r in reach_two_way.items()},
    )


def _cut_points(contact: nx.Graph[str], partner_keys: set[str]) -> dict[str, tuple[int, list[str]]]:
    """The partners whose removal would split the other partners of their component into two
    or more groups, each with how many partners lie outside the largest group and the first
    CUT_OFF_LIST_LIMIT of their ids in sorted order. Of equally large groups, the largest is
    the one whose sorted ids come first (the groups are disjoint: the one with the smallest).

    Linear in the size of ``contact``. The groups left when a node goes are the branches at
    that node of the block-cut tree (the biconnected blocks, joined through the articulation
    points that they share), so one pass up the tree gives each branch below a node (count and
    first ids) and one pass down gives the branch above it.
    """
    blocks = cast("list[set[str]]", list(nx.biconnected_components(contact)))  # (stubs wrong)
    seen: set[str] = set()
    cuts: set[str] = set()
    for block in blocks:
        for node in block:
            (cuts if node in seen else seen).add(node)
    if not cuts & partner_keys:
        return {}

    # Tree nodes: the blocks (0 to len(blocks) - 1), then one per articulation point. A partner
    # is counted once: at its articulation point's tree node if it is one, else at its block.
    tree_index = {node: len(blocks) + i for i, node in enumerate(sorted(cuts))}
    size = len(blocks) + len(cuts)
    adjacency: list[list[int]] = [[] for _ in range(size)]
    local_count = [0] * size
    local_ids: list[list[str]] = [[] for _ in range(size)]
    for b, block in enumerate(blocks):
        ids = []
        for node in block:
            if node in cuts:
                adjacency[b].append(tree_index[node])
                adjacency[tree_index[node]].append(b)
            elif node in partner_keys:
                ids.append(node.split(":", 1)[1])
        local_count[b] = len(ids)
        local_ids[b] = nsmallest(CUT_OFF_LIST_LIMIT, ids)
    for node, t in tree_index.items():
        if node in partner_keys:
            local_count[t] = 1
            local_ids[t] = [node.split(":", 1)[1]]

    # Root each tree (one per component of contact); parents come before children in order.
    parent = [-1] * size
    visited = [False] * size
    order: list[int] = []
    for root in range(size):
        if visited[root]:
            continue
        visited[root] = True
        stack = [root]
        while stack:
            x = stack.pop()
            order.append(x)
            for y in adjacency[x]:
                if not visited[y]:
                    visited[y] = True
                    parent[y] = x
                    stack.append(y)
    children: list[list[int]] = [[] for _ in range(size)]
    for x in order:
        if parent[x] >= 0:
            children[parent[x]].append(x)

    # Partners in the subtree below each tree node, and everywhere else in its tree.
    down_count = local_count[:]
    down_ids = local_ids[:]
    for x in reversed(order):
        if children[x]:
            down_count[x] += sum(down_count[c] for c in children[x])
            down_ids[x] = _first([local_ids[x], *(down_ids[c] for c in children[x])])
    up_count = [0] * size
    up_ids: list[list[str]] = [[] for _ in range(size)]
    for x in order:
        kids = children[x]
        if not kids:
            continue
        total = up_count[x] + down_count[x]
        before = []  # for each child: up, local and the children before it
        merged = _first([up_ids[x], local_ids[x]])
        for c in kids:
            before.append(merged)
            merged = _first([merged, down_ids[c]])
        merged = []  # then the children after it
        for i in range(len(kids) - 1, -1, -1):
            c = kids[i]
            up_count[c] = total - down_count[c]
            up_ids[c] = _first([before[i], merged])
            merged = _first([merged, down_ids[c]])

    result: dict[str, tuple[int, list[str]]] = {}
    for node, x in tree_index.items():
        if node not in partner_keys:
            continue
        groups = [(down_count[c], down_ids[c]) for c in children[x] if down_count[c]]
        if up_count[x]:
            groups.append((up_count[x], up_ids[x]))
        if len(groups) < 2:
            continue
        groups.sort(key=lambda g: (-g[0], g[1][0]))
        result[node] = (sum(g[0] for g in groups[1:]), _first(g[1] for g in groups[1:]))
    return result


def _betweenness(contact: nx.Graph[str]) -> dict[str, float]:
    """Betweenness centrality in the contact network (networkx; channels are nodes in it).

    Exact up to EXACT_BETWEENNESS_LIMIT nodes (it is O(V*E)); above, estimated from a sample
    of sources drawn with a fixed seed. ``contact`` is built in sorted order, so the sample,
    and so the estimate, does not depend on the order of the record's lists. Each source
    costs a search of the whole graph, so very large records get fewer sources (down to
    MIN_BETWEENNESS_SOURCES) to keep the work near BETWEENNESS_WORK_LIMIT steps.
    """
    nodes = contact.number_of_nodes()
    if nodes <= EXACT_BETWEENNESS_LIMIT:
        return cast("dict[str, float]", nx.betweenness_centrality(contact))
    steps = nodes + contact.number_of_edges()
    sources = min(
        EXACT_BETWEENNESS_LIMIT,
        max(MIN_BETWEENNESS_SOURCES, BETWEENNESS_WORK_LIMIT // steps),
    )
    return cast("dict[str, float]", nx.betweenness_centrality(contact, k=sources, seed=0))


def derive_facts(record: Record, graph: nx.MultiDiGraph[str], as_of: dt.date) -> list[Fact]:
    """One fact per subject of ``record`` (see :data:`FACT_SCHEMAS`), in a stable order."""
    partner_ids = [p.id for p in record.partners]
    partner_keys = {node_key("partner", pid) for pid in partner_ids}
    bodies = record.governance.bodies
    body_by_id = {b.id: b for b in bodies}
    agreement = record.governance.agreement

    # Edge tallies per node, read once from the graph.
    out_relations: dict[str, Counter[str]] = defaultdict(Counter)
    in_relations: dict[str, Counter[str]] = defaultdict(Counter)
    phases: dict[str, set[str]] = defaultdict(set)
    funding_amounts: dict[str, list[float]] = defaultdict(list)
    contribution_kinds: dict[str, set[str]] = defaultdict(set)
    channel_members: dict[str, list[str]] = defaultdict(list)
    objective_beneficiary: Counter[str] = Counter()
    action_phase = {node_key("action", a.id): a.phase for a in record.actions}
    for source, target, data in graph.edges(data=True):
        relation = data["relation"]
        out_relations[source][relation] += 1
        in_relations[target][relation] += 1
        if relation == "responsible_for" and action_phase.get(target):
            phases[source].add(action_phase[target])  # type: ignore[arg-type]
        elif relation == "contributes":
            contribution_kinds[source].add(data["contribution"])
            if data["contribution"] == "funding" and data["amount"]:
                funding_amounts[source].append(data["amount"])
        elif relation == "communicates_via":
            channel_members[target].append(source)
        elif relation == "benefits_from" and "objective" in data:
            objective_beneficiary[source] += 1
    # Sums of floats with math.fsum, so that they do not depend on the order of the lists.
    funding = {key: math.fsum(amounts) for key, amounts in funding_amounts.items()}
    two_way_channels = {c for c in channel_members if graph.nodes[c]["two_way"]}
    channel_degree, two_way_degree = _channel_degrees(channel_members, two_way_channels)

    # Network measures: isolates, components, cut points and betweenness, all linear in the
    # size of the record but betweenness (exact up to EXACT_BETWEENNESS_LIMIT nodes, O(V*E);
    # above, from a sample of that many sources).
    contact = contact_graph(graph)
    isolated = set(nx.isolates(contact))
    partner_components = [c & partner_keys for c in nx.connected_components(contact)]
    partner_component_count = sum(1 for c in partner_components if c)
    # A cut point that only strands a stakeholder or a body does not split the partners.
    cut_off = _cut_points(contact, partner_keys)
    betweenness = _betweenness(contact)

    # Seats and chairs per partner.
    seats: Counter[str] = Counter()
    chairs: Counter[str] = Counter()
    for body in bodies:
        for member in dict.fromkeys(body.members):
            if node_key("partner", member) in partner_keys:
                seats[member] += 1
        if body.chair is not None and node_key("partner", body.chair) in partner_keys:
            chairs[body.chair] += 1
    seat_top, seat_top_share, seat_hhi = _share_stats(dict(seats))
    seat_total = sum(seats.values())
    chair_top = min(chairs, key=lambda k: (-chairs[k], k)) if chairs else None

    accountable = Counter(a.accountable for a in record.actions if a.accountable is not None)
    accountable_total = sum(accountable.values())
    acc_top, acc_top_share, _ = _share_stats({k: float(v) for k, v in accountable.items()})
    funding_by_id = {k.split(":", 1)[1]: v for k, v in funding.items()}
    fund_top, fund_top_share, fund_hhi = _share_stats(funding_by_id)
    funding_total = math.fsum(funding_by_id.values())

    # Meetings and attendance: linear in the lists, not meetings times members.
    member_sets = {b.id: set(b.members) for b in bodies}
    body_seats: Counter[str] = Counter(m for members in member_sets.values() for m in members)
    meetings_by_body: dict[str, list[dt.date]] = defaultdict(list)
    attendance: dict[str, list[float]] = defaultdict(list)
    partner_attended: Counter[str] = Counter()
    partner_expected: Counter[str] = Counter()
    for meeting in record.meetings:
        if meeting.body is None:
            continue
        meetings_by_body[meeting.body].append(meeting.date)
        members = member_sets[meeting.body]
        present = {m for m in meeting.attended if m in members}
        if members:
            attendance[meeting.body].append(len(present) / len(members))
        partner_attended.update(present)
    for body_id, dates in meetings_by_body.items():
        for member in member_sets[body_id]:
            partner_expected[member] += len(dates)

    stakeholder_kind = {s.id: s.kind for s in record.stakeholders}
    feedback_from: Counter[str] = Counter(f.from_ for f in record.feedback)
    feedback_acted: Counter[str] = Counter(f.from_ for f in record.feedback if f.acted_on)
    review_participation: Counter[str] = Counter(
        pid for r in record.reviews for pid in set(r.participants)
    )
    # Reviews dated after as_of have not happened yet; all reviews on the latest date count.
    past_reviews = [r for r in record.reviews if r.date <= as_of]
    latest_review_date = max((r.date for r in past_reviews), default=None)
    latest_reviewers = {
        pid for r in past_reviews if r.date == latest_review_date for pid in r.participants
    }
    signatories = set(agreement.signed_by) if agreement is not None and agreement.exists else set()

    facts: list[Fact] = []
    pkey = node_key("partnership", record.partnership.id)
    p = record.partnership
    dimensions = _sorted(m.dimension for m in record.metrics if m.dimension)
    wider_kinds = {
        "employer-organisation",
        "local-authority",
        "enterprise-partnership",
        "professional-body",
    }
    isa = record.information_sharing
    quals = record.qualifications
    voice = [s for s in record.stakeholders if s.kind in VOICE_KINDS]
    members_anywhere = {m for b in bodies for m in b.members}
    agreement_topics = (
        set(agreement.covers) if agreement is not None and agreement.exists else set()
    )
    facts.append(
        {
            "type": "partnership",
            "subject": pkey,
            "id": p.id,
            "name": p.name,
            "stage": p.stage,
            "stage_index": STAGES.index(p.stage) if p.stage else -1,
            "context_education_training": "education-training" in p.contexts,
            "context_nvq": "nvq" in p.contexts,
            "context_childrens_services": "childrens-services" in p.contexts,
            "context_community_learning": "community-learning" in p.contexts,
            "has_sector": bool(p.sector and p.sector.strip()),
            "has_purpose": bool(p.purpose and p.purpose.strip()),
            "purpose_words": len(p.purpose.split()) if p.purpose else 0,
            "has_exit_strategy": bool(p.exit_strategy and p.exit_strategy.strip()),
            "partner_count": len(record.partners),
            "partner_kind_count": len({x.kind for x in record.partners}),
            "partner_kinds": _sorted(x.kind for x in record.partners),
            "employer_count": sum(1 for x in record.partners if x.kind == "employer"),
            "provider_count": sum(1 for x in record.partners if x.kind == "provider"),
            "local_authority_partner_count": sum(
                1 for x in record.partners if x.kind == "local-authority"
            ),
            "external_requirement_body_count": sum(
                1 for x in record.partners if x.kind in ("awarding-body", "funder")
            )
            + sum(
                1 for x in record.stakeholders if x.kind in ("awarding-body", "regulator", "funder")
            ),
            "has_parent_carer_partner": any(x.kind == "parent-carer" for x in record.partners),
            "has_voice_partner": any(
                x.kind in ("parent-carer", "learner-representative") for x in record.partners
            ),
            "stakeholder_count": len(record.stakeholders),
            "wider_stakeholder_count": sum(
                1
                for s in record.stakeholders
                if s.kind in wider_kinds and ENGAGEMENT_LEVELS[s.engagement] >= 2
            ),
            "body_count": len(bodies),
            "top_body_count": sum(1 for b in bodies if b.reports_to is None),
            "working_group_count": sum(
                1 for b in bodies if b.kind in ("working-group", "operational-group")
            ),
            "agreement_exists": bool(agreement is not None and agreement.exists),
            "agreement_unsigned": [pid for pid in sorted(partner_ids) if pid not in signatories],
            "agreement_unsigned_count": sum(1 for pid in partner_ids if pid not in signatories),
            "days_since_agreement_review": _days(
                agreement.last_reviewed if agreement is not None and agreement.exists else None,
                as_of,
            ),
            "agreement_missing_topics": [t for t in AGREEMENT_TOPICS if t not in agreement_topics],
            "agreement_missing_topic_count": sum(
                1 for t in AGREEMENT_TOPICS if t not in agreement_topics
            ),
            "review_count": len(record.reviews),
            "days_since_review": _days(latest_review_date, as_of),
            "last_review_partner_share": (
                round(len(latest_reviewers & set(partner_ids)) / len(partner_ids), 4)
                if latest_review_date
                else None
            ),
            "external_review_count": sum(1 for r in record.reviews if r.kind == "external"),
            "annual_review_count": sum(1 for r in record.reviews if r.kind == "annual"),
            "stakeholder_feedback_review_count": sum(
                1 for r in record.reviews if r.kind == "stakeholder-feedback"
            ),
            "objective_count": len(record.objectives),
            "metric_count": len(record.metrics),
            "action_count": len(record.actions),
            "dimensions_covered": dimensions,
            "dimension_count": len(dimensions),
            "missing_dimensions": [d for d in DIMENSIONS if d not in dimensions],
            "quantitative_metric_count": sum(1 for m in record.metrics if m.kind == "quantitative"),
            "qualitative_metric_count": sum(1 for m in record.metrics if m.kind == "qualitative"),
            "seat_top_partner": seat_top,
            "seat_top_share": seat_top_share,
            "seat_hhi": seat_hhi,
            "chair_top_partner": chair_top,
            "chair_top_count": chairs[chair_top] if chair_top else 0,
            "chaired_body_count": sum(1 for b in bodies if b.chair is not None),
            "chair_top_share": _ratio(
                chairs[chair_top] if chair_top else None, sum(chairs.values())
            ),
            "lead_partner_rule_body_count": sum(
                1 for b in bodies if b.decision_rule == "lead-partner"
            ),
            "funding_total": _total(funding_by_id.values()),
            "funding_top_partner": fund_top,
            "funding_top_share": fund_top_share,
            "funding_hhi": fund_hhi,
            "funding_partner_count": len(funding_by_id),
            "accountable_top_partner": acc_top,
            "accountable_top_share": acc_top_share,
            "accountable_action_count": accountable_total,
            "channel_count": len(record.communication),
            "two_way_channel_count": sum(1 for c in record.communication if c.two_way),
            "written_channel_count": sum(
                1
                for c in record.communication
                if c.channel in ("email", "shared-platform", "report", "newsletter")
            ),
            "report_channel_count": sum(1 for c in record.communication if c.channel == "report"),
            "partner_component_count": partner_component_count,
            "meeting_count": len(record.meetings),
            "feedback_count": len(record.feedback),
            "feedback_acted_on_count": sum(1 for f in record.feedback if f.acted_on),
            "learner_feedback_count": sum(
                1 for f in record.feedback if stakeholder_kind.get(f.from_) == "learners"
            ),
            "learner_feedback_acted_on_count": sum(
                1
                for f in record.feedback
                if f.acted_on and stakeholder_kind.get(f.from_) == "learners"
            ),
            "open_issue_count": sum(1 for i in record.issues if i.resolved is None),
            "has_information_sharing": isa is not None,
            "isa_agreement": bool(isa and isa.agreement),
            "isa_purpose_count": len(isa.purposes) if isa else 0,
            "isa_has_lawful_basis": bool(isa and isa.lawful_basis and isa.lawful_basis.strip()),
            "isa_safeguarding_exception": bool(isa and isa.safeguarding_exception),
            "has_qualifications": quals is not None,
            "candidates": quals.candidates if quals else None,
            "assessors": quals.assessors if quals else None,
            "internal_verifiers": quals.internal_verifiers if quals else None,
            "candidates_per_assessor": _ratio(
                quals.candidates if quals else None, quals.assessors if quals else None
            ),
            "assessors_per_verifier": _ratio(
                quals.assessors if quals else None, quals.internal_verifiers if quals else None
            ),
            "candidates_per_verifier": _ratio(
                quals.candidates if quals else None, quals.internal_verifiers if quals else None
            ),
            "awarding_body_approved": quals.awarding_body_approved if quals else None,
            "voice_stakeholder_count": len(voice),
            "voice_on_body_count": sum(1 for s in voice if s.id in members_anywhere),
            "self_assessment_count": len(record.self_assessment),
        }
    )

    for partner in record.partners:
        key = node_key("partner", partner.id)
        out = out_relations[key]
        partner_phases = _sorted(phases[key])
        degree = channel_degree.get(key, 0)
        two_way = two_way_degree.get(key, 0)
        cut_off_count, cut_off_partners = cut_off.get(key, (0, []))
        facts.append(
            {
                "type": "partner",
                "subject": key,
                "id": partner.id,
                "name": partner.name,
                "kind": partner.kind,
                "lead": partner.lead,
                "has_senior_sponsor": bool(
                    partner.senior_sponsor and partner.senior_sponsor.strip()
                ),
                "signed_agreement": bool(partner.signed_agreement),
                "in_agreement_signatories": partner.id in signatories,
                "seat_count": seats[partner.id],
                "seat_share": _ratio(seats[partner.id], seat_total),
                "chair_count": chairs[partner.id],
                "in_governance": seats[partner.id] > 0 or chairs[partner.id] > 0,
                "owned_objective_count": out["owns"],
                "responsible_action_count": out["responsible_for"],
                "accountable_action_count": out["accountable_for"],
                "accountable_share": _ratio(out["accountable_for"], accountable_total),
                "collected_metric_count": out["collects"],
                "has_role": any(
                    out[r]
                    for r in (
                        "member_of",
                        "chairs",
                        "owns",
                        "collects",
                        "responsible_for",
                        "accountable_for",
                    )
                ),
                "phases": partner_phases,
                "phase_count": sum(
                    1 for x in ("plan", "design", "deliver", "assess") if x in partner_phases
                ),
                "contribution_kinds": _sorted(contribution_kinds[key]),
                "contribution_count": len(partner.contributions),
                "funding": round(funding.get(key, 0.0), 2),
                "staff_time_hours": _total(
                    c.amount or 0
                    for c in partner.contributions
                    if c.kind == "staff-time"
                    and (c.unit or "hours").strip().lower() in ("hours", "hour", "h")
                ),
                "contributes_facilities": bool(
                    contribution_kinds[key] & {"facilities", "equipment"}
                ),
                "funding_share": _ratio(funding.get(key, 0.0), funding_total),
                "benefit_count": len(partner.benefits),
                "beneficiary_of_objective_count": objective_beneficiary[key],
                "channel_degree": degree,
                "two_way_degree": two_way,
                "one_way_only": degree > 0 and two_way == 0,
                "isolated": key in isolated,
                "cut_point": key in cut_off,
                "cut_off_partners": cut_off_partners,
                "cut_off_count": cut_off_count,
                "betweenness": round(betweenness.get(key, 0.0), 4),
                "attendance_rate": _ratio(
                    partner_attended[partner.id], partner_expected[partner.id]
                ),
            }
        )

    for stakeholder in record.stakeholders:
        key = node_key("stakeholder", stakeholder.id)
        seat_count = body_seats[stakeholder.id]
        facts.append(
            {
                "type": "stakeholder",
                "subject": key,
                "id": stakeholder.id,
                "name": stakeholder.name,
                "kind": stakeholder.kind,
                "engagement": stakeholder.engagement,
                "engagement_level": ENGAGEMENT_LEVELS[stakeholder.engagement],
                "is_voice": stakeholder.kind in VOICE_KINDS,
                "is_wider": stakeholder.kind in wider_kinds,
                "seat_count": seat_count,
                "in_governance": seat_count > 0 or out_relations[key]["chairs"] > 0,
                "feedback_count": feedback_from[stakeholder.id],
                "feedback_acted_on_count": feedback_acted[stakeholder.id],
                "review_count": review_participation[stakeholder.id],
                "channel_degree": channel_degree.get(key, 0),
            }
        )

    for body in bodies:
        key = node_key("body", body.id)
        body_members = list(dict.fromkeys(body.members))
        dates = meetings_by_body.get(body.id, [])
        last = max(dates) if dates else None
        days_since = _days(last, as_of)
        rates = attendance.get(body.id, [])
        facts.append(
            {
                "type": "body",
                "subject": key,
                "id": body.id,
                "name": body.name,
                "kind": body.kind,
                "member_count": len(body_members),
                "partner_member_count": sum(
                    1 for m in body_members if node_key("partner", m) in partner_keys
                ),
                "stakeholder_member_count": sum(1 for m in body_members if m in stakeholder_kind),
                "has_chair": body.chair is not None,
                "chair": body.chair,
                "chair_is_member": body.chair is not None and body.chair in body_members,
                "has_terms_of_reference": bool(body.terms_of_reference),
                "decision_rule": body.decision_rule,
                "meets_every_days": body.meets_every_days,
                "meeting_count": len(dates),
                "days_since_meeting": days_since,
                "meeting_gap_ratio": _ratio(days_since, body.meets_every_days),
                "attendance_rate": round(math.fsum(rates) / len(rates), 4) if rates else None,
                "reports_to": body.reports_to,
                "reports_to_kind": body_by_id[body.reports_to].kind if body.reports_to else None,
            }
        )

    metric_objectives: Counter[str] = Counter(m for o in record.objectives for m in set(o.metrics))
    metric_dimension = {m.id: m.dimension for m in record.metrics}
    action_objective: Counter[str] = Counter(a.objective for a in record.actions if a.objective)
    vague_patterns = _vague_terms()
    for objective in record.objectives:
        key = node_key("objective", objective.id)
        statement = objective.statement
        found = _sorted(
            match.group(0).lower()
            for pattern in vague_patterns
            for match in pattern.finditer(statement)
        )
        metric_ids = list(dict.fromkeys(objective.metrics))
        facts.append(
            {
                "type": "objective",
                "subject": key,
                "id": objective.id,
                "name": statement,
                "statement": statement,
                "has_owner": objective.owner is not None,
                "owner": objective.owner,
                "metric_count": len(metric_ids),
                "has_baseline": objective.baseline is not None,
                "has_target": objective.target is not None,
                "has_due_date": objective.due is not None,
                "days_until_due": -_days(objective.due, as_of) if objective.due else None,  # type: ignore[operator]
                "has_number": bool(_NUMBER.search(statement)),
                "vague_terms": found,
                "vague_term_count": len(found),
                "statement_words": len(statement.split()),
                "beneficiary_count": len(set(objective.beneficiaries)),
                "voice_beneficiary_count": sum(
                    1
                    for b in set(objective.beneficiaries)
                    if stakeholder_kind.get(b) in VOICE_KINDS
                ),
                "action_count": action_objective[objective.id],
                "dimensions": _sorted(d for m in metric_ids if (d := metric_dimension.get(m))),
            }
        )

    for metric in record.metrics:
        key = node_key("metric", metric.id)
        last_reading = max((r.date for r in metric.readings), default=None)
        days_since = _days(last_reading, as_of)
        facts.append(
            {
                "type": "metric",
                "subject": key,
                "id": metric.id,
                "name": metric.name,
                "dimension": metric.dimension,
                "has_dimension": metric.dimension is not None,
                "kind": metric.kind,
                "has_source": bool(metric.source and metric.source.strip()),
                "has_collector": metric.collected_by is not None,
                "every_days": metric.every_days,
                "reading_count": len(metric.readings),
                "days_since_reading": days_since,
                "reading_gap_ratio": _ratio(days_since, metric.every_days),
                "objective_count": metric_objectives[metric.id],
            }
        )

    for action in record.actions:
        key = node_key("action", action.id)
        days_until = -_days(action.due, as_of) if action.due else None  # type: ignore[operator]
        overdue = days_until is not None and days_until < 0 and action.status != "done"
        facts.append(
            {
                "type": "action",
                "subject": key,
                "id": action.id,
                "name": action.action,
                "responsible_count": len(set(action.responsible)),
                "has_accountable": action.accountable is not None,
                "accountable": action.accountable,
                "phase": action.phase,
                "has_objective": action.objective is not None,
                "has_due_date": action.due is not None,
                "days_until_due": days_until,
                "status": action.status,
                "overdue": overdue,
                "days_overdue": -days_until if overdue else 0,  # type: ignore[operator]
            }
        )

    for issue in record.issues:
        key = node_key("issue", issue.id)
        is_open = issue.resolved is None
        facts.append(
            {
                "type": "issue",
                "subject": key,
                "id": issue.id,
                "name": issue.description,
                "kind": issue.kind,
                "open": is_open,
                "days_open": _days(issue.raised, as_of) if is_open else None,
                "days_to_resolve": (
                    (issue.resolved - issue.raised).days
                    if issue.resolved and issue.raised
                    else None
                ),
            }
        )

    catalogue = load_catalogue()
    for entry in record.self_assessment:
        item = catalogue.item(entry.framework, entry.item)
        item_key = f"{entry.framework}/{entry.item}"
        favourable = entry.rating == "green" or (entry.level is not None and entry.level >= 4)
        unfavourable = entry.rating in ("red", "amber") or (
            entry.level is not None and entry.level <= 3
        )
        score = (
            entry.rating
            if entry.rating is not None
            else (f"level {entry.level}" if entry.level is not None else None)
        )
        facts.append(
            {
                "type": "self-assessment",
                "subject": node_key("self-assessment", item_key),
                "id": item_key,
                "name": item_key,
                "framework": entry.framework,
                "item": entry.item,
                "rating": entry.rating,
                "level": entry.level,
                "favourable": favourable,
                "unfavourable": unfavourable,
                "has_evidence": bool(entry.evidence and entry.evidence.strip()),
                "score": score,
                "item_wording": item.wording if item else entry.item,
                "item_remedy": item.remedy if item else None,
                "theme": (item.theme or (item.id if entry.framework == "hgiocld-3.2" else None))
                if item
                else None,
                "contradictions": [],
                "contradiction_count": 0,
                "contradiction_high_count": 0,
            }
        )
    return facts
