"""The decision words of a comparison, and the verdict an adjusted p-value or an interval alone gives.

A comparison's decision (``effects[].verdict``) is exactly one of :data:`DECISIONS`,
the same word in the terminal, Markdown, HTML, JSON and MLflow tags:

- ``helps`` / ``hurts``: the family-adjusted interval excludes 0;
- ``no effect``: the interval lies within +-``min_effect`` (equivalence: "no effect of 1 pt or more");
- ``not decided yet``: neither; more seeds (``more_needed``) would settle it;
- ``did not learn``: the reference, or every level, stayed at chance accuracy: nothing to compare;
- ``too few trials``: a search whose trials cannot separate the effect from the other hyperparameters'.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "DECISIONS",
    "HELPS",
    "HURTS",
    "NOT_ENOUGH",
    "NOT_LEARNED",
    "NO_EFFECT",
    "TOO_FEW",
    "UNCLEAR",
    "UNDECIDED",
    "decide",
    "verdict",
]

HELPS, HURTS, NO_EFFECT, UNDECIDED = "helps", "hurts", "no effect", "not decided yet"
NOT_LEARNED, TOO_FEW = "did not learn", "too few trials"
DECISIONS = (HELPS, HURTS, NO_EFFECT, UNDECIDED, NOT_LEARNED, TOO_FEW)
# Older names: an open comparison and one without an interval are both "not decided yet" now.
UNCLEAR = NOT_ENOUGH = UNDECIDED


def decide(diff: float | None, p_adjusted: float | None, direction: str = "maximize", alpha: float = 0.05) -> str:
    """ "helps" / "hurts" when the adjusted p-value is below ``alpha``, else "not decided yet".

    Also "not decided yet" when there is no p-value (fewer than two units on a side).

    Example:
        >>> decide(0.02, 0.01), decide(0.02, 0.01, "minimize"), decide(0.02, 0.2), decide(0.02, None)
        ('helps', 'hurts', 'not decided yet', 'not decided yet')
    """
    if diff is None or p_adjusted is None or _nan(diff) or _nan(p_adjusted):
        return UNDECIDED
    if p_adjusted >= alpha:
        return UNDECIDED
    return HELPS if (diff > 0) == (direction == "maximize") else HURTS


def verdict(
    diff: float | None,
    low: float | None,
    high: float | None,
    direction: str = "maximize",
    *,
    n: int = 2,
    n_ref: int = 2,
    min_n: int = 2,
    min_effect: float | None = None,
) -> str:
    """The decision an interval alone gives: helps, hurts, no effect (within +-``min_effect``), not decided yet.

    Example:
        >>> verdict(0.02, 0.01, 0.03), verdict(0.02, 0.01, 0.03, "minimize"), verdict(0.0, -0.01, 0.01)
        ('helps', 'hurts', 'not decided yet')
        >>> verdict(0.0, -0.01, 0.01, min_effect=0.02)
        'no effect'
    """
    if n < min_n or n_ref < min_n or diff is None or low is None or high is None or _nan(low) or _nan(high):
        return UNDECIDED
    if low <= 0 <= high:
        return NO_EFFECT if min_effect is not None and -min_effect < low and high < min_effect else UNDECIDED
    better = (low > 0) == (direction == "maximize")
    return HELPS if better else HURTS


def _nan(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))
