"""Report plots as PNG bytes (matplotlib, Agg backend, imported only here)."""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any

from archsearch.report._files import safe_name

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["make_plots"]


def make_plots(data: dict[str, Any], table: pd.DataFrame) -> dict[str, bytes]:
    """Effect plot per question, learning curves of the best trials, objective over trials, size vs objective."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plots: dict[str, bytes] = {}
    objective = data["objective"]
    for q in data["questions"]:
        if any(lv["mean"] is not None for lv in q["levels"]):
            plots[f"effect_{safe_name(q['param'])}"] = _effect_plot(plt, q, objective)
    done = table[(table["state"] == "COMPLETE") & table["value"].notna()]
    if done.empty:
        return plots
    curves = _learning_curves(plt, data, table, objective)
    if curves is not None:
        plots["learning_curves"] = curves
    plots["objective_over_trials"] = _over_trials(plt, done, data["direction"], objective)
    if done["params_count"].notna().any():
        plots["size_vs_objective"] = _size_plot(plt, done, objective)
    return plots


def _png(plt: Any, fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def _finish(plt: Any, fig: Any, ax: Any, xlabel: str, ylabel: str, title: str, legend: bool = False) -> bytes:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    if legend:
        ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return _png(plt, fig)


def _effect_plot(plt: Any, q: dict[str, Any], objective: str) -> bytes:
    levels = [lv for lv in q["levels"] if lv["mean"] is not None]  # a level whose trials all failed has none
    fig, ax = plt.subplots(figsize=(max(4, 1.1 * len(levels) + 2), 3.2))
    xs = range(len(levels))
    means = [lv["mean"] for lv in levels]
    lows = [lv["mean"] - lv["ci_low"] if lv["ci_low"] is not None else 0 for lv in levels]
    highs = [lv["ci_high"] - lv["mean"] if lv["ci_high"] is not None else 0 for lv in levels]
    colors = ["tab:gray" if lv["level"] == q["reference"] else "tab:blue" for lv in levels]
    for x, m, lo, hi, c in zip(xs, means, lows, highs, colors, strict=True):
        ax.errorbar([x], [m], yerr=[[lo], [hi]], fmt="o", color=c, capsize=4)
    ax.set_xticks(list(xs), [f"{lv['level']}\n(n={lv['n_trials']})" for lv in levels])
    return _finish(plt, fig, ax, q["param"] + " (grey: reference)", f"{objective} (mean, 95% CI)", q["text"][:80])


def _learning_curves(plt: Any, data: dict[str, Any], table: pd.DataFrame, objective: str) -> bytes | None:
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    drawn = 0
    for best in data["best_trials"]:
        rows = table[(table["trial"] == best["trial"]) & table["history"].notna()]
        if rows.empty:
            continue
        history = rows.iloc[0]["history"]
        if isinstance(history, dict) and history.get(objective):
            ys = history[objective]
            ax.plot(range(1, len(ys) + 1), ys, marker=".", label=f"trial {best['trial']}")
            drawn += 1
    if not drawn:
        plt.close(fig)
        return None
    return _finish(plt, fig, ax, "epoch", objective, "Learning curves of the best trials", legend=True)


def _over_trials(plt: Any, done: pd.DataFrame, direction: str, objective: str) -> bytes:
    per_trial = done.groupby("trial")["value"].mean().sort_index()
    best = per_trial.cummax() if direction == "maximize" else per_trial.cummin()
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    ax.scatter(per_trial.index, per_trial.values, s=14, label="trial")
    ax.step(best.index, best.values, where="post", color="tab:red", label="best so far")
    return _finish(plt, fig, ax, "trial", objective, "Objective over trials", legend=True)


def _size_plot(plt: Any, done: pd.DataFrame, objective: str) -> bytes:
    per_trial = done.groupby("trial").agg(value=("value", "mean"), size=("params_count", "median")).dropna()
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    ax.scatter(per_trial["size"], per_trial["value"], s=14)
    if per_trial["size"].min() > 0 and per_trial["size"].max() / max(per_trial["size"].min(), 1) > 10:
        ax.set_xscale("log")
    return _finish(plt, fig, ax, "parameters", objective, "Model size vs objective")


def _finite(x: Any) -> bool:
    return x is not None and math.isfinite(x)
