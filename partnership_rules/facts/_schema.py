"""How a fact type is declared: its fields, each beside the function that computes them.

A fact type (:class:`FactType`) is a list of subjects (the record's partners, bodies...)
and a few :class:`Part`\\ s. A part is a function from the shared :class:`FactContext` and
one subject to some of the fact's fields, declared with :func:`fields` right above it::

    @fields(kind=text("partner kind"), lead=flag("marked as the lead partner"))
    def partner_identity(ctx: FactContext, partner: Partner) -> Values:
        return {"kind": partner.kind, "lead": partner.lead}

The fact type's schema is the common fields plus its parts' fields, so a field cannot be
declared without being computed (or the reverse) without the schema test noticing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .._vocabulary import FieldKind

if TYPE_CHECKING:
    from ._context import FactContext

__all__ = [
    "COMMON",
    "Fact",
    "FactField",
    "FactType",
    "Part",
    "Values",
    "fields",
    "flag",
    "number",
    "text",
    "texts",
]

Fact = dict[str, Any]
Values = dict[str, Any]
S = TypeVar("S")


@dataclass(frozen=True)
class FactField:
    """A field of a fact type: its JSON type and what it means (for rule authors).

    ``type`` is "bool", "number", "text" or "list" (a list of texts). Any field may be
    ``None`` where the record does not say."""

    type: FieldKind
    doc: str

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` may stand in a fact for this field (None always may)."""
        if value is None:
            return True
        if self.type == "bool":
            return isinstance(value, bool)
        if self.type == "number":
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if self.type == "text":
            return isinstance(value, str)
        return isinstance(value, list) and all(isinstance(item, str) for item in value)


def flag(doc: str) -> FactField:
    """A true/false field."""
    return FactField("bool", doc)


def number(doc: str) -> FactField:
    """A number field (a count, share, ratio or number of days)."""
    return FactField("number", doc)


def text(doc: str) -> FactField:
    """A text field."""
    return FactField("text", doc)


def texts(doc: str) -> FactField:
    """A list of texts (ids, kinds or words), sorted unless its doc says otherwise."""
    return FactField("list", doc)


COMMON: Mapping[str, FactField] = {
    "subject": text("the subject as kind:id"),
    "id": text("the id in the record"),
    "name": text("the name (or statement, or action text)"),
}


@dataclass(frozen=True)
class Part(Generic[S]):
    """Some fields of a fact type and the function that computes them for one subject."""

    fields: Mapping[str, FactField]
    compute: Callable[[FactContext, S], Values]


def fields(**declared: FactField) -> Callable[[Callable[[FactContext, S], Values]], Part[S]]:
    """Declare the fields that the decorated function computes; it becomes a :class:`Part`."""

    def declare(compute: Callable[[FactContext, S], Values]) -> Part[S]:
        return Part(declared, compute)

    return declare


@dataclass(frozen=True)
class FactType(Generic[S]):
    """A type of fact: whose facts (``subjects``), how each is named, and its parts.

    ``identify`` gives a subject's ``(subject, id, name)``; ``subject`` is ``kind:id``, the
    node key of the subject in the partnership graph where it has one."""

    name: str
    subjects: Callable[[FactContext], Iterable[S]]
    identify: Callable[[S], tuple[str, str, str]]
    parts: tuple[Part[S], ...]
    schema: Mapping[str, FactField] = field(init=False)

    def __post_init__(self) -> None:
        schema = dict(COMMON)
        for part in self.parts:
            for name, declared in part.fields.items():
                if name in schema or name == "type":
                    raise ValueError(f"{self.name} facts declare the field '{name}' twice")
                schema[name] = declared
        object.__setattr__(self, "schema", schema)

    def build(self, ctx: FactContext) -> list[Fact]:
        """One fact per subject, in the order of the record's list."""
        facts = []
        for subject in self.subjects(ctx):
            key, subject_id, name = self.identify(subject)
            fact: Fact = {"type": self.name, "subject": key, "id": subject_id, "name": name}
            for part in self.parts:
                fact.update(part.compute(ctx, subject))
            facts.append(fact)
        return facts
