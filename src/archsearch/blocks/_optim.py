"""Optimizers and learning-rate schedules as hyperparameters, and compiling with them."""

from __future__ import annotations

import math
from typing import Any

from archsearch.blocks._spec import Log, is_searched, pick

__all__ = ["OPTIMIZERS", "SCHEDULES", "compile_model", "lr_schedule", "optimizer"]

#: Optimizer names understood by :func:`optimizer`.
OPTIMIZERS = ("sgd", "adam", "rmsprop", "adadelta", "adagrad", "nadam")
#: Schedule names understood by :func:`lr_schedule`.
SCHEDULES = ("constant", "exponential", "step", "cosine", "plateau")


def optimizer(
    hp: Any, *, name: Any = "adam", learning_rate: Any = Log(1e-4, 1e-1, default=1e-3), momentum: Any = 0.9
) -> Any:
    """A Keras optimizer chosen by hyperparameters.

    Declares ``optimizer`` and ``learning_rate`` when searched, and
    ``momentum`` for SGD only (conditional on ``optimizer == "sgd"``).

    Args:
        hp: the hp object.
        name: one of :data:`OPTIMIZERS` (a spec, e.g. ``["sgd", "adam"]``).
        learning_rate: the initial learning rate (a spec).
        momentum: SGD momentum (a spec).

    Example:
        >>> from archsearch.space import FixedHyperParameters
        >>> optimizer(FixedHyperParameters(), name="sgd", learning_rate=0.01)  # doctest: +SKIP
        <keras.src.optimizers.sgd.SGD object at ...>
    """
    import keras

    kind = pick(hp, "optimizer", name)
    rate = pick(hp, "learning_rate", learning_rate)
    if kind == "sgd":
        if is_searched(name):
            with hp.conditional_scope("optimizer", ["sgd"]):
                mom = pick(hp, "momentum", momentum)
        else:
            mom = pick(hp, "momentum", momentum)
        return keras.optimizers.SGD(learning_rate=rate, momentum=mom)
    classes = {
        "adam": keras.optimizers.Adam,
        "rmsprop": keras.optimizers.RMSprop,
        "adadelta": keras.optimizers.Adadelta,
        "adagrad": keras.optimizers.Adagrad,
        "nadam": keras.optimizers.Nadam,
    }
    if kind not in classes:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, but got {kind!r}.")
    return classes[kind](learning_rate=rate)


def lr_schedule(
    hp: Any,
    *,
    schedule: Any = "constant",
    decay_rate: Any = 0.5,
    step_epochs: Any = 3,
    epochs: int = 10,
    patience: Any = 2,
) -> list[Any]:
    """Learning-rate schedule callbacks, applied per epoch.

    ``exponential``: lr0 * rate^epoch; ``step``: lr0 * rate^(epoch // step_epochs);
    ``cosine``: cosine decay from lr0 to 0 over ``epochs``; ``plateau``:
    ``ReduceLROnPlateau(factor=rate, patience)`` on ``val_loss``; ``constant``:
    none. The decays are Keras schedules evaluated per epoch, so they do not
    depend on the dataset size. The initial rate is the optimizer's.

    Declares ``schedule`` when searched and, conditional on it, ``decay_rate``,
    ``step_epochs`` and ``patience`` when searched.

    Returns:
        The callbacks to attach (empty for ``constant``).
    """
    import keras

    kind = pick(hp, "schedule", schedule)
    if kind not in SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, but got {kind!r}.")
    if kind == "constant":
        return []

    def scoped(name: str, spec: Any, used_by: list[str]) -> Any:
        if is_searched(schedule):
            with hp.conditional_scope("schedule", used_by):
                return pick(hp, name, spec)
        return pick(hp, name, spec)

    if kind == "cosine":
        return [_epoch_schedule(lambda lr0: keras.optimizers.schedules.CosineDecay(lr0, max(epochs, 1)))]
    rate = scoped("decay_rate", decay_rate, ["exponential", "step", "plateau"])
    if kind == "plateau":
        wait = scoped("patience", patience, ["plateau"])
        return [keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=rate, patience=wait)]
    every = scoped("step_epochs", step_epochs, ["step"]) if kind == "step" else 1
    return [
        _epoch_schedule(
            lambda lr0: keras.optimizers.schedules.ExponentialDecay(
                lr0, decay_steps=every, decay_rate=rate, staircase=kind == "step"
            )
        )
    ]


def compile_model(
    hp: Any,
    model: Any,
    *,
    optimizer_name: Any = "adam",
    learning_rate: Any = Log(1e-4, 1e-1, default=1e-3),
    momentum: Any = 0.9,
    schedule: Any = "constant",
    decay_rate: Any = 0.5,
    step_epochs: Any = 3,
    epochs: int = 10,
    patience: Any = 2,
    from_logits: bool | None = None,
) -> Any:
    """Compile ``model`` with a searched optimizer and schedule; the schedule's callbacks go to ``hp.fit_callbacks``.

    Uses sparse categorical cross-entropy (integer labels) and accuracy. See
    :func:`optimizer` and :func:`lr_schedule` for the arguments. Plain SGD (as
    lab L4 used) is ``optimizer_name="sgd", momentum=0.0``.

    The schedule is a Keras callback, so it needs archsearch's hp (the one
    archsearch hands builders, see ``HyperParameters.fit_callbacks``); with a
    plain ``keras_tuner.HyperParameters`` (keras-tuner's own tuners) the model is
    compiled and the schedule is left out: pass the callbacks to fit yourself.

    Args:
        from_logits: the loss's ``from_logits``; None (default) sets it from the
            output layer: True when it is linear (logits), else False. Setting it
            against the output reproduces a lab mistake (see ``model_pitfalls``).

    Example:
        >>> compile_model(hp, model, optimizer_name=["sgd", "adam"], schedule=["constant", "cosine"])  # doctest: +SKIP
    """
    opt = optimizer(hp, name=optimizer_name, learning_rate=learning_rate, momentum=momentum)
    callbacks = lr_schedule(
        hp, schedule=schedule, decay_rate=decay_rate, step_epochs=step_epochs, epochs=epochs, patience=patience
    )
    import keras

    if from_logits is None:
        last = model.layers[-1] if model.layers else None
        act = getattr(getattr(last, "activation", None), "__name__", "")
        from_logits = act == "linear"
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    model.compile(optimizer=opt, loss=loss, metrics=["accuracy"])
    if callbacks and isinstance(getattr(hp, "fit_callbacks", None), list):
        hp.fit_callbacks.extend(callbacks)
    return model


def _epoch_schedule(factory: Any) -> Any:
    """A ``LearningRateScheduler`` from a Keras schedule factory, counted in epochs.

    The schedule is made at the first epoch from the optimizer's rate then, so
    the initial rate stays the ``learning_rate`` hyperparameter.
    """
    import keras

    state: dict[str, Any] = {}

    def rate(epoch: int, lr: float) -> float:
        if "schedule" not in state:
            state["schedule"] = factory(float(lr))
        value = float(state["schedule"](epoch))
        return value if math.isfinite(value) else float(lr)

    return keras.callbacks.LearningRateScheduler(rate)
