"""A run's settings (:class:`RunConfig`), resolved once from the options and the space and checked before any write.

``run_search`` resolves one ``RunConfig`` and builds everything else from it, in
one direction: the study's storage, then the MLflow tracker, then the heartbeat
storage (whose stale-trial callback closes the tracker's runs), then the
objective. Nothing is patched afterwards; a new round (an ablation's next seeds)
is a new config.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from archsearch.space import Space
from archsearch.stores import check_stores, printed_command
from archsearch.study._options import RunOptions, resume_args

__all__ = ["RunConfig"]


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """What one search runs, resolved from :class:`RunOptions` and the :class:`~archsearch.space.Space`; frozen.

    Defaults are filled in (the space's dataset, trials and epochs; the stores'
    URLs; the study's name) and the URLs and the dataset name are checked, so two
    resolutions of the same options give equal configs.

    Attributes:
        space: the loaded space.
        dataset: the dataset spec the run trains on (``--dataset`` or the space's).
        storage, tracking_uri: the Optuna storage URL and the MLflow tracking URI.
        study_name: the Optuna study and MLflow experiment.
        target: finished trials the study should have.
        epochs: epochs per trial.
        resume: the ``archsearch run`` command that resumes this search (passwords as ``***``).
        enqueue: ``(params, seed)`` pairs run before the sampler proposes anything.

    The other attributes are :class:`RunOptions`'s of the same name (``recycle_every``:
    :attr:`RunOptions.recycle_every`).

    Example:
        >>> from archsearch import load_space
        >>> space = load_space("spaces/digits_quick.py")
        >>> config = RunConfig.resolve(space, RunOptions(trials=3, storage="sqlite:///:memory:"))
        >>> config.target, config.study_name, config.dataset
        (3, 'digits_quick', 'digits')
    """

    space: Space
    dataset: str
    storage: str
    tracking_uri: str
    study_name: str
    target: int
    epochs: int
    seed: int
    sampler: str
    pruner: str
    engine: str
    worker_index: int
    repeats: int
    heartbeat: int
    fuse: bool
    fuse_max: int | None
    max_failures: int
    recycle_every: int
    max_rss_mib: int
    timeout: float | None
    on_stop: str
    parent_run_id: str | None
    quiet: bool
    verbose: bool | None
    resume: str
    enqueue: tuple[tuple[Mapping[str, Any], int], ...] = ()

    @classmethod
    def resolve(
        cls, space: Space, options: RunOptions, enqueue: Sequence[tuple[Mapping[str, Any], int]] = ()
    ) -> RunConfig:
        """The config of ``options`` on ``space``; raises ``UsageError`` for bad input, before anything is written."""
        from archsearch.data import check_dataset_name
        from archsearch.errors import DatasetError

        options.validate()
        dataset = options.dataset or space.dataset
        try:
            check_dataset_name(dataset)
        except DatasetError as err:  # the space file's: say so (the command line's --dataset is in the error)
            if options.dataset:
                raise
            raise DatasetError(f"{space.path}: DATASET: {err}") from None
        storage, tracking_uri = check_stores(options.storage, options.tracking_uri)
        # Each engine gets its own study by default (same storage), so that `report` can set them side by side.
        default_name = space.name if options.engine == "optuna" else f"{space.name}-{options.engine.replace(':', '-')}"
        return cls(
            space=space,
            dataset=dataset,
            storage=storage,
            tracking_uri=tracking_uri,
            study_name=options.study_name or default_name,
            target=options.trials or space.trials,
            epochs=options.epochs or space.epochs,
            seed=options.seed,
            sampler=options.sampler,
            pruner=options.pruner,
            engine=options.engine,
            worker_index=options.worker_index,
            repeats=options.repeats,
            heartbeat=options.heartbeat,
            fuse=options.fuse,
            fuse_max=options.fuse_max,
            max_failures=options.max_failures,
            recycle_every=options.recycle_every,
            max_rss_mib=options.max_rss_mib,
            timeout=options.timeout,
            on_stop=options.on_stop,
            parent_run_id=options.parent_run_id,
            quiet=options.quiet,
            verbose=options.verbose,
            resume=resume_command(space.path, options),
            enqueue=tuple((params, seed) for params, seed in enqueue),
        )


def resume_command(path: Any, options: RunOptions) -> str:
    """The ``archsearch run`` command that goes on with this search, as printed (passwords as ``***``)."""
    return printed_command(resume_args(path, options), quote=False)
