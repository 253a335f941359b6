"""Reading runs back: the study's newest MLflow parent run.

Also logging a report to it (files as artifacts, verdicts as tags).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from archsearch.schema import Tag

__all__ = ["log_report", "newest_parent_run", "verdict_tags"]


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
    runs = client.search_runs([experiment.experiment_id], filter_string=f"tags.`{Tag.STUDY}` = '{study}'",
                              order_by=["attributes.start_time DESC"], max_results=200)
    parents = [r for r in runs if Tag.PARENT_RUN_ID not in r.data.tags]
    return parents[0] if parents else None


def verdict_tags(data: dict[str, Any]) -> dict[str, str]:
    """``archsearch.verdict.<param>`` -> ``"2 vs 1: helps: +2.1 pts [0.8, 3.4]; ..."``."""
    tags = {}
    for q in data["questions"]:
        parts = [f"{e['level']} vs {e['reference']}: {e['summary']}" for e in q["effects"]]
        tags[Tag.VERDICT_PREFIX + q["param"]] = ("; ".join(parts) or "no levels to compare")[:5000]
    return tags


def log_report(data: dict[str, Any], files: Sequence[Path], tracking_uri: str | None = None) -> str | None:
    """Attach ``files`` under ``report/`` of the newest parent run and set the verdict tags.

    Returns the run id, or None when the study has no MLflow parent run.
    """
    run = newest_parent_run(data["study"], tracking_uri)
    if run is None:
        return None
    client = _client(tracking_uri)
    run_id = run.info.run_id
    for path in files:
        client.log_artifact(run_id, str(path), "report")
    for key, value in verdict_tags(data).items():
        client.set_tag(run_id, key, value)
    client.set_tag(run_id, Tag.NOTE, report_note(run.data.tags.get(Tag.NOTE, ""), data,
                                                 [Path(p).name for p in files]))
    return run_id


_VERDICTS_HEADING = "### Verdicts (archsearch report)"


def report_note(note: str, data: dict[str, Any], names: Sequence[str]) -> str:
    """The parent run's description with the report's verdict lines (replacing those of an earlier report)."""
    note = note.split(_VERDICTS_HEADING)[0].rstrip()
    lines = [_VERDICTS_HEADING, ""]
    for key, value in verdict_tags(data).items():
        lines.append(f"- **{key[len(Tag.VERDICT_PREFIX):]}**: {value}")
    if len(lines) == 2:
        lines.append("- no questions to answer")
    if names:
        lines += ["", "The report is in this run's artifacts, under `report/` (" + ", ".join(names) + ")."]
    return ((note + "\n\n") if note else "") + "\n".join(lines)[:4000]
