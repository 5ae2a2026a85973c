"""What helps me: how a practice relates to daily check-ins. Pure Python, no Django.

Compares the days a practice was logged with the days it was not (among days with a check-in):
the difference in means, Cohen's d, the number of days on each side and a 95% Welch
t-interval for the difference. Nothing is claimed with fewer than ``MIN_DAYS`` days on either
side. This is correlation: it says nothing about what caused what.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

MIN_DAYS = 7

# Two-sided 95% quantiles of Student's t by whole degrees of freedom. A fractional Welch df is
# rounded down, which widens the interval a little: the cautious side.
_T_975 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
    9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120,
    17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064,
    25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042, 40: 2.021, 60: 2.000,
    120: 1.980,
}  # fmt: skip
_Z_975 = 1.960


def t_quantile_975(df: float) -> float:
    whole = max(1, math.floor(df))
    if whole > max(_T_975):
        return _Z_975
    return _T_975[max(limit for limit in _T_975 if limit <= whole)]


@dataclass(frozen=True)
class Comparison:
    mean_with: float
    mean_without: float
    n_with: int
    n_without: int
    difference: float  # mean_with - mean_without
    effect_size: float  # Cohen's d, pooled standard deviation; 0 when there is no spread
    ci_low: float
    ci_high: float

    @property
    def interval_excludes_zero(self) -> bool:
        return self.ci_low > 0 or self.ci_high < 0


def compare(with_days: Sequence[float], without_days: Sequence[float]) -> Comparison | None:
    """The comparison, or None when either side has fewer than ``MIN_DAYS`` days."""
    n1, n2 = len(with_days), len(without_days)
    if n1 < MIN_DAYS or n2 < MIN_DAYS:
        return None
    m1, m2 = statistics.fmean(with_days), statistics.fmean(without_days)
    v1, v2 = statistics.variance(with_days), statistics.variance(without_days)
    difference = m1 - m2
    pooled_sd = math.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
    effect = difference / pooled_sd if pooled_sd > 0 else 0.0
    a, b = v1 / n1, v2 / n2
    se = math.sqrt(a + b)
    if se == 0:
        low = high = difference
    else:
        df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
        margin = t_quantile_975(df) * se
        low, high = difference - margin, difference + margin
    return Comparison(m1, m2, n1, n2, difference, effect, low, high)


def effect_words(effect_size: float) -> str:
    """Cohen's conventional labels, in plain words."""
    size = abs(effect_size)
    if size < 0.2:
        return "little or no"
    if size < 0.5:
        return "a small"
    if size < 0.8:
        return "a moderate"
    return "a large"
