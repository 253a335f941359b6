"""Scale-out against a real PostgreSQL server (started by .ci/run; ARCHSEARCH_TEST_PG_URL names it).

Several processes on one study stop at its target, a killed worker's trial ends FAIL and its MLflow run
FAILED, an MLflow server backed by PostgreSQL works, and the password is never shown.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import TINY_SPACE
from tests.procs import (
    SLOW_SPACE,
    command,
    env,
    kill_all,
    mlflow_runs,
    running_trials,
    start,
    wait_for_any_trial,
    wait_for_running_trial,
)

pytestmark = pytest.mark.slow
PG_URL = os.environ.get("ARCHSEARCH_TEST_PG_URL")


def _database(url: str) -> str:
    """A fresh database on the server of ``url``; its URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"archsearch_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _drop(url: str, db_url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{make_url(db_url).database}" WITH (FORCE)')


@pytest.fixture
def pg() -> tuple[str, str]:
    """(URL of a fresh database, its password); dropped afterwards."""
    if not PG_URL:
        pytest.skip(
            "ARCHSEARCH_TEST_PG_URL is not set: .ci/run starts PostgreSQL and sets it "
            "(it could not start the server here)"
        )
    from sqlalchemy.engine import make_url

    db_url = _database(PG_URL)
    yield db_url, make_url(PG_URL).password
    _drop(PG_URL, db_url)


def _assert_nowhere(password: str, *texts: str, folder: Path | None = None) -> None:
    for text in texts:
        assert password not in text
    for path in folder.rglob("*") if folder is not None else ():
        if path.is_file():
            assert password.encode() not in path.read_bytes(), path


def test_three_workers_stop_at_the_target_and_never_show_the_password(tmp_path, write_space, pg):
    import optuna

    storage, password = pg
    tracking = f"sqlite:///{tmp_path}/mlruns/mlflow.db"
    space = write_space(TINY_SPACE, "tiny.py")
    done = subprocess.run(
        command(space, "--trials", "12", "--workers", "3", "--storage", storage),
        env=env(),
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert done.returncode == 0, done.stderr
    assert "MLflow logging failed" not in done.stderr  # the 3 start together: one experiment, one dataset

    trials = optuna.load_study(study_name="tiny", storage=storage).get_trials()
    finished = [t for t in trials if t.state.name in ("COMPLETE", "PRUNED")]
    # Exactly the target: each worker counts and creates its trial under the database's advisory lock.
    assert len(finished) == 12
    assert "Study 'tiny': 12/12 finished trials" in done.stdout
    assert "more than the target" not in done.stdout
    # Progress counts the study's finished trials, every worker's: not each process's own 1..4.
    shown = [int(n) for n in re.findall(r"\[\s*(\d+)/12\] trial", done.stderr)]
    assert len(shown) == 12 and max(shown) >= 11 and max(shown) <= 12, done.stderr
    assert len({t.number for t in trials}) == len(trials)
    assert running_trials(storage, "tiny") == []
    assert len({t.user_attrs["owner"] for t in finished}) >= 2  # the workers shared the study

    runs = mlflow_runs(tracking, "tiny")
    assert [r for r in runs if r.info.status == "RUNNING"] == []
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert [p.info.status for p in parents] == ["FINISHED"] * 3
    assert sorted(int(c.data.tags["archsearch.trial"]) for c in children) == sorted(t.number for t in trials)
    assert {p.data.tags["archsearch.storage"] for p in parents} == {storage.replace(password, "***")}
    from sqlalchemy.engine import make_url

    assert f"postgresql://{make_url(storage).username}:***@" in done.stdout
    _assert_nowhere(
        password,
        done.stdout,
        done.stderr,
        *(str(t.user_attrs) + str(t.system_attrs) for t in trials),
        folder=tmp_path / "mlruns",
    )


def test_kill_9_one_worker_mid_trial_the_others_finish_and_close_its_runs(tmp_path, write_space, pg):
    import optuna

    storage, password = pg
    tracking = f"sqlite:///{tmp_path}/mlruns/mlflow.db"
    space = write_space(SLOW_SPACE, "slow.py")
    cmd = command(space, "--trials", "4")
    victim = start(cmd, SLOW_EPOCH="60", ARCHSEARCH_STORAGE=storage)
    dead = wait_for_running_trial(victim, storage, tracking, "slow")
    others = [start(cmd, ARCHSEARCH_STORAGE=storage) for _ in range(2)]
    wait_for_any_trial(others[0], storage, "slow")  # the others are mid-study
    kill_all(victim)  # with its MLflow worker: only the other workers can close its runs
    outputs = [p.communicate(timeout=300) for p in others]
    for proc, (_, err) in zip(others, outputs, strict=True):
        assert proc.returncode == 0, err

    trials = {t.number: t for t in optuna.load_study(study_name="slow", storage=storage).get_trials()}
    assert trials[dead.number].state.name == "FAIL"
    assert f"/{victim.pid}/" in trials[dead.number].user_attrs["error"]
    finished = [t for t in trials.values() if t.state.name == "COMPLETE"]
    assert 4 <= len(finished) <= 5
    assert running_trials(storage, "slow") == []
    runs = mlflow_runs(tracking, "slow")
    assert [r for r in runs if r.info.status == "RUNNING"] == []
    child = next(r for r in runs if r.data.tags.get("archsearch.trial") == str(dead.number))
    assert child.info.status == "FAILED" and "died" in child.data.tags["archsearch.error"]
    _assert_nowhere(password, *(text for pair in outputs for text in pair), folder=tmp_path / "mlruns")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tracking_uri_of_an_mlflow_server_backed_by_postgres(tmp_path, write_space, pg):
    storage, password = pg
    backend = _database(PG_URL)
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            backend,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--artifacts-destination",
            str(tmp_path / "artifacts"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _wait_for_server(server, f"http://127.0.0.1:{port}/health")
        space = write_space(TINY_SPACE, "tiny.py")
        tracking = f"http://127.0.0.1:{port}"
        done = subprocess.run(
            command(space, "--trials", "2", "--storage", storage, "--tracking-uri", tracking),
            env=env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        runs = mlflow_runs(tracking, "tiny")
        assert sorted(r.info.status for r in runs) == ["FINISHED"] * 3
        assert sorted(r.data.tags.get("archsearch.trial", "") for r in runs) == ["", "0", "1"]
        _assert_nowhere(password, done.stdout, done.stderr, folder=tmp_path / "artifacts")
    finally:
        import signal

        os.killpg(server.pid, signal.SIGTERM)
        server.communicate(timeout=30)
        _drop(PG_URL, backend)


def _wait_for_server(server: subprocess.Popen, health: str, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(server.communicate()[1][-3000:])
        try:
            with urllib.request.urlopen(health, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError("mlflow server did not answer")
