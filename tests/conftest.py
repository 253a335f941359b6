"""Shared test setup: every test writes its studies and runs under its own tmp_path."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SPACES = REPO / "spaces"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def _mlflow_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the migrated empty MLflow store once per session (it takes seconds)."""
    from archsearch.stores import Folders, ensure_sqlite_store, use_folders

    cache = tmp_path_factory.mktemp("template-cache")
    previous = use_folders(Folders(cache=cache))
    try:
        ensure_sqlite_store(f"sqlite:///{cache}/probe/m.db")
    finally:
        use_folders(previous)
    return next(cache.glob("mlflow-*-empty.db"))


@pytest.fixture(autouse=True)
def _isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _mlflow_template: Path) -> None:
    """Default storage, tracking and caches go to tmp_path, never to the repo's mlruns/ or ~/.cache.

    The Python API's default stores (``sqlite:///mlruns/...``) are relative to the working directory:
    each test runs in its tmp_path. The command line reads the environment (in-process through click's
    runner, or in a subprocess): it is pointed at the same places.
    """
    from archsearch import _quiet
    from archsearch.stores import Folders, _folders

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARCHSEARCH_STORAGE", f"sqlite:///{tmp_path}/mlruns/optuna.db")
    monkeypatch.setenv("ARCHSEARCH_TRACKING_URI", f"sqlite:///{tmp_path}/mlruns/mlflow.db")
    cache = tmp_path / "cache"
    cache.mkdir()
    shutil.copyfile(_mlflow_template, cache / _mlflow_template.name)
    monkeypatch.setenv("ARCHSEARCH_CACHE", str(cache))
    # The Python API's folders; a command run in-process (CliRunner) sets them too: restored after each test.
    monkeypatch.setattr(_folders, "_current", Folders(cache=cache))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("ARCHSEARCH_DEBUG", raising=False)
    monkeypatch.delenv("ARCHSEARCH_VERBOSE", raising=False)
    monkeypatch.delenv("ARCHSEARCH_LOG_FILE", raising=False)
    # A command run in-process with --verbose or --debug leaves the process verbose: not for the next test.
    monkeypatch.setattr(_quiet, "_verbose", False)


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def write_space(tmp_path: Path):
    """Write a space file to tmp_path and return its path."""

    def write(body: str, name: str = "space.py") -> Path:
        path = tmp_path / name
        path.write_text(body)
        return path

    return write


TINY_SPACE = '''
"""A tiny dense space on digits, for fast end-to-end tests."""
from archsearch import Question

DATASET = "digits"
INPUT = "flat"
EPOCHS = 1
BATCH_SIZE = 64
TRIALS = 2
QUESTIONS = [Question("units", "Do more units help?", baseline=8)]


def build(hp, input_shape, num_classes):
    import keras

    model = keras.Sequential([
        keras.Input(shape=input_shape),
        keras.layers.Dense(hp.Choice("units", [8, 16]), activation="relu"),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
'''


@pytest.fixture
def tiny_space(write_space) -> Path:
    return write_space(TINY_SPACE, "tiny.py")
