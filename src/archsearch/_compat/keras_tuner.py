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
"""

from __future__ import annotations

from typing import Any

__all__ = ["HP_METHODS", "TUNER_METHODS", "save_json"]

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


def save_json(path: str, obj: Any) -> Any:
    """keras-tuner's JSON writer (``keras_tuner.src.utils.save_json``: not re-exported)."""
    from keras_tuner.src import utils

    return utils.save_json(path, obj)
