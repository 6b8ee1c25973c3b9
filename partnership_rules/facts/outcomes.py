"""Outcome facts: where each objective stands against its baseline and target.

An objective's progress is read from one of its metrics, its *outcome metric*: of its
quantitative metrics that measure results (dimension ``results`` or focus ``outcomes``), or of
all its quantitative metrics when none does, the one with the latest numeric reading on or
before the audit date (ties: the smallest id), or, when none has such a reading, the one with
the smallest id. Results come first because a target is set on what the partnership
achieves: a compliance check read last week says nothing about whether the pass rate reached
its target. Readings after the audit date have not happened yet and are left out; readings
on the same date count as one, their mean, so that the order of the list never matters.

The metric's ``direction`` says which way is better: progress, whether the target is met
and whether the target plans a decline are all read that way round. Whether an objective
concerns a core duty (children's safety, learners' achievement, another context's duty) is
not decided here: the facts give the record's contexts and the objective's beneficiaries
and dimensions, and the rules decide from them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from .._graph import node_key
from .._record import Metric, Objective
from ._context import FactContext
from ._schema import Values, fields, flag, number, text

__all__ = ["Series", "objective_outcome", "series"]


@dataclass(frozen=True)
class Series:
    """A quantitative metric's numeric readings up to the audit date: one value per date
    (the mean of that date's readings), oldest first."""

    dates: tuple[dt.date, ...]
    values: tuple[float, ...]


def series(metric: Metric, as_of: dt.date) -> Series:
    """The readings of ``metric`` that count for progress (see :class:`Series`)."""
    by_date: dict[dt.date, list[float]] = {}
    for reading in metric.readings:
        value = reading.value
        if (
            reading.date <= as_of
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
        ):
            by_date.setdefault(reading.date, []).append(float(value))
    dates = tuple(sorted(by_date))
    return Series(dates, tuple(math.fsum(by_date[d]) / len(by_date[d]) for d in dates))


def _metrics(ctx: FactContext) -> dict[str, Metric]:
    return {node_key("metric", m.id): m for m in ctx.record.metrics}


def _series(ctx: FactContext) -> dict[str, Series]:
    """Metric node -> its series, for the quantitative metrics."""
    return {
        key: series(metric, ctx.as_of)
        for key, metric in ctx.once(_metrics).items()
        if metric.kind == "quantitative"
    }


def _outcome_metric(ctx: FactContext, objective_key: str) -> tuple[Metric | None, Series | None]:
    every = ctx.once(_series)
    candidates = sorted(
        (ctx.once(_metrics)[m] for m in ctx.sources(objective_key, "measures") if m in every),
        key=lambda metric: metric.id,
    )
    results = [m for m in candidates if m.dimension == "results" or m.focus == "outcomes"]
    candidates = results or candidates
    if not candidates:
        return None, None
    read = [m for m in candidates if every[node_key("metric", m.id)].dates]
    if not read:
        return candidates[0], every[node_key("metric", candidates[0].id)]
    # The latest reading wins; max keeps the first (smallest id) of equally late ones.
    chosen = max(read, key=lambda m: every[node_key("metric", m.id)].dates[-1])
    return chosen, every[node_key("metric", chosen.id)]


def _better(direction: str, a: float, b: float) -> bool:
    """Whether ``a`` is better than ``b`` for a metric whose better ``direction`` it is."""
    return a > b if direction == "higher" else a < b


def _worsening_streak(values: tuple[float, ...], direction: str) -> int:
    streak = 0
    for later, earlier in zip(reversed(values), reversed(values[:-1]), strict=False):
        if not _better(direction, earlier, later):
            break
        streak += 1
    return streak


def _start(ctx: FactContext, data: Series | None) -> dt.date | None:
    """When progress starts to count: the later of the partnership's establishment and the
    outcome metric's first reading (whichever the record has)."""
    dates = [ctx.record.partnership.established]
    if data is not None and data.dates:
        dates.append(data.dates[0])
    known = [d for d in dates if d is not None]
    return max(known) if known else None


def _elapsed(start: dt.date | None, due: dt.date | None, when: dt.date) -> float | None:
    """Share of the time from ``start`` to ``due`` passed by ``when`` (at least 0)."""
    if start is None or due is None or due <= start:
        return None
    return round(max(0, (when - start).days) / (due - start).days, 4)


@fields(
    baseline=number("the baseline value recorded"),
    target=number("the target value recorded"),
    outcome_metric=text(
        "the metric progress is read from: of its quantitative metrics (those measuring"
        " results first), the one with the latest numeric reading up to the audit date"
        " (ties: smallest id)"
    ),
    direction=text("which way is better for its outcome metric: higher or lower"),
    outcome_reading_count=number(
        "dates with a numeric reading of its outcome metric, up to the audit date"
    ),
    latest_value=number("the latest reading of its outcome metric (a date's readings averaged)"),
    progress=number(
        "share of the distance from baseline to target covered by the latest reading"
        " (0 at the baseline, 1 at the target; below 0 when it has gone backwards)"
    ),
    target_met=flag("the latest reading reaches the target (in the metric's direction)"),
    plans_decline=flag(
        "the target is worse than the baseline in its metric's direction (lower where higher is"
        " better, or higher where lower is better)"
    ),
    days_overdue=number(
        "days past its due date while the latest reading does not reach the target (0 if not)"
    ),
    elapsed_share=number(
        "share of the time from the start (the later of partnership.established and the outcome"
        " metric's first reading) to the due date passed by the audit date (above 1 once due)"
    ),
    progress_lag=number(
        "share of that time passed by the latest reading (at most 1) minus progress: how far"
        " progress trails the time it had (above 0 when behind)"
    ),
    worsening_streak=number(
        "how many of its outcome metric's latest readings in a row were each worse than the"
        " one before (0 if the latest was not)"
    ),
    learner_beneficiary_count=number(
        "beneficiaries that are learner stakeholders or learner-representative partners"
    ),
    measures_results=flag("one of its metrics measures results (QCA's first dimension)"),
)
def objective_outcome(ctx: FactContext, objective: Objective) -> Values:
    key = node_key("objective", objective.id)
    metric, data = _outcome_metric(ctx, key)
    direction = metric.direction if metric is not None else "higher"
    baseline, target = objective.baseline, objective.target
    latest = data.values[-1] if data is not None and data.values else None
    progress = None
    if latest is not None and baseline is not None and target is not None and target != baseline:
        progress = round((latest - baseline) / (target - baseline), 4)
    start, due = _start(ctx, data), objective.due
    elapsed = _elapsed(start, due, ctx.as_of)
    elapsed_at_latest = None
    if data is not None and data.dates:
        elapsed_at_latest = _elapsed(start, due, data.dates[-1])
    met = None
    if latest is not None and target is not None:
        met = latest == target or _better(direction, latest, target)
    metrics = ctx.once(_metrics)
    beneficiaries = ctx.sources(key, "benefits_from")
    return {
        "baseline": baseline,
        "target": target,
        "outcome_metric": metric.id if metric is not None else None,
        "direction": direction,
        "outcome_reading_count": len(data.dates) if data is not None else 0,
        "latest_value": latest,
        "progress": progress,
        "target_met": met,
        "plans_decline": (
            None if baseline is None or target is None else _better(direction, baseline, target)
        ),
        "days_overdue": (
            (ctx.as_of - due).days if due is not None and due < ctx.as_of and met is False else 0
        ),
        "elapsed_share": elapsed,
        "progress_lag": (
            round(min(elapsed_at_latest, 1.0) - progress, 4)
            if elapsed_at_latest is not None and progress is not None
            else None
        ),
        "worsening_streak": _worsening_streak(data.values, direction) if data is not None else 0,
        "learner_beneficiary_count": sum(
            1 for b in beneficiaries if ctx.once(_learner_kinds).get(b, False)
        ),
        "measures_results": any(
            metrics[m].dimension == "results" for m in ctx.sources(key, "measures")
        ),
    }


def _learner_kinds(ctx: FactContext) -> dict[str, bool]:
    """Partner and stakeholder node -> whether it stands for learners."""
    record = ctx.record
    return {
        **{node_key("stakeholder", s.id): s.kind == "learners" for s in record.stakeholders},
        **{node_key("partner", p.id): p.kind == "learner-representative" for p in record.partners},
    }
