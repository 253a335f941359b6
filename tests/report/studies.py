"""Optuna studies written straight to storage (no training), with a known truth, for the report tests."""

from __future__ import annotations

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from archsearch.schema import Attr, StudyAttr


def _attrs(seed: int, value: float | None, units: int, curve: list[float] | None) -> dict:
    out = {Attr.SEED: seed, Attr.PARAMS_COUNT: 100 * units}
    if value is not None:
        out[Attr.METRICS] = {"val_accuracy": value, "fit_seconds": 1.0 + units / 64}
    if curve is not None:
        out[Attr.HISTORY] = {"val_accuracy": curve}
    return out


def search_study(url: str, name: str = "synthetic", n: int = 30, seed: int = 0) -> optuna.Study:
    """A search: ``act`` tanh helps by 5 points, ``sig`` fails half the time, ``units`` has no effect;
    a few trials are pruned after 2 of 3 epochs."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    s = optuna.create_study(study_name=name, storage=url, direction="maximize")
    s.set_user_attr(StudyAttr.SAMPLER, "random")
    dist = {
        "act": CategoricalDistribution(["relu", "tanh", "sig"]),
        "units": IntDistribution(8, 64),
        "lr": FloatDistribution(1e-4, 1e-1, log=True),
    }
    rng = np.random.default_rng(seed)
    for i in range(n):
        p = {
            "act": ["relu", "tanh", "sig"][i % 3],
            "units": int(rng.integers(8, 65)),
            "lr": float(10 ** rng.uniform(-4, -1)),
        }
        value = 0.85 + 0.05 * (p["act"] == "tanh") + rng.normal(0, 0.01)
        curve = [value - 0.1, value - 0.03, value]
        if p["act"] == "sig" and i % 2 == 0:
            s.add_trial(
                optuna.trial.create_trial(
                    params=p,
                    distributions=dist,
                    state=optuna.trial.TrialState.FAIL,
                    user_attrs={**_attrs(i, None, p["units"], None), Attr.ERROR: "ValueError: boom"},
                )
            )
        elif i % 7 == 6:
            s.add_trial(
                optuna.trial.create_trial(
                    params=p,
                    distributions=dist,
                    state=optuna.trial.TrialState.PRUNED,
                    user_attrs={**_attrs(i, None, p["units"], curve[:2]), Attr.PRUNED_EPOCH: 2},
                )
            )
        else:
            s.add_trial(
                optuna.trial.create_trial(
                    params=p, distributions=dist, value=value, user_attrs=_attrs(i, value, p["units"], curve)
                )
            )
    return s


def ablation_study(
    url: str, name: str = "synthetic-ablation-act", seeds: int = 5, effect: float = 0.02, seed: int = 0
) -> optuna.Study:
    """An ablation of ``act`` (relu vs tanh, ``effect`` for tanh), paired seeds, the design attribute set;
    plus one trial outside the design (another base), which must not enter the level means."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    s = optuna.create_study(study_name=name, storage=url, direction="maximize")
    seed_list = [1000 + k for k in range(seeds)]
    s.set_user_attr(
        StudyAttr.DESIGN,
        {
            "kind": "ablation",
            "factor": "act",
            "levels": ["relu", "tanh"],
            "baseline": "relu",
            "base": {"units": 32},
            "seeds": seed_list,
        },
    )
    dist = {"act": CategoricalDistribution(["relu", "tanh"]), "units": IntDistribution(8, 64)}
    rng = np.random.default_rng(seed)
    for k in seed_list:
        shared = rng.normal(0, 0.02)
        for act in ("relu", "tanh"):
            value = 0.9 + shared + effect * (act == "tanh") + rng.normal(0, 0.002)
            s.add_trial(
                optuna.trial.create_trial(
                    params={"act": act, "units": 32},
                    distributions=dist,
                    value=value,
                    user_attrs=_attrs(k, value, 32, [value - 0.05, value]),
                )
            )
    s.add_trial(
        optuna.trial.create_trial(
            params={"act": "tanh", "units": 8},
            distributions=dist,
            value=0.5,
            user_attrs=_attrs(seed_list[0], 0.5, 8, None),
        )
    )
    return s


def nolearn_study(url: str, name: str = "nolearn-ablation-lr") -> optuna.Study:
    """An ablation of ``lr`` on digits (10 classes): 1e-06 (the reference) and 2e-06 at chance with the same
    values, 0.05 learned (about 35%); every level has the same model size."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    s = optuna.create_study(study_name=name, storage=url, direction="maximize")
    seeds = [1000, 1001, 1002]
    s.set_user_attr(
        StudyAttr.DESIGN,
        {
            "kind": "ablation",
            "factor": "lr",
            "levels": [1e-06, 2e-06, 0.05],
            "baseline": 1e-06,
            "base": {},
            "seeds": seeds,
            "dataset": "digits",
        },
    )
    dist = {"lr": CategoricalDistribution([1e-06, 2e-06, 0.05])}
    for k, low, high in zip(seeds, (0.09, 0.08, 0.1), (0.3, 0.4, 0.35), strict=True):
        for lr, value in ((1e-06, low), (2e-06, low), (0.05, high)):
            s.add_trial(
                optuna.trial.create_trial(
                    params={"lr": lr}, distributions=dist, value=value, user_attrs=_attrs(k, value, 16, [value])
                )
            )
    return s
