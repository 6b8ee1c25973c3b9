"""The health profile, the action plan, the partner table and the network to draw: each a
pipeline stage after the findings, each checked against the README, the record and the facts.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

import pytest
from generated import synthetic_record
from hypothesis import given
from strategies import Choices, choices, records, shuffled

from partnership_rules import Auditor, Report, build_graph, derive_facts, load_record
from partnership_rules._profile import DIMENSIONS, health_profile, load_profile_settings
from partnership_rules._report import Finding
from partnership_rules._vocabulary import CATEGORIES, SEVERITIES

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
AUDITOR = Auditor(engine="python")
SETTINGS = load_profile_settings()


@pytest.fixture(scope="module")
def reports() -> dict[str, Report]:
    return {path.stem: AUDITOR.audit(path) for path in EXAMPLES}


# --- Health profile ---------------------------------------------------------------------------


def test_readme_states_the_formula_that_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Health profile", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(
        r"^\| (\w+) \| ([\d.]+) \| (\d+|none) \| audit date \+ (\d+) days \|$", section, re.M
    )
    assert [r[0] for r in rows] == list(SEVERITIES)
    for severity, points, ceiling, days in rows:
        assert float(points) == SETTINGS.costs[severity]
        assert (None if ceiling == "none" else int(ceiling)) == SETTINGS.ceilings.get(severity)
        assert int(days) == SETTINGS.due_days[severity]
    half = f"{SETTINGS.half_at:g}"
    assert f"score = 100 × {half} / ({half} + points)" in section
    section = " ".join(section.split())
    assert "half of it for each further finding" in section and SETTINGS.repeat_factor == 0.5
    assert "at most twice" in section and SETTINGS.rule_cap == 2
    for band in SETTINGS.bands:
        assert f"{band.name} " in section
    bands = re.search(
        r"Bands: strong (\d+) and above, fair (\d+) to \d+, weak (\d+) to \d+", section
    )
    assert bands is not None
    assert [int(b) for b in bands.groups()] == [b.min for b in SETTINGS.bands[:3]]
    for dimension, categories in SETTINGS.dimensions.items():
        assert f"**{dimension}** ({', '.join(categories)})" in section


def test_every_category_is_in_one_dimension() -> None:
    placed = [c for categories in SETTINGS.dimensions.values() for c in categories]
    assert sorted(placed) == sorted(CATEGORIES)
    assert tuple(SETTINGS.dimensions) == DIMENSIONS


def test_no_findings_scores_100_everywhere(reports: dict[str, Report]) -> None:
    healthy = [r for r in reports.values() if not r.findings]
    assert healthy
    for report in healthy:
        assert report.profile is not None
        assert report.profile.overall.score == 100
        assert all(s.score == 100 and not s.causes for s in report.profile.categories.values())


def test_causes_add_up_to_the_points_and_the_formula(reports: dict[str, Report]) -> None:
    for report in reports.values():
        profile = report.profile
        assert profile is not None
        scores = [profile.overall, *profile.dimensions.values(), *profile.categories.values()]
        for score in scores:
            points = sum(c.cost for c in score.causes)
            assert score.points == pytest.approx(points)
            expected = round(100 * SETTINGS.half_at / (SETTINGS.half_at + points))
            ceiling = min(
                (SETTINGS.ceilings.get(c.severity, 100) for c in score.causes), default=100
            )
            assert score.score == min(expected, ceiling)
            assert score.band == SETTINGS.band(score.score)
            assert [c.cost for c in score.causes] == sorted(
                (c.cost for c in score.causes), reverse=True
            )


def test_a_rule_firing_many_times_costs_at_most_its_cap() -> None:
    report = AUDITOR.audit(EXAMPLES[0])
    finding = next(f for f in report.findings if SETTINGS.costs[f.severity] > 0)
    many = [finding.model_copy(update={"subject": f"action:a{i}"}) for i in range(30)]
    profile = health_profile(many, {finding.category})
    (cause,) = profile.overall.causes
    assert cause.findings == 30
    assert cause.cost == SETTINGS.costs[finding.severity] * SETTINGS.rule_cap
    two = health_profile(many[:2], {finding.category}).overall.causes[0]
    assert two.cost == SETTINGS.costs[finding.severity] * (1 + SETTINGS.repeat_factor)


def test_unchecked_categories_get_no_score() -> None:
    auditor = Auditor(["core"], select=["vague-objectives"], engine="python")
    report = auditor.audit(EXAMPLES[0])
    assert report.profile is not None
    assert set(report.profile.categories) == {"vague-objectives"}
    assert set(report.profile.dimensions) == {"results"}


@given(records(), choices())
def test_profile_is_deterministic_and_order_free(record: dict[str, Any], rnd: Choices) -> None:
    first = AUDITOR.audit(record)
    again = AUDITOR.audit(shuffled(record, rnd))
    assert first.profile == again.profile
    assert first.profile is not None
    reversed_findings = health_profile(
        list(reversed(first.findings)),
        AUDITOR.categories_checked(first.rulesets),
        survey=first.profile.survey,
    )
    assert reversed_findings == first.profile


@given(records())
def test_a_finding_more_never_raises_a_score(record: dict[str, Any]) -> None:
    report = AUDITOR.audit(record)
    checked = AUDITOR.categories_checked(report.rulesets)
    for index in range(len(report.findings)):
        fewer: list[Finding] = report.findings[:index] + report.findings[index + 1 :]
        less = health_profile(fewer, checked)
        assert report.profile is not None
        assert less.overall.score >= report.profile.overall.score
        for name, score in report.profile.categories.items():
            assert less.categories[name].score >= score.score


# --- Action plan --------------------------------------------------------------------------------


def test_one_action_per_finding_most_severe_first(reports: dict[str, Report]) -> None:
    for report in reports.values():
        assert len(report.action_plan) == len(report.findings)
        for item, finding in zip(report.action_plan, report.findings, strict=True):
            assert (item.rule, item.subject, item.severity) == (
                finding.rule,
                finding.subject,
                finding.severity,
            )
            assert item.by_when == report.as_of + dt.timedelta(
                days=SETTINGS.due_days[finding.severity]
            )
            assert item.achieved == "" and item.further_actions == ""
        ranks = [SEVERITIES.index(i.severity) for i in report.action_plan]
        assert ranks == sorted(ranks)


def test_suggested_owner_is_the_partner_concerned_else_the_lead(reports: dict[str, Report]) -> None:
    for path in EXAMPLES:
        record = load_record(path)
        report = reports[path.stem]
        names = {p.id: p.name for p in record.partners}
        lead = next((p.id for p in record.partners if p.lead), None)
        actions = {a.id: a for a in record.actions}
        objectives = {o.id: o for o in record.objectives}
        for item in report.action_plan:
            kind, _, item_id = item.subject.partition(":")
            expected: str | None
            if kind == "partner":
                expected = item_id
            elif kind == "action" and (
                actions[item_id].accountable or actions[item_id].responsible
            ):
                expected = actions[item_id].accountable or min(actions[item_id].responsible)
            elif kind == "objective" and objectives[item_id].owner:
                expected = objectives[item_id].owner
            elif kind in ("metric", "body"):
                continue  # checked through the graph in test_owner_of_metric_and_body
            else:
                expected = lead
            assert item.by_whom_id == expected, item
            assert item.by_whom == (names[expected] if expected else "")


def test_owner_of_metric_and_body() -> None:
    data = load_record(EXAMPLES[0]).model_dump(mode="json", exclude_none=True)
    graph = build_graph(load_record(EXAMPLES[0]))
    from partnership_rules._action_plan import suggested_owner

    for metric in data.get("metrics", []):
        expected = f"partner:{metric['collected_by']}" if metric.get("collected_by") else "lead"
        assert suggested_owner(f"metric:{metric['id']}", graph, "lead") == expected
    for body in data["governance"]["bodies"]:
        chair = body.get("chair")
        is_partner = chair is not None and f"partner:{chair}" in graph
        expected = f"partner:{chair}" if is_partner else "lead"
        assert suggested_owner(f"body:{body['id']}", graph, "lead") == expected


def test_subject_names_are_bounded() -> None:
    from partnership_rules._subjects import NAME_LIMIT, display_name

    long = "Improve outcomes for learners " * 400
    short = display_name(long)
    assert len(short) <= NAME_LIMIT and short.endswith("…")
    assert long.startswith(short[:-1])
    assert display_name("  A\nname  ") == "A name"


# --- Partner table ------------------------------------------------------------------------------


def test_partner_table_agrees_with_the_facts(reports: dict[str, Report]) -> None:
    for path in EXAMPLES:
        record = load_record(path)
        report = reports[path.stem]
        facts = {
            f["id"]: f
            for f in derive_facts(record, build_graph(record), report.as_of)
            if f["type"] == "partner"
        }
        assert [row.id for row in report.partners] == [p.id for p in record.partners]
        for row, partner in zip(report.partners, record.partners, strict=True):
            fact = facts[row.id]
            assert row.name == partner.name and row.benefits == list(partner.benefits)
            assert (row.seats, row.chairs, row.funding_share) == (
                fact["seat_count"],
                fact["chair_count"],
                fact["funding_share"],
            )
            assert (row.accountable_actions, row.responsible_actions) == (
                fact["accountable_action_count"],
                fact["responsible_action_count"],
            )
            assert (row.communication_degree, row.cut_point) == (
                fact["channel_degree"],
                fact["cut_point"],
            )
            about = [f.rule for f in report.findings if f.subject == f"partner:{row.id}"]
            assert row.findings == about
            assert {c.kind for c in row.contributions} == {c.kind for c in partner.contributions}


def test_contribution_shares_of_a_kind_add_up_to_one(reports: dict[str, Report]) -> None:
    for report in reports.values():
        totals: dict[tuple[str, str | None], float] = {}
        for row in report.partners:
            for c in row.contributions:
                if c.share is not None:
                    totals[(c.kind, c.unit)] = totals.get((c.kind, c.unit), 0) + c.share
        assert all(total == pytest.approx(1, abs=1e-3) for total in totals.values())


# --- Network ------------------------------------------------------------------------------------


def test_network_has_every_partner_stakeholder_and_body_by_name(reports: dict[str, Report]) -> None:
    for path in EXAMPLES:
        record = load_record(path)
        network = reports[path.stem].network
        assert network is not None
        nodes = {n.key: n for n in network.nodes}
        expected = {f"partner:{p.id}": p.name for p in record.partners}
        expected |= {f"stakeholder:{s.id}": s.name for s in record.stakeholders}
        expected |= {f"body:{b.id}": b.name for b in record.governance.bodies}
        assert {k: nodes[k].name for k in expected} == expected
        for body in record.governance.bodies:
            if body.chair:
                assert any(
                    e.relation == "chair" and e.target == f"body:{body.id}" for e in network.edges
                )
        worst: dict[str, str] = {}
        for finding in reports[path.stem].findings:
            worst.setdefault(finding.subject, finding.severity)
        assert all(n.severity == worst.get(n.key) for n in network.nodes)
        assert all(e.source in nodes and e.target in nodes for e in network.edges)


def _node_centres(svg: str) -> list[tuple[float, float]]:
    centres = []
    for group in re.findall(r'<g class="node [^"]*".*?</g>', svg):
        circle = re.search(r'<circle cx="([\d.]+)" cy="([\d.]+)"', group)
        rect = re.search(
            r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', group
        )
        diamond = re.search(r'<polygon points="([\d.]+),([\d.]+) ', group)
        if circle:
            centres.append((float(circle[1]), float(circle[2])))
        elif rect:
            centres.append(
                (float(rect[1]) + float(rect[3]) / 2, float(rect[2]) + float(rect[4]) / 2)
            )
        elif diamond:
            centres.append((float(diamond[1]), float(diamond[2]) + 11))
    return centres


@pytest.mark.parametrize("partners", [5, 40])
def test_the_drawing_keeps_nodes_apart_at_5_and_40_partners(partners: int) -> None:
    from partnership_rules.render.network_svg import network_svg

    report = AUDITOR.audit(synthetic_record(partners))
    assert report.network is not None
    svg = network_svg(report.network)
    centres = _node_centres(svg)
    assert len(centres) == len(report.network.nodes)
    closest = min(math.dist(a, b) for i, a in enumerate(centres) for b in centres[i + 1 :])
    assert closest > 26  # wider than the largest node: no node hides another
    assert svg == network_svg(report.network)  # the same network is drawn the same way
