"""From a study to tables: trials as a DataFrame (one row per trial and seed), importance."""

from archsearch.results._importance import importance
from archsearch.results._load import METRIC_COLUMNS, load_trials, open_study

__all__ = ["METRIC_COLUMNS", "importance", "load_trials", "open_study"]
