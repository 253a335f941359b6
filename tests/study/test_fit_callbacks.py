"""A builder's callbacks reach the fit of the model it built, once, on every engine (``hp.fit_callbacks``)."""

from __future__ import annotations

import pytest

from archsearch.study import RunOptions, run_search

# Each fit writes one line per epoch: "<learning rate at the start of the epoch> <number of recorders in the fit>".
SCHEDULE_SPACE = """
import os

DATASET = "digits"
INPUT = "flat"
EPOCHS = 2
BATCH_SIZE = 128


def build(hp, input_shape, num_classes):
    import keras

    from archsearch import blocks

    model = keras.Sequential([
        keras.Input(shape=input_shape),
        keras.layers.Dense(hp.Choice("units", [8, 16]), activation="relu"),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    blocks.compile_model(hp, model, optimizer_name="sgd", learning_rate=0.1, momentum=0.0,
                         schedule="exponential", decay_rate=0.5, epochs=2)

    def record(epoch, logs):
        recorders = sum(getattr(c, "records", False) for c in hp.fit_callbacks)
        with open(os.environ["EPOCH_LOG"], "a") as out:
            out.write(f"{float(model.optimizer.learning_rate):.6f} {recorders}\\n")

    recorder = keras.callbacks.LambdaCallback(on_epoch_begin=record)
    recorder.records = True
    hp.fit_callbacks.append(recorder)
    return model
"""


@pytest.mark.parametrize("engine", ["optuna", "keras-tuner:random"])
def test_the_schedule_and_the_builders_callback_reach_each_fit_once(tmp_path, write_space, monkeypatch, engine):
    log = tmp_path / "epochs.log"
    monkeypatch.setenv("EPOCH_LOG", str(log))
    space = write_space(SCHEDULE_SPACE, "schedule.py")
    repeats = 2 if engine == "optuna" else 1  # keras-tuner engines run one seed per trial
    result = run_search(space, RunOptions(trials=2, repeats=repeats, engine=engine, quiet=True))
    assert result.finished == 2
    lines = [line.split() for line in log.read_text().splitlines()]
    # One line per epoch of every fit (2 trials x repeats x 2 epochs): the recorder ran once per epoch, in the
    # fit of the model whose build added it (a list that kept earlier builds' callbacks would count 2, 3, ...).
    assert len(lines) == 2 * repeats * 2
    assert {count for _, count in lines} == {"1"}
    # compile_model's exponential schedule ran in the same fits: the rate halves from 0.1 each epoch.
    assert [float(rate) for rate, _ in lines] == pytest.approx([0.1, 0.05] * (2 * repeats), rel=1e-5)
