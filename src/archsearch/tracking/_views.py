"""The experiment as the MLflow UI shows it: its kind, its description, and archsearch's saved runs view.

MLflow 3.17 keeps a saved view of the runs table as the experiment tag
``mlflow.sharedViewState.<id>``: an envelope ``{"name", "createdAt",
"updatedAt", "state"}`` whose ``state`` is the page's JSON (``selectedColumns``,
``runsExpanded``, ``runsVisibilityMap``, ...). It is listed in the page's
"Views" menu and opened with ``?viewStateShareKey=<id>``; older MLflow
versions read the bare state, which MLflow 3.17 still reads too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from archsearch.schema import Metric, Tag

__all__ = [
    "RUN_NAME_COLUMN",
    "VIEW_NAME",
    "mark_experiment",
    "metric_column",
    "param_column",
    "tag_column",
    "update_view",
    "view_envelope",
    "view_state",
]

VIEW_NAME = "archsearch: the answer"
RUN_NAME_COLUMN = "attributes.`Run Name`"


def metric_column(name: str) -> str:
    """The runs table's column of a metric, as ``selectedColumns`` names it.

    Example:
        >>> metric_column("objective"), param_column("units"), tag_column("archsearch.verdict.units")
        ('metrics.`objective`', 'params.`units`', 'tags.`archsearch.verdict.units`')
    """
    return f"metrics.`{name}`"


def param_column(name: str) -> str:
    return f"params.`{name}`"


def tag_column(name: str) -> str:
    return f"tags.`{name}`"


def view_state(
    old: str | None, columns: Sequence[str] | None, default: Sequence[str] = (), widths: dict[str, int] | None = None
) -> dict[str, Any]:
    """The runs view: ``columns`` shown, in that order, right after the run's name; every run in the charts.

    ``columns`` None keeps the old view's (or, without one, ``default``, or the objective alone);
    ``widths``: pixels by column. MLflow 3.17 leaves the rows' state (expanded, hidden, pinned) out
    of a saved view, so the view cannot keep parent runs out of the charts: it shows every run in them
    (``SHOW_ALL``) instead of the first 10 rows, where a parent run took a trial's slot.

    Example:
        >>> state = view_state(None, None)
        >>> state["selectedColumns"], state["columnOrder"], state["runsHiddenMode"]
        (['metrics.`objective`'], ['attributes.`Run Name`', 'metrics.`objective`'], 'SHOW_ALL')
        >>> view_state(json.dumps(view_envelope(state)), None, ["params.`units`"])["selectedColumns"]
        ['metrics.`objective`']
    """
    state = _read(old)
    if columns is None:
        columns = (
            [c for c in state.get("selectedColumns") or [] if isinstance(c, str)]
            or list(default)
            or [metric_column(Metric.OBJECTIVE)]
        )
        widths = widths or state.get("columnWidths") or {}
    columns = list(dict.fromkeys(columns))
    return {
        **state,
        "selectedColumns": columns,
        "columnOrder": [RUN_NAME_COLUMN, *columns],
        "columnWidths": dict(widths or {}),
        "runsHiddenMode": "SHOW_ALL",
    }


def view_envelope(state: dict[str, Any], created_ms: int | None = None) -> dict[str, Any]:
    """The saved-view envelope MLflow 3.17's "Views" menu lists."""
    now = int(time.time() * 1000)
    return {"name": VIEW_NAME, "createdAt": created_ms or now, "updatedAt": now, "state": json.dumps(state)}


def update_view(
    client: Any,
    experiment_id: str,
    columns: Sequence[str] | None = None,
    default: Sequence[str] = (),
    widths: dict[str, int] | None = None,
) -> None:
    """Write the experiment's archsearch view (see :func:`view_state`), merging with the one there.

    Processes that finish together on one store may both write the first view (MLflow inserts a
    new tag after a lookup, not in one step): the loser reads the winner's and merges.
    """
    from mlflow.exceptions import MlflowException

    for attempt in range(3):
        old = client.get_experiment(experiment_id).tags.get(Tag.SHARED_VIEW)
        value = json.dumps(view_envelope(view_state(old, columns, default, widths), _created(old)))
        try:
            client.set_experiment_tag(experiment_id, Tag.SHARED_VIEW, value)
            return
        except MlflowException:
            if attempt == 2:
                raise


def mark_experiment(client: Any, experiment_id: str, note: str | None = None, *, replace: bool = True) -> None:
    """A model-training experiment (never GenAI's pages), with ``note`` as its description.

    ``replace=False`` sets the description only where the experiment has none yet. A process that
    starts at the same moment may write the same tags first (MLflow inserts a new tag after a
    lookup): theirs stand.
    """
    from mlflow.exceptions import MlflowException

    tags = client.get_experiment(experiment_id).tags
    wanted = {}
    if tags.get(Tag.EXPERIMENT_KIND) != Tag.MODEL_TRAINING:
        wanted[Tag.EXPERIMENT_KIND] = Tag.MODEL_TRAINING
    if note and (replace or not tags.get(Tag.NOTE)):
        wanted[Tag.NOTE] = note[:5000]
    for key, value in wanted.items():
        try:
            client.set_experiment_tag(experiment_id, key, value)
        except MlflowException:
            if replace:
                client.set_experiment_tag(experiment_id, key, value)


def _read(old: str | None) -> dict[str, Any]:
    """The state in a saved view: an envelope's, or a bare state (written before envelopes)."""
    if not old:
        return {}
    try:
        value = json.loads(old)
        if isinstance(value, dict) and isinstance(value.get("state"), str):
            value = json.loads(value["state"])
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _created(old: str | None) -> int | None:
    try:
        value = json.loads(old or "")
    except ValueError:
        return None
    return value.get("createdAt") if isinstance(value, dict) and isinstance(value.get("createdAt"), int) else None
