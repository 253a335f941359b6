"""MLflow tracking: parent run per study invocation, child run per trial."""

from archsearch.tracking._remote import RemoteTracker, discard_spare, prespawn
from archsearch.tracking._tracker import Tracker, TrialLog, process_gone, process_tag
from archsearch.tracking._uris import (
    DEFAULT_TRACKING_URI,
    POSTGRES_EXTRA,
    artifact_root_for,
    check_url,
    resolve_tracking_uri,
    redact,
    sqlite_path,
)

__all__ = [
    "DEFAULT_TRACKING_URI",
    "POSTGRES_EXTRA",
    "Tracker",
    "RemoteTracker",
    "TrialLog",
    "discard_spare",
    "prespawn",
    "artifact_root_for",
    "check_url",
    "process_gone",
    "process_tag",
    "redact",
    "resolve_tracking_uri",
    "sqlite_path",
]
