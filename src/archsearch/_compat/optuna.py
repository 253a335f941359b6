"""Optuna's private names archsearch relies on (Optuna 5), in one place.

``Study.enqueue_trial(params)`` keeps the parameters of the waiting trial in
its system attributes under ``"fixed_params"`` (``optuna/study/study.py``);
``FrozenTrial.params`` stays empty until the trial runs. No public API reads
them back, and archsearch needs them to not enqueue a design point twice
(study/_run.py). tests/test_compat.py checks the key against Optuna.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FIXED_PARAMS", "enqueued_params"]

FIXED_PARAMS = "fixed_params"


def enqueued_params(trial: Any) -> dict[str, Any]:
    """The parameters a trial runs with: its params once started, the enqueued ones while it waits."""
    if trial.state.name != "WAITING":
        return dict(trial.params)
    return dict(trial.system_attrs.get(FIXED_PARAMS, {}))
