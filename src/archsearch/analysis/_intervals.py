"""t intervals and tests: one comparison is a difference, its standard error and degrees of freedom.

Keeping ``(diff, se, df)`` lets every later step (multiplicity, sequential
looks) recompute the interval at another level without redoing the estimate.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

__all__ = ["Comparison", "mean_interval", "paired_interval", "paired_test", "welch_interval", "welch_test"]


@dataclasses.dataclass(frozen=True)
class Comparison:
    """An estimated difference with its standard error, degrees of freedom and two-sided p-value.

    ``se`` is NaN when it cannot be estimated (fewer than two units on a side).
    """

    diff: float
    se: float
    df: float
    p: float
    method: str

    def interval(self, alpha: float = 0.05) -> tuple[float, float]:
        """The two-sided ``1 - alpha`` t interval (NaN bounds without a standard error).

        Example:
            >>> lo, hi = Comparison(1.0, 0.5, 10, 0.07, "t").interval()
            >>> round(lo, 3), round(hi, 3)
            (-0.114, 2.114)
        """
        if not (math.isfinite(self.se) and math.isfinite(self.df)) or self.df <= 0:
            return math.nan, math.nan
        half = float(stats.t.ppf(1 - alpha / 2, self.df)) * self.se
        return self.diff - half, self.diff + half

    @property
    def ok(self) -> bool:
        """True when the comparison has a finite standard error and p-value."""
        return math.isfinite(self.se) and math.isfinite(self.p)


def _t_p(diff: float, se: float, df: float) -> float:
    if not (math.isfinite(se) and math.isfinite(df)) or df <= 0:
        return math.nan
    if se == 0:
        return 1.0 if diff == 0 else 0.0
    return float(2 * stats.t.sf(abs(diff / se), df))


def welch_test(a: ArrayLike, b: ArrayLike) -> Comparison:
    """``mean(a) - mean(b)`` with Welch's standard error and degrees of freedom (unequal variances).

    Example:
        >>> c = welch_test([0.95, 0.96, 0.97], [0.90, 0.91, 0.92])
        >>> round(c.diff, 2), c.p < 0.01
        (0.05, True)
    """
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if xa.size == 0 or xb.size == 0:
        return Comparison(math.nan, math.nan, math.nan, math.nan, "welch")
    diff = float(xa.mean() - xb.mean())
    if xa.size < 2 or xb.size < 2:
        return Comparison(diff, math.nan, math.nan, math.nan, "welch")
    va, vb = xa.var(ddof=1) / xa.size, xb.var(ddof=1) / xb.size
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (xa.size - 1) + vb**2 / (xb.size - 1)) if se > 0 else float(xa.size + xb.size - 2)
    return Comparison(diff, se, float(df), _t_p(diff, se, df), "welch")


def paired_test(a: ArrayLike, b: ArrayLike) -> Comparison:
    """Mean of ``a[i] - b[i]`` with the paired t standard error (``n - 1`` degrees of freedom).

    Example:
        >>> c = paired_test([0.95, 0.93, 0.97, 0.96], [0.94, 0.92, 0.95, 0.95])
        >>> round(c.diff, 4), c.p < 0.05
        (0.0125, True)
    """
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if d.size == 0:
        return Comparison(math.nan, math.nan, math.nan, math.nan, "paired")
    diff = float(d.mean())
    if d.size < 2:
        return Comparison(diff, math.nan, math.nan, math.nan, "paired")
    se = float(d.std(ddof=1) / math.sqrt(d.size))
    return Comparison(diff, se, float(d.size - 1), _t_p(diff, se, d.size - 1), "paired")


def mean_interval(values: ArrayLike, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean with a t interval; the bounds are NaN with fewer than 2 values.

    Example:
        >>> m, lo, hi = mean_interval([0.9, 0.92, 0.94])
        >>> round(m, 2), lo < m < hi
        (0.92, True)
    """
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if x.size < 2:
        return m, math.nan, math.nan
    half = stats.t.ppf(0.5 + confidence / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
    return m, float(m - half), float(m + half)


def welch_interval(a: ArrayLike, b: ArrayLike, confidence: float = 0.95) -> tuple[float, float, float]:
    """``mean(a) - mean(b)`` with Welch's t interval.

    Example:
        >>> d, lo, hi = welch_interval([0.95, 0.96, 0.97], [0.90, 0.91, 0.92])
        >>> round(d, 2), lo > 0
        (0.05, True)
    """
    c = welch_test(a, b)
    return (c.diff, *c.interval(1 - confidence))


def paired_interval(a: ArrayLike, b: ArrayLike, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean of ``a[i] - b[i]`` with a paired t interval.

    Example:
        >>> d, lo, hi = paired_interval([0.95, 0.93, 0.97, 0.96], [0.94, 0.92, 0.95, 0.95])
        >>> round(d, 4), lo > 0
        (0.0125, True)
    """
    c = paired_test(a, b)
    return (c.diff, *c.interval(1 - confidence))
