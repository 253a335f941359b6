"""The family's verdicts: multiplicity-adjusted (a search, a fixed ablation) or sequential (``--until-decided``)."""

from __future__ import annotations

import math
from typing import Any

from archsearch.analysis._crossed import SEEDS_ONLY_METHOD, crossed_compare
from archsearch.analysis._estimation import num
from archsearch.analysis._multiplicity import adjust
from archsearch.analysis._question import per_seed
from archsearch.analysis._sequential import LookSchedule, interval_of, sequential_decision
from archsearch.analysis._verdicts import HELPS, HURTS, NO_EFFECT, NOT_ENOUGH, UNCLEAR, decide

__all__ = ["apply_family", "apply_sequential", "fill"]


def apply_family(
    family: list[tuple[dict[str, Any], dict[str, Any]]], method: str, alpha: float, direction: str
) -> None:
    comps = [e.pop("_comparison") for _, e in family]
    p_adj, levels = adjust([c.p if c is not None else math.nan for c in comps], method, alpha)
    for (_, e), c, pa, a_each in zip(family, comps, p_adj, levels, strict=True):
        fill(e, c, pa, a_each, alpha, direction)
        sc = e.pop("_size_comparison", None)
        if sc is not None and math.isfinite(a_each):
            lo, hi = sc.interval(a_each)
            e.update(
                {
                    "adjusted_diff": sc.diff,
                    "adjusted_ci_low": lo,
                    "adjusted_ci_high": hi,
                    "survives_size": e["verdict"] in (HELPS, HURTS)
                    and (lo > 0 or hi < 0)
                    and (lo > 0) == (e["diff"] > 0),
                }
            )


def fill(e: dict[str, Any], c: Any, p_adj: float, a_each: float, alpha: float, direction: str) -> None:
    if c is None or not math.isfinite(c.diff):
        e.update(
            {
                "diff": None,
                "ci_low": None,
                "ci_high": None,
                "ci_low_raw": None,
                "ci_high_raw": None,
                "se": None,
                "df": None,
                "p": None,
                "p_adjusted": None,
                "alpha_interval": None,
                "verdict": NOT_ENOUGH,
            }
        )
        return
    lo_raw, hi_raw = c.interval(alpha)
    lo, hi = c.interval(a_each) if math.isfinite(a_each) else (math.nan, math.nan)
    v = decide(c.diff, num(p_adj), direction, alpha)
    if e.get("withheld") and v in (HELPS, HURTS):
        v = NOT_ENOUGH
    e.update(
        {
            "diff": c.diff,
            "ci_low": lo,
            "ci_high": hi,
            "ci_low_raw": lo_raw,
            "ci_high_raw": hi_raw,
            "se": c.se,
            "df": c.df,
            "p": c.p,
            "p_adjusted": p_adj,
            "alpha_interval": a_each,
            "verdict": v,
        }
    )


def apply_sequential(parts: list[dict[str, Any]], plan: LookSchedule, direction: str) -> None:
    for q in parts:
        units = q.get("_units")
        if units is None or not q["effects"]:
            continue
        levels = [q["reference"], *[e["level"] for e in q["effects"]]]
        seeds = {lv: per_seed(units, lv) for lv in levels}
        # On the test split (every effect there, see _table._splits) each look is the crossed seeds x examples test
        # of the first n seeds; otherwise the paired t test of the per-seed validation values.
        test = q.get("_test") if all(e["split"] == "test" for e in q["effects"]) else None
        compare = crossed_compare(test, q["reference"]) if test is not None else None
        if test is None:
            for e in q["effects"]:
                if e["split"] == "test":  # another level stays on validation: so do the looks, for every level
                    for key in ("n_test", "validation_diff", "validation_ci_low", "validation_ci_high", "_components"):
                        e.pop(key, None)
                    e.update(
                        {
                            "split": "validation",
                            "method": SEEDS_ONLY_METHOD,
                            "split_note": "another level of this question has no test-split seeds in common "
                            "with the reference, and the looks judge every level on one split.",
                        }
                    )
            q["split"] = "validation"
        result = sequential_decision(seeds, q["reference"], plan, direction, compare=compare)
        q["sequential"] = {k: result[k] for k in ("status", "n_seeds", "looks", "plan")}
        for e in q["effects"]:
            e.pop("_size_comparison", None)
            c = e.pop("_comparison")
            entry = result["effects"].get(e["level"])
            if entry is None:
                fill(e, c, math.nan, math.nan, plan.alpha, direction)
                continue
            fill(e, entry["comparison"], entry["p_adjusted"], entry["alpha_interval"], entry["alpha_look"], direction)
            if entry["verdict"] in (HELPS, HURTS, NO_EFFECT) and not e.get("withheld"):
                e["verdict"] = entry["verdict"]
                if entry["verdict"] == NO_EFFECT:
                    e["equivalence_margin"] = plan.min_effect
            elif e["verdict"] in (HELPS, HURTS):
                e["verdict"] = UNCLEAR
            e["decided_ci_low"], e["decided_ci_high"] = interval_of(entry)
            e["look"] = entry["look"]
            # The reported interval: the repeated-confidence interval at the final look (more seeds than
            # the deciding look when other comparisons went on); the diff is the final look's too.
            last = result["final"].get(e["level"], entry)
            e["ci_low"], e["ci_high"] = interval_of(last)
            e["diff"], e["final_look"] = last["comparison"].diff, last["look"]
