"""One trial's model: build it, check it against the data, compile, fit, evaluate.

Imports Keras (and so TensorFlow) at module level, like the rest of
``archsearch.train`` (``_feed.py`` imports TensorFlow, ``_monitor.py`` Keras);
the builders in ``archsearch.blocks`` import Keras inside their functions. The
CLI and the space loader import ``archsearch.train`` only inside functions, so
they stay light.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import keras

from archsearch.errors import SpaceError
from archsearch.train._feed import train_batches, val_batches
from archsearch.train._monitor import EpochClock

if TYPE_CHECKING:
    from archsearch.data import Dataset
    from archsearch.space import HyperParameters, Space

__all__ = [
    "FitResult",
    "build_model",
    "check_model",
    "check_objective",
    "check_output",
    "clear_session",
    "fit_model",
    "fit_result",
    "label_format",
    "predictions_correct",
    "set_seed",
]


@dataclasses.dataclass
class FitResult:
    """What a fit produced: per-epoch history and final metrics."""

    history: dict[str, list[float]]
    metrics: dict[str, float]
    params_count: int
    fit_seconds: float
    # Per-example "prediction correct" on the validation and test splits (None: the fit diverged).
    correct_val: Any = None
    correct_test: Any = None
    value: float | None = None  # the objective as a HyperModel.fit override returned it (keras-tuner's reading)

    @property
    def epochs_run(self) -> int:
        return len(next(iter(self.history.values()), []))

    def objective(self, name: str) -> float:
        """The objective's value at the last epoch (what the test metrics also measure).

        A ``HyperModel.fit`` override's result counts as keras-tuner reads it (see ``_hypermodel.py``).
        """
        if self.value is not None:
            return self.value
        values = self.history.get(name)
        if not values:
            raise SpaceError(
                f"objective {name!r} is not among the metrics Keras reported "
                f"({', '.join(sorted(self.history)) or 'none'}). Set OBJECTIVE to one of them, "
                "or compile with metrics=['accuracy']."
            )
        return float(values[-1])


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and the backend (weights init, dropout, shuffling)."""
    keras.utils.set_random_seed(seed)


def build_model(space: Space, hp: HyperParameters, dataset: Dataset) -> keras.Model:
    """Call the space's builder and check the model fits the data; compile if needed.

    ``hp.fit_callbacks`` is emptied first: after the call it holds the callbacks
    this build asked for (see ``archsearch.space.HyperParameters``).

    Raises:
        SpaceError: the builder did not return a Keras model, or its output does
            not have one unit per class.
    """
    if isinstance(getattr(hp, "fit_callbacks", None), list):
        hp.fit_callbacks.clear()
    model = space.call_build(hp, dataset.input_shape, dataset.num_classes)
    check_model(space, model, dataset.input_shape, dataset.num_classes)
    if not getattr(model, "compiled", False):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def check_model(space: Space, model: Any, input_shape: tuple[int, ...], num_classes: int) -> None:
    """What the builder returned must be a ``keras.Model`` that takes the data's input shape and has one output
    unit per class (an unbuilt ``Sequential`` is built for the data's shape first).

    Raises:
        SpaceError: one line naming the space file, what is wrong and the fix.
    """
    if not isinstance(model, keras.Model):
        raise SpaceError(
            f"{space.path}: build() must return a keras.Model, but returned "
            f"{type(model).__name__}. End build() with `return model`."
        )
    if isinstance(model, keras.Sequential) and not model.built:
        # keras-tuner's examples often start a Sequential without an Input: give it the data's shape,
        # so that its output can be checked and its parameters counted before the fit.
        model.build((None, *input_shape))
    check_input(space, model, input_shape)
    check_output(space, model, num_classes)


def check_input(space: Space, model: keras.Model, input_shape: tuple[int, ...]) -> None:
    """The model's input must take the data's shape (a hard-coded ``keras.Input(shape=(784,))`` on 64 features
    failed every trial with Keras's many-line message)."""
    try:
        shape = model.input_shape
    except (AttributeError, ValueError):  # subclassed models that were never called
        return
    if not isinstance(shape, tuple) or not all(d is None or isinstance(d, int) for d in shape):
        return  # several inputs: the builder maps the data itself
    expected = tuple(input_shape)
    declared = shape[1:]
    if _fits(declared, expected) or _fits(declared, expected[:-1] if expected[-1:] == (1,) else expected + (1,)):
        return  # Keras adds or drops a last axis of 1 itself: (28, 28) takes (28, 28, 1) images
    raise SpaceError(
        f"{space.path}: the model's input shape is {_shape(declared)} but the data's is {_shape(expected)}; "
        "build the model on the input_shape argument: keras.Input(shape=input_shape)."
    )


def _fits(declared: tuple[Any, ...], data: tuple[int, ...]) -> bool:
    return len(declared) == len(data) and all(d is None or d == e for d, e in zip(declared, data, strict=True))


def _shape(dims: tuple[Any, ...]) -> str:
    """``(64,)``, ``(28, 28, 1)``, ``(None, 32)``."""
    return "(" + ", ".join(map(str, dims)) + ("," if len(dims) == 1 else "") + ")"


def check_objective(space: Space, model: keras.Model, dataset: Dataset) -> None:
    """``OBJECTIVE`` must be a key of the history the fit will report: the compiled model evaluates one small
    validation batch (no training) and its metric names, with and without ``val_``, are the keys. A space whose
    ``HyperModel.fit`` is its own, or a model that cannot evaluate here, is left to its first trial.

    Raises:
        SpaceError: the objective is not one of them (a misspelled ``OBJECTIVE = "val_acc"`` failed every trial
            after its whole fit).
    """
    if space.custom_fit:
        return
    try:
        batch = val_batches(dataset, 2, label_format(model)).take(1)
        logs = model.evaluate(batch, verbose=0, return_dict=True)
    except Exception:  # noqa: BLE001 - the first trial's fit says what is wrong, with its traceback
        return
    names = sorted({*logs, *(f"val_{k}" for k in logs)})
    if space.objective in names:
        return
    close = difflib.get_close_matches(space.objective, names, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise SpaceError(
        f"{space.path}: OBJECTIVE {space.objective!r} is not among the metrics Keras will report "
        f"({', '.join(names)}); {hint}Set OBJECTIVE to one of them, or compile with metrics=['accuracy']."
    )


def check_output(space: Space, model: keras.Model, num_classes: int) -> None:
    """The last layer must have one unit per class, or one unit for a regression loss (``mse`` on the label)."""
    try:
        shape = model.output_shape
    except (AttributeError, ValueError):  # subclassed models that were never called
        return
    if isinstance(shape, list):
        shape = shape[0]
    units = shape[-1] if shape else None
    regression = units == 1 and "crossentropy" not in (_loss_name(model) or "crossentropy")
    if units is not None and units != num_classes and not (units == 1 and num_classes == 2) and not regression:
        raise SpaceError(
            f"{space.path}: the model outputs {units} units but the dataset has {num_classes} "
            f"classes. End the model with Dense(num_classes, activation='softmax')."
        )


def fit_model(
    model: keras.Model,
    dataset: Dataset,
    *,
    epochs: int,
    batch_size: int,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    seed: int | None = None,
    initial_epoch: int = 0,
) -> FitResult:
    """Fit on train, validate each epoch, then score every validation and test example once.

    The final model predicts each split once (one forward pass per split):
    ``correct_val`` and ``correct_test`` are its per-example "prediction
    correct" vectors, and ``test_accuracy`` is the mean of the latter.

    Batches come from ``tf.data`` pipelines (see ``_feed.py``); ``seed`` fixes the
    order of the training examples in every epoch.
    """
    labels = label_format(model)
    clock = EpochClock()
    start = time.perf_counter()
    history = model.fit(
        train_batches(dataset, batch_size, seed, labels),
        validation_data=val_batches(dataset, batch_size, labels),
        epochs=epochs,
        initial_epoch=initial_epoch,
        shuffle=False,
        verbose=0,
        callbacks=[*callbacks, clock],
    )
    return fit_result(model, dataset, history.history, time.perf_counter() - start, clock.steady())


def fit_result(
    model: keras.Model,
    dataset: Dataset,
    history: dict[str, list[Any]],
    fit_seconds: float,
    epoch_seconds: float | None = None,
) -> FitResult:
    """A fit's :class:`FitResult` from its Keras history: final metrics, and unless it diverged, the
    per-example correctness on validation and test and ``test_accuracy``. ``epoch_seconds`` (the steady
    seconds per epoch, :func:`~archsearch.train._monitor.steady_seconds`) becomes the ``epoch_seconds``
    metric when known."""
    hist = {k: [float(v) for v in vals] for k, vals in history.items()}
    metrics: dict[str, float] = {k: vals[-1] for k, vals in hist.items() if vals}
    correct_val = correct_test = None
    if hist and all(math.isfinite(v) for v in metrics.values()):
        correct_val = predictions_correct(model, dataset.x_val, dataset.y_val)
        correct_test = predictions_correct(model, dataset.x_test, dataset.y_test)
        metrics["test_accuracy"] = float(correct_test.mean()) if len(correct_test) else 0.0
    metrics["fit_seconds"] = fit_seconds
    if epoch_seconds is not None:
        metrics["epoch_seconds"] = epoch_seconds
    return FitResult(
        history=hist,
        metrics=metrics,
        params_count=int(model.count_params()),
        fit_seconds=fit_seconds,
        correct_val=correct_val,
        correct_test=correct_test,
    )


def label_format(model: keras.Model) -> str:
    """How the compiled loss wants its labels: ``"sparse"``, ``"one_hot"`` or ``"column"``.

    Sparse losses (``sparse_categorical_crossentropy``) take class integers; any
    other loss compares labels with outputs of the same shape: one-hot rows for a
    multi-unit output (``categorical_crossentropy``, ``mse``, ``kl_divergence``),
    a float column for a one-unit output (``binary_crossentropy`` on a sigmoid).

    Example:
        >>> model.compile(loss="categorical_crossentropy"); label_format(model)  # doctest: +SKIP
        'one_hot'
    """
    name = _loss_name(model)
    if name is None:
        return "sparse"
    if "sparse" in name:
        return "sparse"
    try:
        shape = model.output_shape
    except (AttributeError, ValueError):
        return "one_hot"
    if isinstance(shape, list):
        shape = shape[0]
    return "column" if shape and shape[-1] == 1 else "one_hot"


def _loss_name(model: keras.Model) -> str | None:
    """The compiled loss's name in lower case (``"categorical_crossentropy"``, ``"mse"``), None if not compiled."""
    loss = getattr(model, "loss", None)
    if isinstance(loss, dict):
        loss = next(iter(loss.values()), None)
    if isinstance(loss, list | tuple):
        loss = loss[0] if loss else None
    if loss is None:
        return None
    if isinstance(loss, str):
        name = loss
    else:  # a Loss instance (its .name, e.g. "categorical_crossentropy") or a loss function
        name = getattr(loss, "name", None) or getattr(loss, "__name__", "") or type(loss).__name__
    return name.lower().replace("categoricalcrossentropy", "categorical_crossentropy")


def predictions_correct(model: keras.Model, x: Any, y: Any, batch_size: int = 1024) -> Any:
    """Per example of (x, y): is the model's prediction (argmax, or > 0.5 for one unit) the label? A bool array.

    Calls the model eagerly in chunks instead of ``model.predict``/``evaluate``:
    those trace a new function for every new model, which costs more than the
    forward pass itself on small splits.
    """
    import numpy as np

    correct = np.zeros(len(x), dtype=bool)
    for start in range(0, len(x), batch_size):
        out = keras.ops.convert_to_numpy(model(x[start : start + batch_size], training=False))
        pred = out.argmax(axis=-1) if out.shape[-1] > 1 else (out[..., 0] > 0.5).astype(int)
        correct[start : start + len(out)] = pred.ravel() == np.asarray(y[start : start + batch_size]).ravel()
    return correct


def test_accuracy(model: keras.Model, x: Any, y: Any, batch_size: int = 1024) -> float:
    """Accuracy of the model's predictions on (x, y): the mean of :func:`predictions_correct`."""
    correct = predictions_correct(model, x, y, batch_size)
    return float(correct.mean()) if len(correct) else 0.0


def clear_session() -> None:
    """Free the graph and layers of the last trial (TF leaks a little anyway)."""
    keras.backend.clear_session()
