"""Spaces that fail: a bad combination, every combination, a wrong output size."""

from __future__ import annotations

import pytest

from archsearch.errors import SpaceError
from archsearch.study import RunOptions, run_search

HEAD = '''
"""{doc}"""
DATASET = "digits"
INPUT = "flat"
EPOCHS = 1
BATCH_SIZE = 64
'''

SOMETIMES = (
    HEAD.format(doc="Units 32 raises.")
    + """
def build(hp, input_shape, num_classes):
    import keras
    units = hp.Choice("units", [8, 32])
    if units == 32:
        raise ValueError("32 units are not supported here")
    return keras.Sequential([keras.Input(input_shape), keras.layers.Dense(units, activation="relu"),
                             keras.layers.Dense(num_classes, activation="softmax")])
"""
)

ALWAYS = (
    HEAD.format(doc="Every combination raises.")
    + """
def build(hp, input_shape, num_classes):
    hp.Choice("units", [8, 16])
    raise RuntimeError("this builder always fails")
"""
)

WRONG_OUTPUT = (
    HEAD.format(doc="Three outputs for ten classes.")
    + """
def build(hp, input_shape, num_classes):
    import keras
    return keras.Sequential([keras.Input(input_shape), keras.layers.Dense(3, activation="softmax")])
"""
)


def _options(tmp_path, trials):
    return RunOptions(
        trials=trials,
        epochs=1,
        storage=f"sqlite:///{tmp_path}/o.db",
        tracking_uri=f"sqlite:///{tmp_path}/m.db",
        quiet=True,
        max_failures=3,
    )


@pytest.mark.slow
def test_a_failing_combination_fails_its_trial_and_the_study_goes_on(write_space, tmp_path):
    import optuna

    path = write_space(SOMETIMES, "sometimes.py")
    storage = f"sqlite:///{tmp_path}/o.db"
    study = optuna.create_study(study_name="sometimes", storage=storage, direction="maximize")
    study.enqueue_trial({"units": 32})  # fails
    study.enqueue_trial({"units": 8})  # runs after the failure
    result = run_search(path, _options(tmp_path, 1))
    assert (result.finished, result.failed) == (1, 1)
    failed = [t for t in optuna.load_study(study_name="sometimes", storage=storage).trials if t.state.name == "FAIL"]
    assert "32 units are not supported here" in failed[0].user_attrs["error"]


def test_a_space_whose_default_build_fails_stops_before_any_trial(write_space, tmp_path):
    # It ran --max-failures failed trials first; the build with the default values already shows the bug.
    path = write_space(ALWAYS, "always.py")
    with pytest.raises(
        SpaceError, match=r"always\.py:\d+: build\(\) with the default values raised RuntimeError: this builder"
    ):
        run_search(path, _options(tmp_path, 10))
    assert not (tmp_path / "o.db").exists()


def test_wrong_output_size_is_an_error_before_training(write_space, tmp_path):
    path = write_space(WRONG_OUTPUT, "wrong.py")
    with pytest.raises(SpaceError, match=r"wrong.py: the model outputs 3 units but the dataset has 10 classes"):
        run_search(path, _options(tmp_path, 1))
    assert not (tmp_path / "o.db").exists()
