"""``archsearch run``: validate everything, load data once, run the Optuna study.

Order matters for "nothing half-written": the space, the options, the URLs
and the dataset name are checked before anything touches disk; the data is
loaded and a model is built once with default hyperparameters (catching a
builder that raises, returns no model, or takes another input or gives another
number of outputs than the data; an OBJECTIVE Keras does not report; a question
about no declared hyperparameter or with a baseline outside its values; see
``_preflight.py``) before the study and the MLflow runs are created.
"""

from __future__ import annotations

import datetime as _dt
import gc
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archsearch._quiet import quiet_library_logs, quiet_tensorflow
from archsearch._version import __version__
from archsearch.errors import FatalError, SpaceError
from archsearch.schema import StudyAttr, Tag
from archsearch.seeds import sampler_seed
from archsearch.space import Space, load_space
from archsearch.stores import log_file, one_at_a_time, redact, storage_errors
from archsearch.study._guards import FailureGuard, Recycler, StaleTrials
from archsearch.study._options import RunOptions, resume_args
from archsearch.study._owners import Owned, Owners
from archsearch.study._parent import parent_note, parent_params
from archsearch.study._preflight import check_before_run
from archsearch.study._progress import Progress
from archsearch.study._result import SearchResult, _counts, _result
from archsearch.study._settings import RunConfig
from archsearch.study._setup import open_run_study, prepare_study, refuse_other_training
from archsearch.study._signals import (
    Stop,
    Stopped,
    check_stop,
    current_stop,
    interruptible,
    release_held_signals,
    stop_on_signals,
)
from archsearch.study._stopping import CLOSE_TIMEOUT_S, Interrupted, close_stopped, raise_stop, stopped_summary
from archsearch.study._target import TargetGate
from archsearch.study._trials import parent_metrics

if TYPE_CHECKING:
    from archsearch.study._objective import Objective

__all__ = ["SearchResult", "run_search", "Interrupted", "resume_args"]  # resume_args: study/_workers.py imports it here


def run_search(
    space: str | Path | Space,
    options: RunOptions | None = None,
    *,
    enqueue: Sequence[tuple[Mapping[str, Any], int]] = (),
) -> SearchResult:
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
        Interrupted: SIGTERM, SIGINT (Ctrl-C), SIGHUP or :func:`~archsearch.study.request_stop`, after
            closing the runs cleanly (see :mod:`archsearch.study._signals`).

    Example:
        >>> result = run_search("spaces/digits_quick.py", RunOptions(trials=2, epochs=1))  # doctest: +SKIP
        >>> print(result.summary())  # doctest: +SKIP
    """
    options = options or RunOptions()
    options.validate()  # bad options before the space loads (RunConfig.resolve checks the rest)
    quiet_tensorflow()  # before TensorFlow loads (the CLI did it already; this is for the Python API)
    quiet_library_logs(options.verbose, log_file())  # a notebook too: MLflow's, TensorFlow's lines to the log file
    config = RunConfig.resolve(space if isinstance(space, Space) else load_space(space), options, enqueue)
    try:  # a stop before the block (a caller's block recorded it) is raised as it starts: the same words
        with stop_on_signals(), storage_errors(config.storage, "--storage"):  # a store that fails: one line, exit 2
            refuse_other_training(config)  # before the banner and the data: one line
            return _search(config)
    except Stopped as err:  # before the first trial: nothing of this run to close
        raise Interrupted(
            err.exit_code,
            config.resume,
            err.reason,
            f"Study '{config.study_name}': stopped ({err.reason}) before any trial ran here. "
            f"Resume with: {config.resume}",
        ) from None


def _search(config: RunConfig) -> SearchResult:
    """Built in one direction: data, the study set up, the tracker, the heartbeat storage, the objective."""
    space = config.space
    progress = Progress(config.target, space.objective, space.direction, quiet=config.quiet)
    from archsearch.tracking import prespawn

    # The MLflow worker process imports MLflow on the other core while TensorFlow loads here;
    # leaving the block stops it if no tracker took it (nothing to run, bad input, Ctrl-C).
    with prespawn() as spare:
        progress.say_once(
            f"archsearch {__version__}: space {space.path} -> study '{config.study_name}'", config.study_name
        )
        with interruptible():  # nothing written yet: a stop unwinds at once
            dataset = _load_data(config, progress)
        quiet_library_logs(config.verbose, log_file())  # TensorFlow is loaded now: its logger too
        prepared = prepare_study(config)
        finished, _ = _counts(prepared.study)
        progress.seen(prepared.study)
        if finished >= config.target and not prepared.failed_now:  # (a dead trial's MLflow run is closed below)
            if not config.enqueue:  # an ask says where its design stands (a next round may run more seeds)
                design = prepared.study.user_attrs.get(StudyAttr.DESIGN) or {}
                kind = design.get("kind") == "ablation"
                progress.say(_nothing_to_run(config.study_name, finished, config.target, kind))
            return _result(prepared.study, config.storage, config.tracking_uri, config.target, space.objective)
        progress.say(
            f"study '{config.study_name}': {finished} finished, running until {config.target} "
            f"({config.epochs} epochs, batch {space.batch_size})"
        )
        _freeze()
        design = prepared.study.user_attrs.get(StudyAttr.DESIGN) or {}
        tracker = _open_tracker(config, spare, dataset, design)
    # Runs left RUNNING by dead processes: closed now, and for each trial failed as dead from here on
    # (Optuna's heartbeat elsewhere, the owners on this host).
    on_stale = StaleTrials(tracker)
    storage, study = open_run_study(config, prepared, dataset, on_stale)
    prepared.storage.engine.dispose()  # the set-up is read: its connections are not needed any more
    owners = Owners(storage, on_failed=on_stale)
    on_stale(study)
    from archsearch.study._objective import Objective

    factor = design.get("factor") if design.get("kind") == "ablation" else None
    objective = Objective(config, dataset, tracker=tracker, progress=progress, finished_before=finished, factor=factor)
    return _optimize(config, progress, study, tracker, objective, owners, on_stale)


def _nothing_to_run(study: str, finished: int, target: int, ablation: bool) -> str:
    """The line of a study that already has its trials: what was found, and the option that runs more.

    Example:
        >>> _nothing_to_run("s-ablation-units-1a2b3c4d", 9, 9, ablation=True)
        "study 's-ablation-units-1a2b3c4d' already has 9 finished trials (target 9); nothing to run. Raise --repeats to run more seeds."
    """  # noqa: E501
    more = "Raise --repeats to run more seeds" if ablation else "Raise --trials to run more trials"
    return f"study '{study}' already has {finished} finished trials (target {target}); nothing to run. {more}."


def _load_data(config: RunConfig, progress: Progress) -> Any:
    from archsearch.data import load_dataset

    space = config.space
    # Data first: without TensorFlow loaded, image decoding and the cache's stats may use fork.
    dataset = load_dataset(
        config.dataset,
        input=space.input,
        validation_split=space.validation_split,
        seed=config.seed,
        image_size=space.image_size,
    )
    progress.say_once(f"data {dataset.describe()}", config.study_name)
    check_before_run(space, dataset)  # the builder, its model, OBJECTIVE and QUESTIONS: one line, nothing written
    return dataset


def _freeze() -> None:
    # Everything alive now (TensorFlow's modules, the dataset) lives for the whole
    # run: freezing it keeps clear_session()'s gc.collect() per trial at tens of
    # milliseconds instead of half a second, while trial objects are still freed.
    gc.collect()
    gc.freeze()


def _open_tracker(config: RunConfig, spare: Any, dataset: Any, design: Mapping[str, Any] | None) -> Any:
    from archsearch.tracking import DatasetInfo, WorkerProcessTracker

    space = config.space
    info = DatasetInfo(config.dataset, dataset.digest(), dataset.splits, dataset.input_shape, dataset.num_classes)
    settings = {
        "epochs": config.epochs,
        "batch_size": space.batch_size,
        "objective": space.objective,
        "direction": space.direction,
        "trials": config.target,
        "seed": config.seed,
        "dataset": config.dataset,
        "sampler": config.sampler,
        "pruner": config.pruner,
        "repeats": config.repeats,
        "engine": config.engine,
    }  # a design's own params replace the sampler's and repeats
    tags = {
        **_parent_tags(space, config.dataset, config.study_name, config.storage),
        Tag.ENGINE: config.engine,
        **parent_note(space, design, config.dataset, config.epochs),
    }
    return WorkerProcessTracker(
        config.tracking_uri,
        config.study_name,
        run_name=f"{config.study_name} {_dt.datetime.now():%Y-%m-%d %H:%M:%S}",
        tags=tags,
        params=parent_params(settings, design),
        parent_run_id=config.parent_run_id,
        dataset=info,
        spare=spare,
    )


def _optimize(
    config: RunConfig,
    progress: Progress,
    study: Any,
    tracker: Any,
    objective: Objective,
    owners: Owners,
    on_stale: StaleTrials,
) -> SearchResult:
    """Run trials until the target, a failure streak, a recycle, Ctrl-C or SIGTERM; close the tracker."""
    finished = objective.finished
    stop_for_failures = FailureGuard(objective, config.max_failures)
    recycler = Recycler(objective, config.recycle_every, config.max_rss_mib)
    gate = TargetGate(
        config.target,
        owners,
        progress.say,
        timeout=config.timeout,
        guards=(stop_for_failures, recycler),
        lock=lambda: one_at_a_time(config.storage, f"trials:{config.study_name}"),
        design=bool(config.enqueue),
    )

    def claim(trial: Any) -> None:  # the trial exists: its owner, then the other processes may count it
        owners.claim(trial)
        gate.started(trial)

    status: str | None = "FINISHED"
    stopped: Stop | None = None
    began = time.monotonic()
    try:
        release_held_signals()  # a signal sent while this process replaced a recycled one stops here
        if gate.stop_before_next(study):
            pass
        elif config.engine == "optuna":
            study.optimize(
                Owned(objective, claim),
                timeout=config.timeout,
                catch=(Exception,),
                callbacks=[raise_stop, stop_for_failures, recycler, gate],
            )
        else:
            _keras_tuner(config, objective, study, finished, claim, stop_for_failures, gate)
    except KeyboardInterrupt as err:
        status = "KILLED"
        stopped = err.stop if isinstance(err, Stopped) else Stop("interrupted (KeyboardInterrupt)", 130)
    except Exception:  # the storage failed (a trial's own errors are caught by Optuna): the parent run too
        status = "FAILED"
        raise
    finally:
        gate.release()  # the search ended between the check and a new trial
        if stop_for_failures.tripped and status == "FINISHED":
            status = "FAILED"
        elif recycler.tripped and status == "FINISHED" and _counts(study)[0] < config.target:
            status = None  # the next process continues this parent run
            if current_stop() is not None:  # a signal after the last trial's end: stop, do not recycle
                status, stopped = "KILLED", current_stop()
        if stopped is not None:
            close_stopped(study, owners.tag, tracker, stopped, config.on_stop)
        _last_check(owners, study, on_stale)
        tracker.log_parent_metrics(parent_metrics(study))
        tracker.close(status, timeout=CLOSE_TIMEOUT_S if stopped is not None else None)
    if stopped is not None:
        summary = stopped_summary(study, config.study_name, config.target, stopped, owners.tag, config.resume)
        # Said once, by whoever catches it: the CLI prints `summary`; a notebook sees it as the message.
        raise Interrupted(stopped.exit_code, config.resume, stopped.reason, summary)
    space = config.space
    if objective.space_error is not None:  # the space file is wrong: exit 2, and no advice to allow more failures
        error = objective.space_error
        raise SpaceError(
            (error if error.startswith(f"{space.path}:") else f"{space.path}: {error}").rstrip(".")
            + " (a trial failed on it, and no other trial could succeed, so the run stopped)."
        )
    if stop_for_failures.tripped:
        raise FatalError(
            f"{space.path}: {config.max_failures} trials in a row failed; stopping. Last error: "
            f"{objective.last_error}. Fix the builder (see `archsearch show {space.path}`) or raise --max-failures."
        )
    if status is None:
        from archsearch.analysis import counted

        progress.say(
            f"recycling the process after {counted(objective.trials_run, 'trials')} ({recycler.reason}); "
            "the study goes on in a fresh one"
        )
    timed_out = config.timeout is not None and status == "FINISHED" and time.monotonic() - began >= config.timeout
    return _result(
        study,
        config.storage,
        config.tracking_uri,
        config.target,
        space.objective,
        ran=objective.finished - finished,
        parent_run_id=tracker.parent_run_id,
        recycle=status is None,
        timed_out=timed_out and _counts(study)[0] < config.target,
        resume=config.resume,
    )


def _keras_tuner(
    config: RunConfig,
    objective: Objective,
    study: Any,
    finished: int,
    claim: Callable[[Any], None],
    stop_for_failures: FailureGuard,
    gate: TargetGate,
) -> None:
    """Hand the trials still missing to keras-tuner's tuner; the same guards stop it (after a trial)."""
    from archsearch.study._engines import search_with_keras_tuner, timer

    late = timer(config.timeout)

    def should_stop() -> bool:
        check_stop()
        stop_for_failures.tripped |= (
            objective.consecutive_failures >= config.max_failures or objective.space_error is not None
        )
        return stop_for_failures.tripped or late() or gate.stop_before_next(study)

    search_with_keras_tuner(
        config.engine,
        objective,
        study,
        trials=config.target - finished,
        epochs=config.epochs,
        seed=sampler_seed(config.seed, len(study.get_trials(deepcopy=False))),
        should_stop=should_stop,
        claim=claim,
    )


def _last_check(owners: Owners, study: Any, on_stale: StaleTrials) -> None:
    """Before exiting: no trial of a dead process on this host stays RUNNING, nor its MLflow run."""
    try:
        owners.fail_dead(study)
        on_stale(study)
    except Exception as err:  # the storage went away: the next run cleans up
        warnings.warn(f"could not check for trials of dead processes ({redact(str(err))})", stacklevel=2)


def _parent_tags(space: Space, dataset: str, study: str, storage: str) -> dict[str, str]:
    from archsearch.tracking import process_tag

    return {
        Tag.PROCESS: process_tag(),
        Tag.SPACE: str(space.path),
        Tag.SPACE_SHA256: space.sha256,
        Tag.DATASET: dataset,
        Tag.VERSION: __version__,
        Tag.STUDY: study,
        Tag.STORAGE: redact(storage),
        Tag.NOTE: space.description[:5000],
    }
