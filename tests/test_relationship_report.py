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

from partnership_rules import Auditor, Report, render
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
    assert trust_colour(1.5) != trust_colour(2.5) != trust_colour(3.5) != trust_colour(None)
    assert relationship_width(1) < relationship_width(2.5) < relationship_width(4)
    legend = page[page.index('<ul class="legend">') :]
    legend = legend[: legend.index("</ul>")]
    for words in ("trust below 2", "trust 2 to 3", "trust 3 or more of 4", "Thickness: valued"):
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
