"""Questions a space file asks, each tied to one hyperparameter."""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["Question"]


@dataclasses.dataclass(frozen=True)
class Question:
    """A question the report answers by comparing levels of one hyperparameter.

    Args:
        param: full name of the hyperparameter, e.g. ``"layers"`` or ``"block_0/filters"``.
        text: the question, e.g. ``"Does adding conv-pool blocks raise accuracy?"``.
        baseline: the reference level effects are measured against (default: the
            lowest level).

    Example:
        >>> Question("layers", "Does a deeper dense network help?", baseline=1)
        Question(param='layers', text='Does a deeper dense network help?', baseline=1)
    """

    param: str
    text: str
    baseline: Any = None
