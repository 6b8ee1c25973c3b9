"""Untrusted rule files and callers are bounded in what they cost and in what they raise.

- a placeholder with a format on a reserved field is a RulesetError, not a KeyError;
- a rule file is stat'ed before it is read (no FIFO, no device, no huge file is read) and
  parsed by the records' bounded reader;
- a rendered message or remedy, an evidence value, and a whole report are bounded: a small
  rule file repeating a long placeholder (through a YAML anchor) in 1,000 rules gives a
  report of bounded size, with the cuts counted in the report;
- ``as_of`` that is not a date is the library's UsageError.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_rule_safety import rule_file

from partnership_rules import Auditor, RulesetError, UsageError, audit, available_engines
from partnership_rules._findings import (
    MAX_EVIDENCE_ITEMS,
    MAX_MESSAGE_CHARS,
    MAX_REMEDY_CHARS,
    MAX_REPORT_CHARS,
)
from partnership_rules._rule_loader import MAX_RULE_FILE_BYTES, load_ruleset
from partnership_rules._templates import TRUNCATION_MARK

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "craven-swissport.yaml"


@pytest.mark.parametrize("placeholder", ["{type:5}", "{type:.1f}", "{type:,}"])
def test_a_number_format_on_the_type_placeholder_is_a_ruleset_error(
    tmp_path: Path, placeholder: str
) -> None:
    path = rule_file(tmp_path, message=f"Objective {placeholder} has no target.")
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    message_line = next(
        n for n, line in enumerate(path.read_text().splitlines(), 1) if "message:" in line
    )
    assert str(caught.value) == (
        f"{path}:{message_line}: rules[0] (CUS001).message: placeholder '{{type}}' has a"
        " number format but is not a number"
    )


def test_a_rule_file_larger_than_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as handle:  # sparse: 4 GB on paper, nothing on disk
        handle.truncate(4 * 1024**3)
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    assert str(caught.value) == (
        f"{path}: file is larger than the {MAX_RULE_FILE_BYTES:,}-byte limit"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_given_as_a_rule_file_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "rules.yaml"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []
    thread = threading.Thread(target=lambda: _catch(outcome, fifo), daemon=True)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive(), "reading the FIFO blocked"
    assert [str(e) for e in outcome] == [f"{fifo}: not a regular file: a named pipe (FIFO)"]


def _catch(outcome: list[BaseException], path: Path) -> None:
    try:
        load_ruleset(path)
    except RulesetError as error:
        outcome.append(error)


def test_a_rule_file_is_parsed_within_the_bounded_reader_limits(tmp_path: Path) -> None:
    # A list longer than a rule file may hold is refused while parsing, before it is built.
    path = tmp_path / "long.yaml"
    path.write_text("ruleset: long\ntitle: Long\nrules:\n" + "  - 1\n" * 20_000, encoding="utf-8")
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    assert str(caught.value).startswith(f"{path}:")
    assert "1,000" in str(caught.value)


def test_an_empty_rule_file_says_it_should_hold_a_rule_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    with pytest.raises(RulesetError, match="empty file: expected a rule file"):
        load_ruleset(path)


# --- a rule file that would make reports of hundreds of megabytes ------------------------


def _repeating_rule_file(tmp_path: Path) -> Path:
    """1,000 rules (200 on each of five fact types, one shared test each), whose message and
    remedy repeat ``{name}`` ~700 times through one YAML anchor: about 200 KB of YAML."""
    lines = ["ruleset: repeat", "title: Repeat", "rules:"]
    for kind_index, kind in enumerate(["objective", "partner", "action", "metric", "body"]):
        for n in range(200):
            number = kind_index * 200 + n
            lines.append(f"  - id: REP{number:03d}")
            lines.append(f"    name: repeat-{number}")
            lines.append("    title: Repeat")
            lines.append("    severity: low")
            lines.append("    category: compliance")
            lines.append(f"    applies_to: {kind}")
            lines.append("    when: {field: name, exists: true}")
            if number == 0:
                lines.append(f'    message: &long "{"{name} " * 700}"')
            else:
                lines.append("    message: *long")
            lines.append("    rationale: r")
            lines.append("    remedy: *long")
            lines.append("    references: [{source: tests, title: Tests}]")
    path = tmp_path / "repeat.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size < 300_000
    return path


def _long_text_record() -> dict[str, Any]:
    record: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    for objective in record["objectives"]:
        objective["statement"] = ("Improve outcomes for learners " * 400)[:10_000]
    return record


@pytest.mark.parametrize("engine", available_engines())
def test_a_rule_file_repeating_a_long_placeholder_gives_a_bounded_report(
    tmp_path: Path, engine: str
) -> None:
    auditor = Auditor([_repeating_rule_file(tmp_path)], engine=engine)
    report = auditor.audit(_long_text_record())
    assert report.findings
    assert report.truncated_texts > 0
    assert all(len(f.message) <= MAX_MESSAGE_CHARS for f in report.findings)
    assert all(len(f.remedy) <= MAX_REMEDY_CHARS for f in report.findings)
    cut = [f for f in report.findings if f.message.endswith(TRUNCATION_MARK)]
    assert cut and all(f.rule.startswith("REP") for f in cut)
    size = len(report.model_dump_json())
    assert size < 2 * MAX_REPORT_CHARS, size
    assert report.omitted_findings > 0  # 4,000 findings of ~10 KB each do not fit
    assert sum(report.summary.values()) == len(report.findings)


def test_a_report_over_its_size_limit_leaves_out_the_least_severe_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from partnership_rules import _findings

    unhealthy = ROOT / "examples" / "barking-rooff.yaml"
    full = audit(unhealthy, engine="python")
    assert len({f.severity for f in full.findings}) > 1
    monkeypatch.setattr(_findings, "MAX_REPORT_CHARS", 1)
    # One finding fits (the budget is only checked before each), the rest are counted.
    report = Auditor(engine="python").audit(unhealthy)
    assert len(report.findings) == 1
    assert report.findings[0].severity == full.findings[0].severity  # the most severe stays
    # Every other rule match is counted (before findings of one cause are grouped, and
    # without the self-assessment findings that would rest on left-out ones).
    assert report.omitted_findings >= len(full.findings) - 1 - sum(
        f.ruleset == "self-assessment" for f in full.findings
    )
    assert report.truncated_texts == 0


def test_long_evidence_lists_and_texts_are_cut_and_counted() -> None:
    from partnership_rules._findings import ReportBudget, build_finding
    from partnership_rules._rule_loader import load_rulesets

    rule = next(
        r
        for rs in load_rulesets(["self-assessment"])
        for r in rs.rules
        if "contradictions" in r.evidence
    )
    fact = {
        "type": "self-assessment",
        "subject": "self-assessment:x",
        "id": "x",
        "contradictions": ["x" * 5000] * (MAX_EVIDENCE_ITEMS + 50),
    }
    budget = ReportBudget()
    finding = build_finding(rule, fact, budget)
    listed = finding.evidence["contradictions"]
    assert len(listed) == MAX_EVIDENCE_ITEMS + 1
    assert listed[-1].endswith("50 more")
    assert all(item.endswith(TRUNCATION_MARK) for item in listed[:-1])
    # Each listed text, the list itself, and the message that lists them all.
    assert finding.message.endswith(TRUNCATION_MARK)
    assert budget.truncated_texts == MAX_EVIDENCE_ITEMS + 2


def test_reports_say_nothing_was_cut_when_nothing_was() -> None:
    report = audit(EXAMPLE, engine="python")
    assert report.truncated_texts == 0 and report.omitted_findings == 0
    assert report.to_dict()["truncated_texts"] == 0


# --- as_of --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "as_of", ["2016-06-30", dt.datetime(2016, 6, 30, 12, 0), 20160630, "yesterday"]
)
def test_as_of_that_is_not_a_date_is_a_usage_error(as_of: Any) -> None:
    auditor = Auditor(["core"], engine="python")
    with pytest.raises(UsageError, match=f"as_of must be a date.*not {type(as_of).__name__}"):
        auditor.audit(EXAMPLE, as_of=as_of)
    with pytest.raises(UsageError):
        audit(EXAMPLE, as_of=as_of)


def test_as_of_as_a_date_still_counts() -> None:
    early = audit(EXAMPLE, as_of=dt.date(2016, 6, 30), engine="python")
    late = audit(EXAMPLE, as_of=dt.date(2030, 1, 1), engine="python")
    assert early.as_of == dt.date(2016, 6, 30)
    assert late.as_of == dt.date(2030, 1, 1)
