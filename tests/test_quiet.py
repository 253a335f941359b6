"""The start-up line filter around TensorFlow's import: noise dropped, errors and Python's own output kept."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from archsearch._quiet import _QuietImport, is_start_up_line, worker_args

NOISY_INIT = """
import os, sys
os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n")
os.write(2, b"I0000 00:00:1796409444.773101    7148 port.cc:153] oneDNN custom operations are on.\\n")
os.write(2, b"W0000 00:00:1796409444.80    7148 cpu_feature_guard.cc:227] This binary is optimized\\n")
os.write(2, b"E0000 00:00:1796409444.90    7148 cuda_dnn.cc:8579] Unable to register cuDNN factory\\n")
print("a Python line during the import", file=sys.stderr)
LOADED = True
"""


def test_the_import_keeps_errors_and_python_output_and_drops_the_start_up_lines(tmp_path, monkeypatch, capfd):
    (tmp_path / "noisy_tf_stand_in").mkdir()
    (tmp_path / "noisy_tf_stand_in" / "__init__.py").write_text(NOISY_INIT)
    monkeypatch.syspath_prepend(str(tmp_path))
    finder = _QuietImport("noisy_tf_stand_in")
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    monkeypatch.delitem(sys.modules, "noisy_tf_stand_in", raising=False)

    import noisy_tf_stand_in

    err = capfd.readouterr().err
    assert noisy_tf_stand_in.LOADED
    assert finder not in sys.meta_path  # one shot
    assert type(noisy_tf_stand_in.__loader__).__name__ == "SourceFileLoader"  # the module sees its own loader
    assert "Unable to register cuDNN factory" in err
    assert "a Python line during the import" in err
    assert "oneDNN" not in err and "absl::InitializeLog" not in err and "cpu_feature_guard" not in err


def test_start_up_lines_are_absl_info_and_warning_lines_only():
    assert is_start_up_line("I1204 18:31:15.628042    11 port.cc:153] oneDNN custom operations are on.")
    assert is_start_up_line("W0000 00:00:1796409444.773101    7148 cpu_feature_guard.cc:227] optimized")
    assert not is_start_up_line("E0000 00:00:1796409444.773101    7148 cuda_blas.cc:1407] Unable to register")
    assert is_start_up_line("To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild")
    assert not is_start_up_line("I am a line someone printed")
    assert not is_start_up_line("Traceback (most recent call last):")


@pytest.fixture
def loggers(monkeypatch, tmp_path):
    """The library loggers as they were, afterwards; the log file in tmp_path."""
    import logging

    from archsearch import _quiet

    saved = {
        name: (list(logging.getLogger(name).handlers), logging.getLogger(name).propagate, logging.getLogger(name).level)
        for name, _ in _quiet.LIBRARY_LOGGERS
    }
    monkeypatch.setattr(_quiet, "_routed", False)
    monkeypatch.setattr(_quiet, "_verbose", False)
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))  # the import hooks a quiet call installs
    yield tmp_path / "archsearch.log"
    for name, (handlers, propagate, level) in saved.items():
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            if handler not in handlers:
                handler.close()
        logger.handlers, logger.propagate = handlers, propagate
        logger.setLevel(level)


def test_library_log_lines_go_to_the_log_file_only(loggers, capfd, monkeypatch):
    import logging
    import types

    from archsearch._quiet import quiet_library_logs

    # TensorFlow gives its logger a terminal handler when first asked for it (tf_logging.get_logger).
    tf_logging = types.ModuleType("tensorflow.python.platform.tf_logging")
    tf_logging.get_logger = lambda: logging.getLogger("tensorflow").addHandler(logging.StreamHandler(sys.stderr))
    monkeypatch.setitem(sys.modules, tf_logging.__name__, tf_logging)
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [logging.StreamHandler(sys.stderr)])  # a notebook's logging set-up

    quiet_library_logs(verbose=False, log_file=loggers)
    logging.getLogger("mlflow.store.db.utils").info("Creating initial MLflow database tables...")
    logging.getLogger("alembic.runtime.migration").info("Running upgrade 451aebb31d03 -> 90e64c465722")
    logging.getLogger("tensorflow").warning("5 out of the last 5 calls triggered tf.function retracing")
    quiet_library_logs(verbose=False)  # again (run_search calls it once TensorFlow is loaded): one handler
    logging.getLogger("tensorflow").warning("once")

    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""
    text = loggers.read_text()
    for line in ("Creating initial MLflow database tables", "Running upgrade", "retracing"):
        assert line in text
    assert text.count("once") == 1
    assert worker_args(loggers) == ["--log-file", str(loggers)]  # the MLflow worker process does the same


def test_a_library_that_gives_its_loggers_terminal_handlers_on_import_is_quieted_again(
    loggers, capfd, monkeypatch, tmp_path
):
    import logging

    from archsearch._quiet import _QuietImport, quiet_library_logs

    # What MLflow's import does (mlflow.utils.logging_utils._configure_mlflow_loggers), in a stand-in module.
    (tmp_path / "mlflow_stand_in.py").write_text(
        "import logging, sys\n"
        "for name in ('mlflow', 'sqlalchemy.engine', 'alembic'):\n"
        "    logger = logging.getLogger(name)\n"
        "    logger.handlers = [logging.StreamHandler(sys.stderr)]\n"
        "    logger.propagate = False\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "mlflow_stand_in", raising=False)
    engine = logging.getLogger("sqlalchemy.engine")
    monkeypatch.setattr(engine, "handlers", list(engine.handlers))
    monkeypatch.setattr(engine, "propagate", engine.propagate)
    quiet_library_logs(verbose=False, log_file=loggers)
    sys.meta_path.insert(0, _QuietImport("mlflow_stand_in", filter_stderr=False))

    import mlflow_stand_in  # noqa: F401

    logging.getLogger("mlflow.store.db.utils").warning("Creating initial MLflow database tables...")
    logging.getLogger("sqlalchemy.engine").warning("engine line")
    assert capfd.readouterr().err == ""
    text = loggers.read_text()
    assert "Creating initial MLflow database tables" in text and "engine line" in text


def test_verbose_leaves_the_libraries_logging_as_it_was(loggers, capfd, monkeypatch):
    import logging

    from archsearch._quiet import quiet_library_logs

    monkeypatch.setattr(logging.getLogger(), "handlers", [logging.StreamHandler(sys.stderr)])
    quiet_library_logs(verbose=False)
    quiet_library_logs(verbose=True)  # RunOptions(verbose=True) after a quiet call
    logging.getLogger("tensorflow").warning("retracing")
    assert "retracing" in capfd.readouterr().err
    assert worker_args(loggers) == ["--verbose"]  # the MLflow worker process does the same
    quiet_library_logs()  # None: as this process chose (the MLflow client calls it so)
    logging.getLogger("tensorflow").warning("still shown")
    assert "still shown" in capfd.readouterr().err


def test_a_new_mlflow_store_says_nothing_on_the_terminal(tmp_path):
    # A fresh cache: MLflow builds its store (the template) with its migrations, which log as they go.
    code = (
        "from pathlib import Path\n"
        "from archsearch.stores import Folders, mlflow_client, use_folders\n"
        f"use_folders(Folders(cache=Path({str(tmp_path / 'fresh-cache')!r})))\n"
        "mlflow_client('sqlite:///mlruns/mlflow.db', create=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ARCHSEARCH_CACHE": str(tmp_path / "elsewhere")},  # the library does not read it
    )
    assert done.returncode == 0, done.stderr
    assert (done.stdout, done.stderr) == ("", "")
    assert "Creating initial MLflow database tables" in (tmp_path / "fresh-cache" / "archsearch.log").read_text()


def test_the_mlflow_worker_is_told_how_to_log_in_its_arguments(loggers, monkeypatch):
    from archsearch._quiet import quiet_library_logs
    from archsearch.stores import cache_dir, log_file
    from archsearch.tracking import _worker_tracker

    started = []

    def popen(args, **kwargs):
        started.append(args)
        return None

    monkeypatch.setattr(_worker_tracker.subprocess, "Popen", popen)
    quiet_library_logs(verbose=False, log_file=loggers)
    os.close(_worker_tracker._spawn()[1])
    quiet_library_logs(verbose=True)
    os.close(_worker_tracker._spawn()[1])
    assert started[0][-4:] == ["--cache", str(cache_dir()), "--log-file", str(log_file())]
    assert started[1][-1] == "--verbose"


def test_a_librarys_python_warnings_go_to_the_log_file_and_the_space_files_still_show(tmp_path):
    # Keras' "Do not pass an `input_shape`" advice (a Dense layer built the common way) reached the terminal
    # three times a run, and Optuna's "Fixed parameter ... out of range" too.
    code = (
        "import warnings\n"
        "from pathlib import Path\n"
        "from archsearch._quiet import quiet_library_logs\n"
        f"quiet_library_logs(verbose=False, log_file=Path({str(tmp_path / 'a.log')!r}))\n"
        "import keras\n"
        "keras.layers.Dense(4, input_shape=(3,))\n"
        "warnings.warn_explicit('out of range', UserWarning, '/v/lib/python3.11/site-packages/optuna/trial/_trial.py',"
        " 642)\n"
        "warnings.warn_explicit('my own advice', UserWarning, 'spaces/mine.py', 7)\n"
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    shown = [line for line in done.stderr.splitlines() if not is_start_up_line(line)]
    assert "input_shape" not in done.stderr and "out of range" not in done.stderr
    assert any("spaces/mine.py:7: UserWarning: my own advice" in line for line in shown)  # the space file's: shown
    logged = (tmp_path / "a.log").read_text()
    assert "keras/src/layers/core/dense.py" in logged and "UserWarning: Do not pass an `input_shape`" in logged
    assert "optuna/trial/_trial.py:642: UserWarning: out of range" in logged
