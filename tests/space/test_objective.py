"""OBJECTIVE / DIRECTION read as keras-tuner reads an objective."""

from __future__ import annotations

import keras_tuner
import pytest

from archsearch.errors import SpaceError
from archsearch.space import load_space
from archsearch.space._objective import infer_direction

NAMES = [
    "val_accuracy",
    "accuracy",
    "acc",
    "val_loss",
    "loss",
    "val_mse",
    "mae",
    "val_mean_squared_error",
    "val_auc",
    "precision",
    "val_recall",
    "val_categorical_crossentropy",
    "weighted_acc",
    "val_binary_accuracy",
    "sparse_categorical_accuracy",
    "val_mean_absolute_percentage_error",
    "val_sth_unknown",
]


@pytest.mark.parametrize("name", NAMES)
def test_direction_is_keras_tuners(name):
    theirs = keras_tuner.engine.metrics_tracking.infer_metric_direction(name)
    assert infer_direction(name) == {"min": "minimize", "max": "maximize", None: None}[theirs]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ("OBJECTIVE = 'val_mse'", ("val_mse", "minimize")),
        ("OBJECTIVE = 'val_auc'", ("val_auc", "maximize")),
        ("OBJECTIVE = 'val_accuracy'\nDIRECTION = 'min'", ("val_accuracy", "minimize")),
        ("OBJECTIVE = 'val_loss'\nDIRECTION = 'max'", ("val_loss", "maximize")),
        ("import keras_tuner as kt\nOBJECTIVE = kt.Objective('val_score', direction='max')", ("val_score", "maximize")),
        ("import keras_tuner as kt\nOBJECTIVE = kt.Objective('val_mae', 'min')", ("val_mae", "minimize")),
    ],
)
def test_space_objectives(tmp_path, lines, expected):
    path = tmp_path / "s.py"
    path.write_text(f"{lines}\ndef build(hp): pass\n")
    space = load_space(path)
    assert (space.objective, space.direction) == expected


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("OBJECTIVE = 'val_sth_unknown'", r"cannot infer whether to minimize or maximize OBJECTIVE 'val_sth_unknown'"),
        ("OBJECTIVE = ['val_loss', 'val_accuracy']", r"OBJECTIVE must be one metric"),
        ("OBJECTIVE = 'val_loss'\nDIRECTION = 'down'", r"DIRECTION must be 'min', 'max'"),
    ],
)
def test_bad_objectives_are_space_errors(tmp_path, lines, message):
    path = tmp_path / "s.py"
    path.write_text(f"{lines}\ndef build(hp): pass\n")
    with pytest.raises(SpaceError, match=message):
        load_space(path)
