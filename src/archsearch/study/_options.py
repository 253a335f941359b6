"""Settings of one ``archsearch run`` invocation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from archsearch.errors import UsageError
from archsearch.stores import url_flag

__all__ = ["ON_STOP", "RECYCLE_AFTER", "RunOptions", "resume_args"]

ON_STOP = ("fail", "prune")  # how a trial stopped by a signal or request_stop ends (RunOptions.on_stop)

RECYCLE_AFTER = 50  # trials per process with the Optuna engine, unless --recycle-after says otherwise


@dataclasses.dataclass
class RunOptions:
    """What ``archsearch run`` was asked to do. None means "the space's setting".

    Attributes:
        trials: finished trials (COMPLETE or PRUNED) the study should have.
        timeout: stop starting new trials after this many seconds.
        epochs: override the space's EPOCHS.
        seed: seeds the sampler, the split and each trial (trial seed = seed + number).
        study_name: Optuna study / MLflow experiment name (default: the space's name).
        storage: Optuna storage URL.
        tracking_uri: MLflow tracking URI.
        dataset: run on another dataset than the space declares.
        quiet: no progress lines.
        max_failures: stop after this many consecutive failed trials.
        sampler: Optuna sampler: tpe, random, cmaes, gp, qmc or grid.
        pruner: Optuna pruner fed each epoch with the objective: none, median,
            percentile, hyperband, sha or wilcoxon. ``none`` writes no per-epoch values.
        repeats: fits per sampled configuration, each with its own seed; the
            sampler sees the mean.
        heartbeat: seconds between the running trial's heartbeats in the Optuna
            storage. A trial silent for twice as long (its process died) is marked
            FAIL by the next run, and its MLflow run is closed.
        recycle_after: hand over to a fresh process after this many trials
            (bounds the memory TensorFlow leaks per trial); 0 = never; None:
            :data:`RECYCLE_AFTER` with the Optuna engine, never with a
            keras-tuner engine (its tuner keeps the search in this process: a
            fresh one would start a new Hyperband bracket or Bayesian model), which
            refuses any other value. Only the CLI can restart itself;
            ``run_search`` stops and sets ``SearchResult.recycle`` (call it again
            to go on).
        max_rss_mib: also hand over when the resident memory has grown by this
            many MiB since the start; 0 = never (the only value a keras-tuner
            engine takes).
        parent_run_id: continue this MLflow parent run instead of opening one
            (set by a recycled process, and by an ask for its next round).
        engine: what picks the trials: ``optuna`` (the sampler and pruner above) or
            keras-tuner's own tuner, ``keras-tuner:random``, ``keras-tuner:bayesian``
            or ``keras-tuner:hyperband`` (see ``archsearch.study._engines``).
        worker_index: which of ``archsearch run --workers N``'s processes this is
            (0 for a lone run); offsets the sampler's seed so that workers that
            start together do not propose the same configurations.
        fuse: train the seeds of one configuration (``repeats``, an ablation's
            seeds of one level) as one fused Keras model (``archsearch.train._fused``).
        fuse_max: replicas per fused pack at most (None: the device's default).
        on_stop: how the running trial ends when a signal (SIGTERM, SIGINT, SIGHUP) or
            :func:`~archsearch.study.request_stop` stops the search: ``fail`` (FAIL,
            run again by a resumed search) or ``prune`` (PRUNED: counts as finished,
            never run again). Either way its MLflow run ends KILLED with the reason.
        verbose: show the libraries' own log lines (MLflow, alembic, TensorFlow) instead of
            sending them to the log file only (see :mod:`archsearch._quiet`); None: as this
            process chose before (the command line's ``--verbose``), else not.
    """

    trials: int | None = None
    timeout: float | None = None
    epochs: int | None = None
    seed: int = 0
    study_name: str | None = None
    storage: str | None = None
    tracking_uri: str | None = None
    dataset: str | None = None
    quiet: bool = False
    max_failures: int = 5
    sampler: str = "tpe"
    pruner: str = "none"
    repeats: int = 1
    heartbeat: int = 10
    recycle_after: int | None = None
    max_rss_mib: int = 0
    parent_run_id: str | None = None
    worker_index: int = 0
    engine: str = "optuna"
    fuse: bool = True
    fuse_max: int | None = None
    on_stop: str = "fail"
    verbose: bool | None = None

    @property
    def recycle_every(self) -> int:
        """Trials per process: ``recycle_after``, or its default for the engine (0 = never)."""
        if self.recycle_after is not None:
            return self.recycle_after
        return RECYCLE_AFTER if self.engine == "optuna" else 0

    def validate(self) -> None:
        from archsearch.study._engines import check_engine
        from archsearch.study._strategies import check_pruner, check_sampler

        check_sampler(self.sampler)
        check_pruner(self.pruner)
        check_engine(self.engine)
        if self.on_stop not in ON_STOP:
            raise UsageError(f"--on-stop {self.on_stop!r}: use one of {', '.join(ON_STOP)}.")
        if self.engine != "optuna":
            if self.on_stop != "fail":
                raise UsageError(
                    f"--on-stop {self.on_stop}: --engine {self.engine}'s tuner records a stopped "
                    "trial as failed. Drop --on-stop, or use --engine optuna."
                )
            for flag, value, plain in (
                ("--pruner", self.pruner, "none"),
                ("--repeats", self.repeats, 1),
                ("--sampler", self.sampler, "tpe"),
            ):
                if value != plain:
                    raise UsageError(
                        f"{flag} {value} is an Optuna setting; --engine {self.engine} picks and stops "
                        f"trials itself. Drop {flag}, or use --engine optuna."
                    )
            for flag, limit in (("--recycle-after", self.recycle_after), ("--max-rss-mib", self.max_rss_mib)):
                if limit:
                    raise UsageError(
                        f"{flag} {limit}: --engine {self.engine} keeps its tuner's search in one "
                        f"process, which is never recycled (a fresh process would restart the "
                        f"search). Drop {flag}, or use --engine optuna."
                    )
        for name in ("recycle_after", "max_rss_mib"):
            value = getattr(self, name)
            if value is not None and value < 0:
                flag = "--" + name.replace("_", "-")
                raise UsageError(f"{flag} must be 0 (never) or more, but got {value}.")
        for name in ("trials", "epochs", "max_failures", "repeats", "heartbeat", "fuse_max"):
            value = getattr(self, name)
            if value is not None and value < 1:
                flag = "--" + name.replace("_", "-")
                raise UsageError(f"{flag} must be at least 1, but got {value}.")
        if self.timeout is not None and self.timeout <= 0:
            raise UsageError(f"--timeout must be a positive number of seconds, but got {self.timeout}.")


def resume_args(space: str | Path, options: RunOptions, *, takeover: bool = False) -> list[str]:
    """``archsearch run`` arguments that run the same search again (it resumes where the study stands).

    The one place ``RunOptions`` become command-line flags: the resume line
    printed on Ctrl-C and the command a recycled process continues with.

    Args:
        takeover: also the flags of a process that takes over from this one
            (``--recycle-after``, ``--max-rss-mib``, ``--parent-run-id``,
            ``--timeout``, ``--quiet``).

    Example:
        >>> resume_args("spaces/digits_quick.py", RunOptions(trials=20, pruner="median"))
        ['archsearch', 'run', 'spaces/digits_quick.py', '--trials', '20', '--pruner', 'median']
    """
    parts = ["archsearch", "run", str(space)]
    defaults = RunOptions()
    for flag, value in (
        ("--trials", options.trials),
        ("--epochs", options.epochs),
        ("--study", options.study_name),
        ("--storage", options.storage),
        ("--tracking-uri", options.tracking_uri),
        ("--dataset", options.dataset),
    ):
        if value is not None:
            parts += url_flag(flag, str(value)) if flag in ("--storage", "--tracking-uri") else [flag, str(value)]
    for name in (
        "seed",
        "sampler",
        "pruner",
        "repeats",
        "heartbeat",
        "max_failures",
        "worker_index",
        "engine",
        "on_stop",
        "fuse_max",
    ):
        value = getattr(options, name)
        if value != getattr(defaults, name):
            parts += ["--" + name.replace("_", "-"), str(value)]
    if not options.fuse:
        parts.append("--no-fuse")
    if takeover:
        for flag, setting in (
            ("--recycle-after", options.recycle_after),
            ("--max-rss-mib", options.max_rss_mib),
            ("--parent-run-id", options.parent_run_id),
            ("--timeout", options.timeout),
        ):
            if setting is not None:
                parts += [flag, str(setting)]
        if options.quiet:
            parts.append("--quiet")
    return parts
