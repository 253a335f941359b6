"""archsearch: hyperparameter and architecture search for Keras models.

Write a space file (dataset, settings, questions, a keras-tuner style
``build(hp)``), run it with ``archsearch run``, inspect it in MLflow, and read
which changes help, with confidence intervals.

Importing ``archsearch`` is cheap: Keras/TensorFlow, Optuna and MLflow load
only when a function that needs them is called.
"""

from __future__ import annotations

import importlib
from typing import Any

from archsearch._version import __version__
from archsearch.errors import ArchsearchError, FailedTrialError, FatalError, SpaceError, UsageError
from archsearch.space import Question, load_space

_LAZY = {
    # keras-tuner's HyperParameters subclasses: importing keras-tuner imports TensorFlow.
    "FixedHyperParameters": "archsearch.space",
    "HyperParameters": "archsearch.space",
    "OptunaHyperParameters": "archsearch.space",
    "RunOptions": "archsearch.study",
    "SearchResult": "archsearch.study",
    "run_search": "archsearch.study",
    "load_dataset": "archsearch.data",
    "load_trials": "archsearch.study",
    "study_report": "archsearch.report",
    "run_ablation": "archsearch.ablation",
    "analyze_table": "archsearch.analysis",
}

__all__ = [
    "ArchsearchError",
    "FailedTrialError",
    "FatalError",
    "FixedHyperParameters",
    "HyperParameters",
    "OptunaHyperParameters",
    "Question",
    "RunOptions",
    "SearchResult",
    "SpaceError",
    "UsageError",
    "__version__",
    "analyze_table",
    "load_dataset",
    "load_space",
    "load_trials",
    "run_ablation",
    "run_search",
    "study_report",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'archsearch' has no attribute {name!r}")
