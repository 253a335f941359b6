"""How many seeds (or trials) per level give 80% power for the smallest effect the user cares about.

statsmodels' t-test power (:class:`~statsmodels.stats.power.TTestPower` for a
paired design, :class:`~statsmodels.stats.power.TTestIndPower` for two
independent groups) is solved for the number of units. The spread is the one
observed; because a spread estimated from a few seeds is often too small (and
the power then falls short), it is replaced by its one-sided upper confidence
bound from the chi-square distribution before solving.
"""

from __future__ import annotations

import math
import warnings

from scipy import stats

__all__ = ["DEFAULT_MIN_EFFECT", "units_needed"]

#: One point of accuracy, in objective units, when ``--min-effect`` is not given.
DEFAULT_MIN_EFFECT = 0.01
#: The spread is taken at this one-sided upper confidence bound (see the module docstring).
SD_CONFIDENCE = 0.8
_CAP = 10_000


def units_needed(
    sd: float, min_effect: float, *, paired: bool, alpha: float = 0.05, power: float = 0.8, sd_df: float | None = None
) -> int | None:
    """Units per level for ``power`` at ``min_effect`` with a two-sided level-``alpha`` t test.

    Args:
        sd: standard deviation of a per-seed difference (paired) or of one unit
            within a level (unpaired).
        min_effect: the smallest difference worth detecting, in objective units.
        paired: paired (one-sample t on differences) or two independent groups.
        alpha: the level the comparison is tested at (after multiplicity).
        power: the wanted power.
        sd_df: degrees of freedom behind ``sd``; given, ``sd`` is raised to its
            80% upper confidence bound first.

    Returns:
        the number of units per level, or None when it cannot be computed
        (no spread, no effect, or more than 10,000).

    Example:
        >>> units_needed(0.01, 0.01, paired=True)
        10
    """
    from statsmodels.stats.power import TTestIndPower, TTestPower

    if not (math.isfinite(sd) and math.isfinite(min_effect)) or min_effect == 0 or sd < 0:
        return None
    if sd == 0:
        return 2
    if sd_df is not None and sd_df >= 1:
        sd = sd * math.sqrt(sd_df / stats.chi2.ppf(1 - SD_CONFIDENCE, sd_df))
    effect = abs(min_effect) / sd
    solver = TTestPower() if paired else TTestIndPower()
    # TTestPower names the sample size nobs, TTestIndPower nobs1 (per group, ratio 1).
    key = "nobs" if paired else "nobs1"
    for small in (2, 3, 4, 5):  # the root finder fails where a handful of units already has the power
        if _power_at(solver, key, effect, alpha, small, paired) >= power:
            return small
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # statsmodels' ConvergenceWarning: a nan answer is handled below
            n = float(
                solver.solve_power(effect_size=effect, alpha=alpha, power=power, alternative="two-sided", **{key: None})
            )
    except (ValueError, RuntimeError):
        return None
    if not math.isfinite(n) or n > _CAP:
        return None
    return max(2, math.ceil(n))


def _power_at(solver: object, key: str, effect: float, alpha: float, n: int, paired: bool) -> float:
    """statsmodels' power at ``n`` units; its noncentral t gives nan far in the tail, where the power is 1."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = float(solver.power(effect_size=effect, alpha=alpha, alternative="two-sided", **{key: n}))  # type: ignore[attr-defined]
    if math.isfinite(p):
        return p
    df = n - 1 if paired else 2 * n - 2
    nc = effect * math.sqrt(n if paired else n / 2)
    return 1.0 if nc > 2 * stats.t.ppf(1 - alpha / 2, df) else 0.0
