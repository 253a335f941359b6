"""Bias of a search's reported effect when Optuna's real TPE sampler chose the trials (no Keras).

Each simulated study runs ``optuna.samplers.TPESampler(seed=...)`` for ``--trials``
trials over depth {3, 5}, a log-uniform learning rate, units {32, 64, 128, 256} and
dropout [0, 0.5]. The objective is a known function plus noise (sd 0.01):

    0.9 + effect * (depth == 5) - 0.04 * (log10(lr) + 2.5)**2
        + 0.005 * log2(units / 32) - 0.04 * (dropout - 0.2)**2 + N(0, 0.01)

so the true depth effect is ``effect`` (+0.01, one point, or 0 in the null variant)
whatever the other parameters are. The interaction variant adds
``-0.01 * (log10(lr) + 2.5) * (depth == 5)`` (depth 5 gains a point per decade of lower
learning rate); its truth is the depth effect averaged over the study's own trials, which
a regression without an interaction term need not estimate. TPE concentrates later trials near the good learning
rate and, when depth 5 is better, on depth 5 too: depth 5 trials are on average later and
better tuned, so the naive difference of level means overstates the effect. Each study's
trials become an ``analyze_table`` table (design "search", question depth); the bench
records the reported ``diff``, interval and verdict of depth 5 vs 3, and the naive
difference of means.

    nice -n 10 python bench/tpe_bias.py --studies 150 --trials 60 --seed 0
"""

from __future__ import annotations

import argparse
import json
import math
import time
from typing import Any

import numpy as np
import pandas as pd

NOISE = 0.01
EFFECT = 0.01  # depth 5 - depth 3: one point of accuracy


#: (name, depth effect at lr 10**-2.5, interaction slope per decade of lr): the variants the bench runs.
VARIANTS = (("effect", EFFECT, 0.0), ("null", 0.0, 0.0), ("interaction", EFFECT, 0.01))


def truth_value(depth: int, lr: float, units: int, dropout: float, effect: float, slope: float = 0.0) -> float:
    """The objective without noise; with ``slope``, depth 5 gains ``slope`` per decade below lr 10**-2.5."""
    return (
        0.9
        + (effect - slope * (math.log10(lr) + 2.5)) * (depth == 5)
        - 0.04 * (math.log10(lr) + 2.5) ** 2
        + 0.005 * math.log2(units / 32)
        - 0.04 * (dropout - 0.2) ** 2
    )


def tpe_table(seed: int, trials: int = 60, effect: float = EFFECT, slope: float = 0.0) -> pd.DataFrame:
    """One TPE study's trials as an ``analyze_table`` table."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rng = np.random.default_rng(seed)

    def objective(trial: optuna.Trial) -> float:
        depth = trial.suggest_categorical("depth", [3, 5])
        lr = trial.suggest_float("learning_rate", 1e-4, 1e-1, log=True)
        units = trial.suggest_categorical("units", [32, 64, 128, 256])
        dropout = trial.suggest_float("dropout", 0.0, 0.5)
        return truth_value(depth, lr, units, dropout, effect, slope) + float(rng.normal(0, NOISE))

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=trials)
    rows = [
        {
            "trial": t.number,
            "seed": t.number,
            "state": "COMPLETE",
            "value": t.value,
            "params_count": 1000,
            "fit_seconds": 1.0,
            **{f"params_{k}": v for k, v in t.params.items()},
        }
        for t in study.trials
    ]
    return pd.DataFrame(rows)


def one_study(seed: int, trials: int, effect: float, slope: float = 0.0) -> dict[str, Any]:
    """The reported and the naive depth effect of one simulated study, and the truth it estimates.

    The truth is the depth 5 - depth 3 difference averaged over the study's own
    trials (their learning rates); without an interaction it is ``effect``.
    """
    from archsearch.analysis import analyze_table

    table = tpe_table(seed, trials, effect, slope)
    truth = effect - slope * float(np.mean(np.log10(table["params_learning_rate"]) + 2.5))
    report = analyze_table(table, design="search", questions=["depth"])
    e = next(x for x in report["questions"][0]["effects"] if x["level"] == "5")
    by = table.groupby("params_depth")["value"]
    naive = float(by.mean().get(5, math.nan) - by.mean().get(3, math.nan))
    return {
        "seed": seed,
        "truth": truth,
        "diff": e["diff"],
        "ci_low": e["ci_low"],
        "ci_high": e["ci_high"],
        "verdict": e["verdict"],
        "naive": naive,
        "share5": float((table["params_depth"] == 5).mean()),
    }


def summarize(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """Mean estimate and truth, bias with its standard error, coverage and verdict rates over the studies."""
    ok = [r for r in rows if r["diff"] is not None and r["ci_low"] is not None]
    d = np.array([r["diff"] for r in ok])
    err = d - np.array([r["truth"] for r in ok])
    nv_err = np.array([r["naive"] - r["truth"] for r in rows if math.isfinite(r["naive"])])
    cover = np.mean([r["ci_low"] <= r["truth"] <= r["ci_high"] for r in ok])
    effect = float(np.mean([r["truth"] for r in rows]))
    flagged = np.mean([r["verdict"] in ("helps", "hurts") for r in rows])
    return {
        "variant": name,
        "effect": effect,
        "studies": len(rows),
        "fitted": len(ok),
        "adjusted_mean": float(d.mean()),
        "adjusted_sd": float(d.std(ddof=1)),
        "adjusted_bias": float(err.mean()),
        "adjusted_bias_se": float(err.std(ddof=1) / math.sqrt(len(err))),
        "naive_mean": float(effect + nv_err.mean()),
        "naive_bias": float(nv_err.mean()),
        "naive_bias_se": float(nv_err.std(ddof=1) / math.sqrt(len(nv_err))),
        "coverage": float(cover),
        "coverage_se": float(math.sqrt(cover * (1 - cover) / len(ok))),
        "helps": float(np.mean([r["verdict"] == "helps" for r in rows])),
        "hurts": float(np.mean([r["verdict"] == "hurts" for r in rows])),
        "flagged": float(flagged),
        "mean_share_depth5": float(np.mean([r["share5"] for r in rows])),
    }


def run(
    studies: int, trials: int, seed: int, variants: tuple[tuple[str, float, float], ...] = VARIANTS
) -> list[dict[str, Any]]:
    """Every variant's summary; study ``i`` of each variant uses sampler and noise seed ``seed + i``."""
    return [
        summarize([one_study(seed + i, trials, effect, slope) for i in range(studies)], name)
        for name, effect, slope in variants
    ]


def _pts(x: float) -> str:
    return f"{100 * x:+.2f}"


def print_table(summaries: list[dict[str, Any]], trials: int) -> None:
    print(
        "| variant | true depth effect | studies | adjusted mean | adjusted bias (SE) | naive bias (SE) | "
        "adjusted sd | interval covers truth (SE) | helps | hurts | depth 5 share |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for s in summaries:
        print(
            f"| {s['variant']} | {_pts(s['effect'])} | {s['studies']} ({s['fitted']} fitted) | "
            f"{_pts(s['adjusted_mean'])} | {_pts(s['adjusted_bias'])} ({100 * s['adjusted_bias_se']:.2f}) | "
            f"{_pts(s['naive_bias'])} ({100 * s['naive_bias_se']:.2f}) | {100 * s['adjusted_sd']:.2f} | "
            f"{100 * s['coverage']:.1f}% ({100 * s['coverage_se']:.1f}) | {100 * s['helps']:.1f}% | "
            f"{100 * s['hurts']:.1f}% | {100 * s['mean_share_depth5']:.0f}% |"
        )
    print(
        f"(points = 100 x objective; {trials} TPE trials per study; SE = standard error over studies; "
        "interaction: truth = depth effect averaged over the study's own trials)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--studies", type=int, default=150, help="simulated studies per variant")
    ap.add_argument("--trials", type=int, default=60, help="TPE trials per study")
    ap.add_argument("--seed", type=int, default=0, help="first study's seed")
    ap.add_argument("--json", help="also write the summaries to this file")
    args = ap.parse_args()
    start = time.perf_counter()
    summaries = run(args.studies, args.trials, args.seed)
    print_table(summaries, args.trials)
    print(f"wall {time.perf_counter() - start:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "summaries": summaries}, f, indent=1)


if __name__ == "__main__":
    main()
