"""The table, its levels and the outcome each trial is judged by.

The table has one row per (trial, seed): ``trial``, ``seed``, ``value`` (the
objective for that seed), ``state`` (COMPLETE / PRUNED / FAIL),
``params_count``, ``fit_seconds``, ``params_<name>`` per hyperparameter (NaN
where inactive) and optionally ``epoch_values`` (the objective per epoch).
Nothing here imports Keras, Optuna or MLflow.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Outcome", "judged_outcome", "json_ready", "level_labels", "normalize_table", "pick_reference"]

STATES = ("COMPLETE", "PRUNED", "FAIL")


def normalize_table(table: pd.DataFrame) -> pd.DataFrame:
    """A copy with every column the analysis reads: missing ones filled, ``epoch_values`` parsed to lists.

    Raises:
        ValueError: a required column (``trial``, ``value``) is missing, or a state is unknown.
    """
    missing = [c for c in ("trial", "value") if c not in table.columns]
    if missing:
        raise ValueError(f"the table needs the columns trial, seed, value, state; missing: {', '.join(missing)}.")
    t = table.copy()
    if "seed" not in t.columns:
        t["seed"] = t["trial"]
    if "state" not in t.columns:
        t["state"] = np.where(t["value"].notna(), "COMPLETE", "FAIL")
    t["state"] = t["state"].fillna("COMPLETE").astype(str).str.upper()
    bad = sorted(set(t["state"]) - {*STATES, "RUNNING", "WAITING"})
    if bad:
        raise ValueError(f"state must be COMPLETE, PRUNED or FAIL, but got {bad[0]!r}.")
    for c in ("params_count", "fit_seconds", "epoch_seconds"):
        t[c] = pd.to_numeric(t[c], errors="coerce") if c in t.columns else math.nan
    t["value"] = pd.to_numeric(t["value"], errors="coerce")
    t["epoch_values"] = pd.Series(
        [_epochs(v) for v in t["epoch_values"]] if "epoch_values" in t.columns else None, index=t.index, dtype=object
    )
    return t


def _epochs(v: Any) -> list[float] | None:
    if isinstance(v, str):
        try:
            v = json.loads(v)
        except json.JSONDecodeError:
            raise ValueError(f"epoch_values must be a JSON list of numbers, but got {v[:40]!r}.") from None
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    out = [float(x) for x in v if x is not None]
    return out or None


class Outcome:
    """What every trial of a question is judged by: the final value, or the value at a common epoch."""

    def __init__(self, rows: pd.DataFrame, epoch: int | None, note: str, complete_only: bool) -> None:
        self.rows, self.epoch, self.note, self.complete_only = rows, epoch, note, complete_only


def judged_outcome(rows: pd.DataFrame) -> Outcome:
    """Rows with the ``value`` to compare, counting pruned trials as outcomes.

    Without pruned trials: the complete rows and their value. With pruned trials
    that have per-epoch values: every complete and pruned trial is compared at
    the last epoch all of them reached, so the pruner's choice of whom to stop
    does not select the sample. Without per-epoch values the complete trials
    alone are used and ``complete_only`` is True (verdicts must then check that
    prune rates agree).
    """
    used = rows[rows["state"].isin(("COMPLETE", "PRUNED"))]
    pruned = int((used["state"] == "PRUNED").sum())
    if not pruned:
        return Outcome(used[used["value"].notna()], None, "", False)
    curves = used["epoch_values"]
    if curves.notna().all() and len(used):
        epoch = int(min(len(c) for c in curves))
        out = used.assign(value=[c[epoch - 1] for c in curves])
        n = int(used.loc[used["state"] == "PRUNED", "trial"].nunique())
        return Outcome(
            out,
            epoch,
            f"{n} pruned trial(s) count: every trial is compared at epoch {epoch}, the last one all of them reached.",
            False,
        )
    done = used[(used["state"] == "COMPLETE") & used["value"].notna()]
    return Outcome(
        done,
        None,
        "pruned trials have no per-epoch values: only complete trials are compared, "
        "which a pruner biases toward levels it lets finish.",
        True,
    )


def level_labels(
    values: pd.Series, max_levels: int = 6, bins: int = 4, order: Sequence[Any] | None = None
) -> tuple[pd.Series, list[str], bool]:
    """Text labels per row, the level order, and whether a numeric parameter was cut into quantile bins."""
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if numeric and values.nunique() > max_levels:
        codes, edges = pd.qcut(values.astype(float), q=bins, labels=False, retbins=True, duplicates="drop")
        order_ = _bin_labels([float(x) for x in edges])
        labels = pd.Series([order_[int(c)] for c in codes], index=values.index, dtype=object)
        return labels, [lv for lv in order_ if (labels == lv).any()], True
    labels = values.map(label)
    present = list(dict.fromkeys(labels))
    if order is not None:
        ranked = [label(v) for v in order]
        present.sort(key=lambda lv: ranked.index(lv) if lv in ranked else len(ranked))
    else:
        raw = {label(v): v for v in values}
        present.sort(key=lambda lv: _sort_key(raw[lv]))
    return labels, present, False


def pick_reference(
    values: pd.Series, labels: pd.Series, baseline: Any, order: list[str], binned: bool, usable: set[str]
) -> str:
    """The baseline's level (its bin when binned), else the first level with data."""
    if baseline is not None:
        if not binned and label(baseline) in order:
            return label(baseline)
        if binned:
            try:
                b = float(baseline)
            except (TypeError, ValueError):
                b = math.nan
            if math.isfinite(b):
                closest = (values.astype(float) - b).abs().idxmin()
                return str(labels.loc[closest])  # type: ignore[call-overload]  # an index label; the stubs say Hashable
    return next((lv for lv in order if lv in usable), order[0])


def label(value: Any) -> str:
    """A level as text: ``3``, ``0.001``, ``relu``, ``True``."""
    if isinstance(value, float | np.floating) and not isinstance(value, bool):
        return _fmt(float(value))
    return str(value.item() if isinstance(value, np.generic) else value)


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _bin_labels(edges: Sequence[float]) -> list[str]:
    """``[low, high]`` per quantile bin, from the values' own quantiles: the lowest bin starts at the smallest
    value (pandas' own labels start 0.001 below it, e.g. ``1e-05`` for a learning rate from 0.001), with as many
    significant digits as keep neighbouring edges apart.

    Example:
        >>> _bin_labels([0.001014, 0.00149, 0.00344, 0.0099])
        ['[0.001014, 0.00149]', '[0.00149, 0.00344]', '[0.00344, 0.0099]']
        >>> _bin_labels([1.0, 1.00001, 2.0])
        ['[1, 1.00001]', '[1.00001, 2]']
    """
    for digits in range(4, 18):
        text = [f"{float(x):.{digits}g}" for x in edges]
        if len(set(text)) == len(text):
            break
    return [f"[{lo}, {hi}]" for lo, hi in zip(text[:-1], text[1:], strict=True)]


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool | np.bool_):
        return (0, int(value))
    if isinstance(value, int | float | np.integer | np.floating):
        return (0, float(value))
    return (1, str(value))


def median(s: pd.Series) -> float | None:
    """Median of the numeric values, None when there are none."""
    s = pd.to_numeric(s, errors="coerce").dropna()
    return None if s.empty else float(s.median())


def num(x: Any) -> float | None:
    """A finite float or None."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def json_ready(obj: Any) -> Any:
    """NaN -> None and numpy scalars -> Python, so the dict is valid JSON."""
    if isinstance(obj, dict):
        return {k: json_ready(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_ready(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
