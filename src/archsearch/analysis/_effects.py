"""Effects of one hyperparameter with t-based 95% intervals, over a plain table of trials.

The table has one row per (trial, seed): columns ``trial``, ``seed``, ``value``
(the objective for that seed), ``params_count``, ``fit_seconds`` and one
``params_<name>`` column per hyperparameter (NaN where it was inactive). Nothing
here imports Keras, Optuna or MLflow, so every number can be tested on
synthetic tables.

Two designs:

* unpaired (a search): the unit is a trial (mean over its seeds); a level is
  compared with the reference by Welch's t interval on the difference of means.
* paired (a controlled ablation): every level ran with the same seeds while
  everything else was held fixed, so the unit is a seed and the interval is a
  paired t interval on the per-seed differences.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from archsearch.analysis._estimation import clean as _clean
from archsearch.analysis._estimation import label as _label
from archsearch.analysis._estimation import level_labels as _levels
from archsearch.analysis._estimation import median as _median
from archsearch.analysis._estimation import num as _num
from archsearch.analysis._intervals import mean_interval
from archsearch.analysis._verdicts import HELPS, HURTS, NOT_ENOUGH, UNCLEAR, _nan, verdict

__all__ = [
    "Effect",
    "LevelSummary",
    "QuestionResult",
    "analyze_question",
    "mean_interval",
    "paired_interval",
    "seeds_needed",
    "size_adjusted_interval",
    "verdict",
    "welch_interval",
]

UNPAIRED_METHOD = "Welch t interval on the difference of trial means"
PAIRED_METHOD = "paired t interval on per-seed differences (same seeds at every level)"


@dataclasses.dataclass
class LevelSummary:
    """One level (or bin) of a hyperparameter."""

    level: str
    mean: float
    ci_low: float
    ci_high: float
    n_trials: int
    n_seeds: int
    params_count: float | None
    fit_seconds: float | None


@dataclasses.dataclass
class Effect:
    """``level`` minus ``reference`` on the objective, with its interval and verdict.

    ``diff`` is in objective units (positive = larger objective). ``verdict``
    accounts for the direction: for a loss, a negative diff helps.
    ``more_needed`` is how many more trials (unpaired) or seeds (paired) per
    level would make an interval of this spread exclude zero if the observed
    difference is real (None when that cannot be estimated).
    ``adjusted_*`` is the effect at equal model size (log parameter count as a
    covariate); ``survives_size`` is True/False, or None with ``size_note``
    saying why it could not be told.
    """

    level: str
    reference: str
    diff: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    n_ref: int
    verdict: str
    more_needed: int | None = None
    level_params: float | None = None
    reference_params: float | None = None
    adjusted_diff: float | None = None
    adjusted_ci_low: float | None = None
    adjusted_ci_high: float | None = None
    survives_size: bool | None = None
    size_note: str = ""


@dataclasses.dataclass
class QuestionResult:
    """Everything the report says about one hyperparameter."""

    param: str
    reference: str | None
    paired: bool
    method: str
    binned: bool
    levels: list[LevelSummary]
    effects: list[Effect]
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return _clean(dataclasses.asdict(self))


# -- intervals ---------------------------------------------------------------



def welch_interval(a: Sequence[float], b: Sequence[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """``mean(a) - mean(b)`` with Welch's t interval (unequal variances).

    Example:
        >>> d, lo, hi = welch_interval([0.95, 0.96, 0.97], [0.90, 0.91, 0.92])
        >>> round(d, 2), lo > 0
        (0.05, True)
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    diff = float(a.mean() - b.mean())
    if a.size < 2 or b.size < 2:
        return diff, math.nan, math.nan
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0:
        return diff, diff, diff
    dof = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, dof) * se)
    return diff, diff - half, diff + half


def paired_interval(a: Sequence[float], b: Sequence[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean of ``a[i] - b[i]`` with a paired t interval.

    Example:
        >>> d, lo, hi = paired_interval([0.95, 0.93, 0.97, 0.96], [0.94, 0.92, 0.95, 0.95])
        >>> round(d, 4), lo > 0
        (0.0125, True)
    """
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    return mean_interval(d, confidence)


def size_adjusted_interval(values: Sequence[float], is_level: Sequence[bool], params_count: Sequence[float],
                           confidence: float = 0.95) -> tuple[float, float, float] | None:
    """Effect of the level at equal model size: OLS of value on [1, level, log(params)].

    Returns ``(coef, low, high)``, or None when size cannot be separated from the
    level (for example every model of a level has the same size, as when the
    factor alone sets the width) or there are too few trials.

    Example:
        >>> size_adjusted_interval([1, 2], [False, True], [10, 20]) is None
        True
    """
    y = np.asarray(values, dtype=float)
    level = np.asarray(is_level, dtype=float)
    size = np.log(np.asarray(params_count, dtype=float))
    x = np.column_stack([np.ones_like(y), level, size])
    dof = y.size - 3
    if dof < 1 or np.linalg.matrix_rank(x) < 3:
        return None
    # Size must vary inside at least one group, else the model just re-labels the level as size.
    if not any(np.ptp(size[level == g]) > 1e-12 for g in (0.0, 1.0) if (level == g).sum() > 1):
        return None
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ coef
    sigma2 = float(resid @ resid) / dof
    cov = sigma2 * np.linalg.inv(x.T @ x)
    half = stats.t.ppf(0.5 + confidence / 2, dof) * math.sqrt(max(cov[1, 1], 0.0))
    return float(coef[1]), float(coef[1] - half), float(coef[1] + half)


# -- verdicts ----------------------------------------------------------------



def seeds_needed(diff: float, sd: float, *, paired: bool, confidence: float = 0.95, cap: int = 10_000) -> int | None:
    """Units per level for which a t interval of spread ``sd`` would exclude 0 if ``diff`` is the truth.

    ``sd`` is the standard deviation of a per-seed difference (paired) or of
    one unit within a level (unpaired, both levels alike). Solves
    ``t(n) * sd * sqrt(k / n) < |diff|`` with ``k = 1`` (paired) or ``2``.

    Example:
        >>> seeds_needed(0.01, 0.01, paired=True)
        7
    """
    if not diff or _nan(diff) or _nan(sd):
        return None
    if sd == 0:
        return 2
    k = 1.0 if paired else 2.0
    z = stats.norm.ppf(0.5 + confidence / 2)
    start = max(2, math.ceil(k * (z * sd / abs(diff)) ** 2))  # the normal answer; t needs a few more
    if start > cap:
        return None
    for n in range(start, cap + 1):
        dof = n - 1 if paired else 2 * n - 2
        if stats.t.ppf(0.5 + confidence / 2, dof) * sd * math.sqrt(k / n) < abs(diff):
            return n
    return None


# -- one question --------------------------------------------------------------


def analyze_question(table: pd.DataFrame, param: str, *, baseline: Any = None, direction: str = "maximize",
                     paired: bool = False, max_levels: int = 6, bins: int = 4, min_n: int = 2,
                     order: Sequence[Any] | None = None, confidence: float = 0.95) -> QuestionResult:
    """Per-level summaries and effects against a reference level for one hyperparameter.

    Args:
        table: one row per (trial, seed); see the module docstring.
        param: the hyperparameter; its values are in column ``params_<param>``.
        baseline: the reference level (default: the lowest level or bin).
        direction: "maximize" or "minimize" (decides which sign helps).
        paired: the levels share seeds and everything else was held fixed (an ablation).
        max_levels: a numeric parameter with more distinct values is cut into ``bins`` quantile bins.
        min_n: fewer units than this at a level (or the reference) gives "not enough data".
        order: level order (e.g. the declared choices); default sorted.

    Example:
        >>> t = pd.DataFrame({"trial": range(6), "seed": range(6), "value": [.8, .81, .82, .9, .91, .92],
        ...                   "params_count": 100, "fit_seconds": 1.0, "params_layers": [1, 1, 1, 2, 2, 2]})
        >>> analyze_question(t, "layers").effects[0].verdict
        'helps'
    """
    column = f"params_{param}"
    if column not in table.columns:
        return QuestionResult(param, None, paired, _method(paired), False, [], [],
                              note=f"no finished trial has a value for {param!r}.")
    rows = table[table[column].notna() & table["value"].notna()].copy()
    if rows.empty:
        return QuestionResult(param, None, paired, _method(paired), False, [], [],
                              note=f"no finished trial has a value for {param!r}.")
    labels, level_order, binned = _levels(rows[column], max_levels, bins, order)
    rows["_level"] = labels
    reference = _reference(rows, column, baseline, level_order, binned)
    note = ""
    if baseline is not None and reference != _label(baseline) and not binned:
        note = f"baseline {baseline!r} has no finished trial; the reference is {reference}."
    unit = ["_level", "seed"] if paired else ["_level", "trial"]
    units = (rows.groupby(unit, sort=False)
             .agg(value=("value", "mean"), params_count=("params_count", "median"),
                  fit_seconds=("fit_seconds", "median"))
             .reset_index())
    levels = [_summary(rows[rows["_level"] == lv], units[units["_level"] == lv], lv, confidence)
              for lv in level_order]
    ref_units = units[units["_level"] == reference]
    effects = [_effect(units[units["_level"] == lv], ref_units, lv, reference, direction, paired, min_n, confidence)
               for lv in level_order if lv != reference]
    return QuestionResult(param, reference, paired, _method(paired), binned, levels, effects, note)


def _method(paired: bool) -> str:
    return PAIRED_METHOD if paired else UNPAIRED_METHOD


def _summary(rows: pd.DataFrame, units: pd.DataFrame, level: str, confidence: float) -> LevelSummary:
    m, lo, hi = mean_interval(units["value"], confidence)
    return LevelSummary(level, m, lo, hi, int(rows["trial"].nunique()), int(rows["seed"].nunique()),
                        _median(rows["params_count"]), _median(rows["fit_seconds"]))


def _effect(lev: pd.DataFrame, ref: pd.DataFrame, level: str, reference: str, direction: str, paired: bool,
            min_n: int, confidence: float) -> Effect:
    if paired:
        both = lev.set_index("seed")["value"].to_frame("a").join(ref.set_index("seed")["value"].rename("b"),
                                                                  how="inner")
        n = n_ref = len(both)
        diff, lo, hi = paired_interval(both["a"], both["b"], confidence) if n else (math.nan,) * 3
        sd = float((both["a"] - both["b"]).std(ddof=1)) if n > 1 else math.nan
    else:
        n, n_ref = len(lev), len(ref)
        diff, lo, hi = (welch_interval(lev["value"], ref["value"], confidence) if n and n_ref
                        else (math.nan,) * 3)
        sds = [s for s in (lev["value"].std(ddof=1), ref["value"].std(ddof=1)) if not _nan(s)]
        sd = float(np.sqrt(np.mean(np.square(sds)))) if sds else math.nan
    v = verdict(None if _nan(diff) else diff, lo, hi, direction, n=n, n_ref=n_ref, min_n=min_n)
    more = None
    if v == NOT_ENOUGH:
        need = seeds_needed(diff, sd, paired=paired, confidence=confidence) if not _nan(sd) else None
        more = max(min_n, need or min_n) - min(n, n_ref)
    elif v == UNCLEAR:
        need = seeds_needed(diff, sd, paired=paired, confidence=confidence)
        more = None if need is None else max(need - min(n, n_ref), 1)
    effect = Effect(level, reference, _num(diff), _num(lo), _num(hi), n, n_ref, v, more,
                    _median(lev["params_count"]), _median(ref["params_count"]))
    _size_check(effect, lev, ref, confidence)
    return effect


def _size_check(effect: Effect, lev: pd.DataFrame, ref: pd.DataFrame, confidence: float) -> None:
    if effect.verdict not in (HELPS, HURTS):
        effect.size_note = "no clear effect to check."
        return
    sizes = pd.concat([lev["params_count"], ref["params_count"]]).dropna()
    if sizes.empty:
        effect.size_note = "parameter counts unknown."
        return
    if sizes.nunique() == 1:
        effect.survives_size, effect.size_note = True, "same model size."
        effect.adjusted_diff, effect.adjusted_ci_low, effect.adjusted_ci_high = effect.diff, effect.ci_low, effect.ci_high
        return
    both = pd.concat([lev.assign(_is=True), ref.assign(_is=False)]).dropna(subset=["params_count"])
    adjusted = size_adjusted_interval(both["value"], both["_is"], both["params_count"], confidence)
    if adjusted is None:
        effect.size_note = ("size changes with this level and not within it: the effect cannot be told "
                            "apart from a size effect (compare with a width/depth question at equal size).")
        return
    effect.adjusted_diff, effect.adjusted_ci_low, effect.adjusted_ci_high = adjusted
    lo, hi = adjusted[1], adjusted[2]
    same_sign = (lo > 0 and effect.diff > 0) or (hi < 0 and effect.diff < 0)
    effect.survives_size = bool(same_sign)
    effect.size_note = ("holds at equal model size." if same_sign
                        else "not clear at equal model size: part of it may be a size effect.")



def _reference(rows: pd.DataFrame, column: str, baseline: Any, order: list[str], binned: bool) -> str:
    if baseline is not None:
        if not binned and _label(baseline) in order:
            return _label(baseline)
        if binned:
            try:
                b = float(baseline)
            except (TypeError, ValueError):
                b = math.nan
            hits = rows.loc[(rows[column].astype(float) - b).abs().idxmin(), "_level"] if not _nan(b) else None
            if hits is not None:
                return str(hits)
    return order[0]
