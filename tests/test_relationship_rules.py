"""What partners say: relationship edges in the graph, the facts read from them and from the
survey, and the relationships ruleset on the two examples. (Each rule's firing and quiet case
is in rulesets/relationships.yaml as `examples:`, run by `rules test` in the suite.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from partnership_rules import Auditor, build_graph, load_record, record_from_data
from partnership_rules.facts import derive_facts

ROOT = Path(__file__).resolve().parent.parent
AUDITOR = Auditor(engine="python")
AS_OF = load_record(ROOT / "examples" / "relationships-strained.yaml").partnership.assessed_on

FOUR = [
    {"id": "hub", "name": "Hub College"},
    {"id": "one", "name": "One Ltd"},
    {"id": "two", "name": "Two Trust"},
    {"id": "three", "name": "Three Council"},
]


def _record(**sections: Any) -> dict[str, Any]:
    return {
        "partnership": {"id": "p", "name": "P", "assessed_on": "2025-01-01"},
        "partners": FOUR,
        **sections,
    }


def _facts(data: dict[str, Any]) -> list[dict[str, Any]]:
    record = record_from_data(data)
    assert AS_OF is not None
    return derive_facts(record, build_graph(record), AS_OF)


def _one(facts: list[dict[str, Any]], fact_type: str) -> dict[str, Any]:
    (found,) = [f for f in facts if f["type"] == fact_type]
    return found


def _side(partner: str, **ratings: Any) -> dict[str, Any]:
    return {"partner": partner, **ratings}


STAR = [
    {"partners": ["hub", other], "sides": [_side("hub", trust={"reliability": 3})]}
    for other in ("one", "two", "three")
]


def test_each_side_is_a_rates_edge_with_its_ratings() -> None:
    record = record_from_data(
        _record(
            relationships=[
                {
                    "partners": ["hub", "one"],
                    "date": "2024-12-01",
                    "sides": [
                        _side(
                            "one",
                            trust={"reliability": 2, "mission": 3},
                            value={"power": 4, "involvement": 1, "resources": 1},
                            level="networking",
                        )
                    ],
                }
            ]
        )
    )
    edges = [
        (a, b, d) for a, b, d in build_graph(record).edges(data=True) if d["relation"] == "rates"
    ]
    assert len(edges) == 1
    rater, rated, data = edges[0]
    assert (rater, rated) == ("partner:one", "partner:hub")
    assert data["trust"] == pytest.approx((2 + 3) / 2)  # the dimensions given
    assert data["value"] == pytest.approx((4 + 1 + 1) / 3)
    assert (data["reliability"], data["openness"], data["level"]) == (2, None, "networking")


def test_network_measures_of_a_star() -> None:
    partnership = _one(_facts(_record(relationships=STAR)), "partnership")
    # Three of the six possible pairs; every tie runs through the hub (Freeman: 1).
    assert partnership["rated_pair_count"] == 3
    assert partnership["relationship_density"] == pytest.approx(3 / 6)
    assert partnership["relationship_centralisation"] == pytest.approx(1.0)
    assert partnership["relationship_reciprocity"] == 0  # no rating returned
    assert partnership["relationship_isolate_count"] == 0
    assert partnership["relationship_hub"] == "Hub College"


def test_an_isolate_and_a_returned_rating() -> None:
    pair = {
        "partners": ["hub", "one"],
        "sides": [_side("hub", level="cooperating"), _side("one", level="cooperating")],
    }
    facts = _facts(_record(relationships=[pair]))
    partnership = _one(facts, "partnership")
    assert partnership["relationship_reciprocity"] == 1
    assert partnership["relationship_isolates"] == ["Three Council", "Two Trust"]
    degree = {f["id"]: f["relationship_degree"] for f in facts if f["type"] == "partner"}
    assert degree == {"hub": 1, "one": 1, "two": 0, "three": 0}


def test_a_pair_is_the_same_fact_whichever_way_round_it_is_listed() -> None:
    sides = [
        _side("one", trust={"reliability": 1}, level="networking"),
        _side("hub", trust={"reliability": 4}, level="collaborating"),
    ]
    listed = [{"partners": ["hub", "one"], "sides": sides}]
    forward = _one(_facts(_record(relationships=listed)), "relationship")
    backward = _one(
        _facts(_record(relationships=[{"partners": ["one", "hub"], "sides": sides[::-1]}])),
        "relationship",
    )
    assert forward == backward
    assert forward["subject"] == "relationship:hub~one"
    assert forward["name"] == "Hub College and One Ltd"
    assert (forward["less_trusting"], forward["less_trusted"]) == ("One Ltd", "Hub College")
    assert (forward["level_gap"], forward["closer_side"]) == (3, "Hub College")
    assert forward["trust_gap"] == 3


def test_value_most_others_rate_low() -> None:
    low = {"power": 1, "involvement": 2, "resources": 2}
    fair = {"power": 3, "involvement": 3, "resources": 3}
    pairs = [
        {"partners": ["one", "hub"], "sides": [_side("one", value=low)]},
        {"partners": ["two", "hub"], "sides": [_side("two", value=low)]},
        {"partners": ["three", "hub"], "sides": [_side("three", value=fair)]},
    ]
    facts = _facts(_record(relationships=pairs))
    hub = next(f for f in facts if f["subject"] == "partner:hub")
    assert (hub["value_rater_count"], hub["value_low_count"]) == (3, 2)
    assert hub["value_low_share"] == pytest.approx(2 / 3, abs=1e-4)  # shares to 4 places


def test_survey_factor_and_item_facts() -> None:
    survey = {
        "instrument": "partnership-factors",
        "responses": [
            {"respondent": "hub", "answers": {"res-sufficient": 1, "res-leadership": 5}},
            {"respondent": "one", "answers": {"res-sufficient": 5, "res-leadership": 1}},
        ],
    }
    facts = _facts(_record(survey=survey))
    factor = next(f for f in facts if f["subject"] == "survey-factor:partnership-factors/resources")
    assert (factor["mean"], factor["answer_count"], factor["in_concern_band"]) == (3, 4, False)
    item = next(
        f for f in facts if f["subject"] == "survey-item:partnership-factors/res-sufficient"
    )
    assert item["spread"] == pytest.approx(1.0)  # half at each end of the scale
    partnership = _one(facts, "partnership")
    assert partnership["survey_response_rate"] == pytest.approx(2 / 4)
    assert partnership["survey_non_respondents"] == ["Three Council", "Two Trust"]
    # Factors nobody answered are facts too, with no mean and out of the concern band.
    silent = next(f for f in facts if f["subject"] == "survey-factor:partnership-factors/purpose")
    assert (silent["mean"], silent["in_concern_band"]) == (None, False)


def _rules(path: str) -> list[tuple[str, str]]:
    report = AUDITOR.audit(ROOT / "examples" / path)
    return [(f.rule, f.subject_name) for f in report.findings if f.category == "relationships"]


def test_the_strained_example_shows_what_the_issue_asks_for() -> None:
    report = AUDITOR.audit(ROOT / "examples" / "relationships-strained.yaml")
    assert "relationships" in report.rulesets
    found = {(f.rule, f.subject_name) for f in report.findings if f.category == "relationships"}
    college_forum = "Northfield Builders' Forum and Northfield College"  # by id order
    # Low trust and asymmetry on one pair: one finding for the cause, its parts listed.
    assert ("REL100", college_forum) in found
    group = next(f for f in report.findings if f.rule == "REL100")
    assert {p.rule for p in group.parts} == {"REL005", "REL006", "REL007"}
    assert (
        "'Northfield Builders' Forum' says they are networking, 'Northfield College' that they"
        " are collaborating" in group.message
    )
    # Low trust alone on another pair.
    assert ("REL005", "BuildUp Training Trust and Northfield Council Economic Development") in found
    # Concern-band factors, with the instrument's remedy.
    assert {name for rule, name in found if rule == "REL009"} == {"Communication", "Resources"}
    # The survey says decisions are shared; the lead partner decides alone in the board.
    contradiction = next(f for f in report.findings if f.rule == "REL012")
    assert contradiction.message.endswith(
        "but the record shows otherwise: Body 'Skills partnership board' has 4 partner members"
        " but decisions are taken by the lead partner. (CORE025)"
    )
    assert ("REL008", "Northfield Council Economic Development") in found
    # Every relationships finding has a remedy and cites its sources by title.
    for finding in report.findings:
        if finding.category == "relationships":
            assert finding.remedy and finding.references
            assert all(r.title for r in finding.references)


def test_the_healthy_example_has_no_finding_at_all() -> None:
    report = AUDITOR.audit(ROOT / "examples" / "relationships-healthy.yaml")
    assert "relationships" in report.rulesets
    assert report.findings == []


def test_an_organisations_own_instrument_feeds_the_factor_rule(tmp_path: Path) -> None:
    own = tmp_path / "pulse.yaml"
    own.write_text(
        "id: our-pulse\ntitle: Our pulse\nscale: {min: 0, max: 10}\nfavourable_from: 7\n"
        "factors:\n  - id: trust\n    name: Trust between us\n    concern_below: 5\n"
        "    source: {source: partner-tool}\n    remedy: Meet and talk it through.\n"
        "    items: [{id: keep-word, wording: Partners keep their word.}]\n",
        encoding="utf-8",
    )
    record = _record(
        survey={
            "instrument": "our-pulse",
            "responses": [
                {"respondent": "hub", "answers": {"keep-word": 3}},
                {"respondent": "one", "answers": {"keep-word": 4}},
                {"respondent": "two", "answers": {"keep-word": 4}},
            ],
        }
    )
    report = Auditor(engine="python", instruments=[own]).audit(record)
    (finding,) = [f for f in report.findings if f.rule == "REL009"]
    assert finding.subject_name == "Trust between us"
    assert finding.remedy == "Meet and talk it through."
    assert "0 to 10" in finding.message


def test_a_threshold_is_named_in_the_evidence_and_can_be_set() -> None:
    pair = {
        "partners": ["hub", "one"],
        "sides": [_side("one", trust={"reliability": 3, "mission": 2, "openness": 2})],
    }
    record = _record(relationships=[pair])
    assert not [f for f in AUDITOR.audit(record).findings if f.rule == "REL005"]
    stricter = Auditor(engine="python", thresholds={"max_low_trust": 2.5}).audit(record)
    (finding,) = [f for f in stricter.findings if f.rule == "REL005"]
    assert "max_low_trust" in str(finding.evidence["thresholds"])
