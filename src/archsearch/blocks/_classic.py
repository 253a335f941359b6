"""Classic architectures built from the blocks: LeNet-5, the AlexNet-style net of lab L4, Inception-like nets."""

from __future__ import annotations

from typing import Any

from archsearch.blocks._conv import conv_stack, pooling
from archsearch.blocks._dense import classifier
from archsearch.blocks._spec import Per, count_condition, per_name, pick

__all__ = ["L4_AFTER", "alexnet_style", "inception_module", "inception_net", "lenet5"]


def lenet5(
    hp: Any,
    input_shape: tuple[int, ...],
    num_classes: int,
    *,
    kernel_size: Any = 5,
    pool: Any = "avg",
    activation: Any = "tanh",
    filters: Any = Per([6, 16]),
    padding: Any = Per(["same", "valid"]),
) -> Any:
    """LeNet-5: conv(6) -> pool -> conv(16) -> pool -> Dense(120) -> Dense(84) -> softmax.

    The first convolution pads ("same") so 28x28 inputs keep LeCun's 32x32
    geometry: 61,706 parameters on MNIST-sized input. Lab L3's variant has 32
    filters in both convolutions, 6x6 kernels, "valid" padding and relu
    (``filters=32, kernel_size=6, padding="valid", activation="relu"``): 83,774.

    Args:
        hp: the hp object.
        input_shape: ``(H, W, C)``.
        num_classes: output classes.
        kernel_size: the convolutions' kernel (lab L3-T3 tries 5 and 6).
        pool: ``"avg"`` (LeNet) or ``"max"``.
        activation: ``"tanh"`` (LeNet) or another Keras activation (convolutions and dense layers).
        filters: per convolution; ``Per([6, 16])`` is LeCun's (a ``Per`` declares ``filters_0``/``filters_1``).
        padding: per convolution; ``Per(["same", "valid"])`` is LeCun's geometry on 28x28 input.

    Example:
        >>> from archsearch.space import FixedHyperParameters
        >>> lenet5(FixedHyperParameters(), (28, 28, 1), 10).count_params()
        61706
    """
    import keras

    k = pick(hp, "kernel_size", kernel_size)
    kind = pick(hp, "pool", pool)
    act = pick(hp, "activation", activation)
    inputs = keras.Input(shape=tuple(input_shape))
    x = inputs
    for i in range(2):
        width = pick(hp, per_name("filters", filters, i, False), filters, i)
        pad = pick(hp, per_name("padding", padding, i, False), padding, i)
        x = keras.layers.Conv2D(width, k, padding=pad, activation=act)(x)
        x = pooling(kind, 2)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(120, activation=act)(x)
    x = keras.layers.Dense(84, activation=act)(x)
    return keras.Model(inputs, classifier(x, num_classes), name="lenet5")


#: Lab L4's placement of pooling and dropout: after the first two convolutions and after the last one.
L4_AFTER = Per([True, True, False], last=True)


def alexnet_style(
    hp: Any,
    input_shape: tuple[int, ...],
    num_classes: int,
    *,
    blocks: Any = 3,
    filters: Any = Per([32, 32, 32, 32, 64]),
    kernel_size: Any = Per([11, 8, 5, 3, 1]),
    strides: Any = 1,
    padding: Any = Per(["same", "valid", "same"]),
    pool_after: Any = L4_AFTER,
    dropout: Any = Per([0.25, 0.25, 0.0], last=0.25),
    pool_padding: Any = "valid",
    dense_units: Any = 512,
    dense_dropout: Any = 0.5,
) -> Any:
    """Lab L4's AlexNet-style CNN: conv blocks with shrinking kernels, then Dense(512).

    Block ``i`` is ``Conv2D(filters_i, kernel_i, stride 1, padding_i, relu) ->
    BatchNorm``, followed by ``MaxPool(3, stride 2, "valid") -> Dropout(0.25)``
    where ``pool_after`` says (by default after the first two convolutions and
    after the last, as the lab's nets do). Kernels shrink 11 -> 8 -> 5 -> 3 ->
    1; padding is "same", "valid", then "same"; the lab's fifth convolution has
    64 filters. Then ``Flatten -> Dense(512, relu) -> Dropout(0.5) -> softmax``
    (``dense_units=0`` leaves the hidden Dense out). On 32x32x3 input the maps
    go 32 -> 32 -> 15 -> 8 -> 3 -> 1 as in the lab: 125,258 parameters (3
    blocks of 32 filters, the lab's base), 427,146 (``filters=64``) and 153,386
    (``blocks=5``: 32, 32, 32, 32, 64 filters).

    Args:
        hp: the hp object.
        input_shape: ``(H, W, C)``.
        num_classes: output classes.
        blocks: number of conv blocks (depth); a spec.
        filters: filters per convolution (width); a spec, per block with ``Per``.
        kernel_size, strides, padding: per block (``Per``) or shared specs.
        pool_after: pool (and drop out) after this block; per block with ``Per(..., last=...)``.
        dropout: rate after each block (0 adds no layer); per block with ``Per``.
        pool_padding: the pools' padding ("valid" in the lab; "same" keeps small inputs from shrinking to 0).
        dense_units, dense_dropout: the dense head; 0 units leaves the hidden Dense out.

    Example:
        >>> from archsearch.space import FixedHyperParameters
        >>> alexnet_style(FixedHyperParameters(), (32, 32, 3), 10).count_params()
        125258
    """
    import keras

    inputs = keras.Input(shape=tuple(input_shape))
    x = conv_stack(
        hp,
        inputs,
        blocks=blocks,
        filters=filters,
        kernel_size=kernel_size,
        strides=strides,
        padding=padding,
        batch_norm=True,
        pool="max",
        pool_after_conv=pool_after,
        pool_size=3,
        pool_strides=2,
        pool_padding=pool_padding,
        dropout=dropout,
    )
    x = keras.layers.Flatten()(x)
    units = pick(hp, "dense_units", dense_units)
    if units:
        x = keras.layers.Dense(units, activation="relu")(x)
        rate = pick(hp, "dense_dropout", dense_dropout)
        if rate:
            x = keras.layers.Dropout(rate)(x)
    return keras.Model(inputs, classifier(x, num_classes), name="alexnet_style")


#: The parallel branches of an Inception module, in the order they are added.
BRANCHES = ("1x1", "3x3", "5x5", "pool")


def inception_module(hp: Any, x: Any, *, branches: Any = (1, 4), filters: Any = 32, index: int = 0) -> Any:
    """Parallel convolution branches joined with ``Concatenate``.

    The first ``branches`` of: ``1x1`` conv; ``1x1 -> 3x3``; ``1x1 -> 5x5``;
    ``3x3 max-pool -> 1x1``. All branches keep the spatial size ("same").

    Args:
        hp: the hp object.
        x: an image tensor.
        branches: how many parallel branches (1 to 4); a spec.
        filters: filters of each branch's convolutions; a spec.
        index: module index, used for layer names only.

    Example:
        >>> import keras
        >>> from archsearch.space import FixedHyperParameters
        >>> y = inception_module(FixedHyperParameters(), keras.Input((32, 32, 3)), branches=4)
    """
    import keras

    n = pick(hp, "branches", branches)
    f = pick(hp, "filters", filters)
    if not 1 <= n <= len(BRANCHES):
        raise ValueError(f"branches must be between 1 and {len(BRANCHES)}, but got {n}.")
    conv = keras.layers.Conv2D
    outs = []
    for kind in BRANCHES[:n]:
        if kind == "1x1":
            y = conv(f, 1, padding="same", activation="relu")(x)
        elif kind == "pool":
            y = keras.layers.MaxPooling2D(3, strides=1, padding="same")(x)
            y = conv(f, 1, padding="same", activation="relu")(y)
        else:
            k = int(kind[0])
            y = conv(f, 1, padding="same", activation="relu")(x)
            y = conv(f, k, padding="same", activation="relu")(y)
        outs.append(y)
    if len(outs) == 1:
        return outs[0]
    return keras.layers.Concatenate(name=f"inception_{index}")(outs)


def inception_net(
    hp: Any,
    input_shape: tuple[int, ...],
    num_classes: int,
    *,
    modules: Any = (1, 3),
    branches: Any = (1, 4),
    filters: Any = 32,
    stem_filters: Any = 32,
    dropout: Any = 0.0,
) -> Any:
    """An Inception-like CNN: a 3x3 stem, ``modules`` Inception modules each followed by
    MaxPool(2), then global average pooling and softmax.

    Width (``filters``), number of parallel ``branches`` and depth (``modules``)
    are the hyperparameters of lab L4 variant 2; all modules share them.

    Example:
        >>> from archsearch.space import FixedHyperParameters
        >>> model = inception_net(FixedHyperParameters(), (32, 32, 3), 10)
    """
    import keras

    inputs = keras.Input(shape=tuple(input_shape))
    x = keras.layers.Conv2D(pick(hp, "stem_filters", stem_filters), 3, padding="same", activation="relu")(inputs)
    n = pick(hp, "modules", modules)
    n_branches, width = pick(hp, "branches", branches), pick(hp, "filters", filters)
    for i in range(n):
        with count_condition(hp, "modules", modules, i):
            x = inception_module(hp, x, branches=n_branches, filters=width, index=i)
        if min(x.shape[1], x.shape[2]) >= 2:  # small inputs: stop halving at 1x1
            x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    rate = pick(hp, "dropout", dropout)
    if rate:
        x = keras.layers.Dropout(rate)(x)
    return keras.Model(inputs, classifier(x, num_classes), name="inception_net")
