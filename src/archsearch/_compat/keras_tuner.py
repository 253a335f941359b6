"""keras-tuner's private names archsearch relies on (keras-tuner 1.4.8), in one place.

No public API covers these; each is checked by tests/test_compat.py:

* ``HyperParameters._retrieve(hp)``: every declaration (``hp.Int``, ...) goes
  through it; archsearch's hp overrides it to populate the value from Optuna
  (or fixed values) before keras-tuner falls back to the default
  (space/_hp.py). ``_exists(name, conditions)`` and ``_validate_name(name)`` are
  keras-tuner's own checks, called the way ``_retrieve`` calls them.
* ``Tuner._build_and_fit_model(trial, *args, **kwargs)``: the one fit of a
  keras-tuner trial; archsearch's engines override it to fit with archsearch
  and record the trial in Optuna. ``Tuner._try_build(hp)`` and
  ``Tuner._get_build_config_fname(trial_id)`` are what keras-tuner's own
  version calls (Hyperband's warm start needs the saved build config).
* ``keras_tuner.src.utils.save_json``: keras-tuner's writer of that file.
* ``Int._get_n_values()`` / ``Float._get_n_values()``: how many values a stepped
  range has (space/_params.py, space/_hp.py: the grid and the largest value).
* ``keras_tuner.src.engine.tuner_utils.convert_to_metrics_dict(results, objective)``:
  what keras-tuner makes of a ``fit`` result (train/_hypermodel.py reports the same).
"""

from __future__ import annotations

from typing import Any

__all__ = ["HP_METHODS", "RANGE_METHODS", "TUNER_METHODS", "metrics_dict", "n_values", "save_json"]

# name -> the parameter names (after self) archsearch calls it with or overrides it as.
HP_METHODS: dict[str, tuple[str, ...]] = {
    "_retrieve": ("hp",),
    "_exists": ("name", "conditions"),
    "_validate_name": ("name",),
}
TUNER_METHODS: dict[str, tuple[str, ...]] = {
    "_build_and_fit_model": ("trial", "args", "kwargs"),
    "_try_build": ("hp",),
    "_get_build_config_fname": ("trial_id",),
}

RANGE_METHODS: dict[str, tuple[str, ...]] = {"_get_n_values": ()}


def n_values(hp: Any) -> int:
    """The number of values on the step grid of a keras-tuner ``Int`` or ``Float``."""
    return int(hp._get_n_values())


def metrics_dict(results: Any, objective: Any) -> Any:
    """keras-tuner's metrics of a fit's result (a ``History``, a dict or a number): its best epoch's."""
    from keras_tuner.src.engine import tuner_utils

    return tuner_utils.convert_to_metrics_dict(results, objective)


def save_json(path: str, obj: Any) -> Any:
    """keras-tuner's JSON writer (``keras_tuner.src.utils.save_json``: not re-exported)."""
    from keras_tuner.src import utils

    return utils.save_json(path, obj)
