"""Every space file loads, shows, and (on stand-in data) runs end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from archsearch.cli import cli
from archsearch.space import load_space
from archsearch.study import RunOptions, run_search

SPACES = Path(__file__).resolve().parents[2] / "spaces"

ALL = sorted(p.name for p in SPACES.glob("*.py"))
REQUIRED = [
    "mnist_dense_vs_cnn.py",
    "mnist_dense.py",
    "notmnist_dense.py",
    "notmnist_vs_logistic.py",
    "notmnist_regularization.py",
    "notmnist_lr_decay.py",
    "notmnist_conv_vs_pool.py",
    "notmnist_lenet5.py",
    "cifar_depth.py",
    "cifar_width.py",
    "cifar_inception.py",
    "fashion_alexnet.py",
    "digits_quick.py",
    "mnist_sample_cnn.py",
]


def test_every_required_space_exists():
    assert set(REQUIRED) <= set(ALL)


@pytest.mark.parametrize("name", ALL)
def test_space_declares_questions_on_its_hyperparameters_and_shows(name, stand_in_data):
    space = load_space(SPACES / name)
    assert space.description and space.questions
    result = CliRunner().invoke(cli, ["show", str(SPACES / name), "--no-summary"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "could not build" not in result.output
    assert "no such hyperparameter" not in result.output  # every question is tied to a declared hyperparameter
    for label in ("min", "default", "max"):
        assert f"  {label} " in result.output


def _run(path: Path, tmp_path: Path, **kwargs):
    return run_search(
        path,
        RunOptions(
            trials=1,
            epochs=1,
            storage=f"sqlite:///{tmp_path}/o.db",
            tracking_uri=f"sqlite:///{tmp_path}/m.db",
            quiet=True,
            **kwargs,
        ),
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in REQUIRED if n not in ("digits_quick.py", "mnist_sample_cnn.py")])
def test_online_space_runs_on_stand_in_data(name, tmp_path, stand_in_data):
    result = _run(SPACES / name, tmp_path)
    assert (result.finished, result.failed) == (1, 0)
    assert result.best_attrs["params_count"] > 0


@pytest.mark.slow
def test_offline_mnist_sample_space_runs(tmp_path):
    result = _run(SPACES / "mnist_sample_cnn.py", tmp_path)
    assert (result.finished, result.failed) == (1, 0)
    assert 0.0 <= result.best_value <= 1.0
