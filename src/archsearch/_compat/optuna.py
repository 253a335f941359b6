"""Optuna's private names archsearch relies on (Optuna 5), in one place.

``Study.enqueue_trial(params)`` keeps the parameters of the waiting trial in
its system attributes under ``"fixed_params"`` (``optuna/study/study.py``);
``FrozenTrial.params`` stays empty until the trial runs. No public API reads
them back, and archsearch needs them to not enqueue a design point twice
(study/_setup.py) and to find the waiting trials of one configuration (study/_packs.py).

A stopped search ends the trial its process was running from outside the trial
(study/_stopping.py): no public API writes another trial's user attributes, so
that goes through the study's storage, by the trial's storage id.

tests/test_compat.py checks each of these against Optuna.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["FIXED_PARAMS", "end_trial", "enqueued_params", "fixed_params"]

FIXED_PARAMS = "fixed_params"


def enqueued_params(trial: Any) -> dict[str, Any]:
    """The parameters a trial runs with: its params once started, the enqueued ones while it waits."""
    if trial.state.name != "WAITING":
        return dict(trial.params)
    return dict(trial.system_attrs.get(FIXED_PARAMS, {}))


def fixed_params(trial: Any) -> dict[str, Any] | None:
    """The parameters ``Study.enqueue_trial`` fixed for ``trial`` (waiting, running or done); None if sampled."""
    fixed = trial.system_attrs.get(FIXED_PARAMS)
    return None if fixed is None else dict(fixed)


def end_trial(study: Any, trial: Any, state: Any, user_attrs: Mapping[str, Any]) -> None:
    """End a RUNNING ``trial`` of ``study`` with ``state`` (a ``TrialState``), setting ``user_attrs`` first."""
    storage, trial_id = study._storage, trial._trial_id
    for key, value in user_attrs.items():
        storage.set_trial_user_attr(trial_id, key, value)
    storage.set_trial_state_values(trial_id, state=state)
