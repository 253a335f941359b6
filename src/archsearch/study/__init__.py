"""Running a study: options, the Optuna loop, progress and the result."""

from archsearch.study._options import DEFAULT_STORAGE, RunOptions, resolve_storage
from archsearch.study._run import Interrupted, SearchResult, resume_args, run_search
from archsearch.study._workers import WorkersOutcome, run_workers

__all__ = ["DEFAULT_STORAGE", "Interrupted", "RunOptions", "SearchResult", "WorkersOutcome", "resolve_storage",
           "resume_args", "run_search", "run_workers"]
