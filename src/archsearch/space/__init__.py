"""Space files and the keras-tuner hp API on Optuna."""

from archsearch.space._hp import FixedHyperParameters, HyperParameters, OptunaHyperParameters
from archsearch.space._load import Space, load_space
from archsearch.space._params import Condition, Param
from archsearch.space._question import Question

__all__ = [
    "Condition",
    "FixedHyperParameters",
    "HyperParameters",
    "OptunaHyperParameters",
    "Param",
    "Question",
    "Space",
    "load_space",
]
