"""The Optuna objective: one trial = build, fit and record one Keras model."""

from __future__ import annotations

import math
import time
import traceback
from typing import TYPE_CHECKING, Any

from archsearch.errors import FailedTrialError
from archsearch.space import OptunaHyperParameters
from archsearch.tracking import TrialLog

if TYPE_CHECKING:
    import optuna

    from archsearch.data import Dataset
    from archsearch.space import Space
    from archsearch.study._progress import Progress
    from archsearch.tracking import Tracker

__all__ = ["Objective"]


class Objective:
    """Callable handed to ``study.optimize``; raises to mark a trial FAIL."""

    def __init__(self, space: Space, dataset: Dataset, *, epochs: int, batch_size: int, seed: int,
                 tracker: Tracker, progress: Progress, finished_before: int) -> None:
        self.space, self.dataset = space, dataset
        self.epochs, self.batch_size, self.seed = epochs, batch_size, seed
        self.tracker, self.progress = tracker, progress
        self.finished = finished_before
        self.consecutive_failures = 0
        self.last_error = ""

    def __call__(self, trial: optuna.Trial) -> float:
        from archsearch import train

        # An enqueued trial (ablation, repeat) carries its own seed; sampled ones get seed + number.
        seed = int(trial.user_attrs.get("seed", self.seed + trial.number))
        trial.set_user_attr("seed", seed)
        self.tracker.start_trial(trial.number, {"archsearch.seed": str(seed)})
        start = time.perf_counter()
        train.clear_session()
        train.set_seed(seed)
        hp = OptunaHyperParameters(trial)
        try:
            model = train.build_model(self.space, hp, self.dataset)
            result = train.fit_model(model, self.dataset, epochs=self.epochs, batch_size=self.batch_size)
            value = result.objective(self.space.objective)
            if not math.isfinite(value):
                raise FailedTrialError(f"{self.space.objective} is {value} (the loss diverged).")
        except Exception as err:
            self._failed(trial, hp.values, err, time.perf_counter() - start)
            raise
        trial.set_user_attr("params_count", result.params_count)
        trial.set_user_attr("metrics", result.metrics)
        trial.set_user_attr("history", result.history)
        self.tracker.end_trial(TrialLog(
            trial.number, "COMPLETE", hp.values, result.history,
            {**result.metrics, "params_count": result.params_count, "objective": value},
            {"archsearch.seed": str(seed)}))
        self.finished += 1
        self.consecutive_failures = 0
        self.progress.trial_done(self.finished, trial.number, "COMPLETE", value, hp.values,
                                 time.perf_counter() - start,
                                 f"  {result.params_count:,} params")
        return value

    def _failed(self, trial: optuna.Trial, params: dict[str, Any], err: BaseException, seconds: float) -> None:
        message = f"{type(err).__name__}: {err}".strip()[:2000]
        self.last_error = message
        self.consecutive_failures += 1
        trial.set_user_attr("error", message)
        trial.set_user_attr("traceback", "".join(traceback.format_exception(err))[-4000:])
        self.tracker.end_trial(TrialLog(trial.number, "FAIL", params, {}, {},
                                        {"archsearch.error": message[:5000]}))
        self.progress.trial_done(self.finished, trial.number, "FAIL", None, params, seconds,
                                 f"\n    {message.splitlines()[0] if message else ''}")
