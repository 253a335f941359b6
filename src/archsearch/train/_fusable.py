"""What can be one replica of a fused pack (``train/_fused.py``): the checks on a built, compiled model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

__all__ = ["FuseRefused", "check_fusable", "logits_recovered"]


class FuseRefused(Exception):
    """These replicas cannot be trained as one model; the message says why (one line for the terminal)."""


def _same_architecture(models: Sequence[keras.Model]) -> bool:
    def signature(m: keras.Model) -> tuple[Any, ...]:
        return (
            type(m).__name__,
            m.count_params(),
            str(m.output_shape),
            tuple((type(layer).__name__, str(getattr(layer, "output_shape", ""))) for layer in m.layers),
        )

    first = signature(models[0])
    return all(signature(m) == first for m in models[1:])


def check_fusable(model: keras.Model, hp: Any = None) -> None:
    """Raise :class:`FuseRefused` when this built model cannot be one replica of a pack.

    Refused: a model that trains itself (``train_step``/``compute_loss``
    overridden), several outputs, an optimizer whose update couples variables
    (``global_clipnorm``), and a builder that asked for fit callbacks (they act on
    one model: ReduceLROnPlateau, EarlyStopping, ...).
    """
    if getattr(hp, "fit_callbacks", None):
        names = ", ".join(sorted({type(c).__name__ for c in hp.fit_callbacks}))
        raise FuseRefused(f"the builder's fit callbacks ({names}) act on one model")
    if type(model).train_step is not keras.Model.train_step or type(model).compute_loss is not keras.Model.compute_loss:
        raise FuseRefused(f"the model ({type(model).__name__}) has its own training step")
    try:
        shape = model.output_shape
    except (AttributeError, ValueError):
        raise FuseRefused(f"the model ({type(model).__name__}) has no known output shape") from None
    if isinstance(shape, list | dict) and len(shape) != 1:
        raise FuseRefused("the model has several outputs")
    if isinstance(model.loss, list | tuple | dict):
        raise FuseRefused("the model has several losses")
    optimizer = model.optimizer
    if optimizer is None or getattr(optimizer, "global_clipnorm", None):
        raise FuseRefused("the optimizer clips by the global norm of all weights")
    recovered = logits_recovered(model)
    if recovered:
        raise FuseRefused(
            f"Keras computes this model's loss from its {recovered} layer's inputs (the logits), which a pack's "
            "stacked output does not carry"
        )


_CROSSENTROPY = ("categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy")


def logits_recovered(model: keras.Model) -> str | None:
    """The output activation (``"softmax"``, ``"sigmoid"``) whose inputs Keras's loss reads instead of the output,
    where that changes the loss; else None.

    Keras's cross-entropies find the logits behind a softmax or sigmoid output (the tensor it returns carries
    them) and compute from them: with ``from_logits=True`` on such an output the loss is the matched one, not
    softmax applied twice; a sigmoid output under a categorical cross-entropy is trained as a softmax of its
    logits, not as renormalised sigmoids. A pack's loss reads its stacked output, which carries no logits,
    so there the loss would differ from the separate fit's. (A softmax output under a categorical, or a sigmoid
    under the binary, cross-entropy without ``from_logits`` is the same loss either way: not refused.)

    Example:
        >>> import keras
        >>> m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
        >>> m.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        >>> logits_recovered(m)
        'softmax'
        >>> m.compile("sgd", "sparse_categorical_crossentropy")
        >>> logits_recovered(m) is None
        True
    """
    last = model.layers[-1] if model.layers else None
    if isinstance(last, keras.layers.Softmax):
        activation = "softmax"
    else:
        activation = str(getattr(getattr(last, "activation", None), "__name__", ""))
    loss = model.loss
    if isinstance(loss, str):
        name, from_logits = loss, False
    else:
        config = loss.get_config() if hasattr(loss, "get_config") else {}
        fn = getattr(loss, "fn", None)
        name = str(getattr(fn, "__name__", None) or config.get("name") or "")
        from_logits = bool(config.get("from_logits", False))
    if name not in _CROSSENTROPY or activation not in ("softmax", "sigmoid"):
        return None
    if from_logits or (activation == "sigmoid" and name != "binary_crossentropy"):
        return activation
    return None
