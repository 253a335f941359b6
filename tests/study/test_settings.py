"""RunConfig: a run's settings resolved once, frozen; the run's storage built with its stale-trial callback (fast)."""

from __future__ import annotations

import dataclasses
import time

import optuna
import pytest

from archsearch.errors import DatasetError
from archsearch.space import load_space
from archsearch.stores import DEFAULT_TRACKING_URI
from archsearch.study import RECYCLE_AFTER, RunConfig, RunOptions, resume_args
from archsearch.study._guards import StaleTrials
from archsearch.study._setup import open_run_study, prepare_study
from tests.conftest import SPACES

pytestmark = [
    pytest.mark.filterwarnings("ignore:Heartbeat of storage"),
    pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning"),
]


@pytest.fixture(scope="module")
def space():
    return load_space(SPACES / "digits_quick.py")


def test_a_run_config_is_frozen_and_the_same_options_resolve_to_equal_configs(space, tmp_path):
    options = RunOptions(trials=3, repeats=2, storage=f"sqlite:///{tmp_path}/o.db")
    first = RunConfig.resolve(space, options, [({"layers": 1}, 7)])
    assert first == RunConfig.resolve(space, options, [({"layers": 1}, 7)])
    assert first != RunConfig.resolve(space, dataclasses.replace(options, trials=4), [({"layers": 1}, 7)])
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.target = 4  # type: ignore[misc]
    assert options == RunOptions(trials=3, repeats=2, storage=f"sqlite:///{tmp_path}/o.db")  # never changed
    # The space's settings fill what the options leave open; an unset URL is the default, in the working
    # directory (conftest runs each test in its tmp_path).
    assert (first.target, first.epochs, first.dataset, first.study_name) == (3, space.epochs, "digits", space.name)
    assert first.tracking_uri == DEFAULT_TRACKING_URI == "sqlite:///mlruns/mlflow.db"
    assert (first.recycle_every, first.repeats, first.enqueue) == (RECYCLE_AFTER, 2, (({"layers": 1}, 7),))
    assert first.resume == " ".join(resume_args(space.path, options))


def test_each_engine_has_its_own_study_and_bad_input_fails_before_anything_is_written(space, tmp_path):
    options = RunOptions(engine="keras-tuner:random", storage=f"sqlite:///{tmp_path}/o.db")
    config = RunConfig.resolve(space, options)
    assert (config.study_name, config.recycle_every) == (f"{space.name}-keras-tuner-random", 0)
    with pytest.raises(DatasetError, match="^unknown dataset 'nope'"):
        RunConfig.resolve(space, dataclasses.replace(options, dataset="nope"))
    assert not (tmp_path / "o.db").exists()
    # The space file's DATASET: the error names the file (it did not), and the dataset it probably meant.
    misspelt = dataclasses.replace(space, dataset="digit")
    with pytest.raises(
        DatasetError, match=rf"^{space.path}: DATASET: unknown dataset 'digit'. Did you mean 'digits'\?"
    ):
        RunConfig.resolve(misspelt, options)


class _Tracker:
    def __init__(self) -> None:
        self.closed: list[tuple[str, dict[int, str]]] = []

    def close_orphans(self, study: str, trial_states: dict[int, str]) -> None:
        self.closed.append((study, dict(trial_states)))


def test_the_run_storage_is_built_with_its_stale_trial_callback_which_closes_the_dead_trials_runs(space, tmp_path):
    config = RunConfig.resolve(space, RunOptions(storage=f"sqlite:///{tmp_path}/o.db", heartbeat=1))
    prepared = prepare_study(config)
    assert (prepared.done, prepared.failed_now) == (0, False)
    tracker = _Tracker()
    on_stale = StaleTrials(tracker)  # type: ignore[arg-type]
    storage, study = open_run_study(config, prepared, None, on_stale)
    prepared.storage.engine.dispose()
    assert storage.heartbeat_stale_trial_callback is on_stale
    assert study.study_name == config.study_name and study.direction.name.lower() == space.direction
    # A trial whose process died: its last heartbeat is older than twice the interval.
    trial = study.ask()
    study_id = storage.get_study_id_from_name(config.study_name)
    storage.record_heartbeat(storage.get_trial_id_from_study_id_trial_number(study_id, trial.number))
    time.sleep(3.1)  # (SQLite keeps whole seconds)
    optuna.storages.fail_stale_trials(study)
    assert tracker.closed == [(config.study_name, {trial.number: "FAIL"})]
    storage.engine.dispose()
