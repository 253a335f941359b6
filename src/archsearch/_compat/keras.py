"""Keras's private names archsearch relies on (Keras 3.15), in one place.

A stacked pack (train/_stacked.py) runs a built model's graph again with other
layers in place of its own. Keras does this itself (``clone_model``) through
``Functional._run_through_graph(inputs, operation_fn)``, and a ``Sequential``
model keeps its graph as a functional model in ``_functional``. No public API
gives either.

A pack's head (train/_head.py) reads the metrics a replica was compiled with as
they were given (``_compile_config.config``: ``get_compile_config`` serializes
them, and a metric function of the user's does not come back from that), resolves
its loss and metrics as
``compile`` does (``"accuracy"`` becomes the sparse, categorical or binary
accuracy the labels call for) through ``keras.src.trainers.compile_utils``'s
``get_loss`` and ``get_metric``, and computes a ``MeanMetricWrapper``'s values
for every replica at once with the function it wraps (``_fn``, ``_fn_kwargs``).

tests/test_compat.py checks each of these against Keras.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = [
    "compile_arguments",
    "mean_metric_function",
    "model_graph",
    "resolve_loss",
    "resolve_metric",
    "run_through_graph",
]


def model_graph(model: Any) -> Any | None:
    """The functional graph of a built ``model`` (a Sequential model's own), or None when it has none."""
    import keras

    functional = getattr(model, "_functional", None) if isinstance(model, keras.Sequential) else model
    return functional if functional is not None and hasattr(functional, "_run_through_graph") else None


def run_through_graph(graph: Any, inputs: Any, operation_fn: Callable[[Any], Any]) -> Any:
    """The graph's outputs for ``inputs``, each of its layers ``op`` replaced by ``operation_fn(op)``."""
    return graph._run_through_graph(inputs, operation_fn=operation_fn)


def compile_arguments(model: Any) -> dict[str, Any]:
    """The arguments ``model.compile`` was called with, as given (metric objects and functions, not their configs)."""
    return dict(model._compile_config.config)


def resolve_loss(identifier: Any, y_true: Any, y_pred: Any) -> Any:
    """The ``keras.losses.Loss`` that ``compile(loss=identifier)`` uses for labels and outputs of these shapes."""
    from keras.src.trainers import compile_utils

    return compile_utils.get_loss(identifier, y_true, y_pred)


def resolve_metric(identifier: Any, y_true: Any, y_pred: Any) -> Any:
    """The ``keras.metrics.Metric`` that ``compile(metrics=[identifier])`` uses for labels and outputs of these
    shapes, under the name Keras logs it with."""
    from keras.src.trainers import compile_utils

    return compile_utils.get_metric(identifier, y_true, y_pred)


def mean_metric_function(metric: Any) -> tuple[Callable[..., Any], dict[str, Any]] | None:
    """A ``MeanMetricWrapper``'s per-example function and its keyword arguments; None for any other metric."""
    import keras

    if not isinstance(metric, keras.metrics.MeanMetricWrapper):
        return None
    return metric._fn, dict(metric._fn_kwargs)
