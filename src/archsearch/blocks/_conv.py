"""Convolutional blocks: conv(-BN)(-pool)(-dropout) stacks, or pooling in place of a convolution."""

from __future__ import annotations

import contextlib
from typing import Any

from archsearch.blocks._spec import Per, at, count_condition, is_searched, per_name, pick

__all__ = ["conv_stack", "pooling"]


def conv_stack(
    hp: Any,
    x: Any,
    *,
    blocks: Any = (1, 3),
    filters: Any = 32,
    kernel_size: Any = 3,
    strides: Any = 1,
    padding: Any = "same",
    activation: Any = "relu",
    batch_norm: Any = False,
    block_type: Any = "conv",
    pool: Any = "max",
    pool_after_conv: Any = True,
    pool_size: Any = 2,
    pool_strides: Any = None,
    pool_padding: Any = "valid",
    dropout: Any = 0.0,
    per_block: bool = False,
) -> Any:
    """A stack of blocks; each is a convolution block or a pooling block.

    A ``"conv"`` block is ``Conv2D -> [BatchNorm] -> [Pool] -> [Dropout]``; a
    ``"pool"`` block replaces the convolution with pooling: ``Pool -> [Dropout]``
    (lab L3-T2: "replace one convolution with pooling").

    Declares ``blocks``; per block ``i`` (only while ``blocks > i``)
    ``filters_i``, ``kernel_size_i``, ``block_type_i`` (or shared names with
    ``per_block=False``); ``filters``/``kernel_size`` only for conv blocks.
    ``pool``, ``batch_norm`` etc. are shared. Each argument is a spec (a value,
    a list, a range tuple, ``Per(...)``, ``Log(...)``, a callable); ``padding``,
    ``strides``, ``filters``, ``kernel_size``, ``pool_after_conv`` and
    ``dropout`` take ``Per`` (one spec per block, ``last=`` for the last block),
    which is how the lab's own nets are said: lab L4's depth-5 net pools only
    after convolutions 1, 2 and 5 (``pool_after_conv=Per([True, True, False],
    last=True)``), lab L3's two-conv net pads the first convolution "valid" and
    the second "same" (``padding=Per(["valid", "same"])``).

    Args:
        hp: the hp object.
        x: an image tensor ``(batch, H, W, C)``.
        blocks: number of blocks (depth).
        filters: filters per conv block (width).
        kernel_size: kernel per conv block; ``Per([11, 8, 5])`` shrinks them.
        strides: conv strides per block, e.g. ``Per([4, 1])`` for AlexNet's stem.
        padding: conv padding per block, ``"same"`` or ``"valid"``.
        activation: conv activation.
        batch_norm: BatchNormalization after each convolution.
        block_type: ``"conv"`` or ``"pool"`` per block (e.g. ``Per(["conv", ["conv", "pool"]])``).
        pool: pooling kind, ``"max"`` or ``"avg"``.
        pool_after_conv: pool after the convolution (conv-pool blocks); per block with ``Per``.
        pool_size, pool_strides, pool_padding: the pooling window, its stride
            (None: the window) and padding.
        dropout: dropout rate after each block (0 adds no layer); per block with ``Per``.
        per_block: one ``filters``/``kernel_size``/``block_type`` hyperparameter per block.

    Returns:
        The output tensor of the last block (not flattened).

    Example:
        >>> import keras
        >>> from archsearch.space import FixedHyperParameters
        >>> x = conv_stack(FixedHyperParameters(), keras.Input((28, 28, 1)), blocks=2,
        ...                filters=Per([32, 64]), padding="valid")
    """
    import keras

    n = pick(hp, "blocks", blocks)
    norm = pick(hp, "batch_norm", batch_norm)
    act = pick(hp, "conv_activation", activation)
    # Shared (non-Per) settings are declared once, up front, as they always were.
    shared = {
        name: pick(hp, name, spec)
        for name, spec in (("pool_after_conv", pool_after_conv), ("dropout", dropout), ("padding", padding))
        if not isinstance(spec, Per)
    }
    chosen: dict[str, Any] = {}

    def pool_layer() -> Any:
        # Declared at first use, so a stack that never pools records no pooling hyperparameters.
        if not chosen:
            chosen.update(
                kind=pick(hp, "pool", pool),
                size=pick(hp, "pool_size", pool_size),
                strides=pick(hp, "pool_strides", pool_strides),
            )
            chosen["padding"] = pick(hp, "pool_padding", pool_padding)
        return pooling(chosen["kind"], chosen["size"], chosen["strides"], chosen["padding"])

    def per(base: str, spec: Any, i: int) -> Any:
        # A per-block value; a Per spec (or per_block) gives each block its own name, e.g. padding_1.
        if base in shared:
            return shared[base]
        return pick(hp, per_name(base, spec, i, per_block and base in _PER_BLOCK), spec, i, n)

    for i in range(n):
        with count_condition(hp, "blocks", blocks, i):
            type_name = per_name("block_type", block_type, i, per_block)
            btype = pick(hp, type_name, block_type, i)
            if btype not in ("conv", "pool"):
                raise ValueError(f"{type_name} must be 'conv' or 'pool', but got {btype!r}.")
            searched_type = is_searched(at(block_type, i))
            if btype == "pool":
                with hp.conditional_scope(type_name, ["pool"]) if searched_type else contextlib.nullcontext():
                    x = pool_layer()(x)
            else:
                # A pooling block has no filters or kernel: don't sample them.
                with hp.conditional_scope(type_name, ["conv"]) if searched_type else contextlib.nullcontext():
                    width = per("filters", filters, i)
                    kernel = per("kernel_size", kernel_size, i)
                    stride = per("strides", strides, i)
                    pad = per("padding", padding, i)
                    after = per("pool_after_conv", pool_after_conv, i)
                x = keras.layers.Conv2D(width, kernel, strides=stride, padding=pad, activation=act)(x)
                if norm:
                    x = keras.layers.BatchNormalization()(x)
                if after:
                    x = pool_layer()(x)
            rate = per("dropout", dropout, i)
        if rate:
            x = keras.layers.Dropout(rate)(x)
    return x


# Arguments that ``per_block=True`` turns into one hyperparameter per block (as before Per existed).
_PER_BLOCK = ("filters", "kernel_size", "strides", "block_type")


def pooling(kind: str, pool_size: Any = 2, strides: Any = None, padding: str = "valid") -> Any:
    """A ``MaxPooling2D`` (``"max"``) or ``AveragePooling2D`` (``"avg"``) layer."""
    import keras

    layers = {
        "max": keras.layers.MaxPooling2D,
        "avg": keras.layers.AveragePooling2D,
        "average": keras.layers.AveragePooling2D,
    }
    if kind not in layers:
        raise ValueError(f"pool must be 'max' or 'avg', but got {kind!r}.")
    return layers[kind](pool_size=pool_size, strides=strides, padding=padding)
