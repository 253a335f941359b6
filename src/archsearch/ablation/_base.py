"""An ablation's base point (``--base``), the run settings a reference brings, and each level's configuration."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archsearch.errors import UsageError

if TYPE_CHECKING:
    from archsearch.space import Param, Space
    from archsearch.study import RunOptions

__all__ = [
    "REFERENCE",
    "declared_with_everything",
    "grid_or_empty",
    "level_key",
    "resolve_base",
    "trial_config",
    "load_data_first",
    "with_run_settings",
]

REFERENCE = "reference:"


def with_run_settings(space: Space, options: RunOptions, base: str | Mapping[str, Any]) -> tuple[Space, RunOptions]:
    """The space and options as this ablation trains them (new objects; the arguments are not changed): on
    ``options.dataset``, and with a reference base, at the reference's epochs and batch size (the lab's
    settings) unless ``--epochs`` says otherwise."""
    changes: dict[str, Any] = {}
    if options.dataset:
        changes["dataset"] = options.dataset
    if isinstance(base, str) and base.startswith(REFERENCE):
        from archsearch.blocks import get_reference

        ref = get_reference(space, base[len(REFERENCE) :])
        if ref.epochs and options.epochs is None:
            options = dataclasses.replace(options, epochs=ref.epochs)
        if ref.batch_size:
            changes["batch_size"] = ref.batch_size
    return (dataclasses.replace(space, **changes) if changes else space), options


def load_data_first(space: Space, options: RunOptions) -> None:
    """Load the data the ablation trains on before its study is written: a dataset that cannot load (offline, a
    missing file) is one line with nothing left behind (it left an empty study). Loading is cached per process,
    so the search's own load is the same call."""
    from archsearch.data import load_dataset

    load_dataset(
        options.dataset or space.dataset,
        input=space.input,
        validation_split=space.validation_split,
        seed=options.seed,
        image_size=space.image_size,
    )


def _reference_base(space: Space, base: str) -> dict[str, Any]:
    """``reference:NAME``: the reference's hyperparameter values, checked to be a point of the space as
    ``archsearch show SPACE --reference NAME`` checks them (the same build, the same words)."""
    from archsearch import train
    from archsearch.blocks import build_reference, get_reference
    from archsearch.study import input_shape

    name = base[len(REFERENCE) :]
    if not name:
        raise UsageError(f"--base {base!r}: name the reference, e.g. --base reference:L4-base.")
    values = dict(get_reference(space, name).values)
    try:
        build_reference(space, name, *input_shape(space))
    finally:
        train.clear_session()
    return values


def resolve_base(space: Space, base: str | Mapping[str, Any], storage: str | None) -> dict[str, Any]:
    """The values of ``base`` (see :func:`archsearch.ablation.plan_ablation`). A reference and a JSON file are
    checked to be a point of the space (:func:`archsearch.space.check_point`): a misspelled name, a value outside
    the declared ones or of another type is refused, not trained around the defaults or outside the space.

    Raises:
        UsageError: no such reference or file, not JSON, or not a point of the space.
    """
    if isinstance(base, Mapping):
        return dict(base)
    if base == "default":
        return {}
    if base.startswith(REFERENCE):
        return _reference_base(space, base)
    if base == "best":
        from archsearch.study import open_study

        try:
            study = open_study(space.name, storage)
        except UsageError as err:  # its "Pass --study NAME" would name the ablation's study, not the search's
            if not str(err).startswith("no study"):
                raise
            from archsearch.stores import redact, resolve_storage

            raise UsageError(
                f"--base best: no study '{space.name}' in {redact(resolve_storage(storage))}: --base best starts "
                f"from the best trial of the search named after the space file. Run `archsearch run {space.path}` "
                "first (or pass --storage URL where it is); for a search under another name (`run --study NAME`), "
                "write its best trial's hyperparameters to a JSON file and pass --base FILE."
            ) from None
        if not any(t.state.name == "COMPLETE" for t in study.get_trials(deepcopy=False)):
            raise UsageError(
                f"--base best: study '{space.name}' has no complete trial yet. "
                f"Run `archsearch run {space.path}` first, or use --base default."
            )
        return dict(study.best_params)
    path = Path(base)
    if not path.is_file():
        raise UsageError(f"--base {base!r}: use best, default, reference:NAME or a PARAMS.json file (no such file).")
    try:
        values = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise UsageError(f"--base {path}: not valid JSON ({err.msg} at line {err.lineno}).") from None
    if not isinstance(values, dict):
        raise UsageError(f'--base {path}: expected a JSON object of hyperparameter values, e.g. {{"layers": 2}}.')
    from archsearch.study import built_hp

    built_hp(space, values, check=(str(path), f"fix the file (`archsearch show {space.path}` lists the space)"))
    return values


def trial_config(space: Space, values: Mapping[str, Any]) -> dict[str, Any]:
    """Every active, non-fixed hyperparameter for ``values``; the rest at defaults (Optuna would sample them)."""
    from archsearch.study import built_hp

    hp = built_hp(space, dict(values))
    params = hp.params
    return {k: v for k, v in hp.values.items() if k in params and params[k].kind != "fixed"}


def declared_with_everything(space: Space, base: dict[str, Any], known: dict[str, Param]) -> dict[str, Param]:
    """Conditional parameters show up only when active: try each known grid's largest value."""
    from archsearch.study import declared_params

    extra = {}
    for name, p in known.items():
        grid = grid_or_empty(p)
        if grid:
            extra.update(declared_params(space, {**base, name: grid[-1]}))
    return extra


def grid_or_empty(param: Param) -> list[Any]:
    try:
        return param.grid()
    except ValueError:
        return []


def level_key(value: Any) -> str:
    return json.dumps(value, default=str)
