"""TrialMonitor: stops a diverged fit at the end of the epoch; reports to the trial and stops when pruned."""

from __future__ import annotations

import keras
import numpy as np

from archsearch.train import EpochClock, TrialMonitor
from archsearch.train._monitor import steady_seconds


def _data(n=256):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 8)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    return x, y


def _model(lr):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(shape=(8,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(lr), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class FakeTrial:
    """Records reports; asks to prune from ``prune_at`` on."""

    def __init__(self, prune_at):
        self.prune_at, self.reports = prune_at, []

    def report(self, value, step):
        self.reports.append((step, value))

    def should_prune(self):
        return self.reports[-1][0] >= self.prune_at


def test_a_diverging_loss_stops_the_fit():
    x, y = _data()
    monitor = TrialMonitor(None)
    history = _model(1e12).fit(x, y, epochs=5, batch_size=32, verbose=0, callbacks=[monitor])
    assert monitor.diverged_epoch == 0
    assert not np.isfinite(monitor.bad_value)
    assert len(history.history["loss"]) == 1


def test_reports_each_epoch_and_stops_when_the_pruner_says_so():
    x, y = _data()
    trial = FakeTrial(prune_at=1)
    monitor = TrialMonitor(trial, "val_accuracy")
    history = _model(0.05).fit(x, y, validation_split=0.25, epochs=6, batch_size=32, verbose=0, callbacks=[monitor])
    assert [step for step, _ in trial.reports] == [0, 1]
    assert [v for _, v in trial.reports] == history.history["val_accuracy"]
    assert monitor.pruned_epoch == 1 and monitor.diverged_epoch is None


def test_without_a_trial_nothing_is_reported():
    x, y = _data()
    monitor = TrialMonitor(None)
    history = _model(0.05).fit(x, y, epochs=2, batch_size=64, verbose=0, callbacks=[monitor])
    assert len(history.history["loss"]) == 2
    assert monitor.pruned_epoch is None and monitor.diverged_epoch is None


def test_the_epoch_clock_times_each_epoch_and_leaves_the_first_out_of_the_steady_time():
    x, y = _data()
    clock = EpochClock()
    _model(0.1).fit(x, y, epochs=4, batch_size=64, verbose=0, callbacks=[clock])
    assert len(clock.seconds) == 4 and all(s > 0 for s in clock.seconds)
    assert clock.steady() == float(np.median(clock.seconds[1:]))
    assert clock.seconds[0] > clock.steady()  # the first epoch traces the train and test functions
    assert steady_seconds(clock.seconds[:1]) is None  # one epoch: no steady time
