"""Search effects adjusted for the other hyperparameters: OLS with HC3 errors, a balance table, size and VIF.

In a search the sampler decides which configurations meet: a level may have
been tried mostly with a bad learning rate. The effect of a level is therefore
the coefficient of its indicator in a regression of the objective on the
factor plus every other hyperparameter (statsmodels OLS, heteroskedasticity-
robust HC3 standard errors, t reference distribution). Continuous parameters
enter on the log scale when they span a decade or more, as a centred natural
cubic spline (3 df) when the trials allow it; categorical ones as indicators;
an inactive conditional parameter is filled with a constant plus an
"inactive" indicator. Columns that add no rank (e.g. a child parameter only
active at one level) are dropped, the factor's own columns first kept.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from archsearch.analysis._intervals import Comparison

__all__ = ["MAX_VIF", "POOR_BALANCE", "adjusted_comparisons", "balance_table", "covariates"]

#: |standardized mean difference| above this is poor balance (a common rule of thumb is 0.1-0.25).
POOR_BALANCE = 0.25
#: A variance inflation factor above this means the factor and size cannot be told apart.
MAX_VIF = 10.0
_MIN_CATEGORY = 3  # a category seen fewer times gets no indicator (its HC3 leverage would be ~1)
_SPLINE_UNITS = 10  # units per spline column needed before a spline replaces a single (log) term


def _numeric(s: pd.Series, max_levels: int) -> bool:
    active = s.dropna()
    return (
        pd.api.types.is_numeric_dtype(active)
        and not pd.api.types.is_bool_dtype(active)
        and active.nunique() > max_levels
    )


def _scale(x: pd.Series) -> tuple[pd.Series, str]:
    a = x.dropna().astype(float)
    if len(a) and a.min() > 0 and a.max() / a.min() >= 10:
        return x.astype(float).transform(np.log), "log"
    return x.astype(float), "linear"


def covariates(
    units: pd.DataFrame, others: list[str], *, max_levels: int = 6, spline: bool = True
) -> tuple[pd.DataFrame, list[str]]:
    """Columns that describe the other hyperparameters, and a description of each term."""
    cols: dict[str, np.ndarray] = {}
    terms: list[str] = []
    n = len(units)
    for name in others:
        s = units[name]
        inactive = s.isna()
        if inactive.all() or s.dropna().nunique() < 2 and not inactive.any():
            continue
        if inactive.any() and (~inactive).sum() >= 1:
            cols[f"{name}:inactive"] = inactive.to_numpy(float)
        if _numeric(s, max_levels):
            x, how = _scale(s)
            x = x.fillna(x.mean())
            if spline and n >= _SPLINE_UNITS * 3 and x.nunique() > 6:
                import patsy

                basis = np.asarray(patsy.dmatrix("cr(x, df=3, constraints='center') - 1", {"x": x.to_numpy()}))
                for j in range(basis.shape[1]):
                    cols[f"{name}:spline{j}"] = basis[:, j]
                terms.append(f"{name} (spline on {how} scale)")
            else:
                cols[name] = x.to_numpy(float)
                terms.append(f"{name} ({how})")
            continue
        text = s.map(lambda v: "<inactive>" if pd.isna(v) else str(v))
        counts = text[~inactive].value_counts()
        kept = [c for c in counts.index[1:] if counts[c] >= _MIN_CATEGORY]
        for c in kept:
            cols[f"{name}={c}"] = (text == c).to_numpy(float)
        if kept or inactive.any():
            terms.append(f"{name} (categories)")
    return pd.DataFrame(cols, index=units.index), terms


def _full_rank(x: pd.DataFrame, keep_first: int) -> pd.DataFrame:
    """Drop columns (after the first ``keep_first``) that add no rank."""
    chosen: list[str] = []
    for j, c in enumerate(x.columns):
        trial = x[[*chosen, c]].to_numpy(float)
        scaled = trial / np.maximum(np.abs(trial).max(axis=0), 1e-300)
        if np.linalg.matrix_rank(scaled, tol=1e-8 * max(scaled.shape)) == len(chosen) + 1 or j < keep_first:
            chosen.append(c)
    return x[chosen]


def _fit(y: np.ndarray, x: pd.DataFrame) -> Any | None:
    from statsmodels.regression.linear_model import OLS

    if len(y) - x.shape[1] < 2:
        return None
    xm = x.to_numpy(float)
    q, _ = np.linalg.qr(xm)
    if np.max((q**2).sum(axis=1)) > 1 - 1e-8:  # HC3 divides by 1 - leverage
        return None
    return OLS(y, xm).fit(cov_type="HC3", use_t=True)


def adjusted_comparisons(
    units: pd.DataFrame,
    levels: list[str],
    reference: str,
    others: list[str],
    *,
    max_levels: int = 6,
    size: bool = False,
) -> tuple[dict[str, Comparison], dict[str, Any]]:
    """Regression-adjusted ``level - reference`` per level (units: one row per trial, column ``_level``).

    With ``size``, log(parameter count) is added and ``info["vif"]`` gives each
    level indicator's variance inflation factor.

    Returns:
        ``(comparisons, info)``; ``info`` has ``terms`` (what was adjusted for),
        ``n`` and ``df_resid``, or ``error`` when no model could be fitted.
    """
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    y = units["value"].to_numpy(float)
    dummies = pd.DataFrame(
        {f"_is:{lv}": (units["_level"] == lv).to_numpy(float) for lv in levels if lv != reference}, index=units.index
    )
    for spline in (True, False):
        cov, terms = covariates(units, others, max_levels=max_levels, spline=spline)
        if size:
            logsize = np.log(units["params_count"].astype(float).to_numpy())
            cov = cov.assign(**{"log(params_count)": logsize})
            terms = [*terms, "log(params_count)"]
        x = pd.concat([pd.DataFrame({"const": np.ones(len(units))}, index=units.index), dummies, cov], axis=1)
        x = _full_rank(x, 1 + dummies.shape[1])
        res = _fit(y, x)
        if res is not None:
            break
    else:
        return {}, {"error": "too few trials for a regression on the other hyperparameters.", "terms": terms}
    names = list(x.columns)
    out = {}
    for lv in levels:
        if lv == reference or f"_is:{lv}" not in names:
            continue
        j = names.index(f"_is:{lv}")
        out[lv] = Comparison(
            float(res.params[j]), float(res.bse[j]), float(res.df_resid), float(res.pvalues[j]), "ols-hc3"
        )
    info: dict[str, Any] = {"terms": terms, "n": int(len(y)), "df_resid": float(res.df_resid)}
    if size:
        xm = x.to_numpy(float)
        info["vif"] = {lv: float(variance_inflation_factor(xm, names.index(f"_is:{lv}"))) for lv in out}
        info["size_in_model"] = "log(params_count)" in names
    return out, info


def balance_table(
    units: pd.DataFrame, levels: list[str], reference: str, others: list[str], *, max_levels: int = 6
) -> list[dict[str, Any]]:
    """Per other hyperparameter, the standardized mean difference of each level from the reference.

    Numeric parameters are compared on the scale the regression uses (log when
    they span a decade); categorical ones by the largest SMD of a category's
    share; a parameter inactive at some rows also by its share of inactive rows.
    """
    ref = units[units["_level"] == reference]
    rows = []
    for name in others:
        s = units[name]
        if s.isna().all():
            continue
        entry: dict[str, Any] = {"param": name.removeprefix("params_"), "smd": {}}
        for lv in levels:
            if lv == reference:
                continue
            cur = units[units["_level"] == lv]
            entry["smd"][lv] = _smd(cur[name], ref[name], _numeric(s, max_levels), s)
        vals = [abs(v) for v in entry["smd"].values() if v is not None and math.isfinite(v)]
        entry["max_abs_smd"] = max(vals) if vals else None
        entry["poor"] = bool(vals) and max(vals) > POOR_BALANCE
        rows.append(entry)
    return rows


def _smd(a: pd.Series, b: pd.Series, numeric: bool, whole: pd.Series) -> float | None:
    if len(a) < 1 or len(b) < 1:
        return None
    out = []
    if a.isna().any() or b.isna().any():
        out.append(_prop_smd(a.isna().mean(), b.isna().mean()))
    if numeric:
        how = _scale(whole)[1]
        sa, sb = (a.dropna().astype(float).to_numpy(), b.dropna().astype(float).to_numpy())
        if how == "log":
            sa, sb = np.log(sa), np.log(sb)
        if len(sa) >= 1 and len(sb) >= 1:
            pooled = math.sqrt(
                (np.nanvar(sa, ddof=1 if len(sa) > 1 else 0) + np.nanvar(sb, ddof=1 if len(sb) > 1 else 0)) / 2
            )
            if pooled > 0:
                out.append(float((sa.mean() - sb.mean()) / pooled))
            elif sa.mean() != sb.mean():
                out.append(math.inf)
    else:
        for c in whole.dropna().astype(str).unique():
            out.append(_prop_smd((a.astype(str) == c).mean(), (b.astype(str) == c).mean()))
    found = [v for v in out if v is not None]
    return max(found, key=abs) if found else None


def _prop_smd(p1: float, p2: float) -> float | None:
    pooled = math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2)
    if pooled == 0:
        return 0.0 if p1 == p2 else math.inf
    return float((p1 - p2) / pooled)
