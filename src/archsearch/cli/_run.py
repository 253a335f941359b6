"""``archsearch run SPACE``."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from archsearch.cli._deadline import deadline_option, go_on_words, sweep_result_option, write_sweep_result
from archsearch.cli._options import (
    choice_option,
    fuse_max_option,
    fuse_option,
    long_run_options,
    number_option,
    storage_option,
    study_option,
    tracking_uri_option,
)
from archsearch.seeds import MACHINE_WORKER_STRIDE

if TYPE_CHECKING:
    from archsearch.study import SearchResult

SAMPLERS = ("tpe", "random", "cmaes", "gp", "qmc", "grid")  # mirrors archsearch.study._strategies (no import here)
PRUNERS = ("none", "median", "percentile", "hyperband", "sha", "wilcoxon")
ENGINES = ("optuna", "keras-tuner:random", "keras-tuner:bayesian", "keras-tuner:hyperband")  # study._engines


@click.command()
@click.argument("space", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--trials",
    "-n",
    type=int,
    metavar="N",
    help="Finished (complete or pruned) trials the study should have (default: the space's TRIALS). "
    "Running the same command again resumes the study up to N.",
)
@click.option("--timeout", type=float, metavar="SECONDS", help="Start no new trial after this many seconds.")
@click.option("--epochs", type=int, metavar="E", help="Override the space's EPOCHS.")
@number_option(
    "--seed",
    kind=int,
    default=0,
    metavar="S",
    help="Seeds the sampler, the data split and each trial (trial seed = S + trial number). "
    "Same seed on CPU: same params and metrics.",
)
@click.option(
    "--dataset",
    metavar="NAME",
    help="Run on another dataset than the space declares (a registered name, folder:PATH or npz:PATH).",
)
@choice_option(
    "--sampler",
    choices=SAMPLERS,
    default="tpe",
    help="Optuna sampler. cmaes and gp need extras: pip install 'archsearch[cmaes]' / '[gp]'.",
)
@choice_option(
    "--pruner",
    choices=PRUNERS,
    default="none",
    help="Optuna pruner, fed the objective after each epoch; pruned trials keep their curves.",
)
@choice_option(
    "--engine",
    choices=ENGINES,
    default="optuna",
    help="What picks the trials: Optuna (--sampler, --pruner), or keras-tuner's own RandomSearch, "
    "BayesianOptimization or Hyperband (max_epochs = --epochs) on the same space file, recorded in "
    "the same Optuna storage and MLflow store. Default study: SPACE-keras-tuner-random etc.",
)
@number_option(
    "--repeats",
    kind=int,
    default=1,
    metavar="K",
    help="Train each sampled configuration K times with different seeds; the sampler sees the mean, "
    "each seed's metrics are kept for the report's intervals.",
)
@fuse_option
@fuse_max_option
@study_option
@storage_option
@tracking_uri_option
@long_run_options
@number_option(
    "--workers",
    "-j",
    kind=click.IntRange(min=1, max=MACHINE_WORKER_STRIDE),
    default=1,
    metavar="N",
    help=f"Run N worker processes (at most {MACHINE_WORKER_STRIDE}) on this machine, sharing the study (each one "
    "trial at a time). "
    "SQLite takes up to 8; for more, or for several machines, use PostgreSQL (--storage).",
)
@click.option(
    "--on-stop",
    type=click.Choice(("fail", "prune")),
    default="fail",
    show_default=True,
    help="How the running trial ends when SIGTERM, SIGINT (Ctrl-C) or SIGHUP stops the search: FAIL "
    "(run again on resume) or PRUNED (counted as finished). Its MLflow run ends KILLED either way.",
)
@click.option("--parent-run-id", hidden=True, help="Continue this MLflow parent run (set when recycling).")
@click.option("--worker-index", type=int, default=0, hidden=True, help="Set by --workers for each worker.")
@click.option(
    "--ran-before", type=int, default=0, hidden=True, help="Trials this command's recycled processes finished."
)
@deadline_option
@sweep_result_option
@click.option("--quiet", "-q", is_flag=True, help="No progress lines; print only the summary.")
def run(
    space: str,
    trials: int | None,
    timeout: float | None,
    epochs: int | None,
    seed: int,
    dataset: str | None,
    sampler: str,
    pruner: str,
    engine: str,
    repeats: int,
    fuse: bool,
    fuse_max: int | None,
    study_name: str | None,
    storage: str | None,
    tracking_uri: str | None,
    max_failures: int,
    recycle_after: int | None,
    max_rss_mib: int,
    heartbeat: int,
    workers: int,
    on_stop: str,
    parent_run_id: str | None,
    worker_index: int,
    ran_before: int,
    deadline: str | None,
    sweep_result: str | None,
    quiet: bool,
) -> None:
    """Search the space declared in SPACE (a .py space file).

    Each trial builds the model with hyperparameters picked by Optuna, trains
    it, and is recorded in the Optuna study and as an MLflow child run under
    one parent run per invocation. Progress goes to stderr, the summary to
    stdout.

    SIGTERM, SIGINT (Ctrl-C) or SIGHUP, to the process or its group, ends the
    current trial FAILED ("terminated by signal N"; --on-stop prune: PRUNED)
    and its MLflow runs KILLED, prints what was stopped and the command that
    resumes, and exits 128+N (143, 130, 129). A second signal exits at once;
    the next run cleans up what it left. After a crash
    (kill -9, power loss) the same command fails the dead trial and goes on.

    \b
    Examples:
      archsearch run spaces/digits_quick.py
      archsearch run spaces/digits_quick.py --trials 30 --epochs 5
      archsearch run spaces/cifar_depth.py --pruner median --repeats 3
      archsearch run spaces/digits_quick.py --trials 40 --workers 2
      archsearch run spaces/digits_quick.py --engine keras-tuner:hyperband
    """
    from archsearch.study import (
        Interrupted,
        RunOptions,
        before_each_trial,
        current_stop,
        run_search,
        stop_on_signals,
    )

    started = time.monotonic()
    options = RunOptions(
        trials=trials,
        timeout=timeout,
        epochs=epochs,
        seed=seed,
        study_name=study_name,
        storage=storage,
        tracking_uri=tracking_uri,
        dataset=dataset,
        quiet=quiet,
        max_failures=max_failures,
        sampler=sampler,
        pruner=pruner,
        repeats=repeats,
        heartbeat=heartbeat,
        recycle_after=recycle_after,
        max_rss_mib=max_rss_mib,
        parent_run_id=parent_run_id,
        worker_index=worker_index,
        engine=engine,
        on_stop=on_stop,
        fuse=fuse,
        fuse_max=fuse_max,
    )
    if workers > 1 and engine != "optuna":
        raise click.UsageError(f"--workers {workers} needs --engine optuna: keras-tuner's tuner runs in one process.")
    # The study's name now, so a sweep can read a step that is stopped before it ends (the end rewrites it).
    write_sweep_result(sweep_result, study=study_name or Path(space).stem, storage=storage, target=trials)
    guard = _deadline(deadline, storage, study_name or Path(space).stem)
    if guard is None and deadline:
        return
    if guard is not None:  # no trial starts that would not end by the deadline
        options = dataclasses.replace(options, timeout=guard.timeout(options.timeout))
    if workers > 1:
        _run_workers(space, options, workers)
        return
    # Before every trial too: a new study has no durations when it starts, and its first trials are observations.
    each_trial = before_each_trial(guard.before_trial) if guard is not None else contextlib.nullcontext()
    try:
        # The outer block keeps a signal that arrives as the search returns to recycle: the new process gets it.
        with stop_on_signals(), guard or contextlib.nullcontext(), each_trial:
            result = run_search(space, options)
            write_sweep_result(sweep_result, study=result.study_name, storage=storage, target=result.target)
            # The summary counts the trials of the whole command, whichever of its processes ran them.
            result = dataclasses.replace(result, ran=result.ran + ran_before)
            if result.recycle:
                _continue_in_fresh_process(space, options, result, time.monotonic() - started)
            late = current_stop()  # a signal after the last trial: the trials are done, the verdicts are not said
    except Interrupted as err:
        click.echo(err.summary.split(" Resume with: ")[0] + " " + go_on_words(err.resume))
        raise SystemExit(err.exit_code) from None
    if late is not None:
        click.echo(
            f"{result.summary()}\nStopped ({late.reason}) after the last trial, before the verdicts. "
            + go_on_words(None)
        )
        raise SystemExit(late.exit_code)
    click.echo(result.summary())
    if result.timed_out:  # exit 0: the search did what --timeout asked (the summary says it ended it short)
        click.echo(go_on_words(result.resume))
    _print_verdicts(result, space)


def _deadline(deadline: str | None, storage: str | None, study: str) -> Any:
    """With --deadline: its guard (None: no trial fits before it, said on stderr)."""
    if not deadline:
        return None
    from archsearch.cli._deadline import DeadlineGuard

    guard = DeadlineGuard(deadline, storage, study)
    why = guard.nothing_fits()
    if why:
        click.echo(why, err=True)
        return None
    return guard


def _run_workers(space: str, options: Any, workers: int) -> None:
    from archsearch.study import run_workers

    outcome = run_workers(space, options, workers, os.environ)  # their environment: this command's
    if outcome.stopped is not None:  # as one process says it: what was stopped, where it stands, how to go on
        click.echo(outcome.stopped.split(" Resume with: ")[0] + " " + go_on_words(outcome.resume))
        raise SystemExit(outcome.exit_code)
    click.echo(outcome.result.summary())
    if outcome.exit_code == 0:
        _print_verdicts(outcome.result, space)
    else:
        raise SystemExit(outcome.exit_code)


def _continue_in_fresh_process(space: str, options: Any, result: SearchResult, elapsed: float) -> None:
    """Replace this process (same pid, so signals and the shell's job control still apply) with a fresh one.

    It continues ``result``'s parent run, with the time left of --timeout (a spent one starts no trial there;
    0 would be refused) and the trials this command has run so far (``--ran-before``, for its summary).
    """
    from archsearch.study import hold_signals_across_exec, resume_args

    timeout = None if options.timeout is None else max(options.timeout - elapsed, 0.001)
    takeover = dataclasses.replace(options, parent_run_id=result.parent_run_id, timeout=timeout)
    args = resume_args(space, takeover, takeover=True)[2:] + ["--ran-before", str(result.ran)]  # drop "archsearch run"
    sys.stdout.flush()
    sys.stderr.flush()
    hold_signals_across_exec()  # a signal from now on waits for the new process, which stops cleanly
    os.execv(sys.executable, [sys.executable, "-m", "archsearch", "run", *args])


def _print_verdicts(result: SearchResult, space: str) -> None:
    """The questions' verdicts in a few lines; a failing report never fails a finished run."""
    from archsearch.report import record_study, verdict_lines

    try:
        lines = verdict_lines(result.study_name, result.storage, space, result.tracking_uri)
    except Exception as err:  # the search itself succeeded; say why there are no verdicts
        click.echo(f"warning: no verdicts ({type(err).__name__}: {err}); try `archsearch report {space}`.", err=True)
        return
    for line in lines:
        click.echo(line)
    record(
        lambda: record_study(
            space,
            study_name=result.study_name,
            storage=result.storage,
            tracking_uri=result.tracking_uri,
            run_id=result.parent_run_id,
        ),
        space,
    )


def record(write: Any, space: str) -> None:
    """Record the answer in MLflow (``write``); a failure is a warning, never a failed search."""
    try:
        write()
    except Exception as err:
        click.echo(
            f"warning: the answer is not in MLflow ({type(err).__name__}: {err}); "
            f"`archsearch report {space}` records it.",
            err=True,
        )
