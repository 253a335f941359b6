"""Dense blocks: a stack of hidden layers, and logistic regression (no hidden layer)."""

from __future__ import annotations

from typing import Any

from archsearch.blocks._spec import Per, count_condition, per_name, pick

__all__ = ["ACTIVATIONS", "dense_stack", "logistic_regression", "classifier"]

#: Activations a dense stack can search over (Keras names; "leaky_relu" included). "softmax" is here
#: because lab L2 put one in a hidden layer (the model stayed at chance); "linear" is a plain affine layer.
ACTIVATIONS = ["relu", "sigmoid", "tanh", "elu", "selu", "leaky_relu", "gelu", "swish", "linear", "softmax"]


def dense_stack(
    hp: Any,
    x: Any,
    *,
    layers: Any = (1, 5),
    units: Any = (32, 512, 32),
    activation: Any = "relu",
    dropout: Any = 0.0,
    l1: Any = 0.0,
    l2: Any = 0.0,
    per_layer: bool = True,
) -> Any:
    """Hidden ``Dense`` layers: depth, width and activation per layer, dropout, L1/L2.

    Declares ``layers``; then, per layer ``i`` (only while ``layers > i``),
    ``units_i`` and ``activation_i`` (or one shared ``units``/``activation``
    with ``per_layer=False``); and ``dropout``, ``l1``, ``l2`` when searched.
    Each argument is a spec (see :mod:`archsearch.blocks`): a value, a list, a
    range tuple, ``Per(...)``, ``Log(...)`` or a callable.

    Args:
        hp: the hp object.
        x: input tensor (flattened first if it is an image).
        layers: number of hidden layers.
        units: units per layer.
        activation: activation per layer (see :data:`ACTIVATIONS`).
        dropout: dropout rate after each hidden layer (0 adds no layer); ``Per([0.2, 0.0])`` gives
            each layer its own rate (``dropout_i``), as lab L1's 256-Dropout(0.2)-256 net has.
        l1, l2: kernel regularization factors (0 adds none).
        per_layer: one hyperparameter per layer for ``units`` and ``activation``.

    Returns:
        The output tensor of the last hidden layer.

    Example:
        >>> import keras
        >>> from archsearch.space import FixedHyperParameters
        >>> inputs = keras.Input((784,))
        >>> x = dense_stack(FixedHyperParameters(), inputs, layers=1, units=256)
    """
    import keras

    if len(x.shape) > 2:
        x = keras.layers.Flatten()(x)
    n = pick(hp, "layers", layers)
    per_dropout = isinstance(dropout, Per)
    rate = None if per_dropout else pick(hp, "dropout", dropout)
    l1_value, l2_value = pick(hp, "l1", l1), pick(hp, "l2", l2)
    regularizer = keras.regularizers.L1L2(l1=l1_value, l2=l2_value) if (l1_value or l2_value) else None
    for i in range(n):
        with count_condition(hp, "layers", layers, i):
            width = pick(hp, per_name("units", units, i, per_layer), units, i)
            act = pick(hp, per_name("activation", activation, i, per_layer), activation, i)
            if per_dropout:
                rate = pick(hp, f"dropout_{i}", dropout, i, n)
        x = keras.layers.Dense(width, activation=act, kernel_regularizer=regularizer)(x)
        if rate:
            x = keras.layers.Dropout(rate)(x)
    return x


def classifier(x: Any, num_classes: int, activation: str = "softmax") -> Any:
    """The output layer: ``Dense(num_classes, softmax)`` (flattening images first).

    ``activation="linear"`` outputs logits (``compile_model`` then uses
    ``from_logits=True``); lab L3 used ``"sigmoid"``.
    """
    import keras

    if len(x.shape) > 2:
        x = keras.layers.Flatten()(x)
    return keras.layers.Dense(num_classes, activation=activation, name="output")(x)


def logistic_regression(input_shape: tuple[int, ...], num_classes: int, *, hp: Any = None, l2: Any = 0.0) -> Any:
    """Multinomial logistic regression: the no-hidden-layer baseline every lab compares to.

    Args:
        input_shape: ``(features,)`` or ``(H, W, C)`` (flattened).
        num_classes: output classes.
        hp: the hp object, needed only when ``l2`` is searched.
        l2: L2 factor on the weights (a spec).

    Example:
        >>> logistic_regression((784,), 10).count_params()
        7850
    """
    import keras

    inputs = keras.Input(shape=tuple(input_shape))
    x = keras.layers.Flatten()(inputs) if len(input_shape) > 1 else inputs
    factor = pick(hp, "l2", l2) if hp is not None else l2
    reg = keras.regularizers.L2(factor) if factor else None
    outputs = keras.layers.Dense(num_classes, activation="softmax", kernel_regularizer=reg, name="output")(x)
    return keras.Model(inputs, outputs, name="logistic_regression")
