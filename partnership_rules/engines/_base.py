"""What every engine shares: the :class:`Engine` protocol and the engine's view of facts."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

__all__ = ["Engine", "Match", "engine_key", "engine_value", "project"]

# (rule id, subject, the subject of the fact its join found: the first by subject when
# several were found, "" for a rule without a join)
Match = tuple[str, str, str]


class Engine(Protocol):
    """Runs compiled rules over one record's facts."""

    name: str

    def run(self, facts: Sequence[Mapping[str, Any]]) -> list[Match]:
        """Every (rule id, subject, joined subject) whose conditions hold, sorted: one per
        rule and subject."""
        ...


def engine_key(name: str) -> str:
    """The name a fact field has in the engine's view: a fact's own ``id`` (the record's id
    of the item, which a join may compare) is ``_id``, because the engine's ``id`` is the
    subject (durable-rules' fact identity)."""
    return "_id" if name == "id" else name


def project(
    facts: Sequence[Mapping[str, Any]], fields: Mapping[str, tuple[str, ...]]
) -> list[dict[str, Any]]:
    """The engine's view of the facts: type, subject as id, and the tested non-null fields
    (``fields``: the fields to carry, per fact type). Raises ValueError for two facts with
    one subject, or a value no engine can read exactly."""
    projected = []
    subjects = set()
    for fact in facts:
        subject = fact["subject"]
        if subject in subjects:
            raise ValueError(f"two facts share the subject {subject!r}")
        subjects.add(subject)
        view = {"id": subject, "type": fact["type"]}
        for name in fields.get(fact["type"], ()):
            value = fact.get(name)
            if value is not None:
                # engine_key(name), inline: this loop runs for every field of every fact
                key = "_id" if name == "id" else name
                view[key] = engine_value(value, subject, name)
        projected.append(view)
    return projected


def engine_value(value: Any, subject: str, name: str) -> Any:
    """``value`` in a form durable-rules reads exactly; both engines see the same form.

    The C engine segfaults on a float written in exponent form (``1e+20``, ``1e-05``) and
    reads texts as C strings (``"a\\x00b"`` would equal ``"a"``).
    """
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{subject}: {name} is {value}, not a finite number")
        if abs(value) >= 1e16:  # every float this large is a whole number: send its digits
            return int(value)
        if "e" in repr(value):
            raise ValueError(f"{subject}: {name} is {value!r}, too small for the engine")
    elif isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "\ufffd")
    return value
