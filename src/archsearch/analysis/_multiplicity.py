"""Multiplicity: one family of comparisons per report, Holm (default) or Benjamini-Hochberg.

The adjusted p-values come from :func:`statsmodels.stats.multitest.multipletests`.
Each comparison also gets the level its interval is drawn at: ``alpha * p / p_adjusted``.
For Holm that is the step's critical level ``alpha / (m - j + 1)`` (``alpha / m``,
the Bonferroni level, for the smallest p); for Benjamini-Hochberg it is the
step-up level ``alpha * k / m``. An interval at that level excludes zero exactly
when the adjusted p-value is below ``alpha``, so the verdict and the interval
printed next to it always agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["METHODS", "adjust"]

#: ``--fdr`` selects "fdr_bh"; the default is "holm".
METHODS = {
    "holm": "Holm (family-wise error rate)",
    "fdr_bh": "Benjamini-Hochberg (false discovery rate)",
    "none": "none (each comparison at its own level)",
}


def adjust(pvalues: Sequence[float], method: str = "holm", alpha: float = 0.05) -> tuple[list[float], list[float]]:
    """Adjusted p-values and the per-comparison interval level for one family.

    NaN p-values (comparisons that could not be made) stay NaN and do not count
    in the family size.

    Returns:
        ``(p_adjusted, alpha_each)``: ``alpha_each[i]`` is the two-sided level of
        comparison ``i``'s adjusted interval (NaN where ``p`` is NaN).

    Example:
        >>> p_adj, levels = adjust([0.01, 0.04, 0.03])
        >>> [round(p, 2) for p in p_adj], [round(a, 4) for a in levels]
        ([0.03, 0.06, 0.06], [0.0167, 0.0333, 0.025])
    """
    from statsmodels.stats.multitest import multipletests

    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, but got {method!r}.")
    p = np.asarray(pvalues, dtype=float)
    ok = np.isfinite(p)
    p_adj = np.full(p.shape, math.nan)
    levels = np.full(p.shape, math.nan)
    if ok.sum() == 0:
        return p_adj.tolist(), levels.tolist()
    if method == "none" or ok.sum() == 1:
        p_adj[ok] = p[ok]
    else:
        p_adj[ok] = multipletests(p[ok], alpha=alpha, method=method)[1]
    m = int(ok.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(p_adj[ok] > 0, p[ok] / p_adj[ok], 1.0)
    # A p-value capped at 1 by the adjustment gives no level of its own: fall back to Bonferroni's.
    floor = alpha / m if method != "none" else alpha
    levels[ok] = np.clip(alpha * ratio, floor, alpha)
    capped = ok & (p_adj >= 1.0)
    levels[capped] = floor
    return p_adj.tolist(), levels.tolist()
