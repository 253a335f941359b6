"""``--sampler`` and ``--pruner``: names mapped to Optuna's samplers and pruners (the grid comes from ``_probe``).

Optuna's own classes do the work; this module only picks one, seeds it, and
turns a missing optional dependency into one line naming the extra to install.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from archsearch.errors import UsageError

__all__ = ["PRUNERS", "SAMPLERS", "check_pruner", "check_sampler", "make_pruner", "make_sampler"]

SAMPLERS = ("tpe", "random", "cmaes", "gp", "qmc", "grid")
PRUNERS = ("none", "median", "percentile", "hyperband", "sha", "wilcoxon")

# sampler -> (module it imports, pip requirement, archsearch extra)
_NEEDS = {"cmaes": ("cmaes", "cmaes", "cmaes"), "gp": ("torch", "torch", "gp")}


def check_sampler(name: str) -> None:
    """Fail early (before any data is loaded) on an unknown sampler or a missing extra.

    Example:
        >>> check_sampler("tpe")
    """
    if name not in SAMPLERS:
        raise UsageError(f"--sampler must be one of {', '.join(SAMPLERS)}, but got {name!r}.")
    if name in _NEEDS:
        import importlib.util

        module, requirement, extra = _NEEDS[name]
        if importlib.util.find_spec(module) is None:
            raise UsageError(
                f"--sampler {name} needs the {requirement!r} package, which is not installed. "
                f'Install it with: pip install "archsearch[{extra}]" (or pick another --sampler).'
            )


def check_pruner(name: str) -> None:
    if name not in PRUNERS:
        raise UsageError(f"--pruner must be one of {', '.join(PRUNERS)}, but got {name!r}.")


def make_sampler(name: str, seed: int, grid: Mapping[str, Sequence[Any]] | None = None) -> Any:
    """An Optuna sampler seeded with ``seed``.

    Args:
        name: one of :data:`SAMPLERS`.
        seed: the sampler's seed.
        grid: the search space, needed by ``grid`` only (name -> values).

    Example:
        >>> type(make_sampler("random", 0)).__name__
        'RandomSampler'
    """
    import optuna

    check_sampler(name)
    with warnings.catch_warnings():  # QMC is marked experimental
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return _sampler(optuna.samplers, name, seed, grid)


def _sampler(samplers: Any, name: str, seed: int, grid: Mapping[str, Sequence[Any]] | None) -> Any:
    if name == "tpe":
        return samplers.TPESampler(seed=seed)
    if name == "random":
        return samplers.RandomSampler(seed=seed)
    if name == "cmaes":
        # Categorical parameters (CMA-ES cannot model them) fall back to random sampling.
        return samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    if name == "gp":
        return samplers.GPSampler(seed=seed, warn_independent_sampling=False)
    if name == "qmc":
        return samplers.QMCSampler(seed=seed, scramble=True, warn_independent_sampling=False)
    if grid is None:
        raise ValueError("the grid sampler needs the search space")
    return samplers.GridSampler({k: list(v) for k, v in grid.items()}, seed=seed)


def make_pruner(name: str) -> Any:
    """An Optuna pruner; ``none`` is Optuna's NopPruner (and no per-epoch reports are written).

    Startup settings keep the first trials and the first epochs safe from
    pruning, so a pruner compares a trial against a few complete curves.

    Example:
        >>> type(make_pruner("median")).__name__
        'MedianPruner'
    """
    import optuna

    check_pruner(name)
    with warnings.catch_warnings():  # Wilcoxon is marked experimental
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return _pruner(optuna.pruners, name)


def _pruner(pruners: Any, name: str) -> Any:
    if name == "median":
        return pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1)
    if name == "percentile":
        return pruners.PercentilePruner(25.0, n_startup_trials=3, n_warmup_steps=1)
    if name == "hyperband":
        return pruners.HyperbandPruner(min_resource=1)
    if name == "sha":
        return pruners.SuccessiveHalvingPruner(min_resource=1)
    if name == "wilcoxon":
        return pruners.WilcoxonPruner(n_startup_steps=2)
    return pruners.NopPruner()
