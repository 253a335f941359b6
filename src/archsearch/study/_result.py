"""Where a search stands: :class:`SearchResult`, read from the study, and its summary for the terminal."""

from __future__ import annotations

import dataclasses
from typing import Any

from archsearch.stores import redact
from archsearch.study._progress import format_params

__all__ = ["FINISHED_STATES", "SearchResult", "_counts", "_result"]

FINISHED_STATES = ("COMPLETE", "PRUNED")


@dataclasses.dataclass
class SearchResult:
    """Where a search stands after ``run_search``."""

    study_name: str
    storage: str
    tracking_uri: str
    target: int
    finished: int
    failed: int
    ran: int
    best_number: int | None = None
    best_value: float | None = None
    best_params: dict[str, Any] = dataclasses.field(default_factory=dict)
    best_attrs: dict[str, Any] = dataclasses.field(default_factory=dict)
    objective: str = "val_accuracy"
    parent_run_id: str | None = None
    recycle: bool = False  # stopped to hand over to a fresh process (RunOptions.recycle_after / max_rss_mib)
    timed_out: bool = False  # RunOptions.timeout ended it before the target
    resume: str = ""  # the command that goes on (``archsearch run ...``, passwords as ``***``)

    def summary(self) -> str:
        """A few lines for the terminal: best value, params, size, where results are."""
        lines = [
            f"Study '{self.study_name}': {self.finished}/{self.target} finished trials"
            f" ({self.ran} of them by this run; {self.failed} failed trial{'' if self.failed == 1 else 's'} in all)."
        ]
        if self.finished > self.target:
            lines.append(
                f"  {self.finished - self.target} more than the target: trials already running in "
                "other processes when the study reached it were finished, not thrown away."
            )
        if self.timed_out:
            lines.append("  The timeout ended it before the target: no trial starts after it.")
        if self.best_number is None:
            lines.append("No finished trial yet.")
        else:
            metrics = self.best_attrs.get("metrics", {})
            size = self.best_attrs.get("params_count")
            test = metrics.get("test_accuracy")
            lines.append(
                f"Best: {self.objective} {self.best_value:.4f} (trial {self.best_number})"
                + (f", test accuracy {test:.4f}" if test is not None else "")
                + (f", {size:,} parameters" if size is not None else "")
            )
            lines.append(f"  params: {format_params(self.best_params, limit=30)}")
        lines.append(f"Optuna:  {redact(self.storage)} (study '{self.study_name}')")
        browse = (  # `archsearch ui` starts a server of its own, which an MLflow server does not need
            f"open {redact(self.tracking_uri)} in a browser"
            if self.tracking_uri.startswith(("http://", "https://"))
            else "browse with `archsearch ui`"
        )
        lines.append(f"MLflow:  {redact(self.tracking_uri)} (experiment '{self.study_name}'); {browse}")
        return "\n".join(lines)


def _counts(study: Any) -> tuple[int, int]:
    trials = study.get_trials(deepcopy=False)
    finished = sum(t.state.name in FINISHED_STATES for t in trials)
    failed = sum(t.state.name == "FAIL" for t in trials)
    return finished, failed


def _result(
    study: Any,
    storage: str,
    tracking_uri: str,
    target: int,
    objective: str,
    *,
    ran: int = 0,
    parent_run_id: str | None = None,
    recycle: bool = False,
    timed_out: bool = False,
    resume: str = "",
) -> SearchResult:
    """Where ``study`` stands: counts and its best trial; ``ran``: trials this process finished."""
    finished, failed = _counts(study)
    best: dict[str, Any] = {}
    if any(t.state.name == "COMPLETE" for t in study.get_trials(deepcopy=False)):
        trial = study.best_trial
        best = {
            "best_number": trial.number,
            "best_value": trial.value,
            "best_params": dict(trial.params),
            "best_attrs": dict(trial.user_attrs),
        }
    return SearchResult(
        study.study_name,
        storage,
        tracking_uri,
        target,
        finished,
        failed,
        ran,
        objective=objective,
        parent_run_id=parent_run_id,
        recycle=recycle,
        timed_out=timed_out,
        resume=resume,
        **best,
    )
