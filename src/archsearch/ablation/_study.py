"""An ablation's own study: its name, its design attribute, and the rounds run in it."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

from archsearch.errors import UsageError
from archsearch.schema import StudyAttr

if TYPE_CHECKING:
    from archsearch.ablation._design import AblationDesign
    from archsearch.space import Space
    from archsearch.study import RunOptions, SearchResult

__all__ = ["ablation_study_name", "run_round", "set_study_attr"]


def ablation_study_name(space: Space, factor: str, identity: str | None = None) -> str:
    """The dedicated study of an ablation, e.g. ``digits_quick-ablation-layers-3f9a0c1e``.

    ``identity`` (:func:`design_identity`) keeps ablations of other bases, levels or
    settings in other studies. Studies written before it existed are named without it.
    """
    return f"{space.name}-ablation-{factor}" + (f"-{identity}" if identity else "")


def run_round(space: Space, options: RunOptions, plan: AblationDesign) -> SearchResult:
    """One round of the design: its study marked, its pairs enqueued and run (``options.trials``: all of them)."""
    from archsearch.study import run_search

    _mark_study(space, options, plan)
    search = run_search(space, options, enqueue=plan.pairs)
    while search.recycle:  # RunOptions.recycle_after: go on here (only `archsearch run` restarts its process)
        search = run_search(space, dataclasses.replace(options, parent_run_id=search.parent_run_id), enqueue=plan.pairs)
    return search


def _mark_study(space: Space, options: RunOptions, plan: AblationDesign) -> None:
    """Create the study with its design attribute first, so even an interrupted ablation reports as one.

    A study that holds another design (another identity, or an ablation from before
    identities) is refused: its trials would pool with this design's.
    """
    study = _open_or_create(options.study_name, options.storage, space.direction)
    before = study.user_attrs.get(StudyAttr.DESIGN) or {}
    if before.get("kind") == "ablation" and before.get("identity") != plan.identity:
        why = (
            f"another design (identity {before['identity']}: other base, levels, sizes, dataset, epochs or seed)"
            if before.get("identity")
            else "an ablation written before designs had an identity"
        )
        raise UsageError(
            f"--study {options.study_name!r} holds {why}; this one is {plan.identity}, and the two "
            f"must not pool. It stays readable with `archsearch report --study {options.study_name}`; "
            f"drop --study (this design's own study is "
            f"{ablation_study_name(space, plan.factor, plan.identity)!r}) or name a new one."
        )
    # What it trained on and for how long, so a report can say (e.g. a stand-in dataset, fewer epochs than the lab).
    design = {
        **plan.design(),
        "dataset": space.dataset,
        "epochs": options.epochs or space.epochs,
        "batch_size": space.batch_size,
    }
    study.set_user_attr(StudyAttr.DESIGN, json.loads(json.dumps(design, default=str)))


def set_study_attr(options: RunOptions, key: str, value: Any) -> None:
    study = _open_or_create(options.study_name, options.storage, None)
    study.set_user_attr(key, json.loads(json.dumps(value, default=str)))


def _open_or_create(name: str | None, storage_url: str | None, direction: str | None) -> Any:
    import optuna

    from archsearch.stores import one_at_a_time, open_storage, resolve_storage

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    # The same storage as run_search's (WAL, lock timeout, template), so the first writer sets it up the same way.
    url = resolve_storage(storage_url)
    storage = open_storage(url)
    if direction is None:
        return optuna.load_study(study_name=name, storage=storage)
    with one_at_a_time(url, f"study:{name}"):  # `ask` processes that start together on one design
        return optuna.create_study(
            study_name=name,
            storage=storage,
            direction=optuna.study.StudyDirection[direction.upper()],
            load_if_exists=True,
        )
