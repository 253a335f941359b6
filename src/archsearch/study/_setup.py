"""The study a search runs: set up (created or loaded, dead trials failed, a design enqueued), then opened to run.

Processes that start together (``--workers``, a job array, a sweep) set it up one
at a time (:func:`~archsearch.stores.one_at_a_time`): the first creates the study
and enqueues the design, the others find both. The trials then run on a storage
of their own (:func:`open_run_study`), opened once the MLflow tracker exists: its
heartbeat callback closes the MLflow runs of trials whose process died.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from archsearch._compat.optuna import enqueued_params
from archsearch.errors import SpaceError
from archsearch.schema import Attr, StudyAttr
from archsearch.seeds import sampler_seed
from archsearch.stores import one_at_a_time, open_storage, redact, sqlite_path
from archsearch.study._owners import Owners
from archsearch.study._population import same_training

if TYPE_CHECKING:
    from archsearch.study._guards import StaleTrials
    from archsearch.study._settings import RunConfig

__all__ = ["Prepared", "open_run_study", "prepare_study"]


@dataclasses.dataclass(frozen=True)
class Prepared:
    """The study as set up, on the storage that set it up (for reading: the trials run on their own)."""

    storage: Any
    study: Any
    done: int  # trials it held before this run (a resumed search offsets its sampler's seed by them)
    failed_now: bool  # trials of dead processes failed now (their MLflow runs are still open)


def _training(config: RunConfig) -> dict[str, Any]:
    """What a study's trials trained with: a study continues only with the same (:func:`same_training`)."""
    return {
        "epochs": config.epochs,
        "dataset": config.dataset,
        "batch_size": config.space.batch_size,
        "seed": config.seed,
        "validation_split": config.space.validation_split,
    }


def _a_search(study: Any, config: RunConfig) -> None:
    """A search (no design to enqueue) in a study that holds an ablation (``archsearch ask``) is refused: its
    sampler's trials would mix with the design's, and the study would report as neither."""
    design = study.user_attrs.get(StudyAttr.DESIGN) or {}
    if config.enqueue or design.get("kind") != "ablation":
        return
    raise SpaceError(
        f"{config.space.path}: study '{config.study_name}' holds an ablation of {design.get('factor')} (written by "
        f"`archsearch ask`), not a search; a search's trials would mix with its design. Read it with `archsearch "
        f"report --study {config.study_name}`, or use --study NAME for a new study."
    )


def _same_engine(study: Any, config: RunConfig) -> None:
    engine = study.user_attrs.get(StudyAttr.ENGINE, "optuna" if study.get_trials(deepcopy=False) else None)
    if engine not in (None, config.engine):
        raise SpaceError(
            f"{config.space.path}: study '{config.study_name}' was searched with --engine {engine}, not "
            f"{config.engine}. Use --study NAME for a new study."
        )


def refuse_other_training(config: RunConfig) -> None:
    """Before the data loads: a study that exists and was searched by another engine or trained with other
    settings is refused now, in one
    line (it was refused after the banner, the data line and about 9 seconds). Reads only; creates nothing."""
    import optuna

    db = sqlite_path(config.storage)
    if db is not None and not db.is_file():
        return
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    storage = open_storage(config.storage)
    try:
        study = optuna.load_study(study_name=config.study_name, storage=storage)
        _a_search(study, config)  # the most basic difference first
        _same_engine(study, config)
        same_training(study, config.space.path, config.study_name, _training(config), record=False)
    except KeyError:  # no such study yet
        return
    finally:
        storage.engine.dispose()  # read once: its connections are not needed


def prepare_study(config: RunConfig) -> Prepared:
    """Create or load the study; dead and stale trials failed, the design (``config.enqueue``) enqueued."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    # Heartbeats and stale-trial handling are marked experimental; they are what crash recovery relies on.
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    storage = open_storage(config.storage, heartbeat=config.heartbeat)
    # Processes that start together (--workers, a job array, a sweep) create, set up and fill the study one at a
    # time: the first creates it and enqueues the design, the others find both (stores._together).
    with one_at_a_time(config.storage, f"study:{config.study_name}"):
        return _set_up_study(optuna, storage, config)


def open_run_study(config: RunConfig, prepared: Prepared, dataset: Any, on_stale: StaleTrials) -> tuple[Any, Any]:
    """The storage and study the trials run in: Optuna's heartbeat calls ``on_stale`` for each trial it finds
    stale; the sampler (seeded by :func:`~archsearch.seeds.sampler_seed`) and the pruner as configured."""
    import optuna

    from archsearch.study._strategies import make_pruner, make_sampler

    grid = None
    if config.sampler == "grid":
        from archsearch.study._probe import grid_space

        grid = grid_space(config.space, dataset)
    storage = open_storage(config.storage, heartbeat=config.heartbeat, on_stale=on_stale)
    # Offset the sampler's seed by the trials already run so that a resumed
    # search does not propose the same startup points again.
    sampler = make_sampler(config.sampler, sampler_seed(config.seed, prepared.done, config.worker_index), grid)
    study = optuna.load_study(
        study_name=config.study_name, storage=storage, sampler=sampler, pruner=make_pruner(config.pruner)
    )
    return storage, study


def _set_up_study(optuna: Any, storage: Any, config: RunConfig) -> Prepared:
    space = config.space
    study, done = _open_study(optuna, storage, config)
    # Trials whose process died (kill -9, power loss) are RUNNING: fail them now, before the design below
    # counts what is present. On this host by their owner first (at once, with a note that says so), then
    # elsewhere by their stale heartbeat (a local one too, were its owner checked second: a slow start-up
    # outlasts twice the heartbeat).
    running = {t.number for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))}
    Owners(storage).fail_dead(study)
    optuna.storages.fail_stale_trials(study)
    failed_now = any(t.state.name == "FAIL" for t in study.get_trials(deepcopy=False) if t.number in running)
    _same_engine(study, config)
    study.set_user_attr(StudyAttr.ENGINE, config.engine)
    same_training(study, space.path, config.study_name, _training(config))
    # The report says what kind of search it was.
    study.set_user_attr(StudyAttr.SAMPLER, config.sampler if config.engine == "optuna" else config.engine)
    _enqueue(study, config.enqueue)
    return Prepared(storage, study, done, failed_now)


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
            # Marked, so an analysis can leave out any other trial (the sampler's, in studies from before the
            # TargetGate ran designs only).
            study.enqueue_trial(dict(params), user_attrs={Attr.SEED: int(seed), Attr.DESIGN_POINT: True})
            present.add(key(params, seed))


def _open_study(optuna: Any, storage: Any, config: RunConfig) -> tuple[Any, int]:
    """The study (created if new) and how many trials it held before."""
    name, direction = config.study_name, config.space.direction
    try:
        existing = optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        existing = None
    if existing is not None and existing.direction.name.lower() != direction:
        raise SpaceError(
            f"{config.space.path}: study '{name}' in {redact(config.storage)} was created to "
            f"{existing.direction.name.lower()} but the space says {direction}. "
            "Use --study NAME for a new study."
        )
    done = 0 if existing is None else len(existing.get_trials(deepcopy=False))
    # No sampler here: the trials run on open_run_study's study, which has the configured one.
    study = optuna.create_study(
        study_name=name,
        storage=storage,
        direction=direction,
        sampler=optuna.samplers.RandomSampler(),
        load_if_exists=True,
    )
    return study, done
