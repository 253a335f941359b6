"""Reading runs back: the study's newest MLflow parent run.

Also recording an answer on it (files, verdict tags, description) and on its
experiment (description, kind, saved view).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from archsearch.schema import Tag

__all__ = ["answer_run", "log_answer", "newest_parent_run"]


def _client(tracking_uri: str | None) -> Any:
    from archsearch.stores import mlflow_client, resolve_tracking_uri

    return mlflow_client(resolve_tracking_uri(tracking_uri))  # None: never create a store just to look into it


def newest_parent_run(study: str, tracking_uri: str | None = None) -> Any | None:
    """The newest parent run (no ``mlflow.parentRunId``) tagged ``archsearch.study = study``, or None."""
    client = _client(tracking_uri)
    if client is None:
        return None
    experiment = client.get_experiment_by_name(study)
    if experiment is None:
        return None
    runs = client.search_runs(
        [experiment.experiment_id],
        filter_string=f"tags.`{Tag.STUDY}` = '{study}'",
        order_by=["attributes.start_time DESC"],
        max_results=200,
    )
    parents = [r for r in runs if Tag.PARENT_RUN_ID not in r.data.tags]
    return parents[0] if parents else None


def answer_run(study: str, run_id: str | None = None, tracking_uri: str | None = None) -> Any | None:
    """The parent run an answer belongs to: ``run_id`` when given, else the study's newest; None without one."""
    if run_id is None:
        return newest_parent_run(study, tracking_uri)
    client = _client(tracking_uri)
    return None if client is None else client.get_run(run_id)


def log_answer(
    run: Any,
    files: Sequence[Path],
    tags: Mapping[str, str],
    note: str,
    *,
    experiment_note: str | None = None,
    columns: Sequence[str] | None = None,
    widths: dict[str, int] | None = None,
    tracking_uri: str | None = None,
) -> str:
    """Record an answer on its parent run: ``files`` under ``report/``, the verdict ``tags``, ``note`` as
    its description; on its experiment: ``experiment_note``, the model-training kind, and the saved runs
    view with ``columns`` and their ``widths`` (:func:`archsearch.tracking._views.update_view`). Returns the run id.
    """
    from archsearch.tracking._views import mark_experiment, update_view

    client = _client(tracking_uri)
    run_id, experiment_id = run.info.run_id, run.info.experiment_id
    for path in files:
        client.log_artifact(run_id, str(path), "report")
    for key, value in {**tags, Tag.NOTE: note}.items():
        client.set_tag(run_id, key, str(value)[:5000])
    mark_experiment(client, experiment_id, experiment_note)
    update_view(client, experiment_id, columns, widths=widths)
    return run_id
