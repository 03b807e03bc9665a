"""Small numeric helpers (statistics would cost start-up time for one mean)."""

from __future__ import annotations

from collections.abc import Iterable


def fmean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items)
