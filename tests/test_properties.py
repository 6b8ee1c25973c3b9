"""Properties of the auditor over generated valid records (hypothesis).

Run with ``HYPOTHESIS_PROFILE=ci`` for 2,000 derandomised examples per property. Each
property runs under the default engine (``PARTNERSHIP_RULES_ENGINE``, else durable-rules
where it imports); ``test_engines.py`` compares the two engines.

Two auditors are shared by every example: ``SHIPPED`` runs every shipped rule on every
record (whatever its contexts say), ``EVERY_FIELD`` runs a generated ruleset with one rule
per fact field, so that the order-independence of every derived value is checked even
where no shipped rule looks at it yet.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    ASSESSED_ON,
    Choices,
    choices,
    fresh_id,
    records,
    shuffled,
    write_every_field_ruleset,
)

from partnership_rules import FORMATS, Auditor, Finding, Report, render, render_batch
from partnership_rules._report import AuditError, ErrorReport
from partnership_rules._rule_loader import shipped_ruleset_names

SHIPPED = Auditor(shipped_ruleset_names())
CONTEXTUAL = Auditor()  # core plus the record's contexts, as the CLI runs by default
EVERY_FIELD = Auditor([write_every_field_ruleset()])


def key(findings: list[Finding]) -> list[tuple[str, str, str, str]]:
    """What must not change: rule, subject, message and evidence, in order."""
    return [
        (f.rule, f.subject, f.message, json.dumps(f.evidence, sort_keys=True)) for f in findings
    ]


@given(records())
def test_auditor_never_raises_on_a_valid_record(record: dict[str, Any]) -> None:
    for auditor in (SHIPPED, CONTEXTUAL, EVERY_FIELD):
        report = auditor.audit(record)
        assert report.findings == sorted(report.findings, key=Finding.sort_key)
        assert sum(report.summary.values()) == len(report.findings)


@given(records(), choices())
def test_findings_do_not_depend_on_the_order_of_list_items(
    record: dict[str, Any], rnd: Choices
) -> None:
    reordered = shuffled(record, rnd)
    for auditor in (SHIPPED, EVERY_FIELD):
        assert key(auditor.audit(reordered).findings) == key(auditor.audit(record).findings)


def _absent_metric_findings(auditor: Auditor, record: dict[str, Any], objective: str) -> int:
    return sum(
        1
        for f in auditor.audit(record).findings
        if f.subject == f"objective:{objective}" and f.category == "absent-metrics"
    )


@given(records(min_objectives=1), st.data())
def test_adding_a_metric_never_adds_an_absent_metrics_finding(
    record: dict[str, Any], data: st.DataObject
) -> None:
    objective = data.draw(st.sampled_from(record["objectives"]))
    metric_id = fresh_id(record, "m")
    metric: dict[str, Any] = {"id": metric_id, "name": "Added metric"}
    for field, values in (
        ("dimension", ["results", "process", "relationships"]),
        ("kind", ["quantitative", "qualitative"]),
        ("source", ["College records"]),
        ("collected_by", [p["id"] for p in record["partners"]]),
        ("every_days", [30, 90]),
    ):
        value = data.draw(st.none() | st.sampled_from(values))
        if value is not None:
            metric[field] = value
    readings = data.draw(
        st.lists(st.dates(ASSESSED_ON - dt.timedelta(days=400), ASSESSED_ON), max_size=2)
    )
    if readings:
        metric["readings"] = [{"date": day.isoformat(), "value": 1} for day in readings]
    before = _absent_metric_findings(SHIPPED, record, objective["id"])
    objective.setdefault("metrics", []).append(metric_id)
    record.setdefault("metrics", []).append(metric)
    after = _absent_metric_findings(SHIPPED, record, objective["id"])
    assert after <= before


@given(
    records(),
    choices(),
    # The partnership's own reviews: an external review or verification is not one of them.
    st.sampled_from(["progress", "annual", "stakeholder-feedback"]),
)
def test_a_full_review_on_the_assessment_date_removes_every_no_review_finding(
    record: dict[str, Any], rnd: Choices, kind: str
) -> None:
    record["partnership"].setdefault("assessed_on", ASSESSED_ON.isoformat())
    partners = [p["id"] for p in record["partners"]]
    rnd.shuffle(partners)
    review = {"date": record["partnership"]["assessed_on"], "kind": kind, "participants": partners}
    record.setdefault("reviews", []).append(review)
    for auditor in (SHIPPED, CONTEXTUAL):
        left = [f for f in auditor.audit(record).findings if f.category == "no-review"]
        assert left == []


@given(records())
def test_every_format_renders_every_valid_record(record: dict[str, Any]) -> None:
    report = SHIPPED.audit(record)
    failed = ErrorReport(source="bad.yaml", error=AuditError(message="broken", line=3))
    assert render(report, "text", color=True)
    for fmt in FORMATS:
        if fmt != "text":
            assert render(report, fmt)
        assert render_batch([report, failed], fmt)


@given(records())
def test_json_output_round_trips_to_the_same_findings(record: dict[str, Any]) -> None:
    report = SHIPPED.audit(record)
    data = json.loads(render(report, "json"))
    assert [Finding.model_validate(f) for f in data["findings"]] == report.findings
    assert Report.model_validate(data) == report
    batch = json.loads(render_batch([report, report], "json"))
    assert [Report.model_validate(item) for item in batch] == [report, report]
