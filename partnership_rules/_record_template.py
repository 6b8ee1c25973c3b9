"""Commented template records, the text ``partnership-rules init`` writes.

The text is data shipped in ``record_templates/``: ``record.yaml`` is the commented record, with
``${name}`` slots that each context's file (``record_templates/<context>.yaml``) fills from its
``#@ name`` blocks; the dates are filled in relative to the day the template is written, so
that a fresh template is current. Every context's template loads and audits (a test checks).
"""

from __future__ import annotations

import datetime as dt
from importlib.resources import files
from string import Template

from ._errors import UsageError

__all__ = ["TEMPLATE_CONTEXTS", "record_template"]

TEMPLATE_CONTEXTS: tuple[str, ...] = (
    "education-training",
    "nvq",
    "childrens-services",
    "community-learning",
)


def _read(name: str) -> str:
    return (
        files("partnership_rules").joinpath(f"record_templates/{name}").read_text(encoding="utf-8")
    )


def _blocks(text: str) -> dict[str, str]:
    """The ``#@ name`` blocks of a context file: each name's lines up to the next block."""
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("#@ "):
            current = blocks.setdefault(line[3:].strip(), [])
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines).strip("\n") for name, lines in blocks.items()}


def record_template(
    context: str = "education-training",
    *,
    file_name: str = "record.yaml",
    today: dt.date | None = None,
) -> str:
    """A commented template record for ``context`` (one of :data:`TEMPLATE_CONTEXTS`) that passes
    validation. ``file_name`` is the name its comments tell the user to audit; dates are set
    around ``today`` (default: the current date). Raises :class:`UsageError` for an unknown
    context."""
    if context not in TEMPLATE_CONTEXTS:
        raise UsageError(
            f"no template for context '{context}' (use one of: {', '.join(TEMPLATE_CONTEXTS)})"
        )
    day = today or dt.date.today()
    dates = {
        "today": day.isoformat(),
        "started": (day - dt.timedelta(days=365)).isoformat(),
        "earlier": (day - dt.timedelta(days=180)).isoformat(),
        "recent": (day - dt.timedelta(days=30)).isoformat(),
        "due": (day + dt.timedelta(days=300)).isoformat(),
    }
    # Contexts with more partners, member stakeholders or actions than the template's two
    # partners and the people served add them in these blocks (", school, parent-carers").
    values = {"other_partners": "", "other_members": "", "more_actions": ""}
    for name, block in _blocks(_read(f"{context}.yaml")).items():
        values[name] = Template(block).substitute(dates)
    values.update(dates, context=context, file_name=file_name)
    return Template(_read("record.yaml")).substitute(values)
