"""Processes that start in the same instant on new stores: the start of a run, repeated behind a barrier.

Each of N worker processes imports once, then for every repetition waits at a
``multiprocessing.Barrier`` and does what an ``archsearch run`` or ``ask`` does
first on a store (``study._setup.prepare_study``: Optuna's tables, the study, its
settings, a design's trials; with a tracking URI also MLflow's tables, the
experiment and a parent run). No TensorFlow: the race is in the stores.
Used by tests/stores/test_start_together.py and bench/start_together.py.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DESIGN = [({"units": 8}, 1), ({"units": 16}, 1)]  # enqueued by every process, must be there once
STUDY = "tiny"


@dataclass
class Outcome:
    """Per repetition, the errors of the processes (empty: all worked)."""

    errors: list[list[str]] = field(default_factory=list)

    @property
    def failures(self) -> int:
        return sum(len(e) for e in self.errors)


def open_like_a_run(space_path: str, storage: str, tracking: str | None) -> None:
    """What the start of ``archsearch run`` / ``ask`` writes to the stores, through the same functions."""
    from archsearch.space import load_space
    from archsearch.study import RunConfig, RunOptions
    from archsearch.study._setup import prepare_study

    space = load_space(space_path)
    options = RunOptions(storage=storage, tracking_uri=tracking, study_name=STUDY)
    prepare_study(RunConfig.resolve(space, options, DESIGN)).storage.engine.dispose()
    if tracking is not None:
        from archsearch.tracking import MlflowTracker

        tracker = MlflowTracker(tracking, STUDY, run_name=f"pid {os.getpid()}")
        tracker.wait()
        tracker.close("FINISHED")
        if tracker.errors:
            raise RuntimeError(tracker.errors[0])


def _worker(
    space_path: str, jobs: Sequence[tuple[str, str | None]], barrier: Any, results: Any, patch: str | None
) -> None:
    if patch == "no-guard":
        _without_guard()
    for rep, (storage, tracking) in enumerate(jobs):
        barrier.wait(timeout=300)
        try:
            open_like_a_run(space_path, storage, tracking)
            results.put((rep, None))
        except BaseException as err:  # everything counts, and the loop goes on
            text = "".join(traceback.format_exception_only(type(err), err)).strip()
            results.put((rep, text[-500:] or type(err).__name__))
    results.put(("done", None))


def _without_guard() -> None:
    """For the benchmark's comparison: the same start without the start-together guard."""
    import contextlib

    from archsearch.stores import _mlflow, _optuna
    from archsearch.study import _setup

    def none(*args: Any, **kwargs: Any) -> Any:
        return contextlib.nullcontext()

    for module in (_mlflow, _optuna, _setup):
        module.one_at_a_time = none


def start_together(
    space_path: str | Path,
    jobs: Sequence[tuple[str, str | None]],
    processes: int,
    patch: str | None = None,
    timeout: float = 600,
) -> Outcome:
    """``processes`` processes, each opening every job's stores, all processes at once per job."""
    ctx = multiprocessing.get_context("spawn")  # no fork of a parent that may hold TensorFlow's threads
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(str(space_path), list(jobs), barrier, results, patch))
        for _ in range(processes)
    ]
    for proc in procs:
        proc.start()
    outcome = Outcome([[] for _ in jobs])
    done = 0
    while done < processes:
        rep, error = results.get(timeout=timeout)
        if rep == "done":
            done += 1
        elif error is not None:
            outcome.errors[rep].append(error)
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    return outcome


def fresh_postgres_databases(url: str, count: int) -> list[str]:
    """``count`` new, empty databases on the server of ``url`` (CREATEDB needed); their URLs."""
    import psycopg
    from sqlalchemy.engine import make_url

    names = [f"archsearch_together_{secrets.token_hex(4)}" for _ in range(count)]
    with psycopg.connect(url, autocommit=True) as con:
        for name in names:
            con.execute(f'CREATE DATABASE "{name}"')
    return [make_url(url).set(database=name).render_as_string(hide_password=False) for name in names]


def drop_postgres_databases(url: str, db_urls: Sequence[str]) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    with psycopg.connect(url, autocommit=True) as con:
        for db_url in db_urls:
            con.execute(f'DROP DATABASE IF EXISTS "{make_url(db_url).database}" WITH (FORCE)')


def check_stores(storage: str, tracking: str | None, processes: int) -> list[str]:
    """What is wrong with one repetition's stores: one study, the design once, one experiment, every parent run."""
    import optuna

    problems = []
    studies = optuna.get_all_study_summaries(storage, include_best_trial=False)
    if [s.study_name for s in studies] != [STUDY]:
        problems.append(f"studies {[s.study_name for s in studies]}")
    else:
        trials = optuna.load_study(study_name=STUDY, storage=storage).get_trials(deepcopy=False)
        if len(trials) != len(DESIGN):
            problems.append(f"{len(trials)} trials enqueued instead of {len(DESIGN)}")
    if tracking is not None:
        from mlflow.tracking import MlflowClient

        client = MlflowClient(tracking_uri=tracking)
        experiments = [e for e in client.search_experiments() if e.name == STUDY]
        runs = client.search_runs([experiments[0].experiment_id]) if len(experiments) == 1 else []
        if len(experiments) != 1 or sorted(r.info.status for r in runs) != ["FINISHED"] * processes:
            problems.append(f"{len(experiments)} experiments, runs {[r.info.status for r in runs]}")
    return problems
