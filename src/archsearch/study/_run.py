"""``archsearch run``: validate everything, load data once, run the Optuna study.

Order matters for "nothing half-written": the space, the options, the URLs
and the dataset name are checked before anything touches disk; the data is
loaded and a model is built once with default hyperparameters (catching a
builder that returns no model, or the wrong number of outputs) before the
study and the MLflow runs are created.
"""

from __future__ import annotations

import datetime as _dt
import gc
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from archsearch._quiet import quiet_library_logs, quiet_tensorflow
from archsearch._version import __version__
from archsearch.errors import FatalError, SpaceError
from archsearch.schema import StudyAttr, Tag
from archsearch.seeds import sampler_seed
from archsearch.space import Space, load_space
from archsearch.stores import log_file, redact, storage_errors
from archsearch.study._guards import FailureGuard, Recycler, StaleTrials
from archsearch.study._options import RunOptions, resume_args
from archsearch.study._owners import Owned, Owners
from archsearch.study._parent import parent_note, parent_params
from archsearch.study._progress import Progress
from archsearch.study._result import SearchResult, _counts, _result
from archsearch.study._settings import _Plan, _plan
from archsearch.study._setup import prepare_study
from archsearch.study._signals import Stop, Stopped, check_stop, interruptible, stop_on_signals
from archsearch.study._stopping import CLOSE_TIMEOUT_S, Interrupted, close_stopped, raise_stop, stopped_summary
from archsearch.study._target import TargetGate
from archsearch.study._trials import parent_metrics

__all__ = ["SearchResult", "run_search", "Interrupted"]


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
    options.validate()
    quiet_tensorflow()  # before TensorFlow loads (the CLI did it already; this is for the Python API)
    quiet_library_logs(options.verbose, log_file())  # a notebook too: MLflow's, TensorFlow's lines to the log file
    space = space if isinstance(space, Space) else load_space(space)
    plan = _plan(space, options)
    with stop_on_signals(), storage_errors(plan.storage, "--storage"):  # a store that fails: one line, exit 2
        try:
            return _search(space, options, plan, enqueue)
        except Stopped as err:  # before the first trial: nothing of this run to close
            resume = _resume_command(space, options)
            raise Interrupted(
                err.exit_code,
                resume,
                err.reason,
                f"Study '{plan.study_name}': stopped ({err.reason}) before any trial ran here. Resume with: {resume}",
            ) from None


def _search(
    space: Space, options: RunOptions, plan: _Plan, enqueue: Sequence[tuple[Mapping[str, Any], int]]
) -> SearchResult:
    progress = Progress(plan.target, space.objective, space.direction, quiet=options.quiet)
    from archsearch.tracking import prespawn

    # The MLflow worker process imports MLflow on the other core while TensorFlow loads here;
    # leaving the block stops it if no tracker took it (nothing to run, bad input, Ctrl-C).
    with prespawn() as spare:
        progress.say(f"archsearch {__version__}: space {space.path} -> study '{plan.study_name}'")
        with interruptible():  # nothing written yet: a stop unwinds at once
            dataset = _load_data(space, options, plan, progress)
        quiet_library_logs(options.verbose, log_file())  # TensorFlow is loaded now: its logger too
        storage, study, owners, failed_here = prepare_study(space, options, plan, dataset, enqueue)
        finished, _ = _counts(study)
        progress.seen(study)
        if finished >= plan.target and not failed_here:  # (a dead trial's MLflow run is closed below)
            progress.say(
                f"study '{plan.study_name}' already has {finished} finished trials (target {plan.target}); "
                "nothing to run. Raise --trials to run more."
            )
            return _result(study, plan, 0, space)
        progress.say(
            f"study '{plan.study_name}': {finished} finished, running until {plan.target} "
            f"({plan.epochs} epochs, batch {space.batch_size})"
        )
        _freeze()
        tracker = _open_tracker(space, options, plan, spare, dataset, study.user_attrs.get(StudyAttr.DESIGN))
    # Runs left RUNNING by dead processes: now, and for each trial Optuna finds stale from here on.
    storage.heartbeat_stale_trial_callback = on_stale = StaleTrials(tracker)
    owners.on_failed = lambda failed_study: on_stale(failed_study, None)
    on_stale(study, None)
    return _optimize(space, options, plan, progress, dataset, study, tracker, finished, owners, on_stale)


def _load_data(space: Space, options: RunOptions, plan: _Plan, progress: Progress) -> Any:
    from archsearch.data import load_dataset

    # Data first: without TensorFlow loaded, image decoding and the cache's stats may use fork.
    dataset = load_dataset(
        plan.dataset,
        input=space.input,
        validation_split=space.validation_split,
        seed=options.seed,
        image_size=space.image_size,
    )
    progress.say(f"data {dataset.describe()}")
    _dry_build(space, dataset)
    return dataset


def _freeze() -> None:
    # Everything alive now (TensorFlow's modules, the dataset) lives for the whole
    # run: freezing it keeps clear_session()'s gc.collect() per trial at tens of
    # milliseconds instead of half a second, while trial objects are still freed.
    gc.collect()
    gc.freeze()


def _open_tracker(
    space: Space, options: RunOptions, plan: _Plan, spare: Any, dataset: Any, design: Mapping[str, Any] | None
) -> Any:
    from archsearch.tracking import DatasetInfo, WorkerProcessTracker

    info = DatasetInfo(plan.dataset, dataset.digest(), dataset.splits, dataset.input_shape, dataset.num_classes)
    settings = {
        "epochs": plan.epochs,
        "batch_size": space.batch_size,
        "objective": space.objective,
        "direction": space.direction,
        "trials": plan.target,
        "seed": options.seed,
        "dataset": plan.dataset,
        "sampler": options.sampler,
        "pruner": options.pruner,
        "repeats": options.repeats,
        "engine": options.engine,
    }  # a design's own params replace the sampler's and repeats
    tags = {
        **_parent_tags(space, plan.dataset, plan.study_name, plan.storage),
        Tag.ENGINE: options.engine,
        **parent_note(space, design, plan.dataset, plan.epochs),
    }
    return WorkerProcessTracker(
        plan.tracking_uri,
        plan.study_name,
        run_name=f"{plan.study_name} {_dt.datetime.now():%Y-%m-%d %H:%M:%S}",
        tags=tags,
        params=parent_params(settings, design),
        parent_run_id=options.parent_run_id,
        dataset=info,
        spare=spare,
    )


def _optimize(
    space: Space,
    options: RunOptions,
    plan: _Plan,
    progress: Progress,
    dataset: Any,
    study: Any,
    tracker: Any,
    finished: int,
    owners: Owners,
    on_stale: StaleTrials,
) -> SearchResult:
    """Run trials until the target, a failure streak, a recycle, Ctrl-C or SIGTERM; close the tracker."""
    from archsearch.study._objective import Objective

    objective = Objective(
        space,
        dataset,
        epochs=plan.epochs,
        batch_size=space.batch_size,
        seed=options.seed,
        tracker=tracker,
        progress=progress,
        finished_before=finished,
        prune=options.pruner != "none",
        repeats=options.repeats,
        fuse=options.fuse,
        fuse_max=options.fuse_max,
    )
    stop_for_failures = FailureGuard(objective, options.max_failures)
    recycler = Recycler(objective, options.recycle_every, options.max_rss_mib)
    gate = TargetGate(plan.target, owners, progress.say, timeout=options.timeout, guards=(stop_for_failures, recycler))
    objective.on_stop = options.on_stop
    status: str | None = "FINISHED"
    resume = _resume_command(space, options)
    stopped: Stop | None = None
    try:
        if gate.stop_before_next(study):
            pass
        elif options.engine == "optuna":
            study.optimize(
                Owned(objective, owners),
                timeout=options.timeout,
                catch=(Exception,),
                callbacks=[raise_stop, stop_for_failures, recycler, gate],
            )
        else:
            _keras_tuner(options, plan, objective, study, finished, owners, stop_for_failures, gate)
    except KeyboardInterrupt as err:
        status = "KILLED"
        stopped = err.stop if isinstance(err, Stopped) else Stop("interrupted (KeyboardInterrupt)", 130)
    except Exception:  # the storage failed (a trial's own errors are caught by Optuna): the parent run too
        status = "FAILED"
        raise
    finally:
        if stop_for_failures.tripped and status == "FINISHED":
            status = "FAILED"
        elif recycler.tripped and status == "FINISHED" and _counts(study)[0] < plan.target:
            status = None  # the next process continues this parent run
        if stopped is not None:
            close_stopped(study, owners.tag, tracker, stopped, options.on_stop)
        _last_check(owners, study, on_stale)
        tracker.log_parent_metrics(parent_metrics(study))
        tracker.close(status, timeout=CLOSE_TIMEOUT_S if stopped is not None else None)
    if stopped is not None:
        summary = stopped_summary(study, plan.study_name, plan.target, stopped, owners.tag, resume)
        # Said once, by whoever catches it: the CLI prints `summary`; a notebook sees it as the message.
        raise Interrupted(stopped.exit_code, resume, stopped.reason, summary)
    if stop_for_failures.tripped:
        raise FatalError(
            f"{space.path}: {options.max_failures} trials in a row failed; stopping. Last error: "
            f"{objective.last_error}. Fix the builder (see `archsearch show {space.path}`) or raise --max-failures."
        )
    result = _result(study, plan, objective.finished - finished, space)
    result.parent_run_id = tracker.parent_run_id
    result.recycle = status is None
    if result.recycle:
        progress.say(
            f"recycling the process after {objective.trials_run} trials ({recycler.reason}); "
            "the study goes on in a fresh one"
        )
    return result


def _keras_tuner(
    options: RunOptions,
    plan: _Plan,
    objective: Any,
    study: Any,
    finished: int,
    owners: Owners,
    stop_for_failures: FailureGuard,
    gate: TargetGate,
) -> None:
    """Hand the trials still missing to keras-tuner's tuner; the same guards stop it (after a trial)."""
    from archsearch.study._engines import search_with_keras_tuner, timer

    late = timer(options.timeout)

    def should_stop() -> bool:
        check_stop()
        stop_for_failures.tripped |= objective.consecutive_failures >= options.max_failures
        return stop_for_failures.tripped or late() or gate.stop_before_next(study)

    search_with_keras_tuner(
        options.engine,
        objective,
        study,
        trials=plan.target - finished,
        epochs=plan.epochs,
        seed=sampler_seed(options.seed, len(study.get_trials(deepcopy=False))),
        should_stop=should_stop,
        claim=owners.claim,
    )


def _resume_command(space: Space, options: RunOptions) -> str:
    """The command that resumes this search, as printed (passwords shown as ``***``)."""
    return redact(" ".join(resume_args(space.path, options)))


def _last_check(owners: Owners, study: Any, on_stale: StaleTrials) -> None:
    """Before exiting: no trial of a dead process on this host stays RUNNING, nor its MLflow run."""
    try:
        owners.fail_dead(study)
        on_stale(study, None)
    except Exception as err:  # the storage went away: the next run cleans up
        warnings.warn(f"could not check for trials of dead processes ({redact(str(err))})", stacklevel=2)


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
