"""MLflow tracking: parent run per study invocation, child run per trial; reading runs back.

:class:`Tracker` is the interface; :class:`MlflowTracker` writes from a thread
of this process, :class:`WorkerProcessTracker` from a separate worker process.
"""

from archsearch.tracking._protocol import Tracker
from archsearch.tracking._records import DatasetInfo, TrialLog
from archsearch.tracking._runs import answer_run, log_answer, newest_parent_run
from archsearch.tracking._tracker import MlflowTracker, process_gone, process_tag
from archsearch.tracking._views import metric_column, param_column, tag_column
from archsearch.tracking._worker_tracker import Spare, WorkerProcessTracker, prespawn

__all__ = [
    "DatasetInfo",
    "MlflowTracker",
    "Spare",
    "Tracker",
    "TrialLog",
    "WorkerProcessTracker",
    "answer_run",
    "log_answer",
    "metric_column",
    "newest_parent_run",
    "param_column",
    "prespawn",
    "process_gone",
    "process_tag",
    "tag_column",
]
