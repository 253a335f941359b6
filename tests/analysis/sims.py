"""Simulated trial tables with a known truth, for the calibration suite (no Keras, no Optuna)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def ablation_table(
    rng: np.random.Generator,
    effects: dict[str, float],
    seeds: int,
    *,
    seed_sd: float = 0.02,
    noise: float = 0.005,
    factor: str = "activation",
) -> pd.DataFrame:
    """A paired ablation: each seed shifts every level alike; ``effects`` maps level -> true shift."""
    rows = []
    for s in range(seeds):
        shared = rng.normal(0, seed_sd)
        for level, effect in effects.items():
            rows.append(
                {
                    "trial": len(rows),
                    "seed": 1000 + s,
                    "state": "COMPLETE",
                    "value": 0.9 + shared + effect + rng.normal(0, noise),
                    f"params_{factor}": level,
                }
            )
    return pd.DataFrame(rows)


def random_search(
    rng: np.random.Generator, n: int, factors: int = 4, levels: int = 3, sd: float = 0.01
) -> pd.DataFrame:
    """Random search over ``factors`` factors of ``levels`` levels each, none of which has an effect."""
    data = {f"params_f{j}": rng.integers(0, levels, n) for j in range(factors)}
    return pd.DataFrame(
        {"trial": range(n), "seed": range(n), "state": "COMPLETE", "value": 0.9 + rng.normal(0, sd, n), **data}
    )


def confounded_search(rng: np.random.Generator, n: int = 40, depth_effect: float = 0.0) -> pd.DataFrame:
    """High learning rates sampled mostly with depth 3 (80%) and rarely with depth 5 (20%); lr hurts.

    The true depth effect is ``depth_effect``; accuracy falls with log10(lr) above 1e-3.
    """
    depth = rng.choice([3, 5], n)
    high = rng.random(n) < np.where(depth == 3, 0.8, 0.2)
    log_lr = np.where(high, rng.uniform(-2, -1, n), rng.uniform(-4, -2, n))
    value = 0.95 - 0.04 * np.clip(log_lr + 3, 0, None) ** 1.5 + depth_effect * (depth == 5) + rng.normal(0, 0.01, n)
    return pd.DataFrame(
        {
            "trial": range(n),
            "seed": range(n),
            "state": "COMPLETE",
            "value": value,
            "params_depth": depth,
            "params_learning_rate": 10**log_lr,
            "params_count": 1000,
        }
    )


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
        rows.append(
            {
                "trial": i,
                "seed": i,
                "state": state,
                "value": curve[reached - 1] if state == "COMPLETE" else np.nan,
                "epoch_values": list(map(float, curve[:reached])),
                "params_init": level,
            }
        )
    return pd.DataFrame(rows)


# The evaluation-noise case of issue 13: two models that disagree on 3-6% of the test examples.
# A probit model per level, seed s and example i: correct = z_i + shift + w_i + u_s + e_si > 0, with a
# shared difficulty z_i, a level-specific example effect w_i (what one fixed test set does not average
# out), a seed effect u_s and cell noise e_si. Each term is normal, so the population accuracy of a level
# is Phi((MU + shift) / TAU) and the true difference is known exactly.
EXAMPLE_CASES = {  # (sd of w, sd of e, sd of u)
    "example-heavy": (0.45, 0.15, 0.03),
    "balanced": (0.35, 0.25, 0.05),
    "seed-heavy": (0.30, 0.30, 0.10),
}
MU, DIFFICULTY_SD = 2.0, 1.2


def _tau(case: str) -> float:
    """The total spread of an example's latent margin in ``case``."""
    return float(np.sqrt(DIFFICULTY_SD**2 + sum(sd**2 for sd in EXAMPLE_CASES[case])))


def shift_for(effect: float, case: str) -> float:
    """The ``shift`` of :func:`correctness_pair` whose population accuracy effect is ``effect``."""
    from scipy import stats

    tau = _tau(case)
    return float(tau * stats.norm.ppf(stats.norm.cdf(MU / tau) + effect) - MU)


def correctness_pair(
    rng: np.random.Generator, seeds: int, n: int, shift: float = 0.0, case: str = "example-heavy"
) -> tuple[np.ndarray, np.ndarray, float]:
    """Seeds x examples correctness of level ``a`` (logit-like ``shift``) and reference ``b``, and the truth.

    Returns ``(a, b, truth)`` with ``truth`` the population accuracy of ``a`` minus that of ``b``.
    """
    from scipy import stats

    sw, se, su = EXAMPLE_CASES[case]
    z = rng.normal(MU, DIFFICULTY_SD, n)
    out = []
    for d in (shift, 0.0):
        w = rng.normal(0, sw, n)
        u = rng.normal(0, su, seeds)[:, None]
        out.append(z + d + w + u + rng.normal(0, se, (seeds, n)) > 0)
    tau = _tau(case)
    truth = float(stats.norm.cdf((MU + shift) / tau) - stats.norm.cdf(MU / tau))
    return out[0], out[1], truth


def correctness_ablation(
    rng: np.random.Generator, seeds: int, n: int, shift: float = 0.0, case: str = "example-heavy", n_val: int = 144
) -> tuple[pd.DataFrame, float]:
    """An ablation table (levels ``new`` and ``old``) whose rows carry packed test and validation correctness.

    ``value`` is the validation accuracy, drawn from the same model on ``n_val`` other examples.
    """
    from archsearch.analysis import pack_correct

    a, b, truth = correctness_pair(rng, seeds, n, shift, case)
    va, vb, _ = correctness_pair(rng, seeds, n_val, shift, case)
    rows = []
    for s in range(seeds):
        for level, test, val in (("old", b, vb), ("new", a, va)):
            rows.append(
                {
                    "trial": len(rows),
                    "seed": 1000 + s,
                    "state": "COMPLETE",
                    "value": float(val[s].mean()),
                    "params_model": level,
                    "correct_test": pack_correct(test[s]),
                    "n_test": n,
                    "correct_val": pack_correct(val[s]),
                    "n_val": n_val,
                }
            )
    return pd.DataFrame(rows), truth
