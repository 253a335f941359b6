"""Reference models: named points of a space (the lab's own nets), their layer tables and pitfalls.

A space file may declare ``REFERENCES``: a dict from a name to the
hyperparameter values that make the builder produce that model, or to a
:class:`Reference` that adds what the lab reported and how it trained::

    REFERENCES = {
        "L4-base": Reference({"blocks": 3, "filters": 32}, reported="val accuracy 0.58",
                             epochs=10, batch_size=32),
        "L4-depth": {"blocks": 5, "filters": 32},
    }

A reference is built by the same ``build`` (and so the same blocks) that the
search varies: ``archsearch show SPACE --reference NAME`` prints it and
``archsearch ask SPACE --factor X --base reference:NAME`` varies one factor
around it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from archsearch.errors import SpaceError, UsageError

if TYPE_CHECKING:
    from archsearch.space import Space

__all__ = [
    "Reference",
    "build_reference",
    "describe_layer",
    "get_reference",
    "layer_table",
    "model_pitfalls",
    "reference_summary",
    "space_references",
]


@dataclasses.dataclass(frozen=True)
class Reference:
    """A named model of a lab: hyperparameter values of the space, and what the lab reported.

    Attributes:
        values: hyperparameter values (the rest take their defaults).
        lab: the lab and task, e.g. ``"L4"``.
        reported: what the lab reported, in words (``"val accuracy 0.58"``).
        reported_value: the same as a number, for side-by-side tables.
        epochs, batch_size: the lab's training settings (None: the space's).
        training: the rest of the lab's training settings, in words.
        pitfalls: lab mistakes that are not in the model itself (e.g. the
            validation split), with what they do.
        deviations: training settings that are archsearch's, not the lab's
            (where the lab had none, or did otherwise), each with its reason;
            the space file's docstring lists the same sentences.
    """

    values: Mapping[str, Any]
    lab: str = ""
    reported: str = ""
    reported_value: float | None = None
    epochs: int | None = None
    batch_size: int | None = None
    training: str = ""
    pitfalls: tuple[str, ...] = ()
    deviations: tuple[str, ...] = ()


def space_references(space: Space) -> dict[str, Reference]:
    """The space file's ``REFERENCES`` as :class:`Reference` objects (``{}`` when it declares none).

    Raises:
        SpaceError: ``REFERENCES`` is not a dict of name -> dict or Reference.
    """
    raw = getattr(space.build, "__globals__", {}).get("REFERENCES", {})
    if not isinstance(raw, Mapping):
        raise SpaceError(
            f"{space.path}: REFERENCES must be a dict of name -> hyperparameter values, but got {type(raw).__name__}."
        )
    out: dict[str, Reference] = {}
    for name, ref in raw.items():
        if isinstance(ref, Mapping):
            ref = Reference(dict(ref))
        if not isinstance(ref, Reference) or not isinstance(ref.values, Mapping):
            raise SpaceError(
                f"{space.path}: REFERENCES[{name!r}] must be a dict of hyperparameter values or "
                f"archsearch.blocks.Reference, but got {ref!r}."
            )
        out[str(name)] = ref
    return out


def get_reference(space: Space, name: str) -> Reference:
    """One reference by name.

    Raises:
        UsageError: no such reference (the message lists the space's references).
    """
    refs = space_references(space)
    if name not in refs:
        known = ", ".join(refs) or "none: the space declares no REFERENCES"
        raise UsageError(f"{space.path}: no reference {name!r} (references: {known}).")
    return refs[name]


def build_reference(space: Space, name: str, input_shape: tuple[int, ...], num_classes: int) -> Any:
    """Build reference ``name`` of ``space`` (no training) and check it is a point of the space.

    Every value must be one the builder declared with this configuration, and
    one it can take (:func:`archsearch.space.check_point`): a reference outside
    the space would not be what the search varies.

    Returns:
        ``(model, hp)``: the built Keras model and the hp object (``hp.values``, ``hp.params``).

    Raises:
        SpaceError: the reference sets an undeclared hyperparameter, or a value outside its range or choices or
            of another type (checked also when the build raises on it), or the builder raised (one line).
    """
    from archsearch.space import FixedHyperParameters, check_point

    ref = get_reference(space, name)
    hp = FixedHyperParameters(dict(ref.values))
    who, fix = f"{space.path}: reference {name!r}", f"fix REFERENCES[{name!r}] in {space.path}"
    try:
        model = space.call_build(hp, input_shape, num_classes)
    except Exception as err:  # a value of the wrong type raises in Keras (units='64'): said as the reference's mistake
        check_point(hp.params, ref.values, who, fix, declared_only=True)
        if isinstance(err, UsageError):
            raise
        raise space.raised(err, f"build() with reference {name!r}") from err
    check_point(hp.params, ref.values, who, fix)
    return model, hp


def layer_table(model: Any) -> list[dict[str, Any]]:
    """One row per layer (InputLayer left out): class, output shape without the batch axis, params, spec.

    Example:
        >>> layer_table(model)[0]  # doctest: +SKIP
        {'layer': 'Conv2D', 'output_shape': [32, 32, 32], 'params': 11648,
         'spec': 'Conv2D(32, 11x11, stride 1, same, relu)'}
    """
    rows = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        shape = layer.output.shape
        rows.append(
            {
                "layer": type(layer).__name__,
                "output_shape": [int(d) for d in shape[1:]],
                "params": int(layer.count_params()),
                "spec": describe_layer(layer),
            }
        )
    return rows


def describe_layer(layer: Any) -> str:
    """A layer in the notation of labs.md, e.g. ``Conv2D(32, 3x3, stride 1, valid, relu)``, ``Dropout(0.2)``."""
    name = type(layer).__name__
    config = layer.get_config()
    if name == "Dense":
        extra = ", L2" if config.get("kernel_regularizer") else ""
        return f"Dense({config['units']}, {_activation(layer)}{extra})"
    if name == "Conv2D":
        k, s = config["kernel_size"], config["strides"]
        stride = s[0] if s[0] == s[1] else f"{s[0]}x{s[1]}"
        return f"Conv2D({config['filters']}, {k[0]}x{k[1]}, stride {stride}, {config['padding']}, {_activation(layer)})"
    if name in ("MaxPooling2D", "AveragePooling2D"):
        size, strides = config["pool_size"], config["strides"]
        return f"{name}({size[0]}, stride {strides[0]}, {config['padding']})"
    if name == "Dropout":
        return f"Dropout({config['rate']:g})"
    return name


def _activation(layer: Any) -> str:
    act = getattr(layer, "activation", None)
    return getattr(act, "__name__", str(act))


def model_pitfalls(model: Any) -> list[str]:
    """Lab mistakes visible in a built (and compiled) model, each with what it does.

    Checks: a softmax in a hidden layer; a linear (logits) output with a loss
    that expects probabilities, or a softmax output with ``from_logits=True``;
    a sigmoid output trained with categorical cross-entropy.

    Example:
        >>> model_pitfalls(model)  # doctest: +SKIP
        ['hidden layer 5 (dense_4) has a softmax activation: ...']
    """
    out = []
    dense = [layer for layer in model.layers if type(layer).__name__ in ("Dense", "Conv2D")]
    for i, layer in enumerate(dense[:-1], 1):
        if _activation(layer) == "softmax":
            out.append(
                f"hidden layer {i} ({layer.name}) has a softmax activation: its outputs sum to 1, so the "
                "next layer sees a near-constant input and the gradient through it all but vanishes; "
                "in lab L2 such a net stayed at chance (0.10)."
            )
    if not dense:
        return out
    output = _activation(dense[-1])
    logits = _from_logits(model)
    if output == "linear" and logits is False:
        out.append(
            "the output is linear (logits) but the loss expects probabilities (from_logits=False): "
            "Keras normalises and clips raw scores, so the loss is wrong and training may stall."
        )
    elif output == "softmax" and logits is True:
        out.append(
            "the output is a softmax but the loss has from_logits=True: Keras 3 finds the logits behind the "
            "softmax and computes the loss from them (with a warning), so it trains exactly as with the matched "
            "loss; a Keras that did not look behind the output applied softmax twice (smaller gradients, slower "
            "training)."
        )
    elif output == "sigmoid" and logits is True:
        out.append(
            "the output is a sigmoid but the loss has from_logits=True: Keras 3 finds the logits behind the "
            "sigmoid and applies the loss's softmax to them, so it trains as a softmax output would; a Keras "
            "that did not look behind the output applied the softmax to the sigmoids' 0-1 outputs (no class "
            "above about 23% probability, small gradients). Its outputs are still sigmoids."
        )
    elif output == "sigmoid" and logits is False:
        out.append(
            "the output is a sigmoid trained with categorical cross-entropy: Keras 3 computes the loss from the "
            "logits behind the sigmoid, as for a softmax output, so it trains as a softmax net would; its "
            "outputs are sigmoids that do not sum to 1 (their largest, and so the accuracy, is the softmax's)."
        )
    return out


def _from_logits(model: Any) -> bool | None:
    loss = getattr(model, "loss", None)
    if loss is None or isinstance(loss, str):
        return False if isinstance(loss, str) else None
    config = loss.get_config() if hasattr(loss, "get_config") else {}
    return bool(config.get("from_logits", False))


def reference_summary(space: Space, name: str, shape: tuple[int, ...], classes: int) -> dict[str, Any]:
    """Build reference ``name`` (no training) and describe it: the dict ``show --reference --json`` prints.

    Keys: ``reference``, ``params`` (total), ``layers`` (:func:`layer_table`),
    ``values`` (every active hyperparameter), ``pitfalls`` (:func:`model_pitfalls`
    plus the reference's own), ``lab``, ``reported``, ``training``, ``deviations``,
    ``epochs``, ``batch_size``. The Keras model is under ``model`` (not JSON).
    """
    ref = get_reference(space, name)
    model, hp = build_reference(space, name, shape, classes)
    return {
        "reference": name,
        "params": int(model.count_params()),
        "layers": layer_table(model),
        "values": {k: v for k, v in hp.values.items() if k in hp.params},
        "pitfalls": [*model_pitfalls(model), *ref.pitfalls],
        "lab": ref.lab,
        "reported": ref.reported,
        "reported_value": ref.reported_value,
        "training": ref.training,
        "deviations": list(ref.deviations),
        "epochs": ref.epochs or space.epochs,
        "batch_size": ref.batch_size or space.batch_size,
        "model": model,
    }
