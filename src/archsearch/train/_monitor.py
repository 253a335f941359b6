"""Per-epoch watch over one fit: stop on a diverged loss, report to an Optuna pruner; time each epoch.

One callback with only an ``on_epoch_end`` hook. Keras runs batch hooks
synchronously (and converts every batch's logs to Python) as soon as one
callback defines them, which costs a few percent on small models; so the loss
is checked once per epoch rather than per batch as ``TerminateOnNaN`` does.
A diverged fit therefore stops at the end of the epoch in which its loss
became NaN or infinite.
"""

from __future__ import annotations

import math
import statistics
import time
from typing import Any

import keras

__all__ = ["EpochClock", "TrialMonitor", "report_and_prune", "steady_seconds"]


class TrialMonitor(keras.callbacks.Callback):
    """Stops a fit whose loss is not finite; reports ``monitor`` to a trial for pruning.

    Args:
        trial: an ``optuna.Trial`` to report to each epoch, or None for no pruning
            (then the monitor writes nothing to the storage).
        monitor: the logged metric the pruner sees (the space's objective).

    Attributes:
        diverged_epoch: 0-based epoch whose loss was NaN/inf, else None.
        pruned_epoch: 0-based epoch after which the pruner stopped the fit, else None.

    Example:
        >>> monitor = TrialMonitor(trial, "val_accuracy")  # doctest: +SKIP
        >>> model.fit(x, y, callbacks=[monitor])  # doctest: +SKIP
        >>> monitor.pruned_epoch  # doctest: +SKIP
    """

    def __init__(self, trial: Any = None, monitor: str = "val_accuracy") -> None:
        super().__init__()
        self.trial, self.monitor = trial, monitor
        self.diverged_epoch: int | None = None
        self.pruned_epoch: int | None = None
        self.bad_value: float | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        loss = logs.get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.diverged_epoch, self.bad_value = epoch, float(loss)
            self.model.stop_training = True
            return
        if self.trial is None:
            return
        if report_and_prune(self.trial, logs.get(self.monitor), epoch):
            self.pruned_epoch = epoch
            self.model.stop_training = True


def report_and_prune(trial: Any, value: Any, epoch: int) -> bool:
    """Report a finite ``value`` at ``epoch`` to the Optuna trial; True when its pruner says stop."""
    if value is None or not math.isfinite(float(value)):
        return False
    trial.report(float(value), epoch)
    return bool(trial.should_prune())


class EpochClock(keras.callbacks.Callback):
    """Wall seconds of each epoch (training and its validation pass), from epoch hooks only (no batch hooks).

    Attributes:
        seconds: one entry per finished epoch.
    """

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []
        self._start: float | None = None

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self._start is not None:
            self.seconds.append(time.perf_counter() - self._start)

    def steady(self) -> float | None:
        """See :func:`steady_seconds`."""
        return steady_seconds(self.seconds)


def steady_seconds(seconds: list[float]) -> float | None:
    """Seconds per epoch once running: the median epoch after the first (which pays graph tracing and
    TensorFlow's start-up in a process's first fits); None with fewer than 2 epochs.

    Example:
        >>> steady_seconds([3.0, 1.0, 1.2, 0.9]), steady_seconds([3.0])
        (1.0, None)
    """
    return statistics.median(seconds[1:]) if len(seconds) >= 2 else None
