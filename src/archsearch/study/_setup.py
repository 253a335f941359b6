"""The study a search runs: its storage opened, the study created or loaded, dead trials failed, a design enqueued.

Processes that start together (``--workers``, a job array, a sweep) do this one
at a time (:func:`~archsearch.stores.one_at_a_time`): the first creates the study
and enqueues the design, the others find both.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from archsearch._compat.optuna import enqueued_params
from archsearch.errors import SpaceError
from archsearch.schema import Attr, StudyAttr
from archsearch.seeds import sampler_seed
from archsearch.space import Space
from archsearch.stores import one_at_a_time, open_storage, redact
from archsearch.study._options import RunOptions
from archsearch.study._owners import Owners
from archsearch.study._population import same_training

if TYPE_CHECKING:
    from archsearch.study._settings import _Plan

__all__ = ["prepare_study"]


def prepare_study(
    space: Space, options: RunOptions, plan: _Plan, dataset: Any, enqueue: Sequence[tuple[Mapping[str, Any], int]]
) -> tuple[Any, Any, Owners, bool]:
    """The storage, the study and its owners; dead and stale trials failed, the design enqueued."""
    grid = None
    if options.sampler == "grid":
        from archsearch.study._probe import grid_space

        grid = grid_space(space, dataset)
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    # Heartbeats and stale-trial handling are marked experimental; they are what crash recovery relies on.
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    storage = open_storage(plan.storage, heartbeat=options.heartbeat)
    # Processes that start together (--workers, a job array, a sweep) create, set up and fill the study one at a
    # time: the first creates it and enqueues the design, the others find both (stores._together).
    with one_at_a_time(plan.storage, f"study:{plan.study_name}"):
        return _set_up_study(optuna, storage, space, options, plan, grid, enqueue)


def _set_up_study(
    optuna: Any,
    storage: Any,
    space: Space,
    options: RunOptions,
    plan: _Plan,
    grid: Mapping[str, Any] | None,
    enqueue: Sequence[tuple[Mapping[str, Any], int]],
) -> tuple[Any, Any, Owners, bool]:
    study = _open_study(optuna, storage, plan, space, options, grid)
    # Trials whose process died (kill -9, power loss) are RUNNING: fail them now,
    # before the design below counts what is present.
    # On this host by their owner (at once), elsewhere by their stale heartbeat.
    owners = Owners(storage)
    optuna.storages.fail_stale_trials(study)
    failed_here = owners.fail_dead(study)
    engine = study.user_attrs.get(StudyAttr.ENGINE, "optuna" if study.get_trials(deepcopy=False) else None)
    if engine not in (None, options.engine):
        raise SpaceError(
            f"{space.path}: study '{plan.study_name}' was searched with --engine {engine}, not "
            f"{options.engine}. Use --study NAME for a new study."
        )
    study.set_user_attr(StudyAttr.ENGINE, options.engine)
    same_training(
        study,
        space.path,
        plan.study_name,
        {
            "epochs": plan.epochs,
            "dataset": plan.dataset,
            "batch_size": space.batch_size,
            "seed": options.seed,
            "validation_split": space.validation_split,
        },
    )
    # The report says what kind of search it was.
    study.set_user_attr(StudyAttr.SAMPLER, options.sampler if options.engine == "optuna" else options.engine)
    _enqueue(study, enqueue)
    return storage, study, owners, bool(failed_here)


def _enqueue(study: Any, configs: Sequence[tuple[Mapping[str, Any], int]]) -> None:
    def key(params: Mapping[str, Any], seed: Any) -> str:
        return json.dumps([sorted(params.items()), seed], default=str)

    present = set()
    for t in study.get_trials(deepcopy=False):
        if t.state.name == "FAIL" or t.user_attrs.get(Attr.DESIGN_POINT) is not True:
            continue  # failed repeats are tried again; a trial the sampler added is no design point
        present.add(key(enqueued_params(t), t.user_attrs.get(Attr.SEED)))
    for params, seed in configs:
        if key(params, seed) not in present:
            # Marked, so an analysis can leave out what the sampler adds after a design trial fails.
            study.enqueue_trial(dict(params), user_attrs={Attr.SEED: int(seed), Attr.DESIGN_POINT: True})
            present.add(key(params, seed))


def _open_study(
    optuna: Any, storage: Any, plan: _Plan, space: Space, options: RunOptions, grid: Mapping[str, Any] | None
) -> Any:
    from archsearch.study._strategies import make_pruner, make_sampler

    name = plan.study_name
    try:
        existing = optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        existing = None
    if existing is not None and existing.direction.name.lower() != space.direction:
        raise SpaceError(
            f"{space.path}: study '{name}' in {redact(plan.storage)} was created to "
            f"{existing.direction.name.lower()} but the space says {space.direction}. "
            "Use --study NAME for a new study."
        )
    done = 0 if existing is None else len(existing.get_trials(deepcopy=False))
    # Offset the sampler's seed by the trials already run so that a resumed
    # search does not propose the same startup points again.
    sampler = make_sampler(options.sampler, sampler_seed(options.seed, done, options.worker_index), grid)
    return optuna.create_study(
        study_name=name,
        storage=storage,
        direction=space.direction,
        sampler=sampler,
        pruner=make_pruner(options.pruner),
        load_if_exists=True,
    )
