"""New SQLite stores from a cached template: placed in one step, never over a store another process made."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from archsearch.stores import Folders, _folders, store_from_template, use_folders


def _build(path: Path) -> None:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE t (who TEXT)")
    con.close()


def _rows(db: Path) -> list[str]:
    with sqlite3.connect(db) as con:
        rows = [r[0] for r in con.execute("SELECT who FROM t ORDER BY who")]
    con.close()
    return rows


def _write(db: Path | str, who: str) -> None:
    with sqlite3.connect(db, timeout=30) as con:
        con.execute("INSERT INTO t VALUES (?)", (who,))
    con.close()


@pytest.fixture
def made(tmp_path, monkeypatch) -> Path:
    """A store made from the template, with one row written by the process that made it."""
    monkeypatch.setattr(_folders, "_current", Folders(cache=tmp_path / "cache"))
    db = tmp_path / "s" / "a.db"
    assert store_from_template(db, "t-1.db", _build) is True
    _write(db, "maker")
    return db


def test_a_store_is_made_once_and_an_existing_one_is_left_alone(made):
    assert store_from_template(made, "t-1.db", _build) is False
    assert _rows(made) == ["maker"]
    assert sorted(p.name for p in made.parent.iterdir()) == ["a.db"]  # no partial copy left behind


def test_a_store_another_process_placed_after_the_check_is_kept(made, monkeypatch):
    # Two processes start together: both see no store; the other one places its copy and starts writing
    # into it. Replacing that file (check-then-rename) would send the other process's writes to a deleted file.
    inode = made.stat().st_ino
    exists = Path.exists
    monkeypatch.setattr(Path, "exists", lambda self: False if self == made else exists(self))  # checked too early

    assert store_from_template(made, "t-1.db", _build) is False
    assert made.stat().st_ino == inode and _rows(made) == ["maker"]
    assert sorted(p.name for p in made.parent.iterdir()) == ["a.db"]


def _place_and_write(cache: str, db: str, who: str, barrier, done) -> None:
    use_folders(Folders(cache=Path(cache)))
    barrier.wait()
    store_from_template(Path(db), "t-1.db", _build)
    _write(db, who)
    done.put(who)


def test_processes_starting_together_all_write_into_the_one_store(tmp_path):
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    db, n = tmp_path / "s" / "a.db", 6
    barrier, done = ctx.Barrier(n), ctx.Queue()
    procs = [
        ctx.Process(target=_place_and_write, args=(str(tmp_path / "cache"), str(db), f"p{i}", barrier, done))
        for i in range(n)
    ]
    for p in procs:
        p.start()
    finished = sorted(done.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    assert finished == [f"p{i}" for i in range(n)]
    assert _rows(db) == finished  # every process wrote into the store that stayed
