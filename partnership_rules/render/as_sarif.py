"""SARIF 2.1.0, for code-scanning tools: one run, rules as reporting descriptors, findings as
results located by file (a percent-encoded URI) and subject (a logical location)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._report import ActionItem, ErrorReport, Finding, WaivedFinding
from . import escape
from .as_json import dump_json
from .common import Result

if TYPE_CHECKING:
    from .._output import TextSink

__all__ = ["SarifPart", "render_sarif", "sarif_log", "sarif_part", "write_sarif"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"critical": "error", "high": "error", "medium": "warning"}


def _level(severity: str) -> str:
    return _LEVELS.get(severity, "note")


def _text(text: str) -> dict[str, str]:
    # A SARIF viewer shows message text as it is: controls must not reach its terminal/page.
    return {"text": escape.terminal(text, multiline=True)}


@dataclass(frozen=True)
class SarifPart:
    """One result's share of a SARIF log: its artifact, the descriptors of the rules its
    findings break, its results and (for an input that could not be audited) a notification.
    A batch renders parts where the records are audited and joins them with
    :func:`write_sarif`."""

    uri: str
    rules: dict[str, dict[str, Any]]
    results: list[dict[str, Any]]
    notifications: list[dict[str, Any]]


def sarif_part(result: Result) -> SarifPart:
    """The SARIF part of one result."""
    if isinstance(result, ErrorReport):
        uri = escape.sarif_uri(result.source)
        notification = {
            "level": "error",
            "message": _text(result.error.message),
            "locations": [_location(uri, result.error.line)],
        }
        return SarifPart(uri, {}, [], [notification])
    uri = escape.sarif_uri(result.source or result.partnership.id)
    rules: dict[str, dict[str, Any]] = {}
    sarif_results: list[dict[str, Any]] = []
    plan = result.action_plan if len(result.action_plan) == len(result.findings) else []
    for index, finding in enumerate(result.findings):
        rules.setdefault(finding.rule, _descriptor(finding))
        sarif_results.append(_result(finding, uri, plan[index] if plan else None))
    # Accepted risks are results too, each suppressed by its waiver (viewers hide or mark them).
    for waived in result.waived:
        rules.setdefault(waived.finding.rule, _descriptor(waived.finding))
        sarif_results.append(
            {**_result(waived.finding, uri, None), "suppressions": [_suppression(waived)]}
        )
    return SarifPart(uri, rules, sarif_results, [])


def _descriptor(finding: Finding) -> dict[str, Any]:
    """The reporting descriptor of the rule behind ``finding``."""
    return {
        "id": finding.rule,
        "name": finding.name or finding.rule,
        "shortDescription": _text(finding.title),
        "help": _text(finding.remedy),
        "defaultConfiguration": {"level": _level(finding.severity)},
        "properties": {
            "category": finding.category,
            "severity": finding.severity,
            "references": [str(r) for r in finding.references],
        },
    }


def _result(finding: Finding, uri: str, action: ActionItem | None) -> dict[str, Any]:
    """The SARIF result of one finding, with the action plan's suggestion when given."""
    return {
        "ruleId": finding.rule,
        "level": _level(finding.severity),
        "message": _text(f"{finding.message} Remedy: {finding.remedy}"),
        "locations": [
            {
                **_location(uri, None),
                "logicalLocations": [{"fullyQualifiedName": finding.subject}],
            }
        ],
        "properties": {
            "subject": finding.subject,
            "subjectName": finding.subject_name,
            "evidence": finding.evidence,
            **(_plan_properties(action) if action is not None else {}),
        },
    }


def _suppression(waived: WaivedFinding) -> dict[str, Any]:
    """The waiver of a finding as a SARIF suppression: external (kept in the record, not in
    the artifact's text), accepted, with its justification, approver and expiry."""
    waiver = waived.waiver
    return {
        "kind": "external",
        "status": "accepted",
        "justification": escape.terminal(waiver.justification, multiline=True),
        "properties": {
            "approvedBy": escape.terminal(waiver.approved_by),
            "expires": waiver.expires.isoformat(),
        },
    }


def _plan_properties(item: ActionItem) -> dict[str, Any]:
    """The action plan's suggestion for a result: who, by when."""
    return {"suggestedOwner": item.by_whom, "suggestedDate": item.by_when.isoformat()}


def _run(
    rules: dict[str, dict[str, Any]],
    artifacts: Iterable[str],
    results: list[dict[str, Any]],
    notifications: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "tool": {
            "driver": {
                "name": "partnership-rules",
                "informationUri": "https://pypi.org/project/partnership-rules/",
                "rules": [rules[k] for k in sorted(rules)],
            }
        },
        "artifacts": [{"location": {"uri": uri}} for uri in artifacts],
        "results": results,
        "invocations": [
            {"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}
        ],
    }


def sarif_log(results: Sequence[Result]) -> dict[str, Any]:
    """The SARIF log of ``results`` as a JSON-able dict."""
    rules: dict[str, dict[str, Any]] = {}
    artifacts: dict[str, None] = {}
    sarif_results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for part in map(sarif_part, results):
        artifacts.setdefault(part.uri)
        for rule_id, rule in part.rules.items():
            rules.setdefault(rule_id, rule)
        sarif_results += part.results
        notifications += part.notifications
    run = _run(rules, artifacts, sarif_results, notifications)
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def write_sarif(
    out: TextSink,
    rules: dict[str, dict[str, Any]],
    artifacts: Iterable[str],
    result_texts: Iterable[str],
    notifications: list[dict[str, Any]],
) -> None:
    """Write the compact SARIF log that :func:`render_sarif` gives, from parts gathered one
    by one: ``result_texts`` are the results, each already JSON text (``json.dumps``)."""
    # The log as render_sarif writes it, with the results list cut out of it.
    marker = "\0results\0"
    run = _run(rules, artifacts, [], notifications)
    run["results"] = marker
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    head, tail = dump_json(log).split(json.dumps(marker), 1)
    out.write(head + "[")
    for n, text in enumerate(result_texts):
        out.write(escape.json_text(text) if not n else ", " + escape.json_text(text))
    out.write("]" + tail)


def _location(uri: str, line: int | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    if line:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def render_sarif(results: Sequence[Result], *, indent: int | None = None) -> str:
    """The SARIF log of ``results`` as JSON text."""
    return dump_json(sarif_log(results), indent)
