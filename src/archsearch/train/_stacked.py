"""K replicas as ONE model whose layers hold their weights stacked (HFTA's horizontally fused training arrays).

:func:`stack_replicas` translates K built replicas of one architecture (a
``Sequential`` or functional model of Keras layers) into one model with K
inputs and one output ``[batch, K, ...]``, as ``train/_fused.py``'s graph pack
has, but whose layers each run once for all replicas. Between layers, a tensor holds the K replicas'
tensors side by side on its last axis (replica r's channels are
``[r*C, (r+1)*C)``), so that:

- ``Dense``: a kernel ``[K, in, out]`` and one batched matmul;
- ``Conv1D/2D/3D``: on a GPU one grouped convolution (``K * groups`` groups), the
  replicas' kernels side by side; ``DepthwiseConv``: the same along its channels;
  on a CPU a net with convolutions is refused (see :data:`CPU_STACKS_CONV`);
- ``BatchNormalization`` (on the last axis), pooling, padding, cropping,
  upsampling, elementwise activations and merges (``Add``, ...): the layer
  itself, acting per channel, so per replica (BatchNorm's statistics included);
- ``Flatten``: one transpose that puts each replica's values in its own order;
- any other layer (``Dropout``, ``Reshape``, ``Concatenate``, ``Softmax``, ...):
  run per replica, on its slice, by the replica's own layer (:class:`_PerReplica`):
  K ops, but exactly the separate fit's op (``Dropout`` draws its masks from the
  replica's own seed generator).

Each stacked weight starts as the replicas' initial weights put together (each
replica built after ``set_seed`` of its seed, as its separate fit builds it);
:meth:`Stacked.write_back` puts the trained slices back into the replicas. The
summed loss gives each slice its own replica's gradient, and the optimizer's
update is elementwise, unless it clips by a norm (refused: the norm of a stacked
variable mixes the replicas). Results agree with separate fits to rounding
(batched matmuls and grouped convolutions sum in another order).

What cannot be stacked raises :class:`StackRefused` (the caller falls back to
the graph pack): a nested model, a ``keras.ops`` call in the graph, a layer with
several outputs, channels-first data, a norm-clipping or loss-scaling optimizer,
regularization (a replica's penalty is computed from its own weights).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from archsearch._compat.keras import model_graph, run_through_graph

__all__ = ["CPU_STACKS_CONV", "StackNotFaster", "StackRefused", "Stacked", "stack_replicas"]

# Without grouped convolutions (on a CPU), a net with convolutions is not stacked: bench/results/fused.md
# measured its stacked pack (depthwise first convolution, the others per replica) slower than its graph pack
# at K = 8 under load (1.21x and 0.65x of separate fits in two runs, against 0.92x and 0.50x), and within noise
# of it on a quiet machine (0.66-0.76x against 0.64-0.87x at K = 2-8, 2026-12-07). True stacks it anyway.
CPU_STACKS_CONV = False

_ELEMENTWISE = {"linear", "relu", "sigmoid", "tanh", "elu", "selu", "gelu", "silu", "swish", "softplus"}
_ELEMENTWISE |= {"softsign", "leaky_relu", "relu6", "hard_sigmoid", "hard_silu", "exponential", "mish", "celu"}
_PER_CHANNEL = {
    f"{kind}{d}D"
    for kind in ("MaxPooling", "AveragePooling", "ZeroPadding", "Cropping", "UpSampling")
    for d in (1, 2, 3)
}
_PER_CHANNEL |= {f"Global{kind}Pooling{d}D" for kind in ("Max", "Average") for d in (1, 2, 3)}
_PER_CHANNEL |= {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Identity", "ReLU", "LeakyReLU", "ELU"}


class StackRefused(Exception):
    """These replicas cannot be stacked into one model's layers; the message says why."""


class StackNotFaster(StackRefused):
    """Stacking would work but is slower here (a convolutional net on a CPU): the graph pack is the choice, not
    a fallback, and nothing is said."""


@dataclasses.dataclass
class _Slot:
    """A stacked layer and the replicas' layers it stands for; ``axes[i]``: weight i's replica axis (None: stacked
    on a new leading axis)."""

    layer: keras.layers.Layer
    replicas: list[keras.layers.Layer]
    axes: Sequence[int | None]


@dataclasses.dataclass
class Stacked:
    """The stacked model (inputs ``r<i>_input``; one output ``[batch, K, ...]``, replica i's at ``[:, i]``) and how
    its weights map to the replicas'."""

    model: keras.Model
    slots: list[_Slot]
    per_replica: list[str]  # the layers run per replica (their class names, in order)

    def load(self) -> None:
        """Set each stacked weight to the replicas' weights put together."""
        for slot in self.slots:
            weights = [layer.get_weights() for layer in slot.replicas]
            slot.layer.set_weights(
                [
                    np.stack(parts) if axis is None else np.concatenate(parts, axis=axis)
                    for axis, parts in zip(slot.axes, zip(*weights, strict=True), strict=True)
                ]
            )

    def write_back(self) -> None:
        """Put each replica's slice of the stacked weights back into its own layers."""
        for slot in self.slots:
            k = len(slot.replicas)
            values = slot.layer.get_weights()
            for r, layer in enumerate(slot.replicas):
                layer.set_weights(
                    [
                        v[r] if axis is None else np.split(v, k, axis=axis)[r]
                        for axis, v in zip(slot.axes, values, strict=True)
                    ]
                )


def _activation_name(fn: Any) -> str:
    return str(getattr(fn, "__name__", type(fn).__name__))


class _StackedDense(keras.layers.Layer):
    """K ``Dense`` layers as one batched matmul: kernel ``[K, in, out]``, bias ``[K * out]``."""

    def __init__(self, k: int, units: int, activation: Any, use_bias: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.k, self.units, self.activation, self.use_bias = k, units, activation, use_bias

    def build(self, input_shape: Any) -> None:
        self.kernel = self.add_weight(
            shape=(self.k, input_shape[-1] // self.k, self.units), initializer="zeros", name="kernel"
        )
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.k * self.units,), initializer="zeros", name="bias")

    def call(self, x: Any) -> Any:
        inner = tuple(x.shape[1:-1])
        # [K, N, in] @ [K, in, out]: one batched matmul. An einsum ("bki,kio->bko") took 1.2-1.5x the time of
        # this transpose and matmul for a training step of 784 to 256 units (bench/stacked_dense.py); spelled
        # with an ellipsis, 7x the spelled-out einsum's (bench/results/fused.md).
        y = keras.ops.transpose(keras.ops.reshape(x, (-1, self.k, x.shape[-1] // self.k)), (1, 0, 2))
        y = keras.ops.transpose(keras.ops.matmul(y, self.kernel), (1, 0, 2))
        if self.use_bias:
            y = y + keras.ops.reshape(self.bias, (self.k, self.units))
        return keras.ops.reshape(self.activation(y), (-1, *inner, self.k * self.units))  # per replica: softmax too

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (*input_shape[:-1], self.k * self.units)


class _StackedFlatten(keras.layers.Layer):
    """K ``Flatten`` layers: ``[b, *S, K*C]`` to ``[b, K * prod(S)*C]``, each replica's values in its own order."""

    def __init__(self, k: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.k = k

    def call(self, x: Any) -> Any:
        inner, c = tuple(x.shape[1:-1]), x.shape[-1] // self.k
        if not inner:
            return x
        y = keras.ops.reshape(x, (-1, *inner, self.k, c))
        rank = len(inner) + 3
        y = keras.ops.transpose(y, (0, rank - 2, *range(1, rank - 2), rank - 1))
        return keras.ops.reshape(y, (-1, math.prod(inner) * c * self.k))

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (input_shape[0], math.prod(input_shape[1:]))


class _PerReplica(keras.layers.Layer):
    """A layer that does not stack: replica r's own layer runs on replica r's slice of each input."""

    def __init__(self, replicas: Sequence[keras.layers.Layer], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.replicas = list(replicas)

    def call(self, inputs: Any) -> Any:
        k = len(self.replicas)
        many = isinstance(inputs, list | tuple)
        parts = [keras.ops.split(x, k, axis=-1) for x in (inputs if many else [inputs])]
        outs = [layer([p[r] for p in parts] if many else parts[0][r]) for r, layer in enumerate(self.replicas)]
        return keras.ops.concatenate(outs, axis=-1) if k > 1 else outs[0]


class _Unstack(keras.layers.Layer):
    """The stacked output ``[b, *S, K*C]`` as ``[b, K, *S, C]``: replica r's output at ``[:, r]``."""

    def __init__(self, k: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.k = k

    def call(self, x: Any) -> Any:
        inner = tuple(x.shape[1:-1])
        y = keras.ops.reshape(x, (-1, *inner, self.k, x.shape[-1] // self.k))
        return keras.ops.moveaxis(y, len(inner) + 1, 1) if inner else y

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (input_shape[0], self.k, *input_shape[1:-1], input_shape[-1] // self.k)


def _plain(layer: keras.layers.Layer) -> bool:
    """No constraint, LoRA, quantization or other-than-float32 computation: the stacked op is the same op."""
    return (
        all(getattr(layer, f"{w}_constraint", None) is None for w in ("kernel", "bias", "beta", "gamma"))
        and not getattr(layer, "lora_enabled", False)
        and getattr(layer, "quantization_mode", None) is None
        and layer.compute_dtype == "float32"
    )


def _stack_layer(
    replicas: list[keras.layers.Layer], name: str, grouped_conv: bool
) -> tuple[keras.layers.Layer, _Slot | None]:
    """One layer for the K replicas' layers (a :class:`_PerReplica` when nothing better fits), and its weights' slot.

    ``grouped_conv``: stack convolutions as grouped convolutions (Keras runs those through XLA, which on a CPU
    took 5x the time of the replicas' own convolutions: bench/results/fused.md); without, only a convolution
    of one input channel stacks (as a depthwise convolution), the others run per replica.
    """
    layer, k = replicas[0], len(replicas)
    kind = type(layer).__name__
    if isinstance(layer, keras.Model):
        raise StackRefused(f"the model nests another model ({layer.name})")
    if not isinstance(layer, keras.layers.Layer):
        raise StackRefused(f"the model's graph calls {type(layer).__name__}, not a layer")
    if getattr(layer, "data_format", "channels_last") == "channels_first":
        raise StackRefused(f"{kind} works on channels first")
    plain, config = _plain(layer), layer.get_config()
    config["name"] = f"{name}_{layer.name}"
    if kind == "Dense" and plain:
        new = _StackedDense(k, layer.units, layer.activation, layer.use_bias, name=config["name"])
        return new, _Slot(new, replicas, [None, 0][: 1 + layer.use_bias])
    conv = kind in ("Conv1D", "Conv2D", "Conv3D") and plain and _activation_name(layer.activation) in _ELEMENTWISE
    if "Conv" in kind and not grouped_conv and not CPU_STACKS_CONV:
        raise StackNotFaster("on a CPU a convolutional net's graph pack was faster than its stacked pack")
    if conv and kind != "Conv3D" and layer.groups == 1 and layer.input.shape[-1] == 1:  # one channel in: depthwise
        new = getattr(keras.layers, f"Depthwise{kind}")(
            **{key: config[key] for key in ("kernel_size", "strides", "padding", "dilation_rate", "use_bias")},
            depth_multiplier=layer.filters,
            activation=layer.activation,
            name=config["name"],
        )
        return new, _Slot(new, replicas, [-2, 0][: 1 + layer.use_bias])
    if conv and grouped_conv:
        new = type(layer).from_config({**config, "filters": k * layer.filters, "groups": k * layer.groups})
        return new, _Slot(new, replicas, [-1, 0][: 1 + layer.use_bias])
    if kind in ("DepthwiseConv1D", "DepthwiseConv2D") and plain and _activation_name(layer.activation) in _ELEMENTWISE:
        new = type(layer).from_config(config)
        return new, _Slot(new, replicas, [-2, 0][: 1 + layer.use_bias])
    if kind == "BatchNormalization" and plain and layer.axis in (-1, len(layer.input.shape) - 1):
        new = type(layer).from_config(config)
        return new, _Slot(new, replicas, [0] * len(layer.weights))
    if kind == "Flatten":
        return _StackedFlatten(k, name=config["name"]), None
    elementwise = kind == "Activation" and _activation_name(layer.activation) in _ELEMENTWISE
    if (elementwise or kind in _PER_CHANNEL) and not layer.weights:
        return type(layer).from_config(config), None
    return _PerReplica(replicas, name=config["name"]), None


def _graph(model: keras.Model) -> Any:
    functional = model_graph(model)
    if functional is None:
        raise StackRefused(f"the model ({type(model).__name__}) is not a graph of layers")
    if len(functional.inputs) != 1 or len(functional.outputs) != 1:
        raise StackRefused("the model has several inputs or outputs")
    return functional


def stack_replicas(
    models: Sequence[keras.Model], input_shape: Sequence[int], grouped_conv: bool | None = None
) -> Stacked:
    """One stacked model for these replicas (same architecture, each built after its seed), weights loaded.

    ``grouped_conv`` (see :func:`_stack_layer`): None, on a GPU only.

    Raises:
        StackRefused: the replicas cannot be stacked (see the module's docstring).
    """
    optimizer = models[0].optimizer
    if getattr(optimizer, "clipnorm", None) or getattr(optimizer, "global_clipnorm", None):
        raise StackRefused("the optimizer clips by a norm, which a stacked weight's slices would share")
    if "LossScale" in type(optimizer).__name__:
        raise StackRefused("a loss-scaling optimizer skips a step for every replica when one overflows")
    if models[0].losses or any(getattr(layer, "activity_regularizer", None) for layer in models[0].layers):
        raise StackRefused("each replica's regularization penalty needs its own weights, which a stacked layer shares")
    if grouped_conv is None:
        import tensorflow as tf

        grouped_conv = bool(tf.config.list_logical_devices("GPU"))
    graphs = [_graph(m) for m in models]
    ops = [g.operations for g in graphs]
    if len({len(o) for o in ops}) != 1:
        raise StackRefused("the replicas' graphs differ")
    k, slots, per_replica = len(models), [], []
    index = {id(op): i for i, op in enumerate(ops[0])}
    made: dict[int, keras.layers.Layer] = {}

    def stacked(op: Any) -> Any:
        i = index[id(op)]
        if i not in made:
            replicas = [o[i] for o in ops]
            if len({type(layer) for layer in replicas}) != 1:
                raise StackRefused("the replicas' layers differ")
            made[i], slot = _stack_layer(replicas, "stacked", grouped_conv)
            slots.extend([slot] if slot else [])
            if isinstance(made[i], _PerReplica):
                per_replica.append(type(op).__name__)
        return made[i]

    inputs = [keras.Input(tuple(input_shape), name=f"r{r}_input") for r in range(k)]
    x = keras.layers.Concatenate(axis=-1, name="stacked_inputs")(inputs) if k > 1 else inputs[0]
    try:
        out = run_through_graph(graphs[0], x, stacked)
    except (ValueError, TypeError, NotImplementedError) as err:  # a layer that does not take the stacked shapes
        raise StackRefused(f"a layer does not take the stacked tensors ({type(err).__name__})") from None
    if isinstance(out, list | tuple) and len(out) == 1:  # a functional model built with outputs=[x]
        out = out[0]
    if isinstance(out, list | tuple | dict) or len(out.shape) < 2:
        raise StackRefused("the model's output is not one tensor per example")
    result = Stacked(keras.Model(inputs, _Unstack(k, name="replicas")(out), name="stacked"), slots, per_replica)
    result.load()
    return result
