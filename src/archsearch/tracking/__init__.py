"""MLflow tracking: parent run per study invocation, child run per trial."""

from archsearch.tracking._remote import RemoteTracker, discard_spare, prespawn
from archsearch.tracking._tracker import Tracker, TrialLog, process_tag
from archsearch.tracking._uris import (
    DEFAULT_TRACKING_URI,
    artifact_root_for,
    check_url,
    resolve_tracking_uri,
    sqlite_path,
)

__all__ = [
    "DEFAULT_TRACKING_URI",
    "Tracker",
    "RemoteTracker",
    "TrialLog",
    "discard_spare",
    "prespawn",
    "artifact_root_for",
    "check_url",
    "process_tag",
    "resolve_tracking_uri",
    "sqlite_path",
]
