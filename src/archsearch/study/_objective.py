"""The Optuna objective: one trial = build, fit and record one Keras model (or K, with repeats).

Outcomes of a trial and where they are recorded:

* COMPLETE: ``trial.value`` is the objective at the last epoch (the mean over
  seeds with repeats).
* PRUNED: the pruner stopped it after ``pruned_epoch`` epochs; its curves are kept.
* FAIL: the builder or the fit raised (out-of-memory included), or the loss
  became NaN/inf (``error`` says which epoch). The study goes on.
"""

from __future__ import annotations

import math
import re
import time
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from archsearch.errors import FailedTrialError, SpaceError
from archsearch.schema import Attr, Metric, Tag
from archsearch.seeds import repeat_seeds, trial_seed
from archsearch.space import OptunaHyperParameters
from archsearch.study._describe import ended_early_log, mean_curves, run_name, shown_params, trial_description
from archsearch.study._fits import seed_fits
from archsearch.study._measures import (
    _final,
    _mean_metrics,
    _out_of_memory,
    at_chance,
    rss_mib,
    set_correctness,
    steady_time,
)
from archsearch.study._packs import pack_note
from archsearch.study._signals import Stopped
from archsearch.tracking import TrialLog

if TYPE_CHECKING:
    import optuna

    from archsearch.data import Dataset
    from archsearch.study._progress import Progress
    from archsearch.study._settings import RunConfig
    from archsearch.tracking import Tracker

__all__ = ["Objective"]


class Objective:
    """Callable handed to ``study.optimize``; raises to mark a trial FAIL or PRUNED.

    Everything it trains by comes from ``config`` (a :class:`~archsearch.study.RunConfig`):
    the space, epochs, seed, repeats (fits per sampled configuration, each with its own
    seed), fuse and fuse_max (train seeds of one configuration as one fused model,
    ``train/_fused.py``: a trial's repeats, or an ablation's design points of one level;
    replicas per pack at most), pruner (other than ``none``: report the objective to the
    trial each epoch, first repeat only, so that the study's pruner can stop it; ``none``
    writes no per-epoch values) and on_stop (see :mod:`archsearch.study._signals`).

    Args:
        finished_before: finished trials in the study when this process started (for progress lines).
        factor: an ablation's factor: its runs are named after its level first (:func:`run_name`).
    """

    def __init__(
        self,
        config: RunConfig,
        dataset: Dataset,
        *,
        tracker: Tracker,
        progress: Progress,
        finished_before: int,
        factor: str | None = None,
    ) -> None:
        self.space, self.dataset = config.space, dataset
        self.epochs, self.batch_size, self.seed = config.epochs, config.space.batch_size, config.seed
        self.tracker, self.progress = tracker, progress
        self.finished = finished_before
        self.prune, self.repeats = config.pruner != "none", config.repeats
        self.fuse, self.fuse_max = config.fuse, config.fuse_max
        self.on_stop = config.on_stop  # a stopped trial ends FAIL, or PRUNED ("prune")
        # Fused outcomes of design points not yet handed out, by (configuration, seed), with their pack's size
        # and the trial that trained the pack.
        self._ahead: dict[tuple[str, int], tuple[Any, int, int]] = {}
        self.packed_in: int | None = None  # this trial's outcome came from that trial's pack (progress says so)
        self._said: set[str] = set()
        self.consecutive_failures = 0
        self.last_error = ""
        # A trial failed on the space file itself (a SpaceError, e.g. an OBJECTIVE Keras does not report): no
        # other trial can succeed, so the run stops after it (a builder raising for some values goes on).
        self.space_error: str | None = None
        self.trials_run = 0
        self.factor = factor

    def __call__(self, trial: optuna.Trial) -> float:
        return self.run(trial, OptunaHyperParameters(trial))

    def run(
        self,
        trial: optuna.Trial,
        hp: Any,
        *,
        build: Callable[[Any], Any] | None = None,
        callbacks: Sequence[Any] = (),
        epochs: int | None = None,
        initial_epoch: int = 0,
    ) -> float:
        """One trial with ``hp`` (its values already chosen, or answered by ``trial`` as the builder asks).

        Args:
            build: makes the model from ``hp`` (default: the space's builder,
                checked and compiled); another engine passes its own, e.g. a
                keras-tuner tuner that restores Hyperband's warm-started weights.
            callbacks: more Keras callbacks for the fit (an engine's own).
            epochs, initial_epoch: this trial's epochs (default: the study's) and
                where a warm-started fit resumes.
        """
        import optuna

        epochs = epochs or self.epochs
        self.trials_run += 1
        self.packed_in = None
        # An enqueued trial (ablation, repeat) carries its own seed; sampled ones get trial_seed().
        seed = int(trial.user_attrs.get(Attr.SEED, trial_seed(self.seed, trial.number)))
        trial.set_user_attr(Attr.SEED, seed)
        trial.set_user_attr(Attr.EPOCHS, int(epochs))  # its budget: trials of other budgets are never pooled
        if initial_epoch:
            trial.set_user_attr(Attr.INITIAL_EPOCH, int(initial_epoch))
        seeds = repeat_seeds(seed, self.repeats)
        tags = {Tag.SEED: str(seed)}
        if self.repeats > 1:
            tags[Tag.REPEAT_SEEDS] = ",".join(map(str, seeds))
        self.tracker.start_trial(trial.number, tags)
        start = time.perf_counter()
        results: list[Any] = []
        try:
            for fit in seed_fits(self, trial, hp, seeds, tags, build, callbacks, epochs, initial_epoch):
                run_seed, result = fit.seed, fit.result
                results.append(result)
                if fit.diverged_epoch is not None:
                    raise FailedTrialError(
                        f"the loss is {fit.bad_value} at epoch {fit.diverged_epoch + 1} (seed {run_seed}); "
                        "training stopped. The loss diverged: try a smaller learning rate."
                    )
                value = result.objective(self.space.objective)
                if not math.isfinite(value):
                    raise FailedTrialError(f"{self.space.objective} is {value} (the loss diverged).")
                if fit.pruned_epoch is not None:
                    self._pruned(trial, hp, result, fit.pruned_epoch + 1, tags, start)
                    raise optuna.TrialPruned(f"pruned after epoch {fit.pruned_epoch + 1}")
        except optuna.TrialPruned:
            raise
        except KeyboardInterrupt as err:
            self._stopped(trial, hp, err, results, time.perf_counter() - start)
            raise
        except Exception as err:
            self._failed(trial, hp, err, results, time.perf_counter() - start)
            raise
        return self._complete(trial, hp, seeds, results, tags, start)

    def _position(self, trial: optuna.Trial) -> int:
        """This trial's place among the study's finished trials, for the progress line: with ``--workers`` the
        others' trials count too (each process's own count said "[5/8]" twice), and so do they for the line's best.
        Two trials that end at the same moment can still show the same place: neither is finished in the store
        when the other counts."""
        from optuna.trial import TrialState

        try:
            done = trial.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))
        except Exception:  # noqa: BLE001 - a store that does not answer now: this process's own count
            return self.finished
        self.progress.consider(done)
        return max(len([t for t in done if t.number != trial.number]) + 1, 1)

    def _say_once(self, line: str) -> None:
        said = re.sub(r"[\d,.]+", "#", line)  # a reason with other numbers (memory) is the same reason
        if said not in self._said:
            self._said.add(said)
            self.progress.say(line)

    def _stopped(
        self, trial: optuna.Trial, hp: Any, err: KeyboardInterrupt, results: list[Any], seconds: float
    ) -> None:
        """A signal or a requested stop: the trial records why, its run too; with on_stop "prune" it ends PRUNED."""
        import optuna

        reason = err.reason if isinstance(err, Stopped) else "interrupted (KeyboardInterrupt)"
        trial.set_user_attr(Attr.STOPPED, reason)
        prune = self.on_stop == "prune" and isinstance(err, Stopped)
        then = "counts it as finished (--on-stop prune)." if prune else "runs it again."
        note, state = f"Stopped ({reason}) before it ended; a resumed search {then}", "PRUNED" if prune else "FAIL"
        self._log_early(trial, hp, state, results, seconds, note, error=None if prune else reason, stop_reason=reason)
        if prune:
            raise optuna.TrialPruned(reason) from None  # the next study callback raises the stop again
        trial.set_user_attr(Attr.ERROR, reason)

    def _log_early(
        self, trial: optuna.Trial, hp: Any, state: str, results: list[Any], seconds: float, note: str, **why: Any
    ) -> None:
        """The run of a trial that failed or was stopped (``why``: its error, stop reason, traceback)."""
        shown = self._shown(hp)
        about: dict[str, Any] = {
            "objective": self.space.objective,
            "seed": self._seed(trial),
            "name": self._run_name(trial, shown),
        }
        self.tracker.end_trial(ended_early_log(trial.number, state, shown, results, seconds, note=note, **about, **why))

    def _seed(self, trial: optuna.Trial) -> int:
        return int(trial.user_attrs.get(Attr.SEED, trial_seed(self.seed, trial.number)))

    def _run_name(self, trial: optuna.Trial, shown: dict[str, Any]) -> str:
        return run_name(trial.number, shown, factor=self.factor, seed=self._seed(trial))

    @staticmethod
    def _shown(hp: Any) -> dict[str, Any]:
        """``hp``'s values as the MLflow run shows them."""
        try:
            declared = hp.params
        except Exception:  # a builder that failed half-way: what it declared may not read back
            declared = {}
        return shown_params(hp.values, declared)

    def _complete(
        self,
        trial: optuna.Trial,
        hp: Any,
        seeds: list[int],
        results: list[Any],
        tags: dict[str, str],
        start: float,
    ) -> float:
        objective = self.space.objective
        values = [r.objective(objective) for r in results]
        value = sum(values) / len(values)
        metrics = _mean_metrics([r.metrics for r in results])
        chance = at_chance([r.history for r in results], self.dataset.num_classes, n_examples=len(self.dataset.y_val))
        first = results[0]
        rss = rss_mib()
        trial.set_user_attr(Attr.PARAMS_COUNT, first.params_count)
        trial.set_user_attr(Attr.RSS_MIB, rss)
        trial.set_user_attr(Attr.METRICS, metrics)
        trial.set_user_attr(Attr.HISTORY, first.history)
        set_correctness(trial, results)
        if chance is not None:
            trial.set_user_attr(Attr.AT_CHANCE, chance)
            tags[Tag.AT_CHANCE] = str(chance).lower()
        if self.repeats > 1:
            trial.set_user_attr(Attr.REPEAT_SEEDS, seeds)
            trial.set_user_attr(Attr.REPEAT_VALUES, values)
            trial.set_user_attr(Attr.REPEAT_METRICS, [r.metrics for r in results])
        fit_seconds = sum(r.fit_seconds for r in results)
        summary = {
            Metric.OBJECTIVE: value,
            Metric.PARAMS_COUNT: first.params_count,
            Metric.FIT_SECONDS: fit_seconds,
            **steady_time(metrics),
            Metric.RSS_MIB: rss,
        }
        # Per-seed curves and final values, so that a report can compute intervals from MLflow alone.
        per_seed = (
            [
                (
                    r.history,
                    {
                        **_final(r.metrics),
                        Metric.OBJECTIVE: v,
                        Metric.FIT_SECONDS: r.fit_seconds,
                        **steady_time(r.metrics),
                    },
                )
                for r, v in zip(results, values, strict=True)
            ]
            if self.repeats > 1
            else []
        )
        shown = self._shown(hp)
        self.tracker.end_trial(
            TrialLog(
                trial.number,
                "COMPLETE",
                shown,
                mean_curves([r.history for r in results]),
                _final(metrics),
                tags,
                summary=summary,
                seeds=per_seed,
                run_name=self._run_name(trial, shown),
                description=trial_description(
                    trial.number,
                    "COMPLETE",
                    objective,
                    value=value,
                    seed_values=values,
                    params_count=first.params_count,
                    fit_seconds=fit_seconds,
                    seed=seeds[0],
                    note="At chance: it never learned." if chance else "",
                ),
            )
        )
        self.finished += 1
        self.consecutive_failures = 0
        extra = f"  {first.params_count:,} params"
        if self.repeats > 1:
            extra += f"  seeds: {' '.join(f'{v:.4f}' for v in values)}"
        extra += pack_note(tags.get(Tag.FUSED), self.packed_in)
        if chance:
            extra += "  AT CHANCE"
        self.progress.trial_done(
            self._position(trial), trial.number, "COMPLETE", value, hp.values, time.perf_counter() - start, extra
        )
        return value

    def _pruned(
        self, trial: optuna.Trial, hp: Any, result: Any, epoch: int, tags: dict[str, str], start: float
    ) -> None:
        chance = at_chance([result.history], self.dataset.num_classes, n_examples=len(self.dataset.y_val))
        rss = rss_mib()
        trial.set_user_attr(Attr.PARAMS_COUNT, result.params_count)
        trial.set_user_attr(Attr.RSS_MIB, rss)
        trial.set_user_attr(Attr.METRICS, result.metrics)
        trial.set_user_attr(Attr.HISTORY, result.history)
        trial.set_user_attr(Attr.PRUNED_EPOCH, epoch)
        set_correctness(trial, [result])
        tags = {**tags, Tag.PRUNED_EPOCH: str(epoch)}
        if chance is not None:
            trial.set_user_attr(Attr.AT_CHANCE, chance)
            tags[Tag.AT_CHANCE] = str(chance).lower()
        shown = self._shown(hp)
        summary = {
            Metric.PARAMS_COUNT: result.params_count,
            Metric.FIT_SECONDS: result.fit_seconds,
            **steady_time(result.metrics),
            Metric.RSS_MIB: rss,
        }
        self.tracker.end_trial(
            TrialLog(
                trial.number,
                "PRUNED",
                shown,
                result.history,
                _final(result.metrics),
                tags,
                summary=summary,
                run_name=self._run_name(trial, shown),
                description=trial_description(
                    trial.number,
                    "PRUNED",
                    self.space.objective,
                    params_count=result.params_count,
                    fit_seconds=result.fit_seconds,
                    seed=int(trial.user_attrs[Attr.SEED]),
                    note=f"The pruner stopped it after epoch {epoch}.",
                ),
            )
        )
        self.finished += 1
        self.consecutive_failures = 0
        self.progress.trial_done(
            self._position(trial),
            trial.number,
            "PRUNED",
            None,
            hp.values,
            time.perf_counter() - start,
            f" after epoch {epoch}",
        )

    def _failed(self, trial: optuna.Trial, hp: Any, err: BaseException, results: list[Any], seconds: float) -> None:
        message = f"{type(err).__name__}: {err}".strip()[:2000]
        if _out_of_memory(err):
            message = f"out of memory: {message}"
        self.last_error = message
        self.consecutive_failures += 1
        if isinstance(err, SpaceError):
            self.space_error = str(err)
        trial.set_user_attr(Attr.ERROR, message)
        trace = "".join(traceback.format_exception(err))
        trial.set_user_attr(Attr.TRACEBACK, trace[-4000:])
        if results and results[-1].history:  # a diverged fit keeps its curves: they show where it went wrong
            trial.set_user_attr(Attr.HISTORY, results[-1].history)
        note = f"Error: {message}\n\nThe traceback is the run's artifact `traceback.txt`."
        self._log_early(trial, hp, "FAIL", results, seconds, note, error=message, traceback=trace)
        self.progress.trial_done(
            self.finished,
            trial.number,
            "FAIL",
            None,
            hp.values,
            seconds,
            f"\n    {message.splitlines()[0] if message else ''}",
        )
