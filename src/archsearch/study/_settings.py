"""A run's resolved settings (``_Plan``): dataset, stores, target, epochs, study name; checked before any write."""

from __future__ import annotations

import dataclasses

from archsearch.space import Space
from archsearch.stores import check_reachable, check_url, resolve_storage, resolve_tracking_uri
from archsearch.study._options import RunOptions

__all__ = ["_Plan", "_plan"]  # for study/_run.py, _setup.py and _workers.py


@dataclasses.dataclass(frozen=True)
class _Plan:
    """What a search was asked to do, resolved and checked before anything is written."""

    dataset: str
    storage: str
    tracking_uri: str
    target: int
    epochs: int
    study_name: str


def _plan(space: Space, options: RunOptions) -> _Plan:
    from archsearch.data import check_dataset_name

    dataset = options.dataset or space.dataset
    check_dataset_name(dataset)
    storage, tracking_uri = resolve_storage(options.storage), resolve_tracking_uri(options.tracking_uri)
    check_url(storage, "Optuna storage", "--storage")
    check_url(tracking_uri, "MLflow tracking", "--tracking-uri")
    check_reachable(storage, "--storage")  # a wrong password is said now, before the data loads
    check_reachable(tracking_uri, "--tracking-uri")
    # Each engine gets its own study by default (same storage), so that `report` can set them side by side.
    default_name = space.name if options.engine == "optuna" else f"{space.name}-{options.engine.replace(':', '-')}"
    return _Plan(
        dataset,
        storage,
        tracking_uri,
        options.trials or space.trials,
        options.epochs or space.epochs,
        options.study_name or default_name,
    )
