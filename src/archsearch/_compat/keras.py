"""Keras's private names archsearch relies on (Keras 3.15), in one place.

A stacked pack (train/_stacked.py) runs a built model's graph again with other
layers in place of its own. Keras does this itself (``clone_model``) through
``Functional._run_through_graph(inputs, operation_fn)``, and a ``Sequential``
model keeps its graph as a functional model in ``_functional``. No public API
gives either; tests/test_compat.py checks both against Keras.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["model_graph", "run_through_graph"]


def model_graph(model: Any) -> Any | None:
    """The functional graph of a built ``model`` (a Sequential model's own), or None when it has none."""
    import keras

    functional = getattr(model, "_functional", None) if isinstance(model, keras.Sequential) else model
    return functional if functional is not None and hasattr(functional, "_run_through_graph") else None


def run_through_graph(graph: Any, inputs: Any, operation_fn: Callable[[Any], Any]) -> Any:
    """The graph's outputs for ``inputs``, each of its layers ``op`` replaced by ``operation_fn(op)``."""
    return graph._run_through_graph(inputs, operation_fn=operation_fn)
