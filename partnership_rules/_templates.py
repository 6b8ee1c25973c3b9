"""Message templates: a rule's ``message`` and ``remedy`` with ``{field}`` placeholders.

A placeholder names a field of the fact the rule applies to (or ``type``), a threshold
of the rule's ruleset (``{threshold.max_candidates_per_assessor}``), or a field of the fact
the rule's ``join`` found, after its type (``{partner.name}``); a number may carry a
number format (``{share:.0%}``). :func:`template_problems` checks a template
against a fact schema when a rule file is loaded; :func:`render_template` fills it in.
"""

from __future__ import annotations

import re
import string
from collections.abc import Collection, Mapping
from typing import Any, Protocol

from ._errors import Problem

__all__ = [
    "TRUNCATION_MARK",
    "display_value",
    "render_bounded",
    "render_template",
    "template_problems",
    "truncate",
]


class FieldSpec(Protocol):
    """What a template check needs to know about a fact field: its kind."""

    @property
    def type(self) -> str: ...


def display_value(value: Any, spec: str = "") -> str:
    """A fact value in words, the same in messages and in every report: yes/no, "none",
    lists joined with commas, 3.0 as 3, a number formatted by ``spec`` (``.0%``) if given."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(display_value(v) for v in value) if value else "none"
    if spec and isinstance(value, (int, float)):
        try:
            return format(value, spec)
        except ValueError:  # e.g. "d" on a float: a message must never fail to render
            return display_value(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render_template(template: str, fact: Mapping[str, Any]) -> str:
    """Fill ``{field}`` and ``{field:spec}`` placeholders from ``fact`` (validated at load)."""
    return render_bounded(template, fact, None)[0]


# Ends a text cut short to keep a finding, or a report, within its limits.
TRUNCATION_MARK = " [… truncated]"


def render_bounded(template: str, fact: Mapping[str, Any], limit: int | None) -> tuple[str, bool]:
    """``template`` filled in from ``fact``, cut to at most ``limit`` characters (ending in
    :data:`TRUNCATION_MARK`) when longer, and whether it was cut. Rendering stops as soon as
    the limit is passed: a placeholder repeated many times costs no more than the limit."""
    out = []
    length = 0
    for literal, field, spec, _ in string.Formatter().parse(template):
        out.append(literal)
        length += len(literal)
        if field is not None:
            value = display_value(fact.get(field), spec or "")
            out.append(value)
            length += len(value)
        if limit is not None and length > limit:
            return truncate("".join(out), limit), True
    return "".join(out), False


def truncate(text: str, limit: int) -> str:
    """``text`` itself if it has at most ``limit`` characters, else its start and
    :data:`TRUNCATION_MARK`, ``limit`` characters in all."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(TRUNCATION_MARK), 0)] + TRUNCATION_MARK


# A number format: optional width and precision of at most two digits each (a width such as
# 999999999 would build a gigabyte of padding), optional thousands comma, and a type.
_SPEC = re.compile(r"[0-9]{0,2},?(?:\.[0-9]{1,2})?[deEfFgG%]?")


THRESHOLD_PREFIX = "threshold."


def template_problems(
    template: str,
    fact_type: str,
    schema: Mapping[str, FieldSpec],
    where: str,
    thresholds: Collection[str] = (),
    joined: tuple[str, Mapping[str, FieldSpec]] | None = None,
) -> list[Problem]:
    """Problems with ``template`` for facts of ``fact_type`` (fields as in ``schema``, the
    ruleset's ``thresholds`` and, when the rule joins another fact, ``joined``: its type and
    fields): a malformed placeholder, an unknown field or threshold, or a format that is not
    a number format on a number. Each problem's path is ``where``."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as error:
        return [Problem(f"malformed placeholder: {error}", where)]
    problems = []
    for _, field, spec, conversion in parts:
        if field is None:
            continue
        if field.startswith(THRESHOLD_PREFIX):
            if field[len(THRESHOLD_PREFIX) :] not in thresholds:
                problems.append(
                    Problem(f"placeholder '{{{field}}}' names no threshold of this ruleset", where)
                )
            elif conversion is not None or (spec and not _SPEC.fullmatch(spec)):
                problems.append(
                    Problem(
                        f"placeholder '{{{field}}}' may only use a number format such as :.1f",
                        where,
                    )
                )
            continue
        if joined is not None and field.startswith(f"{joined[0]}."):
            name = field[len(joined[0]) + 1 :]
            problems += _field_problems(field, name, spec, conversion, *joined, where)
            continue
        problems += _field_problems(field, field, spec, conversion, fact_type, schema, where)
    return problems


def _field_problems(
    placeholder: str,
    field: str,
    spec: str | None,
    conversion: str | None,
    fact_type: str,
    schema: Mapping[str, FieldSpec],
    where: str,
) -> list[Problem]:
    """Problems with the placeholder ``{placeholder}``, which names ``field`` of
    ``fact_type`` facts (fields as in ``schema``)."""
    if field not in schema and field != "type":
        return [
            Problem(f"placeholder '{{{placeholder}}}' is not a field of {fact_type} facts", where)
        ]
    if conversion is not None or (spec and not _SPEC.fullmatch(spec)):
        return [
            Problem(
                f"placeholder '{{{placeholder}}}' may only use a number format such as :.1f"
                " or :.0%",
                where,
            )
        ]
    if spec and (field not in schema or schema[field].type != "number"):
        return [
            Problem(
                f"placeholder '{{{placeholder}}}' has a number format but is not a number", where
            )
        ]
    return []
