"""cli/_env.py: the environment read once, by the command line, and passed down as values."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from archsearch.cli._env import folders_from, set_up_process
from archsearch.stores import Folders, cache_dir, keras_datasets_dir, log_file


def test_the_cache_is_archsearch_cache_else_xdg_else_home():
    both = folders_from({"ARCHSEARCH_CACHE": "/a", "XDG_CACHE_HOME": "/x"})
    assert both.cache == Path("/a")
    assert folders_from({"XDG_CACHE_HOME": "/x"}).cache == Path("/x/archsearch")
    assert folders_from({"ARCHSEARCH_CACHE": "", "XDG_CACHE_HOME": ""}) == Folders()  # empty means unset
    assert Folders().cache == Path("~/.cache/archsearch")


def test_the_log_file_and_keras_home_come_from_their_variables():
    folders = folders_from({"ARCHSEARCH_LOG_FILE": "/l/a.log", "KERAS_HOME": "/k"})
    assert (folders.log_file, folders.keras_home) == (Path("/l/a.log"), Path("/k"))
    assert folders_from({}).log_file is None and folders_from({}).keras_home is None


@pytest.fixture
def calls(monkeypatch):
    """What set_up_process asks of archsearch._quiet (the real calls would change this process's loggers)."""
    from archsearch import _quiet

    seen: dict[str, object] = {}
    monkeypatch.setattr(_quiet, "quiet_tensorflow", lambda show: seen.update(show=show))
    monkeypatch.setattr(_quiet, "quiet_library_logs", lambda verbose, path: seen.update(verbose=verbose, path=path))
    return seen


def test_a_command_sets_the_folders_and_tensorflows_level_from_the_environment(tmp_path, calls):
    env = {"ARCHSEARCH_CACHE": str(tmp_path / "c"), "KERAS_HOME": str(tmp_path / "k")}
    set_up_process(debug=False, verbose=False, env=env)
    assert cache_dir() == tmp_path / "c" and log_file() == tmp_path / "c" / "archsearch.log"
    assert keras_datasets_dir() == tmp_path / "k" / "datasets"
    assert env["TF_CPP_MIN_LOG_LEVEL"] == "2"  # set before TensorFlow loads; inherited by the trial workers
    assert calls == {"show": False, "verbose": False, "path": tmp_path / "c" / "archsearch.log"}


def test_debug_shows_tensorflows_lines_and_a_level_the_user_set_wins(calls):
    env: dict[str, str] = {}
    set_up_process(debug=True, verbose=False, env=env)
    assert env["TF_CPP_MIN_LOG_LEVEL"] == "0" and calls["show"] is True and calls["verbose"] is True
    env = {"TF_CPP_MIN_LOG_LEVEL": "0"}
    set_up_process(debug=False, verbose=True, env=env)
    assert env["TF_CPP_MIN_LOG_LEVEL"] == "0" and calls["show"] is True and calls["verbose"] is True


class _Worker:
    """A stand-in for a worker process that exits at once."""

    pid = 0

    def __init__(self, args, env, **kwargs):
        self.args, self.env, self.stderr = args, env, io.StringIO("")
        _Worker.started.append(self)

    def wait(self):
        return 0

    def poll(self):
        return 0


def test_workers_get_the_environment_they_are_given_plus_the_store_urls(tiny_space, tmp_path, monkeypatch):
    from archsearch.study import RunOptions, _workers, run_workers

    _Worker.started = []
    monkeypatch.setattr(_workers.subprocess, "Popen", _Worker)
    storage, tracking = f"sqlite:///{tmp_path}/w/optuna.db", f"sqlite:///{tmp_path}/w/mlflow.db"
    options = RunOptions(storage=storage, tracking_uri=tracking, timeout=60.0, quiet=True, parent_run_id="abc")
    outcome = run_workers(tiny_space, options, 2, {"ONLY_THIS": "1"})
    assert outcome.exit_code == 0 and len(_Worker.started) == 2
    first, second = _Worker.started
    assert "--worker-index" not in first.args  # 0, the default
    assert second.args[second.args.index("--worker-index") + 1] == "1"
    for worker in _Worker.started:
        assert worker.env == {
            "ONLY_THIS": "1",
            "ARCHSEARCH_STORAGE": storage,
            "ARCHSEARCH_TRACKING_URI": tracking,
            "PYTHONUNBUFFERED": "1",
        }
        assert worker.args[:4] == [sys.executable, "-m", "archsearch", "run"]
        assert worker.args[-3:] == ["--timeout", "60.0", "--quiet"]  # as a process that takes over gets them
        assert "--parent-run-id" not in worker.args  # each worker opens its own parent run
        assert storage not in " ".join(worker.args)  # never on a command line: `ps` shows those
