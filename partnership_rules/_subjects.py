"""What a finding is about, in words: ``Partner: Calder Engineering``, never ``partner:calder``
alone. Shared by the report stages and every renderer."""

from __future__ import annotations

from functools import lru_cache

__all__ = ["NAME_LIMIT", "SUBJECT_KINDS", "display_name", "subject_label", "subject_name"]

# A subject's name as findings carry it: an objective's statement may run to thousands of
# characters, and every finding about it would repeat them.
NAME_LIMIT = 200

SUBJECT_KINDS = {
    "partnership": "Partnership",
    "partner": "Partner",
    "stakeholder": "Stakeholder",
    "body": "Governance body",
    "objective": "Objective",
    "metric": "Metric",
    "action": "Action",
    "issue": "Issue",
    "self-assessment": "Self-assessment",
    "channel": "Channel",
    "relationship": "Relationship",
    "survey-factor": "Survey factor",
    "survey-item": "Survey statement",
    "waiver": "Waiver",
}


@lru_cache(maxsize=256)
def _self_assessment_name(item_key: str) -> str:
    from ._catalogue import load_catalogue

    framework_id, _, item_id = item_key.partition("/")
    framework = load_catalogue().frameworks.get(framework_id)
    item = framework.item(item_id) if framework else None
    if framework is None or item is None:
        return item_key
    return f"{framework.title}: {item.title or item.wording}"


def display_name(name: str, limit: int = NAME_LIMIT) -> str:
    """``name`` on one line, cut at a word before ``limit`` characters with "…" if longer."""
    name = " ".join(name.split())
    if len(name) <= limit:
        return name
    cut = name[: limit - 1].rsplit(" ", 1)[0] if " " in name[: limit - 1] else name[: limit - 1]
    return cut + "…"


def subject_name(subject: str, name: str = "") -> str:
    """The subject's name: ``name`` (from the record) when known, else its id; a
    self-assessment item by its framework and wording."""
    kind, _, item_id = subject.partition(":")
    if kind == "self-assessment":
        return _self_assessment_name(item_id)
    return name or item_id


def subject_label(subject: str, name: str = "") -> str:
    """``Kind: name``, for example ``Partner: Calder Engineering``."""
    kind = subject.partition(":")[0]
    return f"{SUBJECT_KINDS.get(kind, kind.capitalize())}: {subject_name(subject, name)}"
