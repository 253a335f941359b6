"""No secret in any output: redact(), driver errors, the summary and the parent run's tags."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from archsearch.cli import cli
from archsearch.errors import UsageError
from archsearch.stores import check_url, redact

SECRET = "s3cr3t-Pw"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"postgresql://bars:{SECRET}@127.0.0.1:5432/optuna", "postgresql://bars:***@127.0.0.1:5432/optuna"),
        (f"postgresql+psycopg2://bars:{SECRET}@db/x", "postgresql+psycopg2://bars:***@db/x"),
        (f"http://admin:{SECRET}@mlflow.lan:5000", "http://admin:***@mlflow.lan:5000"),
        (f"postgresql://bars:p@ss{SECRET}@db/x", "postgresql://bars:***@db/x"),  # an unescaped @ in the password
        (f"postgresql://db/x?user=bars&password={SECRET}", "postgresql://db/x?user=bars&password=***"),
        ("postgresql://bars@db/x", "postgresql://bars@db/x"),
        ("sqlite:///mlruns/optuna.db", "sqlite:///mlruns/optuna.db"),
    ],
)
def test_redact_hides_the_password_and_nothing_else(url, shown):
    assert redact(url) == shown
    assert redact(f"Optuna: {url} (study 'x')") == f"Optuna: {shown} (study 'x')"


def test_a_missing_postgres_driver_is_one_error_naming_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if psycopg 3 were not installed
    with pytest.raises(UsageError, match=r"driver 'psycopg' is not installed.*archsearch\[postgres\]") as err:
        check_url(f"postgresql://bars:{SECRET}@127.0.0.1/db", "Optuna storage", "--storage")
    assert SECRET not in str(err.value)


def test_run_with_a_missing_driver_exits_2_with_one_line_and_writes_nothing(tmp_path, tiny_space, monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run", str(tiny_space), "--storage", f"postgresql://bars:{SECRET}@127.0.0.1/db"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --storage 'postgresql://bars:***@127.0.0.1/db'")
    assert "pip install 'archsearch[postgres]'" in lines[0]
    assert SECRET not in result.output
    assert not (tmp_path / "mlruns").exists()


def test_an_unknown_scheme_error_hides_the_password():
    with pytest.raises(UsageError) as err:
        check_url(f"nosuchdb://bars:{SECRET}@h/x", "Optuna storage", "--storage")
    assert SECRET not in str(err.value) and "bars:***@h" in str(err.value)


def test_summary_resume_line_and_parent_tags_show_no_password(tmp_path):
    from archsearch.space import load_space
    from archsearch.study import RunOptions, SearchResult
    from archsearch.study._run import _parent_tags
    from archsearch.study._settings import resume_command
    from tests.conftest import TINY_SPACE

    storage = f"postgresql://bars:{SECRET}@db.lan/optuna"
    tracking = f"http://admin:{SECRET}@mlflow.lan:5000"
    result = SearchResult("tiny", storage, tracking, target=12, finished=13, failed=0, ran=4)
    summary = result.summary()
    assert SECRET not in summary
    assert "Optuna:  postgresql://bars:***@db.lan/optuna" in summary
    assert "1 more than the target" in summary
    # `archsearch ui` refuses an MLflow server's URL: the server is the UI
    assert (
        "MLflow:  http://admin:***@mlflow.lan:5000 (experiment 'tiny'); open http://admin:***@mlflow.lan:5000 in a"
        in summary
    )
    assert "archsearch ui" not in summary
    path = tmp_path / "tiny.py"
    path.write_text(TINY_SPACE)
    space = load_space(path)
    tags = _parent_tags(space, "digits", "tiny", storage)
    assert tags["archsearch.storage"] == "postgresql://bars:***@db.lan/optuna"
    resume = resume_command(space.path, RunOptions(storage=storage, tracking_uri=tracking))  # as RunConfig has it
    assert SECRET not in resume and "--storage postgresql://bars:***@db.lan/optuna" in resume


@pytest.fixture
def environment_urls(monkeypatch):
    from archsearch.stores import _urls

    monkeypatch.setattr(_urls, "_FROM_ENVIRONMENT", set())  # what the command line read: this test's own


def test_a_printed_command_leaves_out_a_password_url_the_environment_gives(tmp_path, environment_urls):
    # Pasted as printed, `--storage 'postgresql://bars:***@...'` overrode the $ARCHSEARCH_STORAGE that works
    # and failed on the password "***": a URL with a password from the environment is left to the environment.
    from archsearch.cli._env import set_up_process
    from archsearch.report import report_command
    from archsearch.study import RunOptions, resume_args
    from archsearch.study._settings import resume_command

    storage = f"postgresql://bars:{SECRET}@db.lan/optuna"
    tracking = "http://mlflow.lan:5000"
    env = {"ARCHSEARCH_STORAGE": storage, "ARCHSEARCH_TRACKING_URI": tracking, "ARCHSEARCH_CACHE": str(tmp_path)}
    set_up_process(False, False, env)
    options = RunOptions(storage=storage, tracking_uri=tracking)
    assert resume_command("s.py", options) == "archsearch run s.py --tracking-uri http://mlflow.lan:5000"
    assert "--storage" not in resume_args("s.py", options, takeover=True)  # a recycled process: no password in ps
    assert report_command("s.py", "s", storage, tracking) == (
        "archsearch report s.py --study s --tracking-uri http://mlflow.lan:5000"
    )


def test_a_password_given_on_the_command_line_is_masked_and_the_command_says_so(environment_urls):
    from archsearch.report import report_command
    from archsearch.study import RunOptions
    from archsearch.study._settings import resume_command

    storage = f"postgresql://bars:{SECRET}@db.lan/optuna"
    note = "  # *** is the password: type it in, or put the URL in $ARCHSEARCH_STORAGE and leave --storage out"
    assert report_command("s.py", "s", storage, None) == (
        f"archsearch report s.py --study s --storage 'postgresql://bars:***@db.lan/optuna'{note}"
    )
    assert resume_command("s.py", RunOptions(storage=storage)) == (
        f"archsearch run s.py --storage postgresql://bars:***@db.lan/optuna{note}"
    )
