"""One question (one hyperparameter): level summaries, outcome counts, comparisons, balance, size."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from archsearch.analysis._estimation import judged_outcome, level_labels, median, num, pick_reference
from archsearch.analysis._intervals import Comparison, mean_interval, paired_test, welch_test
from archsearch.analysis._regression import MAX_VIF, adjusted_comparisons, balance_table
from archsearch.analysis._words import counted

__all__ = ["PAIRED_METHOD", "REGRESSION_METHOD", "UNADJUSTED_METHOD", "WELCH_METHOD", "question_parts"]

PAIRED_METHOD = "paired t on per-seed differences (same seeds at every level, all else held fixed)"
REGRESSION_METHOD = "OLS of the objective on the factor and the other hyperparameters, HC3 robust errors, t intervals"
WELCH_METHOD = "Welch t on the difference of trial means (no other hyperparameter to adjust for)"
UNADJUSTED_METHOD = "Welch t on the difference of trial means (unadjusted: too few trials to adjust for the others)"
_RATE_P = 0.05  # a prune/fail rate differing at this Fisher p withholds verdicts from complete trials alone


def _units(rows: pd.DataFrame, paired: bool, others: list[str]) -> pd.DataFrame:
    key = ["_level", "seed"] if paired else ["_level", "trial"]
    agg = {
        "value": ("value", "mean"),
        "params_count": ("params_count", "median"),
        "fit_seconds": ("fit_seconds", "median"),
        "trial": ("trial", "first"),
        "seed": ("seed", "first"),
        "epochs": ("_epochs", "median"),
    }
    agg = {k: v for k, v in agg.items() if k not in key}
    agg.update({o: (o, "first") for o in others})
    return rows.groupby(key, sort=False, dropna=False).agg(**agg).reset_index()


def _counts(rows: pd.DataFrame, lv: str) -> dict[str, Any]:
    at = rows[rows["_level"] == lv].drop_duplicates("trial")
    n = {s: int((at["state"] == s).sum()) for s in ("COMPLETE", "PRUNED", "FAIL")}
    total = max(len(at), 1)
    errors = at.loc[at["state"] == "FAIL", "error"].dropna().astype(str) if "error" in at.columns else pd.Series([])
    return {
        "n_complete": n["COMPLETE"],
        "n_pruned": n["PRUNED"],
        "n_failed": n["FAIL"],
        "prune_rate": n["PRUNED"] / total,
        "fail_rate": n["FAIL"] / total,
        "first_error": (errors.iloc[0].splitlines() or [""])[0][:200] if len(errors) else None,
    }


def _no_values(table: pd.DataFrame, param: str) -> str:
    """Why no trial has a value for ``param``: every trial failed (with the first one's error), or none declared it."""
    failed = table["state"] == "FAIL" if "state" in table.columns else pd.Series(False, index=table.index)
    if not len(table) or not failed.all():
        return f"no trial has a value for {param!r}."
    first = table.sort_values("trial").iloc[0] if "trial" in table.columns else table.iloc[0]
    error = first.get("error")
    line = (str(error).splitlines() or [""])[0][:200].rstrip(".") if isinstance(error, str) else ""
    reason = f"; the first: {line}" if line else ""
    n = table["trial"].nunique() if "trial" in table.columns else len(table)
    return f"every trial failed ({counted(n, 'trials')}){reason}."


def _rate_p(a: int, n_a: int, b: int, n_b: int) -> float:
    if n_a == 0 or n_b == 0 or a + b == 0:
        return 1.0
    return float(stats.fisher_exact([[a, n_a - a], [b, n_b - b]]).pvalue)


def question_parts(
    table: pd.DataFrame, spec: dict[str, Any], *, paired: bool, max_levels: int = 6, bins: int = 4
) -> dict[str, Any]:
    """Everything about one question except the family-wide adjustment and the verdict words.

    Returns a dict with the JSON fields of ``questions[]`` plus ``_comparisons``
    (level -> :class:`Comparison` or None) and ``_units`` for later steps.
    """
    param = spec["param"]
    column = f"params_{param}"
    base = {
        "param": param,
        "text": spec.get("text") or f"What does {param} change?",
        "baseline": spec.get("baseline"),
        "paired": paired,
        "exploratory": not paired,
        "levels": [],
        "effects": [],
        "balance": [],
        "adjusted_for": [],
        "outcome": None,
        "note": "",
        "baseline_note": "",
    }
    if column not in table.columns or table[column].notna().sum() == 0:
        return {
            **base,
            "reference": None,
            "method": PAIRED_METHOD if paired else REGRESSION_METHOD,
            "binned": False,
            "note": _no_values(table, param),
            "_comparisons": {},
            "_units": None,
        }
    rows = table[table[column].notna()].copy()
    labels, order, binned = level_labels(rows[column], max_levels, bins, spec.get("order"))
    rows["_level"] = labels
    rows["_epochs"] = [len(c) if isinstance(c, list) else math.nan for c in rows["epoch_values"]]
    outcome = judged_outcome(rows)
    others = [c for c in table.columns if c.startswith("params_") and c not in (column, "params_count")]
    units = _units(outcome.rows, paired, others if not paired else [])
    usable = set(units["_level"])
    reference = pick_reference(rows[column], labels, spec.get("baseline"), order, binned, usable)
    notes = []
    baseline_note = ""
    if (
        spec.get("baseline") is not None
        and not binned
        and reference != str(spec["baseline"])
        and reference != _label_of(spec["baseline"])
    ):  # the search never tried the question's baseline: said wherever the effects are, not only in the report
        baseline_note = f"the baseline {spec['baseline']!r} has no trial; the effects are against {reference} instead."
        notes.append(baseline_note)
    if outcome.note:
        notes.append(outcome.note)
    counts = {lv: _counts(rows, lv) for lv in order}
    levels = []
    for lv in order:
        u = units[units["_level"] == lv]
        m, lo, hi = mean_interval(u["value"]) if len(u) else (math.nan,) * 3
        at = rows[rows["_level"] == lv]
        levels.append(
            {
                "level": lv,
                "mean": m,
                "ci_low": lo,
                "ci_high": hi,
                "n_trials": int(at["trial"].nunique()),
                "n_seeds": int(at["seed"].nunique()),
                "params_count": median(at["params_count"]),
                "fit_seconds": median(at["fit_seconds"]),
                **counts[lv],
            }
        )
    comps, method, info = _comparisons(units, order, reference, others, paired, max_levels)
    if not paired and info.get("error"):
        notes.append(info["error"] + " Effects are unadjusted Welch comparisons.")
    effects = []
    ref_c = counts[reference]
    ref_n = ref_c["n_complete"] + ref_c["n_pruned"] + ref_c["n_failed"]
    for lv in order:
        if lv == reference:
            continue
        c = counts[lv]
        n_lv = c["n_complete"] + c["n_pruned"] + c["n_failed"]
        u_lv, u_ref = units[units["_level"] == lv], units[units["_level"] == reference]
        n, n_ref = _paired_n(u_lv, u_ref) if paired else (len(u_lv), len(u_ref))
        reasons = []
        if n == 0 and c["n_failed"] == n_lv:
            reasons.append(f"{lv}: {n_lv} trial(s), all failed" + (f": {c['first_error']}" if c["first_error"] else ""))
        fail_p = _rate_p(c["n_failed"], n_lv, ref_c["n_failed"], ref_n)
        prune_p = _rate_p(c["n_pruned"], n_lv, ref_c["n_pruned"], ref_n)
        withheld = False
        if fail_p < _RATE_P and n:
            withheld = True
            reasons.append(
                f"fail rate {c['fail_rate']:.0%} vs {ref_c['fail_rate']:.0%} (Fisher p={fail_p:.2g}): "
                "the trials that finished are a selected sample, so they give no verdict."
            )
        if outcome.complete_only and prune_p < _RATE_P and n:
            withheld = True
            reasons.append(
                f"prune rate {c['prune_rate']:.0%} vs {ref_c['prune_rate']:.0%} "
                f"(Fisher p={prune_p:.2g}) and no per-epoch values: complete trials alone give no "
                "verdict."
            )
        effects.append(
            {
                "level": lv,
                "reference": reference,
                "n": n,
                "n_ref": n_ref,
                "n_complete": c["n_complete"],
                "n_pruned": c["n_pruned"],
                "n_failed": c["n_failed"],
                "fail_rate_p": fail_p,
                "prune_rate_p": prune_p,
                "withheld": withheld,
                "reason": " ".join(reasons),
                "exploratory": not paired,
                "level_params": median(u_lv["params_count"]),
                "reference_params": median(u_ref["params_count"]),
                "_comparison": comps.get(lv),
            }
        )
    out = {
        **base,
        "reference": reference,
        "method": method,
        "binned": binned,
        "levels": levels,
        "effects": effects,
        "outcome": "value" if outcome.epoch is None else f"epoch {outcome.epoch}",
        "adjusted_for": info.get("terms", []),
        "note": " ".join(notes),
        "baseline_note": baseline_note,
        "_units": units,
        "_others": others,
        "_fit": info,
        "_rows": outcome.rows,
    }
    if not paired and len(usable) >= 2:
        out["balance"] = balance_table(
            units, [lv for lv in order if lv in usable], reference, others, max_levels=max_levels
        )
    _size(out, units, order, reference, others, paired, max_levels)
    return out


def _label_of(v: Any) -> str:
    from archsearch.analysis._estimation import label

    return label(v)


def _paired_n(u_lv: pd.DataFrame, u_ref: pd.DataFrame) -> tuple[int, int]:
    n = len(set(u_lv["seed"]) & set(u_ref["seed"]))
    return n, n


def per_seed(units: pd.DataFrame, lv: str, column: str = "value") -> pd.Series:
    """One level's ``column`` indexed by seed (paired designs)."""
    u = units[units["_level"] == lv]
    return pd.Series(u[column].to_numpy(float), index=u["seed"].to_numpy())


def _comparisons(
    units: pd.DataFrame,
    order: list[str],
    reference: str,
    others: list[str],
    paired: bool,
    max_levels: int,
    column: str = "value",
) -> tuple[dict[str, Comparison], str, dict[str, Any]]:
    if paired:
        ref = per_seed(units, reference, column)
        out = {}
        for lv in order:
            if lv == reference:
                continue
            cur = per_seed(units, lv, column)
            common = sorted(set(cur.index) & set(ref.index))
            out[lv] = paired_test(cur.loc[common], ref.loc[common])
        return out, PAIRED_METHOD, {}
    u = units.assign(value=units[column])
    u = u[np.isfinite(u["value"].astype(float))]
    eligible = [lv for lv in order if (u["_level"] == lv).sum() >= 2]
    welch = {
        lv: welch_test(u.loc[u["_level"] == lv, "value"], u.loc[u["_level"] == reference, "value"])
        for lv in order
        if lv != reference
    }
    active = [o for o in others if u[o].notna().any() and u[o].nunique(dropna=False) > 1]
    if not active:
        return welch, WELCH_METHOD, {}
    if reference not in eligible:  # the regression needs 2 trials of the reference at least
        n = int((u["_level"] == reference).sum())
        why = f"the reference level ({reference}) has {counted(n, 'trials')}, too few to adjust for the others."
        return welch, UNADJUSTED_METHOD, {"n_others": len(active), "error": why[0].upper() + why[1:]}
    sub = u[u["_level"].isin(eligible)]
    comps, info = adjusted_comparisons(sub, eligible, reference, active, max_levels=max_levels)
    info["n_others"] = len(active)
    if info.get("error"):
        return welch, UNADJUSTED_METHOD, info
    return {lv: comps.get(lv, welch[lv]) for lv in welch}, REGRESSION_METHOD, info


def _size(
    out: dict[str, Any],
    units: pd.DataFrame,
    order: list[str],
    reference: str,
    others: list[str],
    paired: bool,
    max_levels: int,
) -> None:
    """Size-adjusted estimate with its VIF, or "cannot tell apart"."""
    sizes = units["params_count"]
    for e in out["effects"]:
        e.update(
            {
                "adjusted_diff": None,
                "adjusted_ci_low": None,
                "adjusted_ci_high": None,
                "vif": None,
                "survives_size": None,
                "_size_comparison": None,
            }
        )
        both = units[units["_level"].isin([e["level"], reference])]
        s = both["params_count"].dropna()
        if not (both["_level"] == e["level"]).any():
            e["size_note"] = "no usable trial at this level."
        elif s.empty:
            e["size_note"] = "parameter counts unknown."
        elif s.nunique() == 1:
            e["size_note"] = "same model size."
        elif paired or all(
            both.loc[both["_level"] == g, "params_count"].nunique() <= 1 for g in (e["level"], reference)
        ):
            e["size_note"] = (
                f"cannot tell apart: {out['param']} sets the model size here "
                f"({_int(e['level_params'])} vs {_int(e['reference_params'])} parameters) and size "
                "does not vary within a level, so an effect of size and an effect of "
                f"{out['param']} are the same contrast."
            )
        else:
            e["size_note"] = ""
    pending = [e for e in out["effects"] if e["size_note"] == ""]
    if not pending or sizes.dropna().le(0).any():
        return
    eligible = [lv for lv in order if (units["_level"] == lv).sum() >= 2]
    sub = units[units["_level"].isin(eligible) & units["params_count"].notna()]
    if reference not in eligible:
        for e in pending:
            e["size_note"] = "too few trials to adjust for size."
        return
    active = [o for o in others if sub[o].notna().any() and sub[o].nunique(dropna=False) > 1]
    comps, info = adjusted_comparisons(sub, eligible, reference, active, max_levels=max_levels, size=True)
    for e in pending:
        c, vif = comps.get(e["level"]), info.get("vif", {}).get(e["level"])
        if c is None or not info.get("size_in_model"):
            e["size_note"] = "cannot tell apart: size is a function of the hyperparameters in these trials."
            continue
        e["vif"] = vif
        if vif is None or not math.isfinite(vif) or vif > MAX_VIF:
            e["size_note"] = (
                f"cannot tell apart: {out['param']} and model size are collinear here "
                f"(VIF {vif:.0f} > {MAX_VIF:.0f}); `archsearch ask --match-size` separates them "
                "by design."
            )
            continue
        e["_size_comparison"] = c
        e["size_note"] = f"estimate at equal model size (VIF {vif:.1f})."


def _int(x: Any) -> str:
    return "?" if num(x) is None else f"{int(round(x)):,}"
