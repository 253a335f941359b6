"""MLflow tracking: parent run per study invocation, child run per trial."""

from archsearch.tracking._tracker import Tracker, TrialLog
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
    "TrialLog",
    "artifact_root_for",
    "check_url",
    "resolve_tracking_uri",
    "sqlite_path",
]
