"""What partners say of each other, as reports show it: trust and value per partner in the
partner table (Markdown, HTML, csv-partners, JSON), relationship lines in the network drawing
coloured by trust and sized by value with a legend, the disagreement table, and survey factors
beside the health profile; a report without them renders exactly as before (JSON included)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import yaml

from partnership_rules import Auditor, Report, health_profile, render
from partnership_rules._profile import load_profile_settings
from partnership_rules._relationship_view import DISAGREEMENT_THRESHOLDS, MIN_ITEM_ANSWERS
from partnership_rules._report import (
    Disagreements,
    ItemDisagreement,
    NetworkEdge,
    PairDisagreement,
    SurveyFactorScore,
)
from partnership_rules.render.escape import markdown as md
from partnership_rules.render.network_svg import relationship_width, trust_colour

ROOT = Path(__file__).parent.parent
AUDITOR = Auditor(engine="python")
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def plain() -> Report:
    return AUDITOR.audit(ROOT / "examples" / "barking-rooff.yaml")


def _said(report: Report) -> Report:
    """``report`` as if its record carried relationship ratings and a survey: the first
    partner rated low by two others, a pair that disagrees, a survey item answered far apart
    (its wording hostile) and two survey factors."""
    first, second = report.partners[0], report.partners[1]
    partners = [
        first.model_copy(update={"trust": 1.5, "value": 3.25, "rated_by": 2}),
        second.model_copy(update={"trust": 3.5, "value": None, "rated_by": 1}),
        *report.partners[2:],
    ]
    assert report.network is not None and report.profile is not None
    a, b = f"partner:{first.id}", f"partner:{second.id}"
    network = report.network.model_copy(
        update={
            "edges": [
                *report.network.edges,
                NetworkEdge(source=a, target=b, relation="relationship", trust=1.5, value=3.25),
            ]
        }
    )
    disagreements = Disagreements(
        pairs=[
            PairDisagreement(
                partners=[first.id, second.id],
                names=[first.name, second.name],
                levels=["collaborating", "networking"],
                trust=[3.67, 1.33],
                value=[3.0, None],
                reasons=["levels three steps apart", "trust 2.3 apart"],
            )
        ],
        items=[
            ItemDisagreement(
                instrument="partnership-factors",
                item="mem-respect",
                wording="Partners trust and respect each other." + SCRIPT,
                factor="Membership characteristics",
                respondents=5,
                mean=3.2,
                lowest=1,
                highest=5,
                spread=1.6,
            )
        ],
    )
    survey = [
        SurveyFactorScore(
            instrument="partnership-factors",
            factor="environment",
            name="Environment",
            dimension="relationships",
            mean=2.6,
            scale_min=1,
            scale_max=5,
            respondents=5,
            answers=15,
            score=40,
            band="concern",
            concern_below=3.0,
        ),
        SurveyFactorScore(
            instrument="partnership-factors",
            factor="purpose",
            name="Purpose",
            dimension="results",
            mean=4.25,
            scale_min=1,
            scale_max=5,
            respondents=4,
            answers=12,
            score=81,
            band="strength",
            concern_below=3.0,
        ),
    ]
    return report.model_copy(
        update={
            "partners": partners,
            "network": network,
            "disagreements": disagreements,
            "profile": report.profile.model_copy(update={"survey": survey}),
        }
    )


def test_json_leaves_the_additions_out_while_empty(plain: Report) -> None:
    data = plain.to_dict()
    assert "disagreements" not in data and "survey" not in data["profile"]
    assert all("trust" not in row and "rated_by" not in row for row in data["partners"])
    assert all("trust" not in edge for edge in data["network"]["edges"])
    assert json.loads(plain.model_dump_json()) == data
    assert Report.model_validate(data) == plain


def test_json_carries_the_additions_and_reads_back(plain: Report) -> None:
    said = _said(plain)
    data = said.to_dict()
    first, second, third = data["partners"][:3]
    assert (first["trust"], first["value"], first["rated_by"]) == (1.5, 3.25, 2)
    # Rated by one other, for trust only: its value is there, unknown (null).
    assert (second["trust"], second["value"], second["rated_by"]) == (3.5, None, 1)
    assert not {"trust", "value", "rated_by"} & set(third)  # not rated: as before
    edge = data["network"]["edges"][-1]
    assert (edge["relation"], edge["trust"], edge["value"]) == ("relationship", 1.5, 3.25)
    assert data["disagreements"]["pairs"][0]["levels"] == ["collaborating", "networking"]
    assert data["disagreements"]["items"][0]["spread"] == 1.6
    assert [f["factor"] for f in data["profile"]["survey"]] == ["environment", "purpose"]
    assert Report.model_validate(data) == said


def test_markdown_shows_ratings_disagreements_and_survey(plain: Report) -> None:
    said = _said(plain)
    text = render(said, "markdown")
    header = next(line for line in text.splitlines() if line.startswith("| Partner |"))
    assert header.endswith("| Trust from others (1-4) | Value to others (1-4) |")
    first = said.partners[0]
    row = next(line for line in text.splitlines() if line.startswith(f"| {md(first.name)}"))
    assert row.endswith(f"| {md('1.5 (from 2 partners)')} | {md('3.2 (from 2 partners)')} |")
    third = said.partners[2]
    row = next(line for line in text.splitlines() if line.startswith(f"| {md(third.name)}"))
    assert row.endswith("| not rated | not rated |")
    assert "## Where partners disagree" in text
    for cells in (
        "levels three steps apart; trust 2.3 apart |",
        "says collaborating; trust 3.7, value 3.0",
        "says networking; trust 1.3, value -",
        "| 5 | 3.2 | 1 to 5 | 1.60 |",
        "| Environment | Relationships | 2.60 (of 1 to 5) | 40/100 | concern | 5 |",
        "| Purpose | Results | 4.25 (of 1 to 5) | 81/100 | strength | 4 |",
    ):
        assert cells in text.replace("\\", ""), cells  # markdown's escapes taken out
    assert "<script>" not in text
    # Sections in order: profile, partners, disagreements, findings.
    order = [text.index(h) for h in ("## Health profile", "## Partners", "## Where", "## Findings")]
    assert order == sorted(order)


def test_html_draws_relationships_by_trust_and_value_with_a_legend(plain: Report) -> None:
    page = render(_said(plain), "html")
    curves = re.findall(r'<path class="edge relationship"[^>]*>', page)
    assert len(curves) == 1
    assert f'stroke="{trust_colour(1.5)}"' in curves[0]
    assert f'stroke-width="{relationship_width(3.25):.1f}"' in curves[0]
    colours = [trust_colour(t) for t in (1.0, 2.0, 2.01, 2.99, 3.0, 4.0, None)]
    assert colours[0] == colours[1] != colours[2] == colours[3] != colours[4] == colours[5]
    assert len(set(colours)) == 4
    assert relationship_width(1) < relationship_width(2.5) < relationship_width(4)
    legend = page[page.index('<ul class="legend">') :]
    legend = legend[: legend.index("</ul>")]
    for words in ("trust 2 or less", "trust above 2", "trust 3 or more of 4", "Thickness: valued"):
        assert words in legend
    assert '<table class="disagreement-pairs">' in page
    assert '<table class="disagreement-items">' in page
    assert '<table class="survey">' in page
    assert "Trust from others (1-4)</th>" in page
    assert SCRIPT not in page and "&lt;script&gt;" in page
    assert 'aria-label="Survey factors"' in page


def test_text_summarises_survey_and_disagreements(plain: Report) -> None:
    said = _said(plain)
    text = render(said, "text", width=200)
    assert (
        "Survey factors (mean answer): Environment 2.6 (concern), Purpose 4.2 (strength)." in text
    )
    first, second = said.partners[0].name, said.partners[1].name
    assert f"  {first} and {second}: levels three steps apart; trust 2.3 apart\n" in text
    assert "Survey item (Membership characteristics), answers 1 to 5 from 5 respondents" in text


def test_csv_partners_carries_the_ratings(plain: Report) -> None:
    said = _said(plain)
    rows = list(csv.DictReader(io.StringIO(render(said, "csv-partners"))))
    assert [r["Trust from others (1-4)"] for r in rows[:3]] == ["1.5", "3.5", ""]
    assert [r["Value to others (1-4)"] for r in rows[:3]] == ["3.25", "", ""]
    assert [r["Rated by"] for r in rows[:3]] == ["2", "1", "0"]


def test_a_report_without_ratings_or_survey_renders_as_before(plain: Report) -> None:
    for fmt in ("text", "markdown", "html"):
        text = render(plain, fmt)
        for words in ("Trust from others", "Where partners disagree", "Survey factors"):
            assert words not in text
        assert 'class="edge relationship"' not in text


# --- From a record: the pipeline stage (_relationship_view) -----------------------------------

SAID = {
    "relationships": [
        {  # far apart: three steps of level, trust 3.67 against 1.33
            "partners": ["bdc", "rooff"],
            "sides": [
                {
                    "partner": "bdc",
                    "trust": {"reliability": 4, "mission": 4, "openness": 3},
                    "value": {"power": 3, "involvement": 3, "resources": 3},
                    "level": "collaborating",
                },
                {
                    "partner": "rooff",
                    "trust": {"reliability": 1, "mission": 2, "openness": 1},
                    "level": "networking",
                },
            ],
        },
        {  # close: one step, trust 3.0 against 2.67
            "partners": ["eastbrook", "bdc"],
            "sides": [
                {
                    "partner": "eastbrook",
                    "trust": {"reliability": 3, "mission": 3, "openness": 3},
                    "value": {"power": 4, "involvement": 4, "resources": 2},
                    "level": "cooperating",
                },
                {
                    "partner": "bdc",
                    "trust": {"reliability": 3, "mission": 3, "openness": 2},
                    "level": "coordinating",
                },
            ],
        },
    ],
    "survey": {
        "instrument": "partnership-factors",
        "responses": [
            {"respondent": "bdc", "answers": {"mem-respect": 5, "env-history": 2, "pur-unique": 4}},
            {
                "respondent": "rooff",
                "answers": {"mem-respect": 1, "env-history": 2, "pur-unique": 4},
            },
            {"respondent": "eastbrook", "answers": {"mem-respect": 5, "env-history": 3}},
            {"respondent": "thames-drylining", "answers": {"mem-respect": 1, "pur-unique": 5}},
        ],
    },
}


@pytest.fixture(scope="module")
def said_record() -> dict[str, object]:
    data = yaml.safe_load((ROOT / "examples" / "barking-rooff.yaml").read_text(encoding="utf-8"))
    return {**data, **SAID}


def test_partner_table_gives_the_trust_and_value_others_give(
    said_record: dict[str, object],
) -> None:
    report = AUDITOR.audit(said_record)
    rows = {row.id: row for row in report.partners}
    # bdc is rated by rooff (trust 1, 2, 1) and eastbrook (3, 3, 3; value 4, 4, 2).
    assert (rows["bdc"].trust, rows["bdc"].value, rows["bdc"].rated_by) == (2.17, 3.33, 2)
    # rooff by bdc (4, 4, 3; value 3, 3, 3); eastbrook by bdc (3, 3, 2; no value).
    assert (rows["rooff"].trust, rows["rooff"].value, rows["rooff"].rated_by) == (3.67, 3.0, 1)
    assert (rows["eastbrook"].trust, rows["eastbrook"].value) == (2.67, None)
    assert rows["thames-drylining"].rated_by == 0 and rows["thames-drylining"].trust is None


def test_the_network_draws_one_line_per_rated_pair(said_record: dict[str, object]) -> None:
    report = AUDITOR.audit(said_record)
    assert report.network is not None
    lines = {(e.source, e.target): e for e in report.network.edges if e.relation == "relationship"}
    assert set(lines) == {("partner:bdc", "partner:rooff"), ("partner:bdc", "partner:eastbrook")}
    far = lines[("partner:bdc", "partner:rooff")]
    assert (far.trust, far.value) == (1.33, 3.0)  # rooff's lower trust; rooff gave no value
    page = render(report, "html")
    assert page.count('<path class="edge relationship"') == 2


def test_disagreements_list_far_apart_pairs_and_wide_items(said_record: dict[str, object]) -> None:
    report = AUDITOR.audit(said_record)
    found = report.disagreements
    assert found is not None
    assert [p.partners for p in found.pairs] == [["bdc", "rooff"]]
    pair = found.pairs[0]
    assert pair.levels == ["collaborating", "networking"] and pair.trust == [3.67, 1.33]
    assert pair.reasons == [
        "levels 3 steps apart (collaborating and networking)",
        "trust 2.3 apart (of 1 to 4)",
    ]
    # mem-respect: 5, 1, 5, 1 (sd 2.0, above 0.3 x 4); env-history 2, 2, 3 and pur-unique
    # 4, 4, 5 are close.
    assert [(i.item, i.lowest, i.highest, i.spread) for i in found.items] == [
        ("mem-respect", 1, 5, 2.0)
    ]
    text = render(report, "markdown")
    assert "## Where partners disagree" in text and "Partners trust and respect each other." in text


def test_survey_factors_sit_beside_the_profile(said_record: dict[str, object]) -> None:
    report = AUDITOR.audit(said_record)
    assert report.profile is not None
    factors = {f.factor: f for f in report.profile.survey}
    assert list(factors) == ["environment", "membership", "purpose"]  # the instrument's order
    env = factors["environment"]  # 2, 2, 3: below the concern band of 3
    assert (env.mean, env.respondents, env.answers, env.band) == (2.33, 3, 3, "concern")
    assert env.score == round(100 * (7 / 3 - 1) / 4) and env.dimension == "relationships"
    assert factors["membership"].band == "borderline"  # 3.0: neither concern nor agree
    assert (factors["purpose"].mean, factors["purpose"].band) == (4.33, "strength")
    assert factors["purpose"].dimension == "results"
    # Beside the scores, not in them: the report's findings alone give the same scores.
    alone = health_profile(report.findings, AUDITOR.categories_checked(report.rulesets))
    assert alone == report.profile.model_copy(update={"survey": []})


def test_a_record_without_the_sections_has_none_of_it(plain: Report) -> None:
    assert plain.disagreements is None
    assert plain.profile is not None and plain.profile.survey == []
    assert all(row.rated_by == 0 for row in plain.partners)
    assert plain.network is not None
    assert all(e.relation != "relationship" for e in plain.network.edges)


def test_readme_states_the_survey_dimensions_and_the_disagreement_thresholds() -> None:
    settings = load_profile_settings()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = " ".join(readme.split("### Health profile", 1)[1].split("\n## ", 1)[0].split())
    stated = ", ".join(f"{f} ({d})" for f, d in settings.survey_dimensions.items())
    assert f"speak to these dimensions: {stated}." in section
    for name in DISAGREEMENT_THRESHOLDS:
        assert f"`{name}`" in section
    assert f"answered at least {MIN_ITEM_ANSWERS} times" in section


def test_the_table_lists_what_the_disagreement_rules_find(said_record: dict[str, object]) -> None:
    # REL006 (levels apart), REL007 (trust apart) and REL010 (wide spread), grouped or not.
    for thresholds in ({}, {"min_trust_gap": 3.0, "min_level_gap": 3}, {"min_item_spread": 0.1}):
        auditor = Auditor(engine="python", thresholds=thresholds)
        report = auditor.audit(said_record)
        assert report.disagreements is not None
        units = {(u.rule, u.subject) for f in report.findings for u in f.units()}
        flagged_pairs = {s for r, s in units if r in ("REL006", "REL007")}
        flagged_items = {s for r, s in units if r == "REL010"}
        listed_pairs = {f"relationship:{'~'.join(p.partners)}" for p in report.disagreements.pairs}
        listed_items = {f"survey-item:{i.instrument}/{i.item}" for i in report.disagreements.items}
        assert (listed_pairs, listed_items) == (flagged_pairs, flagged_items), thresholds
        assert listed_pairs and listed_items
