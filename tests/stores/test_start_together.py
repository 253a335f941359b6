"""4 processes that start in the same instant on a new, empty store, 20 times: every one works, all share one study.

The race is in creating the stores' tables and the study, so the processes run the start of a run
(tests/together.py) rather than whole runs. The end-to-end test below starts 4 real `archsearch run`
processes on a fresh PostgreSQL database for Optuna and another for MLflow (whose tables take seconds to make,
too slow to repeat here: bench/start_together.py measures 20 repetitions of MLflow's stores too).
"""

from __future__ import annotations

import os
import subprocess
import threading

import pytest

from tests.conftest import TINY_SPACE
from tests.procs import command, env, mlflow_runs, running_trials
from tests.together import (
    check_stores,
    drop_postgres_databases,
    fresh_postgres_databases,
    start_together,
)

PG_URL = os.environ.get("ARCHSEARCH_TEST_PG_URL")
PROCESSES, REPETITIONS = 4, 20
needs_pg = pytest.mark.skipif(
    not PG_URL,
    reason="ARCHSEARCH_TEST_PG_URL is not set: .ci/run starts PostgreSQL "
    "and sets it (it could not start the server here)",
)


@needs_pg
def test_four_processes_start_together_20_times_on_fresh_postgres_databases_and_sqlite_files(tmp_path, write_space):
    space = write_space(TINY_SPACE, "tiny.py")
    databases = fresh_postgres_databases(PG_URL, REPETITIONS)
    files = [f"sqlite:///{tmp_path}/{rep}/optuna.db" for rep in range(REPETITIONS)]
    try:
        # One pool for both stores: the processes import once (the cost of this test is in the stores).
        outcome = start_together(space, [(url, None) for url in databases + files], PROCESSES)
        assert outcome.errors == [[]] * (2 * REPETITIONS)
        assert [check_stores(url, None, PROCESSES) for url in databases + files] == [[]] * (2 * REPETITIONS)
    finally:
        drop_postgres_databases(PG_URL, databases)


@pytest.mark.slow
@needs_pg
def test_four_runs_start_together_on_a_fresh_postgres_database_and_reach_the_exact_target(tmp_path, write_space):
    import optuna

    space = write_space(TINY_SPACE, "tiny.py")
    (storage,) = fresh_postgres_databases(PG_URL, 1)
    (tracking,) = fresh_postgres_databases(PG_URL, 1)  # MLflow's tables too, made by the 4 at once
    try:
        go = threading.Barrier(PROCESSES)
        procs: list[subprocess.Popen] = []
        lock = threading.Lock()

        def launch() -> None:
            go.wait()
            proc = subprocess.Popen(
                command(space, "--trials", "4", "--quiet"),
                text=True,
                env=env(ARCHSEARCH_STORAGE=storage, ARCHSEARCH_TRACKING_URI=tracking),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            with lock:
                procs.append(proc)

        threads = [threading.Thread(target=launch) for _ in range(PROCESSES)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        outputs = [proc.communicate(timeout=400) for proc in procs]
        for proc, (_, err) in zip(procs, outputs, strict=True):
            assert proc.returncode == 0, err
            assert "Traceback" not in err and "MLflow logging failed" not in err
        trials = optuna.load_study(study_name="tiny", storage=storage).get_trials()
        finished = [t for t in trials if t.state.name == "COMPLETE"]
        # Exactly the target: each counts and creates its trial under the database's lock (study._target).
        assert len(finished) == 4
        assert [t for t in trials if t.state.name != "COMPLETE"] == []
        assert running_trials(storage, "tiny") == []
        runs = mlflow_runs(tracking, "tiny")
        assert sorted(r.info.status for r in runs if "mlflow.parentRunId" not in r.data.tags) == ["FINISHED"] * 4
        assert len(runs) == PROCESSES + len(trials)
    finally:
        drop_postgres_databases(PG_URL, [storage, tracking])
