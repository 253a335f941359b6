"""A study's trial table (``archsearch.study.load_trials``) through :func:`analyze_table`, time effects included."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from archsearch.analysis._table import analyze_table

__all__ = ["analyze_trials", "time_answers"]


def analyze_trials(table: pd.DataFrame, questions: Sequence[Any], *, paired: bool, direction: str,
                   objective: str | None = None, plan: Mapping[str, Any] | None = None,
                   time_target: float | None = None) -> dict[str, Any]:
    """:func:`analyze_table` on a study's table: its ``history`` gives the per-epoch values.

    ``load_trials`` keeps each trial's curves in ``history`` (a dict of metric ->
    per-epoch list); the objective's curve becomes ``epoch_values``, so fit time
    is compared per epoch and, with ``time_target``, to the first epoch reaching it.

    Example:
        >>> t = pd.DataFrame({"trial": range(6), "seed": [0, 1, 2] * 2, "state": "COMPLETE",
        ...                   "value": [.90, .91, .92, .90, .91, .93], "fit_seconds": [9, 9.5, 10, 3, 3.1, 3.3],
        ...                   "history": [{"val_accuracy": [.8, .9]}] * 6, "params_block": ["conv"] * 3 + ["pool"] * 3})
        >>> q = analyze_trials(t, [{"param": "block", "baseline": "conv"}], paired=True, direction="maximize",
        ...                    objective="val_accuracy")["questions"][0]
        >>> e = q["time_effects"][0]; (e["measure"], round(e["ratio"], 2), e["verdict"])
        ('seconds per epoch', 0.33, 'faster')
    """
    t = table.copy()
    if "history" in t.columns and objective and "epoch_values" not in t.columns:
        t["epoch_values"] = [h.get(objective) if isinstance(h, Mapping) else None for h in t["history"]]
    t = t.drop(columns=[c for c in ("history",) if c in t.columns])
    done = t[t["state"].isin(["COMPLETE", "PRUNED", "FAIL"])] if "state" in t.columns else t
    return analyze_table(done, design="ablation" if paired else "search", questions=list(questions),
                         direction=direction, plan=plan, time_target=time_target)


def time_answers(table: pd.DataFrame, questions: Sequence[Any], *, paired: bool, direction: str,
                 objective: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Per question parameter, its time effects (``level / reference`` ratios of fit seconds per epoch, with
    95% intervals and a faster / slower / no clear effect verdict); ``{}`` when the table has too few rows."""
    if table.empty or not questions:
        return {}
    try:
        data = analyze_trials(table, questions, paired=paired, direction=direction, objective=objective)
    except (ValueError, KeyError):  # e.g. a question on a column the table lacks
        return {}
    return {q["param"]: q.get("time_effects", []) for q in data["questions"]}
