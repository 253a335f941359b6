"""Running a study: options, the Optuna loop, progress, the builder probe and the trials table."""

from archsearch.study._importance import importance
from archsearch.study._options import ON_STOP, RECYCLE_AFTER, RunOptions
from archsearch.study._parent import design_text, parent_params
from archsearch.study._preflight import question_error
from archsearch.study._probe import (
    FALLBACKS,
    Build,
    built_hp,
    declared,
    declared_params,
    declared_when,
    grid_space,
    input_shape,
    probe_builds,
)
from archsearch.study._progress import format_params
from archsearch.study._run import Interrupted, SearchResult, resume_args, run_search
from archsearch.study._settings import RunConfig
from archsearch.study._signals import (
    Stop,
    Stopped,
    check_stop,
    clear_stop,
    current_stop,
    hold_signals_across_exec,
    request_stop,
    stop_on_signals,
)
from archsearch.study._target import before_each_trial
from archsearch.study._trials import CORRECTNESS_COLUMNS, METRIC_COLUMNS, load_trials, open_study, trials_table
from archsearch.study._workers import WorkersOutcome, run_workers

__all__ = [
    "FALLBACKS",
    "ON_STOP",
    "CORRECTNESS_COLUMNS",
    "METRIC_COLUMNS",
    "RECYCLE_AFTER",
    "Build",
    "Interrupted",
    "RunConfig",
    "RunOptions",
    "SearchResult",
    "Stop",
    "Stopped",
    "WorkersOutcome",
    "before_each_trial",
    "built_hp",
    "check_stop",
    "clear_stop",
    "current_stop",
    "hold_signals_across_exec",
    "declared",
    "declared_params",
    "declared_when",
    "design_text",
    "format_params",
    "grid_space",
    "importance",
    "input_shape",
    "trials_table",
    "load_trials",
    "open_study",
    "parent_params",
    "probe_builds",
    "question_error",
    "request_stop",
    "resume_args",
    "run_search",
    "run_workers",
    "stop_on_signals",
]
