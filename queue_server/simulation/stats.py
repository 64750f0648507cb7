"""Small statistics for the studies: percentiles, and a mean with its 95 % confidence interval (Student's t)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

# Two-sided 95 % quantiles of Student's t by degrees of freedom (1..30); beyond 30 the normal 1.96 is
# within 2 % of the exact figure, and the studies use at least 30 seeds.
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
        2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
        2.045, 2.042)


def t95(degrees: int) -> float:
    return _T95[degrees - 1] if 1 <= degrees <= len(_T95) else 1.96


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (the value a share of the sample is at or below)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else 0.0


def mean_ci(values: Sequence[float]) -> tuple[float, float]:
    """(mean, half-width of its 95 % confidence interval)."""
    if len(values) < 2:
        return (values[0] if values else 0.0), math.inf
    return statistics.fmean(values), t95(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
