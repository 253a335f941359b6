"""The arrays a search trains on, already split and shaped for the space."""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np

__all__ = ["Dataset", "RawData"]


@dataclasses.dataclass
class RawData:
    """What a loader returns: images as ``(N, H, W)`` or ``(N, H, W, C)``, integer labels.

    ``x_test``/``y_test`` are None when the source has no test split; one is then
    carved out with a seeded, stratified shuffle. ``skipped`` names the files a
    folder loader could not read (counted in a warning, never fatal).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    class_names: list[str] | None = None
    skipped: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Dataset:
    """Train / validation / test arrays, float32 in [0, 1], integer labels.

    The test split is only evaluated after training; it never picks trials.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def splits(self) -> dict[str, int]:
        """Examples per split: ``{"train": ..., "validation": ..., "test": ...}``."""
        return {"train": len(self.y_train), "validation": len(self.y_val), "test": len(self.y_test)}

    def digest(self) -> str:
        """8 hex digits of a SHA-256 over every split's arrays (shapes, dtypes, bytes): same data, same digest."""
        sha = hashlib.sha256()
        for array in (self.x_train, self.y_train, self.x_val, self.y_val, self.x_test, self.y_test):
            array = np.ascontiguousarray(array)
            sha.update(f"{array.shape}{array.dtype}".encode())
            sha.update(array.data.cast("B"))
        return sha.hexdigest()[:8]

    def describe(self) -> str:
        shape = "x".join(str(d) for d in self.input_shape)
        return (
            f"{self.name}: {len(self.y_train)} train / {len(self.y_val)} val / {len(self.y_test)} test, "
            f"input {shape}, {self.num_classes} classes"
        )
