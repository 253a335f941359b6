"""Training through a space's ``keras_tuner.HyperModel.fit`` override, called as keras-tuner's tuners call it.

keras-tuner calls ``hypermodel.fit(hp, model, *args, **kwargs)`` with what the
user handed to ``tuner.search``; keras-tuner's own examples pass
``x, y, epochs=..., validation_data=(x_val, y_val)`` and let the override pick
``batch_size``, ``shuffle`` or a preprocessing step. archsearch passes the
same: the training arrays positionally (labels shaped for the compiled loss,
see ``label_format``), ``validation_data``, ``epochs``, ``callbacks`` (the
trial's monitor, so that pruning and divergence checks see each epoch) and
``verbose=0``. ``batch_size`` (the space's BATCH_SIZE) is passed only to an
override whose signature names it: keras-tuner's examples forward
``**kwargs`` to ``model.fit`` next to their own ``batch_size=hp.Choice(...)``,
which a second ``batch_size`` would break.

What the override returns becomes the objective as keras-tuner reads it
(``convert_to_metrics_dict``, see archsearch._compat.keras_tuner): a ``History`` gives the best
epoch's value, a dict its objective entry, a number itself.
"""

from __future__ import annotations

import inspect
import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import keras
import numpy as np

from archsearch._compat.keras_tuner import metrics_dict
from archsearch.errors import SpaceError
from archsearch.train._fit import FitResult, label_format, test_accuracy
from archsearch.train._monitor import EpochClock

if TYPE_CHECKING:
    from archsearch.data import Dataset
    from archsearch.space import Space

__all__ = ["fit_hypermodel", "kt_objective"]


def kt_objective(name: str, direction: str) -> Any:
    """keras-tuner's ``Objective`` for an archsearch objective and direction (``"maximize"``/``"minimize"``)."""
    import keras_tuner

    return keras_tuner.Objective(name, "max" if direction == "maximize" else "min")


class _EpochLogs(keras.callbacks.Callback):
    """Per-epoch logs of whatever fit the override runs (its curves when it does not return a History)."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))


def _labels(y: Any, labels: str, num_classes: int) -> Any:
    if labels == "one_hot":
        return np.eye(num_classes, dtype="float32")[np.asarray(y, dtype=int)]
    if labels == "column":
        return np.asarray(y, dtype="float32").reshape(-1, 1)
    return np.asarray(y)


def fit_hypermodel(
    space: Space,
    hp: Any,
    model: keras.Model,
    dataset: Dataset,
    *,
    epochs: int,
    batch_size: int,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    initial_epoch: int = 0,
) -> FitResult:
    """Train ``model`` with the space's ``HyperModel.fit(hp, model, x, y, **kwargs)``.

    Raises:
        SpaceError: the override returned something keras-tuner cannot read as an
            objective, or a dict without the objective.
    """
    labels = label_format(model)
    x, y = dataset.x_train, _labels(dataset.y_train, labels, dataset.num_classes)
    logs, clock = _EpochLogs(), EpochClock()
    offered: dict[str, Any] = {
        "validation_data": (dataset.x_val, _labels(dataset.y_val, labels, dataset.num_classes)),
        "epochs": epochs,
        "callbacks": [*callbacks, logs, clock],
        "verbose": 0,
    }
    if initial_epoch:
        offered["initial_epoch"] = initial_epoch
    params = inspect.signature(space.hypermodel.fit).parameters
    if "batch_size" in params:
        offered["batch_size"] = batch_size
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        offered = {k: v for k, v in offered.items() if k in params}
    start = time.perf_counter()
    returned = space.hypermodel.fit(hp, model, x, y, **offered)
    fit_seconds = time.perf_counter() - start
    objective = kt_objective(space.objective, space.direction)
    try:
        reported = metrics_dict(returned, objective)
    except Exception as err:  # keras-tuner could not read it either
        raise SpaceError(
            f"{space.path}: HyperModel.fit() returned {type(returned).__name__}, which keras-tuner "
            f"cannot read as an objective ({err}). Return the History of model.fit, a dict of "
            "metrics or a number."
        ) from err
    if not isinstance(reported, dict) or space.objective not in reported:
        raise SpaceError(
            f"{space.path}: HyperModel.fit() returned no {space.objective!r} "
            f"(got {sorted(reported) if isinstance(reported, dict) else type(returned).__name__}). "
            "Return it, or set OBJECTIVE to one of the returned metrics."
        )
    history = (
        {k: [float(v) for v in vals] for k, vals in returned.history.items()}
        if isinstance(returned, keras.callbacks.History)
        else logs.history
    )
    metrics: dict[str, float] = {k: vals[-1] for k, vals in history.items() if vals}
    metrics.update({k: float(v) for k, v in reported.items() if isinstance(v, int | float | np.floating)})
    value = float(reported[space.objective])
    if math.isfinite(value) and all(math.isfinite(v) for v in metrics.values()):
        metrics["test_accuracy"] = test_accuracy(model, dataset.x_test, dataset.y_test)
    metrics["fit_seconds"] = fit_seconds
    steady = clock.steady()
    if steady is not None:  # the override passed the callbacks on to model.fit
        metrics["epoch_seconds"] = steady
    return FitResult(
        history=history, metrics=metrics, params_count=int(model.count_params()), fit_seconds=fit_seconds, value=value
    )
