"""OBJECTIVE and DIRECTION of a space file, read as keras-tuner reads an ``objective``.

``OBJECTIVE`` is a Keras history key (``"val_accuracy"``, ``"val_mse"``) or a
``keras_tuner.Objective(name, direction)``. ``DIRECTION`` is ``"min"``/``"max"``
(keras-tuner) or ``"minimize"``/``"maximize"`` (Optuna). Without one, the
direction is keras-tuner's ``infer_metric_direction`` of the name: losses and
error metrics are minimized, accuracies, AUC, precision and recall maximized.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archsearch.errors import SpaceError

__all__ = ["infer_direction", "read_objective"]

_DIRECTIONS = {"min": "minimize", "max": "maximize", "minimize": "minimize", "maximize": "maximize"}


def infer_direction(metric: str) -> str | None:
    """``"minimize"``/``"maximize"`` for a metric name as keras-tuner infers it, or None when it cannot.

    keras-tuner's special cases (loss, crossentropy, ce, acc, accuracy, with or
    without ``val_``/``weighted_``) are answered here without importing Keras;
    any other name asks ``keras_tuner``'s ``infer_metric_direction`` (which
    imports TensorFlow).

    Example:
        >>> infer_direction("val_loss"), infer_direction("val_accuracy")
        ('minimize', 'maximize')
    """
    name = metric[4:] if metric.startswith("val_") else metric
    name = name[9:] if name.startswith("weighted_") else name
    if name in ("loss", "crossentropy", "ce"):
        return "minimize"
    if name in ("acc", "accuracy"):
        return "maximize"
    from keras_tuner.engine.metrics_tracking import infer_metric_direction

    direction = infer_metric_direction(metric)
    return None if direction is None else _DIRECTIONS[direction]


def read_objective(path: Path, objective: Any, direction: Any) -> tuple[str, str]:
    """The (metric name, Optuna direction) a space file declares.

    Raises:
        SpaceError: the objective is not a name or a ``keras_tuner.Objective``, the
            direction is unknown, or it cannot be inferred.
    """
    if isinstance(objective, list | tuple):
        raise SpaceError(
            f"{path}: OBJECTIVE must be one metric; a list of objectives (keras-tuner sums them) is "
            "not supported. Pick one, e.g. OBJECTIVE = 'val_accuracy'."
        )
    if not isinstance(objective, str) and hasattr(objective, "name") and hasattr(objective, "direction"):
        objective, direction = objective.name, direction if direction is not None else objective.direction
    if not isinstance(objective, str) or not objective:
        raise SpaceError(
            f"{path}: OBJECTIVE must be a metric name such as 'val_accuracy' or a "
            f"keras_tuner.Objective, but got {objective!r}."
        )
    if direction is None:
        inferred = infer_direction(objective)
        if inferred is None:
            raise SpaceError(
                f"{path}: cannot infer whether to minimize or maximize OBJECTIVE {objective!r}. "
                "Add DIRECTION = 'min' or 'max', or use keras_tuner.Objective(name, direction)."
            )
        return objective, inferred
    if direction not in _DIRECTIONS:
        raise SpaceError(f"{path}: DIRECTION must be 'min', 'max', 'minimize' or 'maximize', but got {direction!r}.")
    return objective, _DIRECTIONS[direction]
