"""Time is a question too: fit time per epoch (and time to reach a target) as a ratio with an interval.

Times are compared on the log scale with the same machinery as the objective
(paired per seed in an ablation, regression on the other hyperparameters in a
search) and reported as ratios ``exp(diff)``: 0.33 [0.30, 0.37] means the level
takes a third of the reference's time. The time comparisons form their own
family for the multiplicity adjustment.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from archsearch.analysis._multiplicity import adjust
from archsearch.analysis._verdicts import HELPS, HURTS, UNDECIDED, decide

__all__ = ["FASTER", "MAX_TIME_SPREAD", "SLOWER", "time_effects"]

#: A ratio's interval whose ends are further apart than this factor is no answer ("not enough data"): the
#: time rule of :data:`archsearch.analysis.MAX_WIDTH` (e.g. [1.65e-08, 7.55e+07] from 2 vs 1 trials).
MAX_TIME_SPREAD = 10.0

FASTER, SLOWER = "faster", "slower"
TIME_UNCLEAR, TIME_NOT_ENOUGH = "no clear difference", "not enough data"  # time ratios keep their own words


def _reach_epoch(curve: Any, target: float, direction: str) -> float:
    if not isinstance(curve, list):
        return math.nan
    for i, v in enumerate(curve, start=1):
        if (v >= target) if direction == "maximize" else (v <= target):
            return float(i)
    return math.inf


def time_effects(
    parts: list[dict[str, Any]],
    *,
    paired: bool,
    alpha: float,
    method: str,
    target: float | None,
    direction: str,
    max_levels: int,
) -> dict[str, list[dict[str, Any]]]:
    """Per question, ``level / reference`` ratios of fit seconds per epoch (and of time to ``target``)."""
    from archsearch.analysis._question import _comparisons, _units

    pending: list[tuple[str, dict[str, Any], Any]] = []
    for q in parts:
        rows = q.get("_rows")
        if rows is None or not q["effects"] or rows["fit_seconds"].notna().sum() < 2:
            continue
        per_epoch, what_epoch = _per_epoch(rows)
        kinds = [(what_epoch, per_epoch)] if per_epoch.notna().any() else [("seconds per fit", rows["fit_seconds"])]
        if target is not None:
            reach = [_reach_epoch(c, target, direction) for c in rows["epoch_values"]]
            kinds.append((f"seconds to reach {target:g}", per_epoch * pd.Series(reach, index=rows.index)))
        for what, secs in kinds:
            secs = secs.where(secs > 0)
            r = rows.assign(value=np.log(secs.astype(float)))
            never = rows.loc[np.isinf(r["value"]), "trial"].nunique()
            units = _units(r[np.isfinite(r["value"])], paired, q["_others"] if not paired else [])
            # Seeds trained as one fused pack share the pack's fit time (split equally): one measurement, so
            # each pack counts once (its first seed), or its seeds would pass for independent timings.
            shared = units.duplicated(subset=["_level", "value"])
            units = units[~shared]
            comps, _, _ = _comparisons(
                units, [lv["level"] for lv in q["levels"]], q["reference"], q["_others"], paired, max_levels
            )
            for e in q["effects"]:
                entry = {
                    "level": e["level"],
                    "reference": q["reference"],
                    "measure": what,
                    "n": int((units["_level"] == e["level"]).sum()),
                    "n_ref": int((units["_level"] == q["reference"]).sum()),
                    "reason": " ".join(
                        filter(
                            None,
                            [
                                f"{never} trial(s) never reached {target:g}; they are left out."
                                if never and what.startswith("seconds to")
                                else "",
                                "Seeds trained as one fused pack share its time: each pack counts once "
                                "(--no-fuse times each seed)."
                                if shared.any()
                                else "",
                            ],
                        )
                    ),
                }
                pending.append((q["param"], entry, comps.get(e["level"])))
    p_adj, levels = adjust(
        [c.p if c is not None and c.ok and c.se > 0 else math.nan for _, _, c in pending], method, alpha
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for (param, entry, c), pa, a_each in zip(pending, p_adj, levels, strict=True):
        if c is None or not math.isfinite(c.diff) or not c.se > 0:  # no spread (one pack per level): no interval
            entry.update(
                {
                    "ratio": None,
                    "ci_low": None,
                    "ci_high": None,
                    "p": None,
                    "p_adjusted": None,
                    "verdict": TIME_NOT_ENOUGH,
                }
            )
        elif _too_wide(c.interval(a_each) if math.isfinite(a_each) else (math.nan, math.nan)):
            lo, hi = c.interval(a_each)
            entry.update(
                {
                    "ratio": None,
                    "ci_low": None,
                    "ci_high": None,
                    "p": c.p,
                    "p_adjusted": pa,
                    "verdict": TIME_NOT_ENOUGH,
                    "reason": " ".join(
                        filter(
                            None,
                            [
                                f"Its interval spans a factor of {math.exp(hi - lo):.3g} "
                                f"(more than {MAX_TIME_SPREAD:g}): too few timings.",
                                entry["reason"],
                            ],
                        )
                    ),
                }
            )
        else:
            lo, hi = c.interval(a_each) if math.isfinite(a_each) else (math.nan, math.nan)
            v = decide(c.diff, pa if math.isfinite(pa) else None, "minimize", alpha)
            entry.update(
                {
                    "ratio": math.exp(c.diff),
                    "ci_low": math.exp(lo) if math.isfinite(lo) else None,
                    "ci_high": math.exp(hi) if math.isfinite(hi) else None,
                    "p": c.p,
                    "p_adjusted": pa,
                    "verdict": {HELPS: FASTER, HURTS: SLOWER, UNDECIDED: TIME_UNCLEAR}[v],
                }
            )
        out.setdefault(param, []).append(entry)
    return out


def _per_epoch(rows: pd.DataFrame) -> tuple[pd.Series, str]:
    """Each row's seconds per epoch, and its name: the steady ``epoch_seconds`` (the median epoch after the
    first, which pays tracing and a process's start-up) when every timed row has it; else, for every row alike,
    the whole fit's seconds over its epochs (``"seconds per epoch, first included"``: 1-epoch fits, studies
    recorded before epochs were timed).

    Example:
        >>> rows = pd.DataFrame({"fit_seconds": [4.0, 6.0], "_epochs": [2, 3], "epoch_seconds": [1.0, 1.5]})
        >>> _per_epoch(rows)[0].tolist(), _per_epoch(rows)[1]
        ([1.0, 1.5], 'seconds per epoch')
        >>> _per_epoch(rows.assign(epoch_seconds=[1.0, None]))
        (0    2.0
        1    2.0
        dtype: float64, 'seconds per epoch, first included')
    """
    timed = rows["fit_seconds"].notna()
    steady = rows["epoch_seconds"] if "epoch_seconds" in rows.columns else pd.Series(math.nan, index=rows.index)
    steady = pd.to_numeric(steady, errors="coerce")
    if timed.any() and steady[timed].gt(0).all():
        return steady.where(timed), "seconds per epoch"
    return rows["fit_seconds"] / rows["_epochs"].where(rows["_epochs"] > 0), "seconds per epoch, first included"


def _too_wide(interval: tuple[float, float]) -> bool:
    """The log-scale interval's ends are more than :data:`MAX_TIME_SPREAD` apart as a ratio.

    Example:
        >>> _too_wide((math.log(0.5), math.log(2.0))), _too_wide((math.log(1e-8), math.log(7e7)))
        (False, True)
    """
    lo, hi = interval
    return math.isfinite(lo) and math.isfinite(hi) and hi - lo > math.log(MAX_TIME_SPREAD)
