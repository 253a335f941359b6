"""Where results are stored: every URL resolved and checked here, the Optuna storage, the MLflow client, the
folders archsearch keeps files in (cache, log file, Keras datasets).

Cheap to import: SQLAlchemy, Optuna and MLflow load inside the functions that need them.
"""

from archsearch.stores._errors import check_reachable, check_stores, describe_storage_error, storage_errors
from archsearch.stores._folders import Folders, cache_dir, keras_datasets_dir, log_file, use_folders
from archsearch.stores._mlflow import ensure_sqlite_store, mlflow_client
from archsearch.stores._optuna import LOCK_TIMEOUT_S, SQLITE_MAX_WORKERS, check_workers_storage, open_storage
from archsearch.stores._server import describe_server_error, server_unreachable
from archsearch.stores._template import store_from_template
from archsearch.stores._together import one_at_a_time
from archsearch.stores._urls import (
    DEFAULT_STORAGE,
    DEFAULT_TRACKING_URI,
    POSTGRES_EXTRA,
    artifact_root_for,
    check_url,
    experiment_artifacts,
    given_by_environment,
    printed_command,
    redact,
    require_storage,
    resolve_storage,
    resolve_tracking_uri,
    sqlite_path,
    url_flag,
)

__all__ = [
    "DEFAULT_STORAGE",
    "Folders",
    "DEFAULT_TRACKING_URI",
    "LOCK_TIMEOUT_S",
    "POSTGRES_EXTRA",
    "SQLITE_MAX_WORKERS",
    "artifact_root_for",
    "experiment_artifacts",
    "given_by_environment",
    "printed_command",
    "cache_dir",
    "check_reachable",
    "check_stores",
    "check_url",
    "check_workers_storage",
    "describe_server_error",
    "describe_storage_error",
    "ensure_sqlite_store",
    "keras_datasets_dir",
    "log_file",
    "mlflow_client",
    "one_at_a_time",
    "open_storage",
    "redact",
    "require_storage",
    "resolve_storage",
    "resolve_tracking_uri",
    "sqlite_path",
    "server_unreachable",
    "storage_errors",
    "store_from_template",
    "url_flag",
    "use_folders",
]
