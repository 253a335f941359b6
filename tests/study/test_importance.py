"""Importance by simulation: a factor with a real effect exceeds the permutation null; a no-effect factor
mostly does not; the interval comes from bootstrap resamples of trials; few trials give a warning."""

from __future__ import annotations

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from archsearch.study import importance

optuna.logging.set_verbosity(optuna.logging.ERROR)
DIST = {
    "depth": IntDistribution(1, 4),
    "act": CategoricalDistribution(["relu", "tanh", "elu"]),
    "dropout": FloatDistribution(0.0, 0.5),
}


def _study(seed: int, n: int = 40) -> optuna.Study:
    """``depth`` adds 2 points a layer; ``act`` and ``dropout`` do nothing; noise 1 point."""
    rng = np.random.default_rng(seed)
    s = optuna.create_study(direction="maximize")
    for _ in range(n):
        p = {
            "depth": int(rng.integers(1, 5)),
            "act": str(rng.choice(["relu", "tanh", "elu"])),
            "dropout": float(rng.uniform(0, 0.5)),
        }
        s.add_trial(
            optuna.trial.create_trial(params=p, distributions=DIST, value=0.8 + 0.02 * p["depth"] + rng.normal(0, 0.01))
        )
    return s


def test_real_effect_exceeds_the_null_and_no_effect_mostly_does_not():
    repeats = 6
    real = noise = 0
    for seed in range(repeats):
        out = importance(_study(seed), resamples=10, seed=seed, n_trees=8)
        assert out["warning"] is None and out["n_trials"] == 40 and out.get("error") is None
        p = out["params"]
        assert list(p)[0] == "depth" and p["depth"]["ci_low"] <= p["depth"]["ci_high"]
        real += p["depth"]["exceeds_null"]
        noise += p["act"]["exceeds_null"] + p["dropout"]["exceeds_null"]
    assert real == repeats  # measured: 6 of 6
    assert noise <= 2  # of 12 no-effect checks; measured in docs/statistics.md


def test_few_trials_warn_and_too_few_give_an_error():
    out = importance(_study(0, n=12), resamples=2, n_trees=4)
    assert out["warning"] == "importance rests on 12 trials; treat as a guess." and out["params"]
    assert importance(_study(0, n=2), resamples=2)["error"].startswith("needs at least 3 complete trials")


def test_trials_that_leave_fanova_nothing_to_split_say_so_in_words():
    # The walkthrough's study: one categorical hyperparameter, 3 trials at one level and 1 at the other. Some
    # bootstrap resamples hold one level only, where fANOVA raises "zero total variance".
    s = optuna.create_study(direction="maximize")
    dist = {"model": CategoricalDistribution(["dense", "cnn"])}
    for model, value in (("cnn", 0.90), ("dense", 0.87), ("cnn", 0.92), ("cnn", 0.88)):
        s.add_trial(optuna.trial.create_trial(params={"model": model}, distributions=dist, value=value))
    error = importance(s, resamples=20)["error"]
    assert error.startswith("too few trials (4 complete): in a bootstrap resample of the 4 complete trials")
    assert "RuntimeError" not in error
