"""What a step did, read from its study after it ends: trials before/after, failures, durations, answers.

The step's command writes its study's name and storage to a small JSON file
(``--sweep-result``, a hidden option of ``run`` and ``ask``); this reads that
study with Optuna, and its answers with :func:`archsearch.report.build_report`
(the verdicts, effects, intervals and seeds needed are the report's, unchanged).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from archsearch.schema import Attr
from archsearch.sweep._plan import Step
from archsearch.sweep._state import StepState

__all__ = ["collect_step", "observed_trial_seconds", "read_answers", "result_path"]

_RECENT = 5  # trial durations kept per step for the next fit check


def result_path(folder: Path, step: Step) -> Path:
    return folder / f"step-{step.number}.json"


def collect_step(folder: Path, st: StepState, step: Step, started: dt.datetime) -> None:
    """Fill ``st`` from the step's study: trials finished before and after, tonight's failures, durations."""
    import optuna

    from archsearch.study import open_study

    try:
        written = json.loads(result_path(folder, step).read_text())
    except (OSError, ValueError):
        written = {}
    st.study = written.get("study") or st.study
    if not st.study:
        return  # a step that stopped before naming its study (e.g. a bad space file): nothing to read
    storage = written.get("storage")
    study = open_study(st.study, storage)
    since = started.astimezone().replace(tzinfo=None)  # Optuna stores naive local times
    trials = study.get_trials(deepcopy=False)
    finished = [t for t in trials if t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)]
    tonight = [t for t in finished if t.datetime_start and t.datetime_start >= since]
    st.trials_after = len(finished)
    st.trials_before = len(finished) - len(tonight)
    st.target = written.get("target", st.target)
    if st.target is None and step.option("trials"):
        st.target = int(step.option("trials") or 0)
    st.failures = [
        f"trial {t.number}: {_first_line(t.user_attrs.get(Attr.ERROR))}"
        for t in trials
        if t.state == optuna.trial.TrialState.FAIL and t.datetime_start and t.datetime_start >= since
    ]
    st.running = sum(t.state == optuna.trial.TrialState.RUNNING for t in trials)
    durations = [t.duration.total_seconds() for t in finished if t.duration is not None]
    st.trial_seconds = durations[-_RECENT:]
    st.answers = read_answers(st.study, storage, step.space)


def read_answers(study: str, storage: str | None, space: str) -> dict[str, Any] | None:
    """The report's objective, best trial and questions (verdict, effect, interval, seeds) for the summary."""
    from archsearch.report import build_report

    space_arg: str = space if Path(space).is_file() else study
    data = build_report(space_arg, study_name=study, storage=storage, importance_resamples=0).to_dict()
    keep = ["level", "reference", "verdict", "summary", "diff", "ci_low", "ci_high", "n", "n_ref", "seeds_needed"]
    keep += ["exploratory", "trials_needed", "power_note"]
    questions = [
        {"param": q["param"], "effects": [{k: e.get(k) for k in keep} for e in q["effects"]]}
        for q in data.get("questions", [])
    ]
    best = None
    if data.get("best_trials"):
        top = data["best_trials"][0]
        best = {
            "trial": top.get("trial"),
            "value": top.get("value"),
            "params": _set_params(top),
        }
    return json.loads(
        json.dumps({"objective": data.get("objective"), "best": best, "questions": questions}, default=str)
    )


def _set_params(row: dict[str, Any]) -> dict[str, Any]:
    """A report row's hyperparameters, less those the trial never set (a conditional one of a shallower net).

    Example:
        >>> _set_params({"params_layers": 2, "params_units_1": 96, "params_units_2": None, "params_count": 11370,
        ...              "params_dropout": float("nan"), "value": 0.96})
        {'layers': 2, 'units_1': 96}
    """
    return {
        k.removeprefix("params_"): v
        for k, v in row.items()
        if k.startswith("params_") and k != "params_count" and v is not None and v == v  # NaN != NaN
    }


def _first_line(text: Any) -> str:
    line = str(text or "no reason recorded").strip().splitlines()[0] if text else "no reason recorded"
    return line if len(line) <= 160 else line[:157] + "..."


def observed_trial_seconds(storage: str | None, study: str, *, prefix: bool = False) -> list[float]:
    """Durations of the finished trials of ``study`` (or of every study whose name starts with it), oldest first.

    An empty list when there is no such study yet.
    """
    import optuna

    from archsearch.stores import open_storage, resolve_storage

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    store = open_storage(resolve_storage(storage))
    names = [n for n in optuna.get_all_study_names(store) if (n.startswith(study) if prefix else n == study)]
    finished: list[tuple[dt.datetime, float]] = []
    for name in names:
        loaded = optuna.load_study(study_name=name, storage=store)
        for t in loaded.get_trials(
            deepcopy=False, states=(optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
        ):
            if t.duration is not None and t.datetime_complete is not None:
                finished.append((t.datetime_complete, t.duration.total_seconds()))
    return [seconds for _, seconds in sorted(finished)]
