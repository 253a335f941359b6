"""How a stopped search ends: the stopped trial and its runs closed with the reason, one summary line.

The stop itself (signals, :func:`~archsearch.study.request_stop`) is :mod:`archsearch.study._signals`;
``run_search`` calls these once it has unwound.
"""

from __future__ import annotations

import warnings
from collections.abc import Container
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


def stopped_summary(
    study: Any, study_name: str, target: int, stop: Stop, owner: str | Container[str], resume: str
) -> str:
    """One line: what stopped the search, how the running trial ended, where the study stands, how to go on.

    ``owner``: the process that was stopped (its ``owner`` tag), or several (``--workers``).
    """
    owners = {owner} if isinstance(owner, str) else owner
    try:
        trials = study.get_trials(deepcopy=False)
        finished = sum(t.state.name in ("COMPLETE", "PRUNED") for t in trials)
        mine = [t for t in trials if t.user_attrs.get(Attr.STOPPED) == stop.reason]
        mine = [t for t in mine if t.user_attrs.get(OWNER_ATTR) in owners]
    except Exception:  # the storage went away
        finished, mine = None, []
    return (
        f"Study '{study_name}': stopped ({stop.reason}): {_ended(mine)}"
        + ("" if finished is None else f"; {finished}/{target} finished trials")
        + f". Resume with: {resume}"
    )


def _ended(trials: list[Any]) -> str:
    """How the stopped trials ended: each process's last one (the others of its pack were closed with it).

    Example:
        >>> from types import SimpleNamespace as T
        >>> def trial(number, owner):
        ...     return T(number=number, state=T(name="FAIL"), user_attrs={"owner": owner})
        >>> _ended([]), _ended([trial(3, "a")])
        ('between two trials (none was running)', 'trial 3 ended FAIL, its MLflow run KILLED')
        >>> _ended([trial(3, "a"), trial(5, "b")])
        'trials 3, 5 ended FAIL, their MLflow runs KILLED'
    """
    if not trials:
        return "between two trials (none was running)"
    last = sorted({t.user_attrs.get(OWNER_ATTR): t for t in trials}.values(), key=lambda t: t.number)
    states = "/".join(dict.fromkeys(t.state.name for t in last))
    if len(last) == 1:
        return f"trial {last[0].number} ended {states}, its MLflow run KILLED"
    return f"trials {', '.join(str(t.number) for t in last)} ended {states}, their MLflow runs KILLED"
