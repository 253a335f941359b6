"""Hyperparameter importance (Optuna fANOVA) with a bootstrap interval and a permutation-null baseline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archsearch.seeds import forest_seed

if TYPE_CHECKING:
    import optuna

__all__ = ["MIN_TRIALS", "importance"]

MIN_TRIALS = 20  # fewer complete trials: the report calls the importances a guess


def importance(
    study: optuna.Study, resamples: int = 20, *, seed: int = 0, n_trees: int = 16, quantile: float = 0.95
) -> dict[str, Any]:
    """fANOVA importance of each hyperparameter, its bootstrap interval, and what noise alone would give.

    Three refits of Optuna's ``FanovaImportanceEvaluator`` (``n_trees`` trees):

    * on the complete trials: the point estimate (importances sum to 1);
    * on ``resamples`` bootstrap resamples of the trials: the 2.5-97.5% percentile
      interval, which reflects trial noise (not only the forest's seed);
    * on ``resamples`` copies with the objective shuffled across trials: the
      permutation null. ``null_upper`` is that null's ``quantile``; a parameter
      ``exceeds_null`` when its point estimate is above it.

    Returns:
        ``{"evaluator", "n_trees", "resamples", "seed", "quantile", "n_trials",
        "warning", "params": {name: {"importance", "ci_low", "ci_high",
        "null_upper", "exceeds_null"}}}`` ordered by importance, or with
        ``"error"`` saying why it could not be computed.

    Example:
        >>> importance(open_study("digits_quick"))["params"]  # doctest: +SKIP
    """
    import numpy as np
    import optuna
    from optuna.importance import FanovaImportanceEvaluator, get_param_importances

    out: dict[str, Any] = {
        "evaluator": "optuna FanovaImportanceEvaluator",
        "n_trees": n_trees,
        "resamples": resamples,
        "seed": seed,
        "quantile": quantile,
        "n_trials": 0,
        "warning": None,
        "params": {},
    }
    complete = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE" and t.value is not None]
    out["n_trials"] = len(complete)
    if len(complete) < 3:
        out["error"] = f"needs at least 3 complete trials, the study has {len(complete)}."
        return out
    if len(complete) < MIN_TRIALS:
        out["warning"] = f"importance rests on {len(complete)} trials; treat as a guess."
    rng = np.random.default_rng(seed)
    values = np.array([t.value for t in complete], dtype=float)
    direction = study.direction

    def fit(order: Any, vals: Any, k: int) -> dict[str, float]:
        s = optuna.create_study(direction=direction)
        s.add_trials(
            [
                optuna.trial.create_trial(
                    params=complete[i].params, distributions=complete[i].distributions, value=float(v)
                )
                for i, v in zip(order, vals, strict=True)
            ]
        )
        ev = FanovaImportanceEvaluator(n_trees=n_trees, seed=forest_seed(int(seed), k))
        return {n: float(x) for n, x in get_param_importances(s, evaluator=ev).items()}

    n = len(complete)
    idx = np.arange(n)
    stage = "the complete trials"
    try:
        point = fit(idx, values, 0)
        boots, nulls = [], []
        for k in range(resamples):
            stage = f"a bootstrap resample of the {n} complete trials"
            b = rng.integers(0, n, n)
            boots.append(fit(b, values[b], 1 + k))
            stage = "the complete trials"
            nulls.append(fit(idx, rng.permutation(values), 1 + resamples + k))
    except (ValueError, RuntimeError) as err:  # e.g. no parameter shared by all trials
        out["error"] = _in_words(err, stage, n)
        return out
    for name in sorted(point, key=lambda p: -point[p]):
        bs = [r.get(name, 0.0) for r in boots]
        ns = [r.get(name, 0.0) for r in nulls]
        null_upper = float(np.quantile(ns, quantile)) if ns else None
        out["params"][name] = {
            "importance": point[name],
            "ci_low": float(np.quantile(bs, 0.025)) if bs else None,
            "ci_high": float(np.quantile(bs, 0.975)) if bs else None,
            "null_upper": null_upper,
            "exceeds_null": None if null_upper is None else bool(point[name] > null_upper),
        }
    return out


def _in_words(err: BaseException, stage: str, n: int) -> str:
    """Why fANOVA failed, in words; its own message where it is not one we know.

    Example:
        >>> text = _in_words(RuntimeError("Encountered zero total variance in all trees."), "the complete trials", 4)
        >>> text.startswith("too few trials (4 complete): in the complete trials no hyperparameter varies")
        True
        >>> text.endswith("so fANOVA has nothing to split.")
        True
    """
    if "zero total variance" in str(err):
        return (
            f"too few trials ({n} complete): in {stage} no hyperparameter varies together with the objective, "
            "so fANOVA has nothing to split."
        )
    return f"{type(err).__name__}: {err}"
