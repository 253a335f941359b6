"""Verdict words from an adjusted p-value, and the one-line text of an effect."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["HELPS", "HURTS", "NOT_ENOUGH", "UNCLEAR", "decide", "verdict"]

HELPS, HURTS, UNCLEAR, NOT_ENOUGH = "helps", "hurts", "no clear effect", "not enough data"


def decide(diff: float | None, p_adjusted: float | None, direction: str = "maximize", alpha: float = 0.05) -> str:
    """"helps" / "hurts" when the adjusted p-value is below ``alpha``, else "no clear effect".

    "not enough data" when there is no p-value (fewer than two units on a side).

    Example:
        >>> decide(0.02, 0.01), decide(0.02, 0.01, "minimize"), decide(0.02, 0.2), decide(0.02, None)
        ('helps', 'hurts', 'no clear effect', 'not enough data')
    """
    if diff is None or p_adjusted is None or _nan(diff) or _nan(p_adjusted):
        return NOT_ENOUGH
    if p_adjusted >= alpha:
        return UNCLEAR
    return HELPS if (diff > 0) == (direction == "maximize") else HURTS


def verdict(diff: float | None, low: float | None, high: float | None, direction: str = "maximize",
            *, n: int = 2, n_ref: int = 2, min_n: int = 2) -> str:
    """The verdict an interval alone gives: "helps", "hurts", "no clear effect" (it contains 0), "not enough data".

    Example:
        >>> verdict(0.02, 0.01, 0.03), verdict(0.02, 0.01, 0.03, "minimize"), verdict(0.0, -0.01, 0.01)
        ('helps', 'hurts', 'no clear effect')
    """
    if n < min_n or n_ref < min_n or diff is None or low is None or high is None or _nan(low) or _nan(high):
        return NOT_ENOUGH
    if low <= 0 <= high:
        return UNCLEAR
    better = (low > 0) == (direction == "maximize")
    return HELPS if better else HURTS


def _nan(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))
