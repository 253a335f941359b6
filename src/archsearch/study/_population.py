"""One population per study: continuing a study with other training settings is refused."""

from __future__ import annotations

from typing import Any

from archsearch.errors import SpaceError
from archsearch.schema import StudyAttr

__all__ = ["same_training"]

_FLAGS = {"epochs": "--epochs", "dataset": "--dataset", "seed": "--seed"}


def same_training(study: Any, space_path: Any, study_name: str, now: dict[str, Any], *, record: bool = True) -> None:
    """Record ``now`` (epochs, dataset, batch size, split seed) on a new study; refuse other settings on an old one.

    Trials trained with other settings would pool with this run's in every comparison
    (:attr:`archsearch.schema.StudyAttr.TRAINING`). Raises :class:`SpaceError` (one
    ``error:`` line, exit 2) naming what differs and the fix. ``record=False``: only check.
    """
    before = study.user_attrs.get(StudyAttr.TRAINING)
    if before and before != now:
        diff = ", ".join(
            f"{_FLAGS.get(k, k)} {before.get(k)!r} then {v!r}" for k, v in now.items() if before.get(k) != v
        )
        raise SpaceError(
            f"{space_path}: study '{study_name}' was trained with other settings ({diff}): its "
            "trials would not compare with this run's. Use the same settings, or --study NAME for a "
            "new study."
        )
    if not before and record:
        study.set_user_attr(StudyAttr.TRAINING, now)
