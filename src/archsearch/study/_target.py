"""Stop at the study's target when several processes (on one or more machines) share it.

Optuna's ``MaxTrialsCallback`` looks only at finished trials: with 3 processes
and a target of 12, a process that sees 11 finished starts a 12th trial while
the two others finish theirs, and the study ends with 13 or 14. The gate counts
the trials already running too. Before each trial (Optuna's loop calls it after
the previous one, and ``run_search`` before the first):

* finished >= target: stop;
* finished + running < target: start a trial;
* otherwise wait (polling the storage) until one of the two holds: the
  running trials of other processes may still fail, and then one is missing.

Counting and creating the trial are one step across processes: the count is
taken under the store's lock for this study (:func:`~archsearch.stores.one_at_a_time`:
a PostgreSQL advisory lock, a ``filelock`` next to a SQLite file), which is held
until Optuna has created the trial (:meth:`TargetGate.started`, called as the
trial starts). So on PostgreSQL and SQLite files the study ends with exactly the
target. Other stores (in-memory, MySQL, Optuna's journal file) have no such lock:
two processes that check in the same instant may both start the last trial, and
the study ends with the target plus at most the trials already running when it
was reached (the summary says so). Running trials of dead processes are failed
first (:class:`~archsearch.study._owners.Owners`, Optuna's heartbeat), so a
crash never makes the gate wait for a trial that will not finish.

A command may also ask, before every trial of every search it runs, whether
another trial may start (:func:`before_each_trial`): ``ask --deadline`` runs
several searches (one per ``--until-decided`` round), and a timeout given to
each would start counting again at each round.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from typing import Any

from archsearch.study._signals import check_stop, interruptible

__all__ = ["TargetGate", "POLL_S", "before_each_trial"]

POLL_S = 1.0
_CHECKS: list[Callable[[], None]] = []  # before_each_trial's, innermost last


@contextmanager
def before_each_trial(check: Callable[[], None]) -> Iterator[None]:
    """While the block runs, every search in this process calls ``check()`` before it starts a trial.

    ``check`` stops the search by :func:`~archsearch.study.request_stop`: no trial is
    running then, so the search ends as a stop between two trials does
    (:class:`~archsearch.study.Interrupted`, the study's trials as they were).

    Example:
        >>> with before_each_trial(guard.before_trial):  # doctest: +SKIP
        ...     run_ablation(space, factor, options, until_decided=True)
    """
    _CHECKS.append(check)
    try:
        yield
    finally:
        _CHECKS.remove(check)


class TargetGate:
    """A study callback (and a check before the first trial) that keeps a shared study at its target.

    Args:
        target: finished (COMPLETE or PRUNED) trials the study should have.
        owners: fails the RUNNING trials of dead processes on this host.
        say: prints one progress line.
        timeout: seconds from now after which it stops waiting (``--timeout``).
        guards: other callbacks with a ``tripped`` flag; once one tripped, the
            gate does not wait (the search stops anyway).
        lock: makes the count and the trial's creation one step across processes
            (``one_at_a_time(storage, "trials:" + study)``); none: no lock.
        design: the study runs a design (an ablation's enqueued trials): a trial starts only where one of them
            waits, never one the sampler would propose. With none waiting it waits for the trials running in
            other processes, then stops short of the target when design trials failed (the next ask runs
            them again).

    When :meth:`stop_before_next` says start (False), the lock stays held until
    :meth:`started` (the new trial exists in the storage) or :meth:`release`.
    """

    def __init__(
        self,
        target: int,
        owners: Any,
        say: Callable[[str], None],
        *,
        timeout: float | None = None,
        guards: Sequence[Any] = (),
        poll: float = POLL_S,
        lock: Callable[[], AbstractContextManager[Any]] = nullcontext,
        design: bool = False,
    ) -> None:
        self.target, self.owners, self.say, self.design = target, owners, say, design
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.guards, self.poll, self.lock = tuple(guards), poll, lock
        self.reached = False
        self._held: ExitStack | None = None

    def __call__(self, study: Any, trial: Any) -> None:
        if self.stop_before_next(study):
            study.stop()

    def stop_before_next(self, study: Any) -> bool:
        """True when this process should start no further trial; waits while others run the last ones."""
        import optuna

        self.release()  # still held from a check whose trial never started
        waiting_said = False
        while True:
            if any(getattr(g, "tripped", False) for g in self.guards):
                return False  # the guard stops the study itself
            with ExitStack() as held:
                held.enter_context(self.lock())
                running = len(self.owners.running(study))
                finished = len(study.get_trials(deepcopy=False, states=_finished_states(optuna)))
                if finished >= self.target:
                    self.reached = True
                    return True
                waiting = not self.design or bool(study.get_trials(deepcopy=False, states=_waiting_states(optuna)))
                if finished + running < self.target and waiting:
                    _before_start()
                    self._held = held.pop_all()  # until the trial exists: others count it then
                    return False
                if not waiting and not running:  # the design's trials all ran; some failed
                    return True
            if self.deadline is not None and time.monotonic() >= self.deadline:
                return True
            if not waiting_said:
                self.say(
                    f"{finished}/{self.target} finished, {running} running in other processes: waiting for them"
                    + ("" if self.design else " (a trial that fails is run again here)")
                )
                waiting_said = True
            with interruptible():  # a stop ends the wait at once
                time.sleep(self.poll)
            optuna.storages.fail_stale_trials(study)  # other hosts' dead trials: by heartbeat

    def started(self, trial: Any) -> None:
        """The trial this check let start is RUNNING in the storage: other processes may count now."""
        self.release()

    def release(self) -> None:
        """Give the lock back (no trial started after all: a stop, a timeout, the search's end)."""
        held, self._held = self._held, None
        if held is not None:
            held.close()


def _before_start() -> None:
    """:func:`before_each_trial`'s checks; a stop one of them requested ends the search here (its main thread)."""
    if _CHECKS:
        for check in tuple(_CHECKS):
            check()
        check_stop()


def _waiting_states(optuna: Any) -> tuple[Any, ...]:
    return (optuna.trial.TrialState.WAITING,)


def _finished_states(optuna: Any) -> tuple[Any, ...]:
    state = optuna.trial.TrialState
    return (state.COMPLETE, state.PRUNED)
