"""Medians, spreads and ratios of timing samples."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Summary", "percentile", "ratio", "summarize"]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) by linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


@dataclass(frozen=True, slots=True)
class Summary:
    """A sample of durations in milliseconds."""

    n: int
    median: float
    p10: float
    p90: float
    q1: float
    q3: float
    mean: float

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1

    def as_dict(self) -> dict[str, float]:
        return {
            "n": self.n,
            "median_ms": self.median,
            "p10_ms": self.p10,
            "p90_ms": self.p90,
            "q1_ms": self.q1,
            "q3_ms": self.q3,
            "mean_ms": self.mean,
        }


def summarize(values_ms: Sequence[float]) -> Summary:
    """Median, p10/p90, quartiles and mean of ``values_ms``."""
    if not values_ms:
        nan = math.nan
        return Summary(0, nan, nan, nan, nan, nan, nan)
    return Summary(
        n=len(values_ms),
        median=statistics.median(values_ms),
        p10=percentile(values_ms, 10),
        p90=percentile(values_ms, 90),
        q1=percentile(values_ms, 25),
        q3=percentile(values_ms, 75),
        mean=statistics.fmean(values_ms),
    )


def ratio(a: float, b: float) -> float:
    """``a / b``; NaN when either is missing or ``b`` is zero."""
    if not (math.isfinite(a) and math.isfinite(b)) or b == 0:
        return math.nan
    return a / b
