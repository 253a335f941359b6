"""The night in MLflow: one run per plan and night in the experiment ``sweep-<plan>``, with the summary."""

from __future__ import annotations

import logging
from pathlib import Path

from archsearch.sweep._state import NightState

__all__ = ["log_night"]

NIGHT_TAG = "archsearch.sweep.night"
_STATUS = {"done": "FINISHED", "deadline": "FINISHED", "signal": "KILLED", "error": "FAILED"}


def log_night(tracking_uri: str, state: NightState, folder: Path) -> str:
    """Log ``summary.md``, ``summary.json`` and ``state.json`` as artifacts of the night's run; its run id.

    The same night logged again (a resumed sweep) goes to the same run.
    """
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    from archsearch.stores import experiment_artifacts

    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.ERROR)
    plan = Path(state.plan).stem
    client = MlflowClient(tracking_uri=tracking_uri)
    name = f"sweep-{plan}"
    experiment = client.get_experiment_by_name(name)
    if experiment is None:
        try:  # next to the studies' experiments (artifacts/<name>), not among the sweeps' night folders
            experiment_id = client.create_experiment(name, artifact_location=experiment_artifacts(tracking_uri, name))
        except MlflowException:  # the other machine created it at the same moment
            made = client.get_experiment_by_name(name)
            if made is None:
                raise
            experiment_id = made.experiment_id
    else:
        experiment_id = experiment.experiment_id
    found = client.search_runs([experiment_id], filter_string=f"tags.`{NIGHT_TAG}` = '{state.night}'", max_results=1)
    if found:
        run_id = found[0].info.run_id
    else:
        run_id = client.create_run(
            experiment_id,
            run_name=f"{plan} {state.night}",
            tags={NIGHT_TAG: state.night, "archsearch.sweep.plan": state.plan},
        ).info.run_id
    client.set_tag(run_id, "archsearch.sweep.why", state.why or "running")
    for file in ("summary.md", "summary.json", "state.json"):
        if (folder / file).is_file():
            client.log_artifact(run_id, str(folder / file))
    client.set_terminated(run_id, status=_STATUS.get(state.why or "", "FINISHED"))
    return run_id
