"""Small value helpers shared by the fact builders: days, ratios, exact sums, shares."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping

__all__ = ["days_between", "distinct_sorted", "exact_total", "ratio", "share_stats"]


def days_between(since: dt.date | None, as_of: dt.date) -> int | None:
    """Whole days from ``since`` to ``as_of`` (negative when ``since`` is later); None if
    there is no date."""
    return None if since is None else (as_of - since).days


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator`` to 4 places; None when either is missing or the
    denominator is 0."""
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 4)


def exact_total(amounts: Iterable[float]) -> float:
    """The sum to 2 places, exact (math.fsum) so it does not depend on the order of the
    amounts; 0 (an int, as ``sum`` gives) when no amount is above 0."""
    values = list(amounts)
    return round(math.fsum(values), 2) if any(values) else 0


def distinct_sorted(values: Iterable[str]) -> list[str]:
    """The distinct values, sorted."""
    return sorted(set(values))


def share_stats(amounts: Mapping[str, float]) -> tuple[str | None, float | None, float | None]:
    """Largest holder, its share and the Herfindahl index; Nones when there is nothing."""
    total = math.fsum(amounts.values())
    if total <= 0:
        return None, None, None
    # Ties go to the smallest id so that the result never depends on list order.
    top = min(amounts, key=lambda k: (-amounts[k], k))
    shares = [v / total for v in amounts.values()]
    return top, round(amounts[top] / total, 4), round(math.fsum(s * s for s in shares), 4)
