"""MLflow tracking: parent run per study invocation, child run per trial."""

from archsearch.tracking._remote import RemoteTracker, discard_spare, prespawn
from archsearch.tracking._tracker import Tracker, TrialLog, process_tag

__all__ = [
    "Tracker",
    "RemoteTracker",
    "TrialLog",
    "discard_spare",
    "prespawn",
    "process_tag",
]
