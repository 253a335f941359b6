"""Running a study: options, the Optuna loop, progress and the result."""

from archsearch.study._options import RunOptions
from archsearch.study._run import Interrupted, SearchResult, resume_args, run_search

__all__ = ["Interrupted", "RunOptions", "SearchResult", "resume_args", "run_search"]
