"""Space files and the hp object: keras-tuner's HyperParameters on Optuna.

The hp classes import keras-tuner (and so TensorFlow); they load on first use,
so that loading a space file and ``archsearch --help`` stay fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from archsearch.space._load import Space, load_space
from archsearch.space._params import Condition, Param, sampled_grid, shown_value
from archsearch.space._point import check_point
from archsearch.space._question import Question

_LAZY = {
    "FixedHyperParameters": "archsearch.space._hp",
    "HyperParameterError": "archsearch.space._hp",
    "HyperParameterTypeError": "archsearch.space._hp",
    "HyperParameters": "archsearch.space._hp",
    "OptunaHyperParameters": "archsearch.space._hp",
    "REVERSE_LOG_SUFFIX": "archsearch.space._hp",
    "record_on_trial": "archsearch.space._hp",
}

__all__ = [
    "Condition",
    "FixedHyperParameters",
    "HyperParameterError",
    "HyperParameterTypeError",
    "HyperParameters",
    "OptunaHyperParameters",
    "Param",
    "Question",
    "REVERSE_LOG_SUFFIX",
    "Space",
    "check_point",
    "load_space",
    "record_on_trial",
    "sampled_grid",
    "shown_value",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'archsearch.space' has no attribute {name!r}")
