"""Settings of one ``archsearch run`` invocation."""

from __future__ import annotations

import dataclasses
import os

from archsearch.errors import UsageError

__all__ = ["RunOptions", "DEFAULT_STORAGE", "resolve_storage"]

DEFAULT_STORAGE = "sqlite:///mlruns/optuna.db"


def resolve_storage(flag: str | None) -> str:
    """The flag, else ``ARCHSEARCH_STORAGE``, else the SQLite default."""
    return flag or os.environ.get("ARCHSEARCH_STORAGE") or DEFAULT_STORAGE


@dataclasses.dataclass
class RunOptions:
    """What ``archsearch run`` was asked to do. None means "the space's setting".

    Attributes:
        trials: finished trials (COMPLETE or PRUNED) the study should have.
        timeout: stop starting new trials after this many seconds.
        epochs: override the space's EPOCHS.
        seed: seeds the sampler, the split and each trial (trial seed = seed + number).
        study_name: Optuna study / MLflow experiment name (default: the space's name).
        storage: Optuna storage URL.
        tracking_uri: MLflow tracking URI.
        dataset: run on another dataset than the space declares.
        quiet: no progress lines.
        max_failures: stop after this many consecutive failed trials.
    """

    trials: int | None = None
    timeout: float | None = None
    epochs: int | None = None
    seed: int = 0
    study_name: str | None = None
    storage: str | None = None
    tracking_uri: str | None = None
    dataset: str | None = None
    quiet: bool = False
    max_failures: int = 5

    def validate(self) -> None:
        for name in ("trials", "epochs", "max_failures"):
            value = getattr(self, name)
            if value is not None and value < 1:
                flag = "--" + name.replace("_", "-")
                raise UsageError(f"{flag} must be at least 1, but got {value}.")
        if self.timeout is not None and self.timeout <= 0:
            raise UsageError(f"--timeout must be a positive number of seconds, but got {self.timeout}.")
