"""Valid sequential stopping for ``archsearch ask --until-decided``.

Seeds are added ``repeats`` at a time up to ``max_seeds``; after each round the
table so far is looked at. Looking again and again at a fixed-level test
inflates false decisions (12.8% with the default 3-seed rounds up to 10 seeds).
Here each look ``k`` at ``n_k`` seeds may spend only the increment
``alpha(t_k) - alpha(t_{k-1})`` of the Lan-DeMets O'Brien-Fleming spending
function ``alpha(t) = 2 - 2 Phi(z_{1-alpha/2} / sqrt(t))``, ``t = n_k / max_seeds``.
Within a look the comparisons are Holm-adjusted at that increment. By the
union bound the chance of any false decision over all looks is at most
``alpha``, whatever the correlation between looks (the exact group-sequential
boundaries would be a little less conservative; this bound needs no normal
approximation, so it holds for paired t tests with a handful of seeds).
Each look's comparison is pluggable: the paired t on per-seed values by
default, the crossed seeds x examples test on the test split where the table
has per-example correctness (``analyze_table`` passes it).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
from scipy import stats

from archsearch.analysis._intervals import Comparison, paired_test
from archsearch.analysis._multiplicity import adjust
from archsearch.analysis._verdicts import HELPS, HURTS, NO_EFFECT, UNCLEAR

__all__ = ["CAP", "CONTINUE", "DECIDED", "NOT_LEARNED_STOP", "LookSchedule", "sequential_decision"]

CONTINUE, DECIDED, CAP = "continue", "decided", "stopped at cap"
#: The status of a design whose open comparisons did not learn (at chance): more seeds cannot help.
NOT_LEARNED_STOP = "stopped: did not learn"


@dataclasses.dataclass(frozen=True)
class LookSchedule:
    """Rounds of ``repeats`` seeds up to ``max_seeds``, overall false-decision rate ``alpha``."""

    repeats: int
    max_seeds: int
    alpha: float = 0.05
    #: With it, a look also stops a comparison whose interval lies within +-min_effect: "no effect" (equivalence).
    min_effect: float | None = None

    def looks(self) -> list[int]:
        """Seeds per level at each look: ``repeats, 2 * repeats, ..., max_seeds``.

        Example:
            >>> LookSchedule(3, 10).looks()
            [3, 6, 9, 10]
        """
        out, n = [], self.repeats
        while n < self.max_seeds:
            out.append(n)
            n += self.repeats
        return [*out, self.max_seeds]

    def spent(self, n: int) -> float:
        """Cumulative alpha the O'Brien-Fleming-type spending function allows by ``n`` seeds."""
        t = min(max(n / self.max_seeds, 0.0), 1.0)
        if t <= 0:
            return 0.0
        return float(2 - 2 * stats.norm.cdf(stats.norm.ppf(1 - self.alpha / 2) / math.sqrt(t)))

    def look_alphas(self) -> list[tuple[int, float]]:
        """``(n_k, alpha_k)`` per look; a look with fewer than 2 seeds has no test and spends nothing."""
        out, prev = [], 0.0
        for n in self.looks():
            cum = self.spent(n)
            out.append((n, cum - prev if n >= 2 else 0.0))
            prev = cum if n >= 2 else prev
        return out

    def final_alpha(self) -> float:
        """The alpha the last look may spend: ``look_alphas()[-1][1]`` without computing every look's.

        Example:
            >>> plan = LookSchedule(3, 10)
            >>> plan.final_alpha() == plan.look_alphas()[-1][1]
            True
        """
        if self.max_seeds < 2:
            return 0.0
        before = self.looks()[-2] if self.max_seeds > self.repeats else 0  # the look before the last, if any
        return self.spent(self.max_seeds) - (self.spent(before) if before >= 2 else 0.0)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "repeats": self.repeats,
            "max_seeds": self.max_seeds,
            "alpha": self.alpha,
            "spending": "Lan-DeMets O'Brien-Fleming alpha spending, each look at its increment (a Bonferroni bound)",
        }
        if self.min_effect is not None:
            out["min_effect"] = self.min_effect
        return out


def sequential_decision(
    per_seed: dict[str, pd.Series],
    reference: str,
    plan: LookSchedule,
    direction: str = "maximize",
    seed_order: Sequence[Any] | None = None,
    compare: Callable[[str, list[Any]], Comparison] | None = None,
) -> dict[str, Any]:
    """Replay the looks on the seeds so far and say whether to go on.

    Args:
        per_seed: per level, its objective indexed by seed (the reference included);
            its seeds are the ones the looks count.
        reference: the level the others are compared with.
        plan: the rounds and the overall alpha.
        direction: "maximize" or "minimize".
        seed_order: the order seeds were added (default: sorted).
        compare: ``compare(level, seeds) -> Comparison`` of ``level`` with the
            reference on those seeds (the first ``n`` at a look); default the
            paired t test of ``per_seed``. The test split passes the crossed
            seeds x examples test of the seeds' correctness
            (:func:`archsearch.analysis.crossed_test`). Each look's test must
            be valid at its own level; the bound over looks needs nothing more.

    Returns:
        ``{"status": "continue" | "decided" | "stopped at cap", "n_seeds": n, "looks": [...],
        "effects": {level: {"verdict", "look", "n", "alpha_look", "comparison", "p_adjusted"}},
        "final": {level: {...}}}``.
        A comparison is decided at the first look where its Holm-adjusted p is
        below that look's alpha ("helps" / "hurts"), or, with ``plan.min_effect``,
        where its interval at that look's alpha (Bonferroni over the look's
        comparisons) lies within +-min_effect ("no effect", equivalence: by the
        same union bound, when the true effect is min_effect or more this
        happens with probability <= alpha / 2); it stays decided. ``final`` holds, per level,
        the comparison at the latest look and its level (``comparison``,
        ``alpha_interval``, ``n``, ``look``): the repeated-confidence interval
        the report gives.

    Example:
        >>> ref = pd.Series([0.90, 0.91, 0.92], index=[0, 1, 2])
        >>> noise = pd.Series([0.01, -0.01, 0.0], index=[0, 1, 2])
        >>> sequential_decision({"a": ref, "b": ref + noise}, "a", LookSchedule(3, 9))["status"]
        'continue'
    """
    ref = per_seed[reference]
    others = [lv for lv in per_seed if lv != reference]
    common = set(ref.index)
    for lv in others:
        common &= set(per_seed[lv].index)
    order = [s for s in (seed_order if seed_order is not None else sorted(common)) if s in common]
    if compare is None:

        def compare(lv: str, seeds: list[Any]) -> Comparison:
            return paired_test(per_seed[lv].loc[seeds], ref.loc[seeds])

    effects: dict[str, dict[str, Any]] = {}
    final: dict[str, dict[str, Any]] = {}
    looks = []
    n_avail = len(order)
    for n, alpha_k in plan.look_alphas():
        if n > n_avail:
            break
        seeds = order[:n]
        comps = [compare(lv, seeds) for lv in others]
        p_adj, levels = (
            adjust([c.p for c in comps], "holm", alpha_k)
            if alpha_k > 0
            else ([math.nan] * len(comps), [math.nan] * len(comps))
        )
        looks.append({"n": n, "alpha": alpha_k})
        for lv, c, pa, a_each in zip(others, comps, p_adj, levels, strict=True):
            # The repeated-confidence interval at the latest look, at that look's (Holm step) level.
            final[lv] = {
                "comparison": c,
                "alpha_interval": a_each if alpha_k > 0 else math.nan,
                "n": n,
                "look": len(looks),
            }
            if lv in effects and effects[lv]["verdict"] in (HELPS, HURTS, NO_EFFECT):
                continue
            hit = alpha_k > 0 and math.isfinite(pa) and pa < alpha_k
            v = (HELPS if (c.diff > 0) == (direction == "maximize") else HURTS) if hit else UNCLEAR
            if not hit and plan.min_effect is not None and alpha_k > 0:
                lo, hi = c.interval(alpha_k / len(comps))
                if math.isfinite(lo) and -plan.min_effect < lo and hi < plan.min_effect:
                    v, hit, a_each = NO_EFFECT, True, alpha_k / len(comps)
            effects[lv] = {
                "verdict": v,
                "look": len(looks),
                "n": n,
                "alpha_look": alpha_k,
                "alpha_interval": a_each if hit else alpha_k,
                "comparison": c,
                "p_adjusted": pa,
            }
    decided = bool(others) and all(effects.get(lv, {}).get("verdict") in (HELPS, HURTS, NO_EFFECT) for lv in others)
    if decided:
        status = DECIDED
    elif n_avail >= plan.max_seeds:
        status = CAP
    else:
        status = CONTINUE
    return {
        "status": status,
        "n_seeds": n_avail,
        "looks": looks,
        "effects": effects,
        "final": final,
        "plan": plan.to_dict(),
    }


def interval_of(entry: dict[str, Any]) -> tuple[float, float]:
    """The repeated-confidence interval of one sequential comparison (at its look's level).

    Each look's interval is drawn at the alpha that look may spend (with several
    comparisons, at its Holm step level within the look, as in a fixed design),
    so by the same union bound as the decisions, one comparison's intervals
    cover its true difference at every look at once with probability
    >= 1 - alpha: the interval at the final look is valid wherever the design stopped.
    """
    c: Comparison = entry["comparison"]
    a = entry["alpha_interval"]
    return c.interval(a) if a and math.isfinite(a) and a > 0 else (math.nan, math.nan)
