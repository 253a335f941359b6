"""How a stopped search ends: the stopped trial and its runs closed with the reason, one summary line.

The stop itself (signals, :func:`~archsearch.study.request_stop`) is :mod:`archsearch.study._signals`;
``run_search`` calls these once it has unwound.
"""

from __future__ import annotations

import warnings
from typing import Any

from archsearch._compat.optuna import end_trial
from archsearch.schema import Attr
from archsearch.stores import redact
from archsearch.study._owners import OWNER_ATTR
from archsearch.study._signals import Stop, check_stop

__all__ = ["CLOSE_TIMEOUT_S", "Interrupted", "close_stopped", "raise_stop", "stopped_summary"]

CLOSE_TIMEOUT_S = 30.0  # after a stop: how long the MLflow worker may take to write the last runs


class Interrupted(KeyboardInterrupt):
    """A signal (SIGTERM, SIGINT, SIGHUP) or :func:`~archsearch.study.request_stop` stopped the search cleanly.

    Attributes:
        exit_code: 128 + the signal's number (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP), or request_stop's.
        resume: the command that goes on where the study stands.
        reason: why (``"terminated by signal 15"``, ``"deadline"``).
        summary: one line for the terminal: what was stopped, how it ended, how to resume.
    """

    def __init__(self, exit_code: int, resume: str, reason: str = "interrupted", summary: str = "") -> None:
        self.exit_code, self.resume, self.reason = exit_code, resume, reason
        self.summary = summary or f"Stopped ({reason}). Resume with: {resume}"
        super().__init__(self.summary)


def raise_stop(study: Any, trial: Any) -> None:
    """First of Optuna's callbacks after each trial: a stop that came in outside a trial's fit takes effect."""
    check_stop()


def close_stopped(study: Any, owner: str, tracker: Any, stop: Stop, on_stop: str) -> None:
    """The trial this process was running ends FAILED (or PRUNED) with the reason; its MLflow runs KILLED."""
    import optuna

    state = optuna.trial.TrialState.PRUNED if on_stop == "prune" else optuna.trial.TrialState.FAIL
    try:
        # Optuna has failed (or, with on_stop='prune', pruned) the trial it was running; one stopped between
        # study.ask() and the objective is still RUNNING.
        for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
            if trial.user_attrs.get(OWNER_ATTR) != owner:
                continue
            end_trial(study, trial, state, {Attr.ERROR: stop.reason, Attr.STOPPED: stop.reason})
    except Exception as err:  # the storage went away: the next run fails it (its owner is dead by then)
        warnings.warn(f"could not close the stopped trial ({redact(str(err))})", stacklevel=2)
    tracker.stopped(stop.reason, "PRUNED" if on_stop == "prune" else "FAIL")


def stopped_summary(study: Any, study_name: str, target: int, stop: Stop, owner: str, resume: str) -> str:
    """One line: what stopped the search, how the running trial ended, where the study stands, how to go on."""
    try:
        trials = study.get_trials(deepcopy=False)
        finished = sum(t.state.name in ("COMPLETE", "PRUNED") for t in trials)
        mine = [
            t for t in trials if t.user_attrs.get(Attr.STOPPED) == stop.reason and t.user_attrs.get(OWNER_ATTR) == owner
        ]
    except Exception:  # the storage went away
        finished, mine = None, []
    ended = (
        f"trial {mine[-1].number} ended {mine[-1].state.name}, its MLflow run KILLED"
        if mine
        else "between two trials (none was running)"
    )
    where = "" if finished is None else f"; {finished}/{target} finished trials"
    return f"Study '{study_name}': stopped ({stop.reason}): {ended}{where}. Resume with: {resume}"
