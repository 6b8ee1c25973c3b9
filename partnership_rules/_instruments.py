"""Survey instruments: the questionnaires a record's ``survey`` may answer.

An instrument is data: its items grouped by factor, the answer scale, each factor's concern
band and source, and for some items ``evidence_rules`` (the rules whose findings contradict a
favourable answer, as for the self-assessment catalogue). The project ships one,
``rulesets/catalogue/instruments/partnership-factors.yaml``, organised after the Wilder
Collaboration Factors; an organisation adds its own with ``Auditor(instruments=[path])`` or
``audit --instrument PATH``. :func:`check_survey` checks a record's answers against them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from importlib.resources import files

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ._errors import Problem, RulesetError
from ._record import Record
from ._shipped_yaml import load_shipped_yaml
from ._sources import source_keys

__all__ = [
    "Instrument",
    "InstrumentFactor",
    "InstrumentItem",
    "Instruments",
    "check_survey",
    "load_instruments",
    "shipped_instruments",
]

_ITEM_ID = r"^[a-z0-9][a-z0-9-]{0,99}$"
_RULE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$"
MAX_INSTRUMENT_BYTES = 256 * 1024


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Scale(_Strict):
    """The answers an item takes: whole numbers from ``min`` to ``max``."""

    min: int = Field(ge=-1000, le=1000)
    max: int = Field(ge=-1000, le=1000)
    labels: dict[int, str] = Field(default_factory=dict, max_length=2001)
    """What each answer means, e.g. 1 strongly disagree ... 5 strongly agree."""

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.max <= self.min:
            raise ValueError(f"max ({self.max}) must be above min ({self.min})")
        outside = [k for k in self.labels if not self.min <= k <= self.max]
        if outside:
            raise ValueError(f"labels for answers outside the scale: {outside}")
        return self

    def describe(self) -> str:
        """The scale in words: ``1 (strongly disagree) to 5 (strongly agree)``."""
        low, high = self.labels.get(self.min), self.labels.get(self.max)
        first = f"{self.min} ({low})" if low else str(self.min)
        last = f"{self.max} ({high})" if high else str(self.max)
        return f"{first} to {last}"


class SourceReference(_Strict):
    source: str
    section: str | None = None


class InstrumentItem(_Strict):
    """One statement respondents answer."""

    id: str = Field(pattern=_ITEM_ID)
    wording: str = Field(min_length=1, max_length=1000)
    evidence_rules: list[str] = Field(default_factory=list, max_length=100)
    """Rules whose findings contradict a favourable answer to the item."""

    @model_validator(mode="after")
    def _rule_ids(self) -> InstrumentItem:
        bad = [r for r in self.evidence_rules if not re.fullmatch(_RULE_ID, r)]
        if bad:
            raise ValueError(f"evidence_rules: not a rule id: {bad[0]!r}")
        return self


class InstrumentFactor(_Strict):
    """A group of items about one factor of partnership working, scored by their mean."""

    id: str = Field(pattern=_ITEM_ID)
    name: str = Field(min_length=1, max_length=200)
    concern_below: float
    """The concern band: a factor whose mean answer is below this is a concern."""
    source: SourceReference
    remedy: str = Field(min_length=1, max_length=5000)
    items: list[InstrumentItem] = Field(min_length=1, max_length=500)


class Instrument(_Strict):
    """A survey instrument: items grouped by factor, answered on one scale."""

    id: str = Field(pattern=_ITEM_ID)
    title: str = Field(min_length=1, max_length=500)
    about: str | None = Field(default=None, max_length=5000)
    source: str | None = None
    """The source (a key of the sources catalogue) the instrument follows, if any."""
    scale: Scale
    favourable_from: float
    """A mean answer at or above this says the item is in place (e.g. 4, agree)."""
    factors: list[InstrumentFactor] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        low, high = self.scale.min, self.scale.max
        if not low <= self.favourable_from <= high:
            raise ValueError(f"favourable_from ({self.favourable_from:g}) is outside the scale")
        seen: set[str] = set()
        factor_ids: set[str] = set()
        for factor in self.factors:
            # Findings and the health profile name a factor by its id: two would be one.
            if factor.id in factor_ids:
                raise ValueError(f"factor '{factor.id}' is listed twice")
            factor_ids.add(factor.id)
            if not low < factor.concern_below <= high:
                raise ValueError(
                    f"factor '{factor.id}': concern_below ({factor.concern_below:g}) is outside"
                    " the scale"
                )
            for item in factor.items:
                if item.id in seen:
                    raise ValueError(f"item '{item.id}' is listed twice")
                seen.add(item.id)
        return self

    def item(self, item_id: str) -> tuple[InstrumentFactor, InstrumentItem] | None:
        """The factor and item with this id, or None."""
        for factor in self.factors:
            for item in factor.items:
                if item.id == item_id:
                    return factor, item
        return None

    def item_ids(self) -> list[str]:
        """Every item id, factor by factor."""
        return [item.id for factor in self.factors for item in factor.items]


class Instruments(Mapping[str, Instrument]):
    """The instruments a record's survey may name: instrument id -> :class:`Instrument`,
    with the file each came from (:meth:`origin`)."""

    def __init__(self, instruments: Iterable[tuple[Instrument, str]] = ()) -> None:
        self._by_id: dict[str, Instrument] = {}
        self._origin: dict[str, str] = {}
        for instrument, origin in instruments:
            self._by_id[instrument.id] = instrument
            self._origin[instrument.id] = origin

    def __getitem__(self, key: str) -> Instrument:
        return self._by_id[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._origin.items())))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Instruments) and self._origin == other._origin

    def origin(self, instrument_id: str) -> str:
        """The file the instrument was read from (``shipped`` for the project's own)."""
        return self._origin[instrument_id]


def _instrument_dir() -> Iterable[tuple[str, str]]:
    folder = files("partnership_rules.rulesets").joinpath("catalogue/instruments")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            yield entry.name, entry.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def shipped_instruments() -> Instruments:
    """The instruments shipped with the package (read once)."""
    found = [Instrument.model_validate(load_shipped_yaml(text)) for _, text in _instrument_dir()]
    return Instruments((instrument, "shipped") for instrument in found)


def _read_instrument(path: str) -> Instrument:
    # The loader imports this module (to check surveys): import it here, not at the top.
    from ._loader import DataLimits, _validation_problems, read_data_file

    limits = DataLimits(
        max_bytes=MAX_INSTRUMENT_BYTES, max_depth=16, max_values=100_000, max_items=5000
    )
    parsed = read_data_file(path, limits=limits, error=RulesetError, what="survey instrument")
    if not isinstance(parsed.data, dict):
        raise RulesetError(path, [Problem("expected a mapping (a survey instrument)", line=1)])
    try:
        instrument = Instrument.model_validate(parsed.data, strict=False)
    except ValidationError as error:
        raise RulesetError(path, _validation_problems(error, parsed.lines)) from None
    known = set(source_keys())
    cited = [("source", instrument.source)] + [
        (f"factors[{i}].source.source", factor.source.source)
        for i, factor in enumerate(instrument.factors)
    ]
    problems = [
        Problem(f"unknown source '{key}' (see `partnership-rules sources`)", where)
        for where, key in cited
        if key is not None and key not in known
    ]
    if problems:
        raise RulesetError(path, problems)
    return instrument


def load_instruments(paths: Iterable[str | os.PathLike[str]] = ()) -> Instruments:
    """The shipped instruments and those in the files ``paths`` (YAML or JSON, one instrument
    each). Raises :class:`RulesetError` naming the file, field and line of a problem, or the
    two files that define the same instrument id."""
    wanted = [os.fspath(p) for p in paths]
    if not wanted:
        return shipped_instruments()
    found: list[tuple[Instrument, str]] = [
        (shipped_instruments()[key], "shipped") for key in shipped_instruments()
    ]
    origins = {instrument.id: origin for instrument, origin in found}
    for path in wanted:
        instrument = _read_instrument(path)
        if instrument.id in origins:
            first = origins[instrument.id]
            where = "a shipped instrument" if first == "shipped" else first
            raise RulesetError(
                path, [Problem(f"instrument '{instrument.id}' is already defined by {where}", "id")]
            )
        origins[instrument.id] = path
        found.append((instrument, path))
    return Instruments(found)


def check_survey(record: Record, instruments: Instruments | None = None) -> list[Problem]:
    """Problems with a record's survey: an instrument not in ``instruments`` (default: the
    shipped ones), answers to items the instrument lacks, answers off its scale."""
    survey = record.survey
    if survey is None:
        return []
    instruments = instruments if instruments is not None else shipped_instruments()
    instrument = instruments.get(survey.instrument)
    if instrument is None:
        known = ", ".join(instruments) or "none"
        return [
            Problem(
                f"unknown instrument '{survey.instrument}' (known: {known}; add your own with"
                " --instrument)",
                "survey.instrument",
            )
        ]
    problems = []
    items = set(instrument.item_ids())
    low, high = instrument.scale.min, instrument.scale.max
    for i, response in enumerate(survey.responses):
        for item_id, answer in response.answers.items():
            path = f"survey.responses[{i}].answers.{item_id}"
            if item_id not in items:
                problems.append(Problem(f"'{instrument.id}' has no item '{item_id}'", path))
            elif not low <= answer <= high:
                problems.append(
                    Problem(
                        f"answer {answer} is off the scale of '{instrument.id}':"
                        f" {instrument.scale.describe()}",
                        path,
                    )
                )
    return problems
