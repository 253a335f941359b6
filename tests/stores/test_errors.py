"""A store that fails is one `error:` line naming it (password masked) and the fix, exit 2, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from archsearch.errors import UsageError
from archsearch.stores import check_reachable, open_storage, storage_errors

PG_URL = os.environ.get("ARCHSEARCH_TEST_PG_URL")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once it is closed


def test_a_server_that_is_not_there_is_one_line_with_exit_2_from_run(tmp_path, tiny_space):
    url = f"postgresql://bars:s3cret@127.0.0.1:{_closed_port()}/optuna"
    done = subprocess.run(
        [sys.executable, "-m", "archsearch", "run", str(tiny_space), "--storage", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: --storage 'postgresql://bars:***@127.0.0.1")
    assert "no database server answers there" in done.stderr and "start the server" in done.stderr
    assert "s3cret" not in done.stderr
    assert not (tmp_path / "mlruns").exists()  # nothing written


@pytest.mark.skipif(not PG_URL, reason="ARCHSEARCH_TEST_PG_URL is not set")
def test_a_wrong_password_and_a_missing_database_name_the_fix():
    from sqlalchemy.engine import make_url

    wrong = make_url(PG_URL).set(password="not-the-password").render_as_string(hide_password=False)
    with pytest.raises(UsageError, match=r"refused the user name or password .* fix them in the URL") as err:
        check_reachable(wrong, "--storage")
    assert "not-the-password" not in str(err.value) and ":***@" in str(err.value)
    missing = make_url(PG_URL).set(database="archsearch_no_such_db").render_as_string(hide_password=False)
    with pytest.raises(UsageError, match=r"the database does not exist .* create it"):
        check_reachable(missing, "--tracking-uri")


def test_a_full_disk_is_one_line_naming_the_store(tmp_path):
    import optuna
    from sqlalchemy import event

    url = f"sqlite:///{tmp_path}/optuna.db"
    storage = open_storage(url)
    study = optuna.create_study(study_name="full", storage=storage)
    with storage.engine.connect() as con:
        pages = con.exec_driver_sql("PRAGMA page_count").scalar()
    # SQLite's own "database or disk is full", as on a full disk: the file may grow by 2 pages only.
    event.listen(storage.engine, "connect", lambda con, record: con.execute(f"PRAGMA max_page_count = {pages + 2}"))
    storage.engine.dispose()
    with pytest.raises(UsageError) as err, storage_errors(url, "--storage"):
        for _ in range(10_000):
            study.enqueue_trial({"x": 1}, user_attrs={"note": "x" * 2000})
    assert str(err.value).startswith(f"--storage 'sqlite:///{tmp_path}/optuna.db': the disk is full (")
    assert "free space" in str(err.value)


def test_errors_of_other_kinds_pass_through():
    with pytest.raises(KeyError), storage_errors("sqlite:///x.db", "--storage"):
        raise KeyError("not a store's error")


def test_a_sqlite_file_in_a_folder_that_cannot_be_made_is_one_line(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    url = f"sqlite:///{tmp_path}/a-file/sub/optuna.db"
    with pytest.raises(UsageError, match=r"cannot make its folder .*a-file/sub \(.*\); give a SQLite file in a folder"):
        open_storage(url)
    assert not (tmp_path / "sub").exists()
