"""Record sections `relationships` and `survey`, and survey instruments: each problem named by
its field path (and line, from YAML); an organisation's own instrument as data; old records
audit exactly as before."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from partnership_rules.cli.main import cli

from partnership_rules import Auditor, RecordError, RulesetError, load_record, render
from partnership_rules._instruments import load_instruments, shipped_instruments

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))

BASE = """\
partnership: {id: p, name: P, assessed_on: 2026-06-30}
partners:
  - {id: college, name: College}
  - {id: employer, name: Employer}
  - {id: council, name: Council}
stakeholders:
  - {id: learners, name: Learners}
"""

OWN_INSTRUMENT = """\
id: our-pulse
title: Our partnership pulse
scale: {min: 0, max: 10, labels: {0: not at all, 10: completely}}
favourable_from: 7
factors:
  - id: trust
    name: Trust
    concern_below: 5
    source: {source: partner-tool, section: Trust}
    remedy: Talk about it.
    items:
      - {id: trust-keep-word, wording: Partners keep their word.}
"""


def write(tmp_path: Path, text: str, name: str = "record.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(tmp_path: Path, extra: str) -> list[tuple[str, str, int | None]]:
    path = write(tmp_path, BASE + textwrap.dedent(extra))
    with pytest.raises(RecordError) as caught:
        load_record(path)
    return [(p.path, p.message, p.line) for p in caught.value.problems]


def test_a_valid_relationships_and_survey_section_loads(tmp_path: Path) -> None:
    record = load_record(
        write(
            tmp_path,
            BASE
            + """\
relationships:
  - partners: [college, employer]
    date: 2026-05-01
    sides:
      - {partner: college, trust: {reliability: 4, mission: 3, openness: 2}, level: cooperating}
      - {partner: employer, value: {power: 1, involvement: 2, resources: 3}}
survey:
  instrument: partnership-factors
  responses:
    - {respondent: college, answers: {env-history: 1, res-leadership: 5}}
    - {respondent: learners, answers: {com-open: 3}}
""",
        )
    )
    assert record.relationships[0].sides[0].trust is not None
    assert record.relationships[0].sides[0].trust.openness == 2
    assert record.survey is not None and record.survey.responses[1].answers == {"com-open": 3}


def test_a_rating_out_of_range_names_the_field_and_line(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """\
relationships:
  - partners: [college, college]
  - partners: [college, nobody]
  - partners: [college, learners]
  - partners: [college, employer]
    sides:
      - {partner: college, trust: {reliability: 5}}
  - partners: [employer, college]
    sides:
      - {partner: council}
      - {partner: college}
""",
    )
    # Out of range stops validation at the models: the reference checks need a valid record.
    assert found == [
        (
            "relationships[3].sides[0].trust.reliability",
            "Input should be less than or equal to 4",
            14,
        )
    ]


def test_reference_problems_in_relationships_are_all_reported(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """\
relationships:
  - partners: [college, college]
  - partners: [college, nobody]
  - partners: [college, learners]
  - partners: [college, employer]
    sides:
      - {partner: council}
  - partners: [employer, council]
    sides:
      - {partner: employer}
      - {partner: employer}
  - partners: [employer, college]
""",
    )
    assert found == [
        (
            "relationships[0].partners[1]",
            "'college' cannot be in a relationship with itself",
            9,
        ),
        ("relationships[1].partners[1]", "unknown id 'nobody'", 10),
        (
            "relationships[2].partners[1]",
            "'learners' is a stakeholder, expected a partner",
            11,
        ),
        (
            "relationships[3].sides[0].partner",
            "'council' is not one of the pair (college, employer)",
            14,
        ),
        ("relationships[4].sides[1].partner", "'employer' has already rated 'council'", 18),
        (
            "relationships[5].partners",
            "the pair (employer, college) is already listed at relationships[3]",
            19,
        ),
    ]


def test_survey_problems_name_the_answer_and_line(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """\
survey:
  instrument: partnership-factors
  responses:
    - respondent: college
      answers: {env-history: 6, no-such-item: 3, com-open: 0}
    - respondent: nobody
    - respondent: college
""",
    )
    scale = "1 (strongly disagree) to 5 (strongly agree)"
    assert found == [
        ("survey.responses[1].respondent", "unknown id 'nobody'", 13),
        ("survey.responses[2].respondent", "'college' already answered at survey.responses[0]", 14),
        (
            "survey.responses[0].answers.env-history",
            f"answer 6 is off the scale of 'partnership-factors': {scale}",
            12,
        ),
        (
            "survey.responses[0].answers.no-such-item",
            "'partnership-factors' has no item 'no-such-item'",
            12,
        ),
        (
            "survey.responses[0].answers.com-open",
            f"answer 0 is off the scale of 'partnership-factors': {scale}",
            12,
        ),
    ]


def test_an_unknown_instrument_says_how_to_add_one(tmp_path: Path) -> None:
    found = problems(tmp_path, "survey: {instrument: our-pulse}\n")
    assert found == [
        (
            "survey.instrument",
            "unknown instrument 'our-pulse' (known: partnership-factors; add your own with"
            " --instrument)",
            8,
        )
    ]


def test_an_organisations_own_instrument_is_data(tmp_path: Path) -> None:
    own = write(tmp_path, OWN_INSTRUMENT, "pulse.yaml")
    record = write(
        tmp_path,
        BASE
        + "survey:\n  instrument: our-pulse\n  responses:\n"
        + "    - {respondent: college, answers: {trust-keep-word: 9}}\n",
    )
    with pytest.raises(RecordError):
        Auditor(engine="python").audit(record)
    report = Auditor(engine="python", instruments=[own]).audit(record)
    assert report.partnership.id == "p"
    assert list(load_instruments([own])) == ["partnership-factors", "our-pulse"]
    # A Record built elsewhere is checked against the auditor's instruments too.
    loaded = load_record(record, instruments=load_instruments([own]))
    with pytest.raises(RecordError, match="unknown instrument 'our-pulse'"):
        Auditor(engine="python").audit(loaded)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("favourable_from: 7", "favourable_from: 11"), "favourable_from (11) is outside"),
        (("concern_below: 5", "concern_below: 0"), "concern_below (0) is outside"),
        (("source: partner-tool", "source: no-such-source"), "factors[0].source.source"),
        (("trust-keep-word", "Trust Keep Word"), "pulse.yaml:12: factors[0].items[0].id"),
        (("id: our-pulse", "id: partnership-factors"), "already defined by a shipped"),
    ],
)
def test_a_bad_instrument_names_the_file_and_field(
    tmp_path: Path, change: tuple[str, str], where: str
) -> None:
    own = write(tmp_path, OWN_INSTRUMENT.replace(*change), "pulse.yaml")
    with pytest.raises(RulesetError) as caught:
        load_instruments([own])
    assert caught.value.source == str(own)
    assert where in str(caught.value)


def test_cli_instrument_option_and_configuration_key(tmp_path: Path) -> None:
    own = write(tmp_path, OWN_INSTRUMENT, "pulse.yaml")
    record = write(
        tmp_path,
        BASE
        + "survey:\n  instrument: our-pulse\n  responses:\n"
        + "    - {respondent: college, answers: {trust-keep-word: 9}}\n",
    )
    runner = CliRunner()
    plain = runner.invoke(cli, ["audit", "--no-config", str(record)])
    assert plain.exit_code == 2 and "unknown instrument 'our-pulse'" in plain.output
    given = runner.invoke(cli, ["audit", "--no-config", "--instrument", str(own), str(record)])
    assert given.exit_code in (0, 1), given.output
    config = write(tmp_path, 'instruments = ["pulse.yaml"]\n', "partnership-rules.toml")
    configured = runner.invoke(cli, ["audit", "--config", str(config), str(record)])
    assert configured.exit_code in (0, 1), configured.output
    compared = runner.invoke(
        cli, ["diff", "--instrument", str(own), str(record), str(record), "--format", "json"]
    )
    assert compared.exit_code == 0, compared.output
    broken = write(tmp_path, OWN_INSTRUMENT.replace("max: 10", "max: 0"), "broken.yaml")
    refused = runner.invoke(cli, ["audit", "--no-config", "--instrument", str(broken), str(record)])
    assert refused.exit_code == 2
    assert f"{broken}:3: scale: " in refused.output and "Traceback" not in refused.output


def test_the_shipped_instrument_has_the_six_wilder_factor_groups() -> None:
    instrument = shipped_instruments()["partnership-factors"]
    assert [f.id for f in instrument.factors] == [
        "environment",
        "membership",
        "process-structure",
        "communication",
        "purpose",
        "resources",
    ]
    assert all(f.source.source == "wilder-collaboration-factors" for f in instrument.factors)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_records_without_the_sections_audit_exactly_as_before(path: Path) -> None:
    record = load_record(path)
    if record.relationships or record.survey is not None:
        pytest.skip("uses the new sections")
    auditor = Auditor(engine="python")
    report = auditor.audit(record)
    assert "relationships" not in report.rulesets
    without = Auditor(engine="python", ignore=["relationships"]).audit(record)
    assert render(report, "json") == render(without, "json")
