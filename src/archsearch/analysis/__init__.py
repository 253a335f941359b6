"""Statistics over a table of trials: effects with confidence intervals, verdicts, best trials.

Pure functions over pandas tables (one row per trial and seed): nothing here
imports Keras, Optuna or MLflow. :func:`analyze_table` is the entry point;
:mod:`archsearch.study` builds the table from a study and
:mod:`archsearch.report` renders what it computes.
"""

from archsearch.analysis._advice import ask_command, ask_words
from archsearch.analysis._conclude import CHANCE_MARGIN, CHANCE_Z, MAX_WIDTH, MIN_RESIDUAL_DF, at_chance
from archsearch.analysis._crossed import (
    EXAMPLES_METHOD,
    SEEDS_ONLY_METHOD,
    correctness_matrix,
    crossed_compare,
    crossed_test,
    pack_correct,
    unpack_correct,
    variance_components,
)
from archsearch.analysis._estimation import json_ready
from archsearch.analysis._intervals import (
    Comparison,
    mean_interval,
    paired_interval,
    paired_test,
    welch_interval,
    welch_test,
)
from archsearch.analysis._multiplicity import adjust
from archsearch.analysis._power import DEFAULT_MIN_EFFECT, units_needed
from archsearch.analysis._sequential import (
    CAP,
    CONTINUE,
    DECIDED,
    NOT_LEARNED_STOP,
    LookSchedule,
    sequential_decision,
)
from archsearch.analysis._table import SCHEMA, analyze_table
from archsearch.analysis._trials import best_trials, chance_trials, state_counts
from archsearch.analysis._verdicts import (
    DECISIONS,
    HELPS,
    HURTS,
    NO_EFFECT,
    NOT_ENOUGH,
    NOT_LEARNED,
    TOO_FEW,
    UNCLEAR,
    UNDECIDED,
    decide,
    verdict,
)
from archsearch.analysis._words import (
    MAX_SEEDS_ADVICE,
    amount,
    chance_level,
    counted,
    level_interval_text,
    metric_range,
    no_answer,
    plain_number,
    run_and_needed,
    verdict_text,
)

__all__ = [
    "CHANCE_MARGIN",
    "CHANCE_Z",
    "MAX_WIDTH",
    "MIN_RESIDUAL_DF",
    "at_chance",
    "ask_command",
    "ask_words",
    "DECISIONS",
    "MAX_SEEDS_ADVICE",
    "NO_EFFECT",
    "NOT_LEARNED_STOP",
    "NOT_LEARNED",
    "TOO_FEW",
    "UNDECIDED",
    "amount",
    "chance_level",
    "counted",
    "level_interval_text",
    "run_and_needed",
    "metric_range",
    "no_answer",
    "plain_number",
    "verdict_text",
    "CAP",
    "CONTINUE",
    "DECIDED",
    "DEFAULT_MIN_EFFECT",
    "EXAMPLES_METHOD",
    "SEEDS_ONLY_METHOD",
    "HELPS",
    "HURTS",
    "NOT_ENOUGH",
    "SCHEMA",
    "UNCLEAR",
    "Comparison",
    "json_ready",
    "LookSchedule",
    "adjust",
    "analyze_table",
    "best_trials",
    "chance_trials",
    "correctness_matrix",
    "crossed_compare",
    "crossed_test",
    "decide",
    "mean_interval",
    "pack_correct",
    "paired_interval",
    "paired_test",
    "sequential_decision",
    "state_counts",
    "units_needed",
    "unpack_correct",
    "variance_components",
    "verdict",
    "welch_interval",
    "welch_test",
]
