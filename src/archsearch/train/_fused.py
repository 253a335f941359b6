"""K seeds of one configuration trained as one fused Keras model (horizontal fusion, as HFTA does).

By default the pack is stacked (``train/_stacked.py``): one model whose layers
hold the K replicas' weights stacked, each layer one op for all replicas. Where
a model cannot be stacked, the pack is the graph described below, with each
layer K times; either way its inputs, outputs, loss and logs are the same.

The pack is a multi-input model with one output ``[batch, K, ...]``: replica r
is the space's model built after ``set_seed(seeds[r])`` (so its initial weights
and dropout seed generators are those of the separate fit with that seed), with
an input of its own fed by its own pipeline, shuffled with its own seed (the
separate fit's data order), and its output at ``[:, r]``. Its loss is the SUM of
the replicas' losses (``train/_head.py``), so the gradient of each replica's
weights is its own loss's gradient; one optimizer updates every variable, and
Adam, SGD and RMSprop keep their state per variable, so each replica's updates
are those of its separate fit. BatchNorm layers are per replica (each replica is
its own model). The head's logs ``r<i>_loss``, ``val_r<i>_accuracy``, ...
become each replica's own ``loss``, ``val_accuracy``, ... curves.

A replica's regularization penalties (``kernel_regularizer``, an activity
regularizer: its ``model.losses``) are its own: its loss, logged and differentiated,
includes them, as its separate fit's does. Such replicas train as a graph pack
(a stacked layer would hold every replica's weights under one regularizer).

What differs from K separate fits: the order of floating-point operations in
the fused graph (results agree to rounding; ``tests/train/test_fused.py``) and
the time (the pack's fit time is shared equally among its replicas).

Example:
    >>> outcomes = fit_fused(lambda: build(hp), dataset, [7, 1000010], epochs=3, batch_size=32)  # doctest: +SKIP
    >>> [o.result.objective("val_accuracy") for o in outcomes]  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import keras
import tensorflow as tf

from archsearch.train._feed import _labeller, _tensors, prefetched, val_batches
from archsearch.train._fit import FitResult, fit_result, label_format, set_seed
from archsearch.train._fusable import FuseRefused, _same_architecture, check_fusable
from archsearch.train._head import PackModel, ReplicaHead
from archsearch.train._monitor import EpochClock, report_and_prune
from archsearch.train._pack import pack_room
from archsearch.train._stacked import StackNotFaster, StackRefused, stack_replicas

if TYPE_CHECKING:
    from archsearch.data import Dataset

__all__ = ["FuseRefused", "ReplicaOutcome", "fit_fused", "fused_train_batches", "replica_name"]


@dataclasses.dataclass
class ReplicaOutcome:
    """One replica's fit, as a separate fit with its :class:`~archsearch.train.TrialMonitor` would report it."""

    seed: int
    result: FitResult
    diverged_epoch: int | None = None
    bad_value: float | None = None
    pruned_epoch: int | None = None
    stacked: bool = False  # trained in a stacked pack (``train/_stacked.py``), not a graph pack or alone


def replica_name(r: int) -> str:
    """The fused model's output name of replica ``r`` (its Keras logs are ``r<r>_loss``, ``val_r<r>_...``)."""
    return f"r{r}"


def fused_train_batches(
    dataset: Dataset, batch_size: int, seeds: Sequence[int], labels: str = "sparse", shuffle: bool = True
) -> tf.data.Dataset:
    """K training streams zipped: batch i is K inputs and the labels ``[batch, K, ...]``, replica r's in the order
    ``seeds[r]`` gives.

    Replica r's stream is :func:`archsearch.train._feed.train_batches` with seed
    ``seeds[r]``, made under the same global seed as in that replica's separate
    fit (``set_seed(seed)`` precedes it there), so its examples come in the same
    order every epoch.
    """
    x, y = _tensors(dataset, "train")
    n = int(y.shape[0])
    streams = []
    for seed in seeds:
        tf.random.set_seed(seed)  # tf.data combines the global and the op seed at creation
        indices = tf.data.Dataset.range(n)
        if shuffle:
            indices = indices.shuffle(n, seed=seed, reshuffle_each_iteration=True)
        streams.append(indices.batch(batch_size))
    shape = _labeller(labels, dataset.num_classes)

    def gather(*batches: Any) -> tuple[tuple[Any, ...], Any]:
        return tuple(tf.gather(x, i) for i in batches), tf.stack([shape(tf.gather(y, i)) for i in batches], axis=1)

    return prefetched(tf.data.Dataset.zip(tuple(streams)).map(gather))


def _fused_val_batches(dataset: Dataset, batch_size: int, k: int, labels: str) -> tf.data.Dataset:
    return val_batches(dataset, batch_size, labels).map(lambda x, y: ((x,) * k, tf.stack([y] * k, axis=1)))


class _PackWatch(keras.callbacks.Callback):
    """Each replica's epoch: a non-finite loss marks it diverged; replica 0's objective feeds the pruner.

    ``stop_on_divergence`` (the replicas are one trial's repeats): the first
    diverged replica stops the pack, as it stops the trial's separate fits. Off
    (each replica its own trial): a diverged replica's curves end at that epoch
    and the others go on (its NaN weights touch no other replica's gradient).
    A pruned replica 0 stops the pack: pruning decides per pack.
    """

    def __init__(self, k: int, trial: Any, monitor: str, stop_on_divergence: bool) -> None:
        super().__init__()
        self.k, self.trial, self.monitor, self.stop_on_divergence = k, trial, monitor, stop_on_divergence
        self.diverged: dict[int, tuple[int, float]] = {}
        self.pruned_epoch: int | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        for r in range(self.k):
            loss = logs.get(f"{replica_name(r)}_loss")
            if r not in self.diverged and loss is not None and not math.isfinite(float(loss)):
                self.diverged[r] = (epoch, float(loss))
        if self.diverged and (self.stop_on_divergence or len(self.diverged) == self.k):
            self.model.stop_training = True
            return
        if self.trial is None or 0 in self.diverged:
            return
        if report_and_prune(self.trial, replica_logs(logs, 0).get(self.monitor), epoch):
            self.pruned_epoch = epoch
            self.model.stop_training = True


def replica_logs(logs: dict[str, Any], r: int) -> dict[str, Any]:
    """Replica ``r``'s Keras logs under the names a separate fit uses (``val_r1_loss`` -> ``val_loss``).

    Example:
        >>> replica_logs({"loss": 3.0, "r1_loss": 1.5, "r10_loss": 1.2, "val_r1_accuracy": 0.5}, 1)
        {'loss': 1.5, 'val_accuracy': 0.5}
    """
    prefix = replica_name(r) + "_"
    out = {}
    for key, value in logs.items():
        val = key.startswith("val_")
        name = key[4:] if val else key
        if name.startswith(prefix):
            out[("val_" if val else "") + name[len(prefix) :]] = value
    return out


class _Replicas(keras.layers.Layer):
    """The replicas' outputs as one tensor ``[batch, K, ...]``."""

    def call(self, outputs: Sequence[Any]) -> Any:
        return keras.ops.stack(outputs, axis=1)


def _graph_pack(models: Sequence[keras.Model], input_shape: Sequence[int]) -> keras.Model:
    """The replicas side by side as one multi-input graph (each layer K times), their outputs ``[batch, K, ...]``."""
    inputs = [keras.Input(tuple(input_shape), name=f"{replica_name(r)}_input") for r in range(len(models))]
    outputs = [_one(m(x)) for m, x in zip(models, inputs, strict=True)]
    return keras.Model(inputs, _Replicas(name="replicas")(outputs), name="fused")


@contextlib.contextmanager
def _own_names(models: Sequence[keras.Model]) -> Iterator[None]:
    """Each replica named ``r<i>_<its name>`` while the pack's graphs are made: a builder that names its model
    (``Model(..., name="lenet5")``) names every replica alike, and a graph needs its operations' names unique
    (Keras checks them as a graph is made, not later). The names are given back after."""
    names = [m.name for m in models]
    try:
        for r, m in enumerate(models):
            m.name = f"{replica_name(r)}_{m.name}"
        yield
    finally:
        for m, name in zip(models, names, strict=True):
            m.name = name


def _one(output: Any) -> Any:
    """A model's one output (a functional model built with ``outputs=[x]`` gives ``[x]``)."""
    return output[0] if isinstance(output, list | tuple) and len(output) == 1 else output


def _compile_pack(models: Sequence[keras.Model], net: keras.Model, labels: str) -> PackModel:
    """The pack: ``net`` with the replicas' loss and metrics (its head), compiled with their optimizer."""

    def optimizer(m: keras.Model) -> dict[str, Any]:
        return {k: v for k, v in m.optimizer.get_config().items() if k != "name"}

    if any(optimizer(m) != optimizer(models[0]) for m in models[1:]):
        raise FuseRefused("the replicas' optimizers differ")
    shape = models[0].output_shape
    classes = (shape[0] if isinstance(shape, list) else shape)[-1]  # a functional model's [output] too
    y_true = keras.KerasTensor((None,) if labels == "sparse" else (None, classes if labels == "one_hot" else 1))
    head = ReplicaHead(models[0], len(models), y_true)
    pack = PackModel(net.inputs, net.outputs[0], head, penalties=lambda: [m.losses for m in models], name=net.name)
    config = models[0].get_compile_config()
    pack.compile(
        optimizer=models[0].optimizer,  # unbuilt until this fit: it builds over every replica's weights
        jit_compile=config["jit_compile"],
        steps_per_execution=config["steps_per_execution"],
    )
    return pack


def fit_fused(
    build: Callable[[], keras.Model],
    dataset: Dataset,
    seeds: Sequence[int],
    *,
    epochs: int,
    batch_size: int,
    hp: Any = None,
    trial: Any = None,
    monitor: str = "val_accuracy",
    stop_on_divergence: bool = True,
    shuffle: bool = True,
    fuse_max: int | None = None,
    stack: bool = True,
    say: Callable[[str], None] | None = None,
) -> list[ReplicaOutcome]:
    """Train one replica per seed as one model; one :class:`ReplicaOutcome` per seed trained, in order.

    The pack holds the first seeds that fit (:func:`archsearch.train._pack.pack_room`:
    the device's cap or ``fuse_max``, and memory); the caller fits the rest next.

    Args:
        build: makes one compiled model (the space's builder, checked); called
            once per replica, after ``set_seed(seed)``.
        hp: the hyperparameters ``build`` reads (its ``fit_callbacks`` refuse fusing).
        trial: an ``optuna.Trial`` fed replica 0's ``monitor`` each epoch (None: no pruning).
        stop_on_divergence: the replicas are one trial's repeats (see :class:`_PackWatch`).
        stack: stack the replicas' weights into one model's layers (``train/_stacked.py``); where they
            cannot be, or with False, the pack is the replicas side by side in one graph.
        say: told once why stacking was refused (a line for the terminal).

    Raises:
        FuseRefused: the replicas cannot be fused (see :func:`check_fusable`).
    """
    models: list[keras.Model] = []
    for seed in list(seeds):
        set_seed(seed)
        model = build()
        check_fusable(model, hp)
        models.append(model)
        if len(models) == 1:
            room, need, budget = pack_room(model, batch_size, fuse_max)
            if room < 2 and len(seeds) > 1:
                raise FuseRefused(
                    f"one replica needs about {need:,.0f} MiB and a pack may use {budget:,.0f} MiB"
                    if need * 2 > budget
                    else "--fuse-max is 1"
                )
            seeds = list(seeds)[:room]
        if len(models) == len(seeds):
            break
    if not _same_architecture(models):
        raise FuseRefused("the replicas' architectures differ")
    labels = label_format(models[0])
    train = fused_train_batches(dataset, batch_size, seeds, labels, shuffle=shuffle)
    stacked = None
    if stack:
        try:
            stacked = stack_replicas(models, dataset.input_shape)
        except StackRefused as err:
            if say is not None and not isinstance(err, StackNotFaster):
                say(f"fusing seeds without stacking their weights: {err}")
    try:
        with _own_names(models):
            net = stacked.model if stacked else _graph_pack(models, dataset.input_shape)
            fused = _compile_pack(models, net, labels)
    except (ValueError, TypeError, NotImplementedError) as err:  # Keras would not make them one model
        first = (str(err).splitlines() or [""])[0]
        raise FuseRefused(f"Keras could not make the replicas one model ({type(err).__name__}: {first})") from err
    watch, clock = _PackWatch(len(models), trial, monitor, stop_on_divergence), EpochClock()
    start = time.perf_counter()
    history = fused.fit(
        train,
        validation_data=_fused_val_batches(dataset, batch_size, len(models), labels),
        epochs=epochs,
        shuffle=False,
        verbose=0,
        callbacks=[watch, clock],
    )
    # Each replica's share of the pack's time, as its fit and its steady seconds per epoch.
    share, steady = (time.perf_counter() - start) / len(models), clock.steady()
    epoch_share = steady / len(models) if steady is not None else None
    if stacked is not None:
        stacked.write_back()
    outcomes = []
    for r, (seed, model) in enumerate(zip(seeds, models, strict=True)):
        logs = replica_logs(history.history, r)
        diverged = watch.diverged.get(r)
        if diverged is not None:  # a separate fit stops at the end of the epoch whose loss diverged
            logs = {k: v[: diverged[0] + 1] for k, v in logs.items()}
        result = fit_result(model, dataset, logs, share, epoch_share)
        outcomes.append(
            ReplicaOutcome(
                seed,
                result,
                diverged[0] if diverged else None,
                diverged[1] if diverged else None,
                watch.pruned_epoch if r == 0 else None,
                stacked is not None,
            )
        )
    return outcomes
