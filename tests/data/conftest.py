"""Fixtures: an isolated Keras cache and a small notMNIST-like folder with broken files."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from tests.data.datafiles import write_image_folder


@pytest.fixture
def keras_datasets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Keras cache at tmp_path/keras (the folders' Keras home, and KERAS_HOME for the command line);
    returns its datasets/ folder."""
    from archsearch.stores import _folders

    monkeypatch.setattr(_folders, "_current", dataclasses.replace(_folders._current, keras_home=tmp_path / "keras"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    folder = tmp_path / "keras" / "datasets"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def notmnist_like(tmp_path: Path) -> tuple[Path, dict[str, np.ndarray]]:
    """notMNIST_small's layout (class folders of 28x28 grey PNGs) with an empty, a truncated and a text file."""
    root = tmp_path / "notMNIST_small"
    return root, write_image_folder(root)
