"""``archsearch run``: validate everything, load data once, run the Optuna study.

Order matters for "nothing half-written": the space, the options, the URLs
and the dataset name are checked before anything touches disk; the data is
loaded and a model is built once with default hyperparameters (catching a
builder that returns no model, or the wrong number of outputs) before the
study and the MLflow runs are created.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import gc
import json
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from archsearch._version import __version__
from archsearch.errors import FatalError, SpaceError
from archsearch.space import Space, load_space
from archsearch.study._guards import FailureGuard, Recycler, StaleTrials
from archsearch.study._options import RunOptions, resolve_storage
from archsearch.study._progress import Progress, format_params
from archsearch.study._signals import Terminated, sigterm_as_interrupt
from archsearch.study._storage import open_storage
from archsearch.tracking import check_url, resolve_tracking_uri

__all__ = ["SearchResult", "run_search", "Interrupted"]

FINISHED_STATES = ("COMPLETE", "PRUNED")


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM: the search stopped cleanly; ``exit_code`` is 130 or 143."""

    def __init__(self, exit_code: int, resume: str) -> None:
        super().__init__(f"interrupted; resume with: {resume}")
        self.exit_code, self.resume = exit_code, resume


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

    def summary(self) -> str:
        """A few lines for the terminal: best value, params, size, where results are."""
        lines = [f"Study '{self.study_name}': {self.finished}/{self.target} finished trials"
                 f" ({self.ran} run now, {self.failed} failed in total)."]
        if self.best_number is None:
            lines.append("No finished trial yet.")
        else:
            metrics = self.best_attrs.get("metrics", {})
            size = self.best_attrs.get("params_count")
            test = metrics.get("test_accuracy")
            lines.append(f"Best: {self.objective} {self.best_value:.4f} (trial {self.best_number})"
                         + (f", test accuracy {test:.4f}" if test is not None else "")
                         + (f", {size:,} parameters" if size is not None else ""))
            lines.append(f"  params: {format_params(self.best_params, limit=30)}")
        lines.append(f"Optuna:  {self.storage} (study '{self.study_name}')")
        lines.append(f"MLflow:  {self.tracking_uri} (experiment '{self.study_name}'); "
                     f"browse with `archsearch ui`")
        return "\n".join(lines)


def run_search(space: str | Path | Space, options: RunOptions | None = None, *,
               enqueue: Sequence[tuple[Mapping[str, Any], int]] = ()) -> SearchResult:
    """Run (or resume) the study of a space until it has ``trials`` finished trials.

    Args:
        space: a space file path or a loaded :class:`~archsearch.space.Space`.
        options: see :class:`RunOptions`.
        enqueue: ``(params, seed)`` pairs to run before the sampler proposes
            anything (a controlled design: ablations, repeats). A pair already
            in the study (finished, running or waiting) is not added again, so a
            resumed design runs only what is missing.

    Returns:
        A :class:`SearchResult`; ``print(result.summary())`` shows it.

    Raises:
        UsageError: bad input, before anything is written.
        FatalError: too many consecutive trial failures.
        Interrupted: Ctrl-C / SIGTERM, after closing the runs cleanly.

    Example:
        >>> result = run_search("spaces/digits_quick.py", RunOptions(trials=2, epochs=1))  # doctest: +SKIP
        >>> print(result.summary())  # doctest: +SKIP
    """
    options = options or RunOptions()
    options.validate()
    space = space if isinstance(space, Space) else load_space(space)
    from archsearch.data import check_dataset_name

    dataset_spec = options.dataset or space.dataset
    check_dataset_name(dataset_spec)
    storage_url = resolve_storage(options.storage)
    tracking_uri = resolve_tracking_uri(options.tracking_uri)
    check_url(storage_url, "Optuna storage", "--storage")
    check_url(tracking_uri, "MLflow tracking", "--tracking-uri")
    target = options.trials or space.trials
    epochs = options.epochs or space.epochs
    study_name = options.study_name or space.name
    progress = Progress(target, space.objective, space.direction, quiet=options.quiet)

    from archsearch.tracking import RemoteTracker, discard_spare, prespawn

    prespawn()  # the MLflow worker process imports MLflow on the other core while TensorFlow loads here
    try:
        progress.say(f"archsearch {__version__}: space {space.path} -> study '{study_name}'")
        from archsearch.data import load_dataset

        # Data first: without TensorFlow loaded, image decoding and the cache's stats may use fork.
        dataset = load_dataset(dataset_spec, input=space.input, validation_split=space.validation_split,
                               seed=options.seed, image_size=space.image_size)
        progress.say(f"data {dataset.describe()}")
        _dry_build(space, dataset)
        grid = None
        if options.sampler == "grid":
            from archsearch.study._strategies import grid_space

            grid = grid_space(space, dataset)

        import optuna

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        # Heartbeats and stale-trial handling are marked experimental; they are what crash recovery relies on.
        warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
        on_stale = StaleTrials()
        study = _open_study(optuna, storage_url, study_name, space, options, grid, on_stale)
        # Trials whose process died (kill -9, power loss) are RUNNING with a stale
        # heartbeat: fail them now, before the design below counts what is present.
        optuna.storages.fail_stale_trials(study)
        study.set_user_attr("archsearch.sampler", options.sampler)  # the report says what kind of search it was
        _enqueue(study, enqueue)
        finished, failed = _counts(study)
        progress.seen(study)
        if finished >= target:
            progress.say(f"study '{study_name}' already has {finished} finished trials (target {target}); "
                         "nothing to run. Raise --trials to run more.")
            discard_spare()
            return _result(study, storage_url, tracking_uri, target, 0, space)
        progress.say(f"study '{study_name}': {finished} finished, running until {target} "
                     f"({epochs} epochs, batch {space.batch_size})")
    except BaseException:
        discard_spare()
        raise

    from archsearch.study._objective import Objective

    # Everything alive now (TensorFlow's modules, the dataset) lives for the whole
    # run: freezing it keeps clear_session()'s gc.collect() per trial at tens of
    # milliseconds instead of half a second, while trial objects are still freed.
    gc.collect()
    gc.freeze()

    tracker = RemoteTracker(
        tracking_uri, study_name, run_name=f"{study_name} {_dt.datetime.now():%Y-%m-%d %H:%M:%S}",
        tags=_parent_tags(space, dataset_spec, study_name, storage_url),
        params={"epochs": epochs, "batch_size": space.batch_size, "objective": space.objective,
                "direction": space.direction, "trials": target, "seed": options.seed, "dataset": dataset_spec,
                "sampler": options.sampler, "pruner": options.pruner, "repeats": options.repeats},
        parent_run_id=options.parent_run_id)
    on_stale.tracker = tracker
    on_stale(study, None)  # MLflow runs left RUNNING by dead processes
    objective = Objective(space, dataset, epochs=epochs, batch_size=space.batch_size, seed=options.seed,
                          tracker=tracker, progress=progress, finished_before=finished,
                          prune=options.pruner != "none", repeats=options.repeats)
    stop_for_failures = FailureGuard(objective, options.max_failures)
    recycler = Recycler(objective, options.recycle_after, options.max_rss_mib)
    status: str | None = "FINISHED"
    resume = _resume_command(space, options)
    try:
        with sigterm_as_interrupt():
            study.optimize(objective, timeout=options.timeout, catch=(Exception,),
                           callbacks=[optuna.study.MaxTrialsCallback(target, states=_states(optuna)),
                                      stop_for_failures, recycler])
    except KeyboardInterrupt as err:
        status = "KILLED"
        code = 143 if isinstance(err, Terminated) else 130
        progress.say(f"\ninterrupted: the running trial was closed. Resume with:\n  {resume}")
        raise Interrupted(code, resume) from None
    finally:
        if stop_for_failures.tripped and status == "FINISHED":
            status = "FAILED"
        elif recycler.tripped and status == "FINISHED" and _counts(study)[0] < target:
            status = None  # the next process continues this parent run
        tracker.close(status)
    if stop_for_failures.tripped:
        raise FatalError(
            f"{space.path}: {options.max_failures} trials in a row failed; stopping. Last error: "
            f"{objective.last_error}. Fix the builder (see `archsearch show {space.path}`) or raise --max-failures.")
    result = _result(study, storage_url, tracking_uri, target, objective.finished - finished, space)
    result.parent_run_id = tracker.parent_run_id
    result.recycle = status is None
    if result.recycle:
        progress.say(f"recycling the process after {objective.trials_run} trials ({recycler.reason}); "
                     "the study goes on in a fresh one")
    return result


def _enqueue(study: Any, configs: Sequence[tuple[Mapping[str, Any], int]]) -> None:
    def key(params: Mapping[str, Any], seed: Any) -> str:
        return json.dumps([sorted(params.items()), seed], default=str)

    present = set()
    for t in study.get_trials(deepcopy=False):
        if t.state.name == "FAIL":
            continue  # failed repeats are tried again
        params = t.params if t.state.name != "WAITING" else t.system_attrs.get("fixed_params", {})
        present.add(key(params, t.user_attrs.get("seed")))
    for params, seed in configs:
        if key(params, seed) not in present:
            study.enqueue_trial(dict(params), user_attrs={"seed": int(seed)})
            present.add(key(params, seed))


def _states(optuna: Any) -> tuple[Any, ...]:
    return tuple(getattr(optuna.trial.TrialState, s) for s in FINISHED_STATES)


def _counts(study: Any) -> tuple[int, int]:
    trials = study.get_trials(deepcopy=False)
    finished = sum(t.state.name in FINISHED_STATES for t in trials)
    failed = sum(t.state.name == "FAIL" for t in trials)
    return finished, failed


def _open_study(optuna: Any, url: str, name: str, space: Space, options: RunOptions,
                grid: Mapping[str, Any] | None, on_stale: Any) -> Any:
    from archsearch.study._strategies import make_pruner, make_sampler

    storage = open_storage(url, heartbeat=options.heartbeat, on_stale=on_stale)
    try:
        existing = optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        existing = None
    if existing is not None and existing.direction.name.lower() != space.direction:
        raise SpaceError(f"{space.path}: study '{name}' in {url} was created to {existing.direction.name.lower()} "
                         f"but the space says {space.direction}. Use --study NAME for a new study.")
    done = 0 if existing is None else len(existing.get_trials(deepcopy=False))
    # Offset the sampler's seed by the trials already run so that a resumed
    # search does not propose the same startup points again.
    sampler = make_sampler(options.sampler, options.seed + done, grid)
    return optuna.create_study(study_name=name, storage=storage, direction=space.direction, sampler=sampler,
                               pruner=make_pruner(options.pruner), load_if_exists=True)


def _result(study: Any, storage: str, tracking_uri: str, target: int, ran: int, space: Space) -> SearchResult:
    finished, failed = _counts(study)
    result = SearchResult(study.study_name, storage, tracking_uri, target, finished, failed, ran,
                          objective=space.objective)
    complete = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    if complete:
        best = study.best_trial
        result.best_number, result.best_value = best.number, best.value
        result.best_params, result.best_attrs = dict(best.params), dict(best.user_attrs)
    return result


def _dry_build(space: Space, dataset: Any) -> None:
    """Build once with default values: a wrong return type or output size is the space's bug."""
    from archsearch import train
    from archsearch.space import FixedHyperParameters

    try:
        train.build_model(space, FixedHyperParameters(), dataset)
    except SpaceError:
        raise
    except Exception:
        pass  # a combination that raises is a trial failure, handled per trial
    finally:
        train.clear_session()


def _parent_tags(space: Space, dataset: str, study: str, storage: str) -> dict[str, str]:
    from archsearch.tracking import process_tag

    return {"archsearch.process": process_tag(), "archsearch.space": str(space.path), "archsearch.space_sha256": space.sha256,
            "archsearch.dataset": dataset, "archsearch.version": __version__, "archsearch.study": study,
            "archsearch.storage": storage, "mlflow.note.content": space.description[:5000]}


def _resume_command(space: Space, options: RunOptions) -> str:
    return " ".join(resume_args(space.path, options))


def resume_args(space: str | Path, options: RunOptions) -> list[str]:
    """``archsearch run`` arguments that run the same search again (it resumes where the study stands)."""
    parts = ["archsearch", "run", str(space)]
    defaults = RunOptions()
    for flag, value in (("--trials", options.trials), ("--epochs", options.epochs), ("--study", options.study_name),
                        ("--storage", options.storage), ("--tracking-uri", options.tracking_uri),
                        ("--dataset", options.dataset)):
        if value is not None:
            parts += [flag, str(value)]
    for name in ("seed", "sampler", "pruner", "repeats", "heartbeat", "max_failures"):
        value = getattr(options, name)
        if value != getattr(defaults, name):
            parts += ["--" + name.replace("_", "-"), str(value)]
    return parts
