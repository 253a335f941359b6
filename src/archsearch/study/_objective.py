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
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from archsearch.errors import FailedTrialError
from archsearch.schema import Attr, Metric, Tag
from archsearch.seeds import repeat_seeds, trial_seed
from archsearch.space import OptunaHyperParameters
from archsearch.study._describe import mean_curves, run_name, shown_params, trial_description
from archsearch.study._packs import design_siblings, no_fuse_reason
from archsearch.study._signals import Stopped, interruptible
from archsearch.tracking import TrialLog

if TYPE_CHECKING:
    import optuna

    from archsearch.data import Dataset
    from archsearch.space import Space
    from archsearch.study._progress import Progress
    from archsearch.tracking import Tracker

__all__ = ["Objective", "at_chance", "rss_mib", "set_correctness", "CHANCE_MARGIN"]

# A trial is "at chance" when its best validation accuracy over all epochs is at
# most 1/num_classes + this margin (0.15 for 10 classes): it never learned.
CHANCE_MARGIN = 0.05
def at_chance(histories: Sequence[Mapping[str, Sequence[float]]], num_classes: int,
              margin: float = CHANCE_MARGIN) -> bool | None:
    """True when no fit ever beat chance on validation; None when there is no ``val_accuracy``.

    Example:
        >>> at_chance([{"val_accuracy": [0.1, 0.12]}], 10), at_chance([{"val_accuracy": [0.1, 0.6]}], 10)
        (True, False)
    """
    bests = []
    for history in histories:
        values = [v for v in history.get("val_accuracy", []) if math.isfinite(v)]
        if not values:
            return None
        bests.append(max(values))
    if not bests:
        return None
    return all(best <= 1.0 / max(num_classes, 1) + margin for best in bests)


class Objective:
    """Callable handed to ``study.optimize``; raises to mark a trial FAIL or PRUNED.

    Args:
        prune: report the objective to the trial each epoch (first repeat only)
            so that the study's pruner can stop it. Off means no per-epoch
            storage writes at all.
        repeats: fits per sampled configuration, each with its own seed.
        fuse: train seeds of one configuration as one fused model (``train/_fused.py``):
            a trial's repeats, or an ablation's design points of one level.
        fuse_max: replicas per pack at most (None: the device's default, see ``train/_pack.py``).
    """

    def __init__(self, space: Space, dataset: Dataset, *, epochs: int, batch_size: int, seed: int,
                 tracker: Tracker, progress: Progress, finished_before: int, prune: bool = False,
                 repeats: int = 1, fuse: bool = False, fuse_max: int | None = None) -> None:
        self.space, self.dataset = space, dataset
        self.epochs, self.batch_size, self.seed = epochs, batch_size, seed
        self.tracker, self.progress = tracker, progress
        self.finished = finished_before
        self.prune, self.repeats = prune, repeats
        self.fuse, self.fuse_max = fuse, fuse_max
        # Fused outcomes of design points not yet handed out, by (configuration, seed), with their pack's size.
        self._ahead: dict[tuple[str, int], tuple[Any, int]] = {}
        self._said: set[str] = set()
        self.consecutive_failures = 0
        self.last_error = ""
        self.trials_run = 0
        self._hp: OptunaHyperParameters | None = None
        self.on_stop = "fail"  # a stopped trial ends FAIL, or PRUNED ("prune"); see study._signals

    def __call__(self, trial: optuna.Trial) -> float:
        return self.run(trial, OptunaHyperParameters(trial))

    def run(self, trial: optuna.Trial, hp: Any, *, build: Callable[[Any], Any] | None = None,
            callbacks: Sequence[Any] = (), epochs: int | None = None, initial_epoch: int = 0) -> float:
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
        self._hp = hp
        results: list[Any] = []
        try:
            for fit in self._fits(trial, hp, seeds, tags, build, callbacks, epochs, initial_epoch):
                run_seed, result = fit.seed, fit.result
                results.append(result)
                if fit.diverged_epoch is not None:
                    raise FailedTrialError(
                        f"the loss is {fit.bad_value} at epoch {fit.diverged_epoch + 1} (seed {run_seed}); "
                        "training stopped. The loss diverged: try a smaller learning rate.")
                value = result.objective(self.space.objective)
                if not math.isfinite(value):
                    raise FailedTrialError(f"{self.space.objective} is {value} (the loss diverged).")
                if fit.pruned_epoch is not None:
                    self._pruned(trial, hp.values, result, fit.pruned_epoch + 1, tags, start)
                    raise optuna.TrialPruned(f"pruned after epoch {fit.pruned_epoch + 1}")
        except optuna.TrialPruned:
            raise
        except KeyboardInterrupt as err:
            self._stopped(trial, err)
            raise
        except Exception as err:
            self._failed(trial, hp.values, err, results, time.perf_counter() - start)
            raise
        return self._complete(trial, hp.values, seeds, results, tags, start)

    def _fits(self, trial: optuna.Trial, hp: Any, seeds: list[int], tags: dict[str, str],
              build: Callable[[Any], Any] | None, callbacks: Sequence[Any], epochs: int,
              initial_epoch: int) -> Iterator[Any]:
        """Each seed's fit (a ``train.ReplicaOutcome``), fused in packs where it can be (see ``train/_fused.py``).

        With repeats the packs are this trial's seeds; pruning decides per pack (the
        pruner sees the first seed, as with separate fits, and stops its whole pack).
        Without, a design point (an ablation's (level, seed)) is packed with the
        waiting design points of the same configuration: their outcomes wait here
        until Optuna hands out their trials (in another process they train again).
        """
        from archsearch import train

        engine_builds = build is not None or bool(callbacks) or initial_epoch > 0
        why = no_fuse_reason(self.fuse, self.space.custom_fit, engine_builds)
        design = self.repeats == 1 and trial.user_attrs.get(Attr.DESIGN_POINT) is True
        if design and why is None and self.prune:
            why = "the pruner stops each trial on its own curve"
        todo = list(seeds)
        key = None
        if design and why is None:
            key, siblings = design_siblings(trial, seeds[0], self._ahead)
            ahead = self._ahead.pop((key, seeds[0]), None) if key is not None else None
            if ahead is not None:  # trained with an earlier trial's pack; built again (not fit) so that
                with interruptible():  # the trial and hp record this configuration's parameters
                    train.clear_session()
                    train.set_seed(seeds[0])
                    train.build_model(self.space, hp, self.dataset)
                tags[Tag.FUSED] = str(ahead[1])
                yield ahead[0]
                return
            todo += siblings
        while len(todo) > 1 and why is None and (key is None or todo[0] == seeds[0]):
            try:
                with interruptible():  # a signal or a requested stop ends the fit at once (study._signals)
                    train.clear_session()
                    pack = train.fit_fused(lambda: train.build_model(self.space, hp, self.dataset), self.dataset, todo,
                                           epochs=epochs, batch_size=self.batch_size, hp=hp,
                                           trial=trial if self.prune and todo[0] == seeds[0] else None,
                                           monitor=self.space.objective, stop_on_divergence=key is None,
                                           fuse_max=self.fuse_max)
            except train.FuseRefused as err:
                why = str(err)
                break
            tags[Tag.FUSED] = "+".join(filter(None, [tags.get(Tag.FUSED, ""), str(len(pack))]))
            todo = todo[len(pack):]
            if key is not None:  # the siblings' outcomes wait for their trials
                self._ahead.update({(key, fit.seed): (fit, len(pack)) for fit in pack[1:]})
                yield pack[0]
                return
            yield from pack
        if why is not None and why != "--no-fuse" and (len(seeds) > 1 or design):
            self._say_once(f"training seeds separately, not fused: {why}")
        for run_seed in todo if key is None else seeds[:1]:
            with interruptible():  # a signal or a requested stop ends the fit at once (study._signals)
                train.clear_session()
                train.set_seed(run_seed)
                model = build(hp) if build else train.build_model(self.space, hp, self.dataset)
                monitor = train.TrialMonitor(trial if self.prune and run_seed == seeds[0] else None,
                                             self.space.objective)
                fit_callbacks = [monitor, *callbacks, *getattr(hp, "fit_callbacks", ())]  # the builder's own
                if self.space.custom_fit:  # the space's HyperModel.fit trains, as keras-tuner would call it
                    result = train.fit_hypermodel(self.space, hp, model, self.dataset, epochs=epochs,
                                                  batch_size=self.batch_size, callbacks=fit_callbacks,
                                                  initial_epoch=initial_epoch)
                else:
                    result = train.fit_model(model, self.dataset, epochs=epochs, batch_size=self.batch_size,
                                             callbacks=fit_callbacks, seed=run_seed, initial_epoch=initial_epoch)
            del model
            yield train.ReplicaOutcome(run_seed, result, monitor.diverged_epoch, monitor.bad_value,
                                       monitor.pruned_epoch)

    def _say_once(self, line: str) -> None:
        said = re.sub(r"[\d,.]+", "#", line)  # a reason with other numbers (memory) is the same reason
        if said not in self._said:
            self._said.add(said)
            self.progress.say(line)

    def _stopped(self, trial: optuna.Trial, err: KeyboardInterrupt) -> None:
        """A signal or a requested stop: the trial records why; with on_stop "prune" it ends PRUNED."""
        import optuna

        reason = err.reason if isinstance(err, Stopped) else "interrupted (KeyboardInterrupt)"
        trial.set_user_attr(Attr.STOPPED, reason)
        if self.on_stop == "prune" and isinstance(err, Stopped):
            raise optuna.TrialPruned(reason) from None  # the next study callback raises the stop again
        trial.set_user_attr(Attr.ERROR, reason)

    def _shown(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            declared = self._hp.params if self._hp is not None else {}
        except Exception:  # a builder that failed half-way: what it declared may not read back
            declared = {}
        return shown_params(params, declared)

    def _complete(self, trial: optuna.Trial, params: dict[str, Any], seeds: list[int], results: list[Any],
                  tags: dict[str, str], start: float) -> float:
        objective = self.space.objective
        values = [r.objective(objective) for r in results]
        value = sum(values) / len(values)
        metrics = _mean_metrics([r.metrics for r in results])
        chance = at_chance([r.history for r in results], self.dataset.num_classes)
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
        summary = {Metric.OBJECTIVE: value, Metric.PARAMS_COUNT: first.params_count,
                   Metric.FIT_SECONDS: fit_seconds, Metric.RSS_MIB: rss}
        # Per-seed curves and final values, so that a report can compute intervals from MLflow alone.
        per_seed = [(r.history, {**_final(r.metrics), Metric.OBJECTIVE: v, Metric.FIT_SECONDS: r.fit_seconds})
                    for r, v in zip(results, values, strict=True)] if self.repeats > 1 else []
        shown = self._shown(params)
        self.tracker.end_trial(TrialLog(
            trial.number, "COMPLETE", shown, mean_curves([r.history for r in results]), _final(metrics), tags,
            summary=summary, seeds=per_seed, run_name=run_name(trial.number, shown),
            description=trial_description(trial.number, "COMPLETE", objective, value=value, seed_values=values,
                                          params_count=first.params_count, fit_seconds=fit_seconds,
                                          seed=seeds[0], note="At chance: it never learned." if chance else "")))
        self.finished += 1
        self.consecutive_failures = 0
        extra = f"  {first.params_count:,} params"
        if self.repeats > 1:
            extra += f"  seeds: {' '.join(f'{v:.4f}' for v in values)}"
        if chance:
            extra += "  AT CHANCE"
        self.progress.trial_done(self.finished, trial.number, "COMPLETE", value, params,
                                 time.perf_counter() - start, extra)
        return value

    def _pruned(self, trial: optuna.Trial, params: dict[str, Any], result: Any, epoch: int,
                tags: dict[str, str], start: float) -> None:
        chance = at_chance([result.history], self.dataset.num_classes)
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
        shown = self._shown(params)
        summary = {Metric.PARAMS_COUNT: result.params_count, Metric.FIT_SECONDS: result.fit_seconds,
                   Metric.RSS_MIB: rss}
        self.tracker.end_trial(TrialLog(
            trial.number, "PRUNED", shown, result.history, _final(result.metrics), tags, summary=summary,
            run_name=run_name(trial.number, shown),
            description=trial_description(trial.number, "PRUNED", self.space.objective,
                                          params_count=result.params_count, fit_seconds=result.fit_seconds,
                                          seed=int(trial.user_attrs[Attr.SEED]),
                                          note=f"The pruner stopped it after epoch {epoch}.")))
        self.finished += 1
        self.consecutive_failures = 0
        self.progress.trial_done(self.finished, trial.number, "PRUNED", None, params, time.perf_counter() - start,
                                 f" after epoch {epoch}")

    def _failed(self, trial: optuna.Trial, params: dict[str, Any], err: BaseException, results: list[Any],
                seconds: float) -> None:
        message = f"{type(err).__name__}: {err}".strip()[:2000]
        if _out_of_memory(err):
            message = f"out of memory: {message}"
        self.last_error = message
        self.consecutive_failures += 1
        trial.set_user_attr(Attr.ERROR, message)
        trace = "".join(traceback.format_exception(err))
        trial.set_user_attr(Attr.TRACEBACK, trace[-4000:])
        history = results[-1].history if results else {}
        if history:  # a diverged fit keeps its curves: they show where it went wrong
            trial.set_user_attr(Attr.HISTORY, history)
        shown = self._shown(params)
        summary = {Metric.FIT_SECONDS: seconds, Metric.RSS_MIB: rss_mib()}
        if results:
            summary[Metric.PARAMS_COUNT] = results[-1].params_count
        self.tracker.end_trial(TrialLog(
            trial.number, "FAIL", shown, history, {}, {Tag.ERROR: message[:5000]}, summary=summary,
            run_name=run_name(trial.number, shown), traceback=trace,
            description=trial_description(trial.number, "FAIL", self.space.objective,
                                          seed=int(trial.user_attrs.get(Attr.SEED,
                                                                        trial_seed(self.seed, trial.number))),
                                          note=f"Error: {message}\n\nThe traceback is the run's artifact "
                                               "`traceback.txt`.")))
        self.progress.trial_done(self.finished, trial.number, "FAIL", None, params, seconds,
                                 f"\n    {message.splitlines()[0] if message else ''}")


def set_correctness(trial: optuna.Trial, results: Sequence[Any]) -> None:
    """Store each seed's per-example correctness on validation and test (packed bits, ``correct_*``/``n_*``).

    A few bytes per seed on small splits (digits: 144 validation and 359 test
    examples, 24 and 60 base64 characters); 1,668 characters for 10,000 test
    examples. Left out when a fit has no vectors (it diverged).
    """
    from archsearch.analysis import pack_correct

    for key, n_key, field in ((Attr.CORRECT_VAL, Attr.N_VAL, "correct_val"),
                              (Attr.CORRECT_TEST, Attr.N_TEST, "correct_test")):
        vectors = [v for v in (getattr(r, field, None) for r in results) if v is not None]
        if not vectors or len(vectors) < len(results) or len({len(v) for v in vectors}) != 1:
            continue
        trial.set_user_attr(key, [pack_correct(v) for v in vectors])
        trial.set_user_attr(n_key, len(vectors[0]))


def _final(metrics: Mapping[str, float]) -> dict[str, float]:
    """The final values a fit reports, less its time (logged once for the trial, as ``fit_seconds``)."""
    return {k: v for k, v in metrics.items() if k != Metric.FIT_SECONDS}


def rss_mib() -> float:
    """Resident memory of this process in MiB, recorded per trial (``rss_mib``) to watch TensorFlow's leak."""
    import psutil

    return round(psutil.Process().memory_info().rss / 2**20, 1)


def _mean_metrics(all_metrics: Sequence[Mapping[str, float]]) -> dict[str, float]:
    if len(all_metrics) == 1:
        return dict(all_metrics[0])
    keys = [k for k in all_metrics[0] if all(k in m for m in all_metrics)]
    return {k: sum(float(m[k]) for m in all_metrics) / len(all_metrics) for k in keys}


def _out_of_memory(err: BaseException) -> bool:
    # TensorFlow's ResourceExhaustedError (OOM when allocating a tensor) or Python's MemoryError.
    return isinstance(err, MemoryError) or type(err).__name__ == "ResourceExhaustedError"
