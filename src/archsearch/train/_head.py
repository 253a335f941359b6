"""A pack's one loss and one metric: every replica's loss, gradient and logs from the pack's one output.

A pack (``train/_fused.py``) outputs ``[batch, K, ...]``, replica r's output at
``[:, r]``, and is fed labels laid out the same way. :class:`ReplicaHead`
resolves a replica's compiled loss and metrics as ``compile`` would for that
replica alone, then computes them for all K replicas at once: Keras's own loss
and metric functions reduce over the last axis only, so the replica axis is one
more batch axis to them. Any other loss or metric (a function of the user's, a
stateful metric such as ``AUC``) runs per replica on its slice, with a copy of
its own. Keras's per-output losses and metrics would instead trace and run K
copies of each (``bench/results/fused.md``: about half of a stacked pack's first
epoch).

:class:`PackModel` is the pack's Keras model: its ``compute_loss`` is the sum of
the replicas' losses, each with its own regularization penalties (so each
replica's weights get its own loss's gradient),
and its ``compute_metrics`` updates the head, which logs ``r<i>_loss``,
``r<i>_accuracy``, ... as replica i's separate fit logs ``loss``,
``accuracy``, ... (a mean over the epoch's batches, weighted by their sizes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras

from archsearch._compat.keras import compile_arguments, mean_metric_function, resolve_loss, resolve_metric

__all__ = ["PackModel", "ReplicaHead"]

# The reductions a stacked loss can apply over the batch axis alone (no sample weights or masks in a pack).
_MEAN = ("sum_over_batch_size", "mean", "mean_with_sample_weight")


def _keras_own(fn: Any) -> bool:
    return str(getattr(fn, "__module__", "")).startswith("keras.")


def _total(values: Sequence[Any]) -> Any:
    total = keras.ops.zeros(())
    for value in values:
        total = total + keras.ops.cast(value, total.dtype)
    return total


def _listed(metrics: Any) -> list[Any]:
    if metrics is None:
        return []
    if isinstance(metrics, dict):  # per output: a replica has one
        return [m for listed in metrics.values() for m in _listed(listed)]
    return list(metrics) if isinstance(metrics, list | tuple) else [metrics]


def _fresh(identifier: Any) -> Any:
    """A metric object's copy (its own state); a name or a function as it is."""
    if isinstance(identifier, keras.metrics.Metric):
        return type(identifier).from_config(identifier.get_config())
    return identifier


def _per_example(values: Any, k: int) -> Any:
    """``[batch, K, ...]`` values to ``[batch, K]``: the mean over any further axes, as Keras's ``Mean`` does.

    A function that squeezes a last axis of 1 (the replica axis when K = 1) gives ``[batch]``: reshaped back.
    """
    if len(values.shape) > 2:
        values = keras.ops.mean(values, axis=tuple(range(2, len(values.shape))))
    return keras.ops.reshape(values, (-1, k))


class ReplicaHead(keras.metrics.Metric):
    """Every replica's loss and compiled metrics, for a pack of ``k`` replicas compiled as ``replica``.

    Args:
        replica: one replica, compiled (its loss and metrics are the pack's, per replica).
        k: the replicas in the pack.
        y_true: a replica's labels (a ``KerasTensor``: what ``compile`` resolves ``"accuracy"`` against).
    """

    def __init__(self, replica: keras.Model, k: int, y_true: Any, name: str = "replicas") -> None:
        super().__init__(name=name)
        self.k = k
        shape = replica.output_shape
        y_pred = keras.KerasTensor(shape[0] if isinstance(shape, list) else shape)  # a functional model's [output]
        self.loss = resolve_loss(replica.loss, y_true, y_pred)
        stacked = _keras_own(getattr(self.loss, "fn", None))  # one of Keras's loss functions, wrapped
        self._stacked_loss = stacked and (self.loss.reduction in _MEAN or self.loss.reduction == "sum")
        config = compile_arguments(replica)
        names: list[str] = []
        self._stacked: list[tuple[Callable[..., Any], dict[str, Any]]] = []
        self._stacked_names: list[str] = []
        self._own_names: list[str] = []
        own: list[keras.metrics.Metric] = []
        for identifier in [*_listed(config.get("metrics")), *_listed(config.get("weighted_metrics"))]:
            metric = resolve_metric(_fresh(identifier), y_true, y_pred)
            name = metric.name if metric.name not in names else f"{metric.name}_{names.count(metric.name)}"
            names.append(metric.name)
            found = mean_metric_function(metric)
            if found is not None and _keras_own(found[0]):
                self._stacked.append(found)
                self._stacked_names.append(name)
            else:  # a copy per replica, updated on the replica's slice
                self._own_names.append(name)
                own += [resolve_metric(_fresh(identifier), y_true, y_pred) for _ in range(k)]
        self.own = own
        self.sums = self.add_variable(shape=(1 + len(self._stacked), k), initializer="zeros", name="sums")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def batch_losses(self, y_true: Any, y_pred: Any) -> Any:
        """Each replica's loss on this batch, ``[K]``, as its separate fit's compiled loss reduces it."""
        if self._stacked_loss:
            values = _per_example(self.loss.call(y_true, y_pred), self.k)
            reduce = keras.ops.sum if self.loss.reduction == "sum" else keras.ops.mean
            return reduce(values, axis=0)
        return keras.ops.stack([self.loss(y_true[:, r], y_pred[:, r]) for r in range(self.k)])

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None, losses: Any = None) -> None:
        """Add a batch; ``losses``: its :meth:`batch_losses`, where the caller has them already."""
        n = keras.ops.cast(keras.ops.shape(y_pred)[0], self.dtype)
        sums = [(self.batch_losses(y_true, y_pred) if losses is None else losses) * n]
        sums += [keras.ops.sum(_per_example(fn(y_true, y_pred, **kw), self.k), axis=0) for fn, kw in self._stacked]
        self.sums.assign_add(keras.ops.cast(keras.ops.stack(sums), self.dtype))
        self.count.assign_add(n)
        for i, metric in enumerate(self.own):
            metric.update_state(y_true[:, i % self.k], y_pred[:, i % self.k])

    def result(self) -> dict[str, Any]:
        means = keras.ops.divide_no_nan(self.sums, self.count)
        out = {}
        for r in range(self.k):
            out[f"r{r}_loss"] = means[0, r]
            out.update({f"r{r}_{name}": means[1 + i, r] for i, name in enumerate(self._stacked_names)})
            for j, name in enumerate(self._own_names):
                out[f"r{r}_{name}"] = self.own[j * self.k + r].result()
        return out

    def reset_state(self) -> None:
        self.sums.assign(keras.ops.zeros(self.sums.shape))
        self.count.assign(0.0)
        for metric in self.own:
            metric.reset_state()


class PackModel(keras.Model):
    """A pack: a functional model whose loss is the sum of its replicas' losses and whose metrics are its head's."""

    def __init__(
        self,
        inputs: Sequence[Any],
        outputs: Any,
        head: ReplicaHead,
        penalties: Callable[[], Sequence[Sequence[Any]]] | None = None,
        **kwargs: Any,
    ) -> None:
        """``penalties``: each replica's regularization losses (its ``model.losses``), read in the training step."""
        super().__init__(inputs, outputs, **kwargs)
        self.head = head  # tracked: among the model's metrics, so Keras resets it each epoch and logs its result
        self._penalties = [penalties]  # a function, not a layer or a variable: nothing for Keras to track
        self._step: dict[str, Any] = {}  # this step's outputs and their losses, from compute_loss to compute_metrics

    def compute_loss(
        self, x: Any = None, y: Any = None, y_pred: Any = None, sample_weight: Any = None, training: bool = True
    ) -> Any:
        losses = self.head.batch_losses(y, y_pred)
        penalties = self._penalties[0]() if self._penalties[0] is not None else []
        if any(penalties):  # each replica's loss includes its own penalties, as its separate fit's loss does
            losses = losses + keras.ops.stack([_total(p) for p in penalties])
        self._step.update({"y_pred": y_pred, "losses": losses})
        return keras.ops.sum(losses)

    def compute_metrics(self, x: Any, y: Any, y_pred: Any, sample_weight: Any = None) -> dict[str, Any]:
        # Keras's train and test steps call compute_loss first with the same outputs: their losses, not computed again
        same = self._step.get("y_pred") is y_pred
        self.head.update_state(y, y_pred, losses=self._step.get("losses") if same else None)
        self._step.clear()
        return self.get_metrics_result()
