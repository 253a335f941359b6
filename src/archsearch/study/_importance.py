"""Hyperparameter importance (Optuna fANOVA) and its spread over evaluator seeds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import optuna

__all__ = ["importance"]


def importance(study: optuna.Study, seeds: Sequence[int] = (0, 1, 2)) -> dict[str, Any]:
    """fANOVA importance of each hyperparameter, repeated with a few evaluator seeds.

    One number hides that fANOVA's random forest changes its answer from seed to
    seed; the spread (min, max over ``seeds``) shows how much.

    Returns:
        ``{"evaluator": ..., "seeds": [...], "params": {name: {"mean", "min", "max"}}}``
        ordered by mean importance, or with ``"error"`` saying why it could not
        be computed (too few complete trials, a single parameter, ...).

    Example:
        >>> importance(open_study("digits_quick"))["params"]  # doctest: +SKIP
    """
    from optuna.importance import FanovaImportanceEvaluator, get_param_importances

    out: dict[str, Any] = {"evaluator": "optuna FanovaImportanceEvaluator", "seeds": list(seeds), "params": {}}
    complete = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    if len(complete) < 3:
        out["error"] = f"needs at least 3 complete trials, the study has {len(complete)}."
        return out
    runs: list[dict[str, float]] = []
    try:
        for seed in seeds:
            runs.append(get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=seed)))
    except (ValueError, RuntimeError) as err:  # e.g. no parameter shared by all trials
        out["error"] = f"{type(err).__name__}: {err}"
        return out
    names = sorted({n for r in runs for n in r}, key=lambda n: -sum(r.get(n, 0.0) for r in runs))
    for name in names:
        vals = [r.get(name, 0.0) for r in runs]
        out["params"][name] = {"mean": sum(vals) / len(vals), "min": min(vals), "max": max(vals)}
    return out
