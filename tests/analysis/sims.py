"""Simulated trial tables with a known truth, for the calibration suite (no Keras, no Optuna)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def ablation_table(rng: np.random.Generator, effects: dict[str, float], seeds: int, *, seed_sd: float = 0.02,
                   noise: float = 0.005, factor: str = "activation") -> pd.DataFrame:
    """A paired ablation: each seed shifts every level alike; ``effects`` maps level -> true shift."""
    rows = []
    for s in range(seeds):
        shared = rng.normal(0, seed_sd)
        for level, effect in effects.items():
            rows.append({"trial": len(rows), "seed": 1000 + s, "state": "COMPLETE",
                         "value": 0.9 + shared + effect + rng.normal(0, noise), f"params_{factor}": level})
    return pd.DataFrame(rows)


def random_search(rng: np.random.Generator, n: int, factors: int = 4, levels: int = 3,
                  sd: float = 0.01) -> pd.DataFrame:
    """Random search over ``factors`` factors of ``levels`` levels each, none of which has an effect."""
    data = {f"params_f{j}": rng.integers(0, levels, n) for j in range(factors)}
    return pd.DataFrame({"trial": range(n), "seed": range(n), "state": "COMPLETE",
                         "value": 0.9 + rng.normal(0, sd, n), **data})


def confounded_search(rng: np.random.Generator, n: int = 40, depth_effect: float = 0.0) -> pd.DataFrame:
    """High learning rates sampled mostly with depth 3 (80%) and rarely with depth 5 (20%); lr hurts.

    The true depth effect is ``depth_effect``; accuracy falls with log10(lr) above 1e-3.
    """
    depth = rng.choice([3, 5], n)
    high = rng.random(n) < np.where(depth == 3, 0.8, 0.2)
    log_lr = np.where(high, rng.uniform(-2, -1, n), rng.uniform(-4, -2, n))
    value = (0.95 - 0.04 * np.clip(log_lr + 3, 0, None) ** 1.5 + depth_effect * (depth == 5)
             + rng.normal(0, 0.01, n))
    return pd.DataFrame({"trial": range(n), "seed": range(n), "state": "COMPLETE", "value": value,
                         "params_depth": depth, "params_learning_rate": 10**log_lr, "params_count": 1000})


def pruned_search(rng: np.random.Generator, n: int = 40, epochs: int = 10) -> pd.DataFrame:
    """Two levels with equal mean curves, ``noisy`` with a larger trial-to-trial spread, median pruning.

    A trial is pruned at an epoch (from the second) when its value is below the
    median of earlier trials at that epoch, as Optuna's MedianPruner does.
    Returns one row per trial with ``epoch_values`` and its state.
    """
    mean_curve = 0.9 - 0.3 * np.exp(-np.arange(1, epochs + 1) / 2.5)
    rows, history = [], []
    for i in range(n):
        level = "noisy" if rng.random() < 0.5 else "steady"
        sd = 0.04 if level == "noisy" else 0.01
        offset = rng.normal(0, sd)  # a trial's lasting quality
        curve = mean_curve + offset + rng.normal(0, 0.003, epochs)
        state, reached = "COMPLETE", epochs
        for e in range(1, epochs):
            if len(history) >= 4:
                med = np.median([h[e] for h in history if len(h) > e])
                if curve[e] < med:
                    state, reached = "PRUNED", e + 1
                    break
        history.append(list(curve[:reached]))
        rows.append({"trial": i, "seed": i, "state": state, "value": curve[reached - 1] if state == "COMPLETE"
                     else np.nan, "epoch_values": list(map(float, curve[:reached])), "params_init": level})
    return pd.DataFrame(rows)
