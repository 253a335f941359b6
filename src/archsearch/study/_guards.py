"""Study callbacks that stop or clean up a search: failure streaks, process recycling, dead processes' runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archsearch.tracking import Tracker

__all__ = ["FailureGuard", "Recycler", "StaleTrials"]


class Recycler:
    """Stops the study when this process has run enough trials or grown too much (TF leaks per trial)."""

    def __init__(self, objective: Any, every: int, max_rss_mib: int) -> None:
        self.objective, self.every, self.max_rss_mib = objective, every, max_rss_mib
        self.tripped, self.reason = False, ""
        self._process = None
        self._start_rss = 0
        if max_rss_mib:
            import psutil

            self._process = psutil.Process()
            self._start_rss = self._process.memory_info().rss

    def __call__(self, study: Any, trial: Any) -> None:
        if self.every and self.objective.trials_run >= self.every:
            self.tripped, self.reason = True, f"--recycle-after {self.every}"
        elif self._process is not None:
            grown = (self._process.memory_info().rss - self._start_rss) / 2**20
            if grown > self.max_rss_mib:
                self.tripped, self.reason = True, f"resident memory grew by {grown:.0f} MiB"
        if self.tripped:
            study.stop()


class StaleTrials:
    """Closes the MLflow runs of trials whose process died.

    Built before the heartbeat storage, which calls it for each stale trial it fails
    (``heartbeat_stale_trial_callback``), and before the run's
    :class:`~archsearch.study._owners.Owners`, which call it with the study after failing
    trials of dead processes on this host.
    """

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker

    def __call__(self, study: Any, trial: Any = None) -> None:
        states = {t.number: t.state.name for t in study.get_trials(deepcopy=False)}
        self.tracker.close_orphans(study.study_name, states)


class FailureGuard:
    """Stops the study after N consecutive failed trials of this process, or at once after a trial failed on
    the space file itself (``objective.space_error``)."""

    def __init__(self, objective: Any, limit: int) -> None:
        self.objective, self.limit, self.tripped = objective, limit, False

    def __call__(self, study: Any, trial: Any) -> None:
        if self.objective.consecutive_failures >= self.limit or self.objective.space_error is not None:
            self.tripped = True
            study.stop()
