"""Who runs each trial, so that a trial of a dead process is failed at once instead of after its heartbeat.

Each trial records its owner when it starts: the user attribute ``owner`` is
``host/pid/start-time`` (:func:`archsearch.tracking.process_tag`). A RUNNING
trial whose owner ran on this host and is gone (no such pid, or the pid now
belongs to a process started at another time) is failed by the next
:meth:`Owners.fail_dead` call: when a run starts, before each of its trials,
while it waits for other processes' trials, and once more before it exits.
Trials of other hosts cannot be checked from here; they go by Optuna's
heartbeat (``--heartbeat``), as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archsearch.tracking import process_gone, process_tag

__all__ = ["OWNER_ATTR", "DEAD_OWNER_ERROR", "Owners", "Owned"]

OWNER_ATTR = "owner"
DEAD_OWNER_ERROR = "the process running this trial died ({owner}); failed by {by}"


class Owners:
    """Records trial owners and fails the RUNNING trials of dead ones on this host.

    Args:
        storage: the study's Optuna storage.
        on_failed: called with the study after trials were failed here (closes
            their MLflow runs; see :class:`~archsearch.study._guards.StaleTrials`).
    """

    def __init__(self, storage: Any, on_failed: Callable[[Any], None] | None = None) -> None:
        self.storage, self.on_failed = storage, on_failed
        self.tag = process_tag()

    def claim(self, trial: Any) -> None:
        """Record this process as the owner of ``trial`` (an ``optuna.Trial`` that just started)."""
        trial.set_user_attr(OWNER_ATTR, self.tag)

    def fail_dead(self, study: Any) -> list[int]:
        """Fail the RUNNING trials whose owner on this host is gone; their numbers.

        Each gets the user attribute ``error`` saying so; ``on_failed`` then closes
        their MLflow runs FAILED with the same note.
        """
        import optuna

        running = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))
        dead = [t for t in running if process_gone(str(t.user_attrs.get(OWNER_ATTR, ""))) is True]
        if not dead:
            return []
        study_id = self.storage.get_study_id_from_name(study.study_name)
        failed = []
        for trial in dead:
            trial_id = self.storage.get_trial_id_from_study_id_trial_number(study_id, trial.number)
            note = DEAD_OWNER_ERROR.format(owner=trial.user_attrs[OWNER_ATTR], by=self.tag)
            try:
                self.storage.set_trial_user_attr(trial_id, "error", note)
                if self.storage.set_trial_state_values(trial_id, state=optuna.trial.TrialState.FAIL):
                    failed.append(trial.number)
            except optuna.exceptions.UpdateFinishedTrialError:
                pass  # another process failed it first
        if failed and self.on_failed is not None:
            self.on_failed(study)
        return failed

    def running(self, study: Any) -> list[Any]:
        """RUNNING trials, without those of dead owners on this host (after failing them)."""
        import optuna

        self.fail_dead(study)
        return study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))


class Owned:
    """The objective, with the trial's owner recorded before it runs (and dead owners failed first).

    ``claim`` records the owner (:meth:`Owners.claim`, plus whatever else must
    happen once the trial exists, e.g. :meth:`~archsearch.study._target.TargetGate.started`).
    """

    def __init__(self, objective: Callable[[Any], float], claim: Callable[[Any], None]) -> None:
        self.objective, self.claim = objective, claim

    def __call__(self, trial: Any) -> float:
        self.claim(trial)
        return self.objective(trial)
