"""Report plots as PNG bytes (matplotlib, Agg backend, imported only here)."""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any

from archsearch.report._files import safe_name

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["clip_interval", "make_plots", "metric_range"]


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


def metric_range(name: str) -> tuple[float, float]:
    """The values a metric can take: [0, 1] for accuracy-like metrics, [0, inf) for losses, else unbounded.

    Example:
        >>> metric_range("val_accuracy"), metric_range("val_loss")
        ((0.0, 1.0), (0.0, inf))
    """
    lowered = name.lower()
    if any(word in lowered for word in ("acc", "auc", "precision", "recall", "f1")):
        return 0.0, 1.0
    if "loss" in lowered or "error" in lowered:
        return 0.0, math.inf
    return -math.inf, math.inf


def clip_interval(low: float, high: float, objective: str) -> tuple[float, float, bool, bool]:
    """``(low, high)`` cut to the metric's range, and whether each end was cut.

    Example:
        >>> clip_interval(-2.0, 3.0, "val_accuracy")
        (0.0, 1.0, True, True)
    """
    floor, ceiling = metric_range(objective)
    return max(low, floor), min(high, ceiling), low < floor, high > ceiling


def _effect_plot(plt: Any, q: dict[str, Any], objective: str) -> bytes:
    levels = [lv for lv in q["levels"] if lv["mean"] is not None]  # a level whose trials all failed has none
    fig, ax = plt.subplots(figsize=(max(4, 1.1 * len(levels) + 2), 3.2))
    clipped = False
    for x, lv in enumerate(levels):
        c = "tab:gray" if lv["level"] == q["reference"] else "tab:blue"
        m = lv["mean"]
        lo = lv["ci_low"] if lv["ci_low"] is not None else m
        hi = lv["ci_high"] if lv["ci_high"] is not None else m
        # An interval past what the metric can reach (few seeds, wide t intervals) is cut at the edge and marked.
        lo_c, hi_c, cut_low, cut_high = clip_interval(lo, hi, objective)
        ax.errorbar([x], [m], yerr=[[m - lo_c], [hi_c - m]], fmt="o", color=c, capsize=4)
        for cut, edge, marker in ((cut_low, lo_c, "v"), (cut_high, hi_c, "^")):
            if cut:
                clipped = True
                ax.plot([x], [edge], marker=marker, color="tab:red", markersize=7, linestyle="none")
    ax.set_xticks(list(range(len(levels))), [f"{lv['level']}\n(n={lv['n_trials']})" for lv in levels])
    xlabel = q["param"] + " (grey: reference)"
    if clipped:
        floor, ceiling = metric_range(objective)
        xlabel += f"\nred triangle: interval clipped to the range of {objective}, [{floor:g}, {ceiling:g}]"
    return _finish(plt, fig, ax, xlabel, f"{objective} (mean, 95% CI)", q["text"][:80])


def _integer_x(ax: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs and trials: no tick at 1.5


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
    _integer_x(ax)
    return _finish(plt, fig, ax, "epoch", objective, "Learning curves of the best trials", legend=True)


def _over_trials(plt: Any, done: pd.DataFrame, direction: str, objective: str) -> bytes:
    per_trial = done.groupby("trial")["value"].mean().sort_index()
    best = per_trial.cummax() if direction == "maximize" else per_trial.cummin()
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    ax.scatter(per_trial.index, per_trial.values, s=14, label="trial")
    ax.step(best.index, best.values, where="post", color="tab:red", label="best so far")
    _integer_x(ax)
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
