"""Pure summaries of a trial table: best trials, trials at chance level, state counts."""

from __future__ import annotations

import pandas as pd

__all__ = ["best_trials", "chance_trials", "state_counts"]

_BEST_COLUMNS = (
    "trial",
    "value",
    "n_seeds",
    "params_count",
    "accuracy",
    "val_accuracy",
    "test_accuracy",
    "fit_seconds",
)


def best_trials(table: pd.DataFrame, direction: str = "maximize", k: int = 5) -> pd.DataFrame:
    """The ``k`` best complete trials, one row each (metrics averaged over its seeds).

    Columns: trial, value, n_seeds, params_count, accuracy (train), val_accuracy,
    test_accuracy, fit_seconds, then the ``params_*`` columns.

    Example:
        >>> t = pd.DataFrame({"trial": [0, 1], "seed": [0, 1], "state": "COMPLETE", "value": [.8, .9]})
        >>> best_trials(t, k=1)["trial"].tolist()
        [1]
    """
    rows = table[(table.get("state", "COMPLETE") == "COMPLETE") & table["value"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=list(_BEST_COLUMNS))
    params = [c for c in rows.columns if c.startswith("params_") and c != "params_count"]
    numeric = [c for c in _BEST_COLUMNS[1:] if c in rows.columns and c != "n_seeds"]
    agg = rows.groupby("trial").agg({**{c: "mean" for c in numeric}, **{c: "first" for c in params}})
    agg.insert(1 if "value" in agg.columns else 0, "n_seeds", rows.groupby("trial")["seed"].nunique())
    agg = agg.sort_values("value", ascending=direction != "maximize").head(k).reset_index()
    for c in params:  # an integer hyperparameter some trials never set is float64 with NaN: 96.0 in JSON
        col = agg[c]
        if col.dtype.kind == "f" and col.isna().any() and (col.dropna() % 1 == 0).all():
            agg[c] = col.astype("Int64")
    return agg


def chance_trials(table: pd.DataFrame, num_classes: int | None = None, margin: float = 0.02) -> list[int]:
    """Trials flagged as stuck at chance level.

    A trial is flagged when its ``at_chance`` column is true (set during
    training) or, given ``num_classes``, when its mean validation accuracy is
    within ``margin`` of ``1 / num_classes``.

    Example:
        >>> t = pd.DataFrame({"trial": [0, 1], "val_accuracy": [0.11, 0.9]})
        >>> chance_trials(t, num_classes=10)
        [0]
    """
    flagged: set[int] = set()
    if "at_chance" in table.columns:
        flagged |= set(table.loc[table["at_chance"].fillna(False).astype(bool), "trial"].astype(int))
    if num_classes and "val_accuracy" in table.columns:
        acc = table.groupby("trial")["val_accuracy"].mean()
        flagged |= set(acc[acc <= 1.0 / num_classes + margin].index.astype(int))
    return sorted(flagged)


def state_counts(table: pd.DataFrame) -> dict[str, int]:
    """Number of trials (not rows) per state: COMPLETE, PRUNED, FAIL, RUNNING, WAITING.

    Example:
        >>> state_counts(pd.DataFrame({"trial": [0, 0, 1], "state": ["COMPLETE", "COMPLETE", "FAIL"]}))
        {'COMPLETE': 1, 'PRUNED': 0, 'FAIL': 1, 'RUNNING': 0, 'WAITING': 0}
    """
    per_trial = table.drop_duplicates("trial")["state"].value_counts() if len(table) else pd.Series(dtype=int)
    return {s: int(per_trial.get(s, 0)) for s in ("COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING")}
