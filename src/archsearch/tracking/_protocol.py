"""The interface every tracker implements: what a search calls, whichever process does the writing."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from archsearch.tracking._records import TrialLog

__all__ = ["Tracker"]


@runtime_checkable
class Tracker(Protocol):
    """Records a search: a parent run per invocation, a child run per trial; no call blocks the caller.

    Implemented by :class:`~archsearch.tracking.MlflowTracker` (a thread in this
    process) and :class:`~archsearch.tracking.WorkerProcessTracker` (MLflow in a
    separate worker process, what a search uses). ``tests/tracking/test_contract.py``
    runs the same tests against both.

    Attributes:
        parent_run_id: the parent run, once it exists (after :meth:`wait` or :meth:`close`).
        experiment_id: the experiment of the parent run, once it exists.
        errors: what went wrong while logging (logging never stops a search).
    """

    tracking_uri: str
    experiment: str
    parent_run_id: str | None
    experiment_id: str | None
    errors: list[str]

    def start_trial(self, number: int, tags: Mapping[str, str] | None = None, start_ms: int | None = None) -> None:
        """Open the trial's child run (RUNNING), so a crash leaves a trace to close later."""

    def end_trial(self, log: TrialLog) -> None:
        """Log the trial's params, curves, final metrics and tags; close its child run."""

    def set_parent_tags(self, tags: Mapping[str, str]) -> None:
        """Add tags to the parent run."""

    def log_parent_metrics(self, metrics: Mapping[str, float]) -> None:
        """Log single values on the parent run (``best_objective``, ``trials_complete``)."""

    def log_artifact(self, path: str | Path, artifact_path: str | None = None) -> None:
        """Attach a file to the parent run."""

    def close_orphans(self, study: str, trial_states: Mapping[int, str]) -> None:
        """Close this study's runs left RUNNING by processes that died (``trial_states``: Optuna state by number)."""

    def stopped(self, reason: str, state: str = "FAIL") -> None:
        """A signal or a requested stop ended the search: open trial runs end KILLED with Optuna ``state`` and
        ``reason`` as tags; the parent run gets ``reason`` as a tag (``close("KILLED")`` then closes it)."""

    def wait(self) -> None:
        """Block until everything sent so far is written."""

    def close(self, status: str | None = "FINISHED", timeout: float | None = None) -> None:
        """Close the parent run with ``status`` (None: leave it RUNNING for a process that takes over)."""
