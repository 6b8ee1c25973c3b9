"""SARIF 2.1.0, for code-scanning tools: one run, rules as reporting descriptors, findings as
results located by file (a percent-encoded URI) and subject (a logical location)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._report import ErrorReport
from . import escape
from .as_json import dump_json
from .common import Result

__all__ = ["render_sarif", "sarif_log"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"critical": "error", "high": "error", "medium": "warning"}


def _level(severity: str) -> str:
    return _LEVELS.get(severity, "note")


def _text(text: str) -> dict[str, str]:
    # A SARIF viewer shows message text as it is: controls must not reach its terminal/page.
    return {"text": escape.terminal(text, multiline=True)}


def sarif_log(results: Sequence[Result]) -> dict[str, Any]:
    """The SARIF log of ``results`` as a JSON-able dict."""
    rules: dict[str, dict[str, Any]] = {}
    sarif_results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    artifacts: dict[str, None] = {}
    for result in results:
        if isinstance(result, ErrorReport):
            uri = escape.sarif_uri(result.source)
            artifacts.setdefault(uri)
            notifications.append(
                {
                    "level": "error",
                    "message": _text(result.error.message),
                    "locations": [_location(uri, result.error.line)],
                }
            )
            continue
        uri = escape.sarif_uri(result.source or result.partnership.id)
        artifacts.setdefault(uri)
        for finding in result.findings:
            if finding.rule not in rules:
                rules[finding.rule] = {
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
            sarif_results.append(
                {
                    "ruleId": finding.rule,
                    "level": _level(finding.severity),
                    "message": _text(f"{finding.message} Remedy: {finding.remedy}"),
                    "locations": [
                        {
                            **_location(uri, None),
                            "logicalLocations": [{"fullyQualifiedName": finding.subject}],
                        }
                    ],
                    "properties": {"subject": finding.subject, "evidence": finding.evidence},
                }
            )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "partnership-rules",
                "informationUri": "https://pypi.org/project/partnership-rules/",
                "rules": [rules[k] for k in sorted(rules)],
            }
        },
        "artifacts": [{"location": {"uri": uri}} for uri in artifacts],
        "results": sarif_results,
        "invocations": [
            {"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}
        ],
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _location(uri: str, line: int | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    if line:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def render_sarif(results: Sequence[Result], *, indent: int | None = None) -> str:
    """The SARIF log of ``results`` as JSON text."""
    return dump_json(sarif_log(results), indent)
