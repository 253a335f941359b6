"""MLflow tracking: parent run per study invocation, child run per trial."""

from archsearch.tracking._remote import RemoteTracker, discard_spare, prespawn
from archsearch.tracking._runs import log_report, newest_parent_run, verdict_tags
from archsearch.tracking._tracker import Tracker, TrialLog, process_tag

__all__ = [
    "Tracker",
    "RemoteTracker",
    "TrialLog",
    "discard_spare",
    "log_report",
    "newest_parent_run",
    "prespawn",
    "process_tag",
    "verdict_tags",
]
