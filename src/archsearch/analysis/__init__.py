"""Statistics over a table of trials: effects with confidence intervals, verdicts, best trials.

Pure functions over pandas tables (one row per trial and seed): nothing here
imports Keras, Optuna or MLflow. :mod:`archsearch.study` builds the table
from a study; :mod:`archsearch.report` renders what these functions compute.
"""

from archsearch.analysis._effects import (
    Effect,
    LevelSummary,
    QuestionResult,
    analyze_question,
    mean_interval,
    paired_interval,
    seeds_needed,
    size_adjusted_interval,
    verdict,
    welch_interval,
)
# _clean keeps its private name inside _effects; report needs it to make its dict valid JSON.
from archsearch.analysis._effects import _clean as json_ready
from archsearch.analysis._trials import best_trials, chance_trials, state_counts

__all__ = [
    "Effect",
    "LevelSummary",
    "QuestionResult",
    "analyze_question",
    "best_trials",
    "chance_trials",
    "json_ready",
    "mean_interval",
    "paired_interval",
    "seeds_needed",
    "size_adjusted_interval",
    "state_counts",
    "verdict",
    "welch_interval",
]
