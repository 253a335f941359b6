"""stat_names: the same rows whether this process stats every name or forked children share the work."""

from __future__ import annotations

import os
import stat
import threading

import numpy as np
import pytest

from archsearch.data import _filestat
from archsearch.data._filestat import FIELDS, fork_is_safe, stat_names

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


@pytest.fixture
def folders(tmp_path):
    """Three folders of files with different sizes, one holding a dangling link and a subfolder."""
    out = []
    for k, count in enumerate((7, 0, 12)):
        folder = tmp_path / f"c{k}"
        folder.mkdir()
        for i in range(count):
            (folder / f"{i:03d}.png").write_bytes(b"x" * (10 * k + i))
        out.append((folder, sorted(os.listdir(folder))))
    odd = tmp_path / "c0"
    os.symlink(tmp_path / "nowhere", odd / "dangling.png")
    (odd / "sub").mkdir()
    out[0] = (odd, sorted(os.listdir(odd)))
    return out


@pytest.fixture
def forks(monkeypatch):
    """Record the pids of the children that stat_names forks."""
    pids: list[int] = []
    real_fork = os.fork

    def fork():
        pid = real_fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    return pids


def _expected(folders):
    rows = []
    for folder, names in folders:
        block = []
        for name in names:
            try:
                st = os.stat(folder / name)
            except OSError:
                block.append((-1, 0, 0))
            else:
                block.append((st.st_mode, st.st_size, st.st_mtime_ns))
        rows.append(np.array(block, dtype=np.int64).reshape(-1, FIELDS))
    return rows


def _assert_rows(got, folders):
    want = _expected(folders)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_one_process_gives_each_names_mode_size_and_mtime(folders):
    rows = stat_names(folders, processes=1)
    _assert_rows(rows, folders)
    names = folders[0][1]
    assert rows[0][names.index("dangling.png"), 0] == -1
    assert stat.S_ISDIR(int(rows[0][names.index("sub"), 0]))
    assert rows[1].shape == (0, FIELDS)


@needs_fork
@pytest.mark.parametrize("processes", [2, 3, 5])
def test_forked_children_give_the_same_rows(folders, forks, processes):
    rows = stat_names(folders, processes=processes)
    _assert_rows(rows, folders)
    assert len(forks) == processes - 1
    for pid in forks:  # every child was reaped
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


@needs_fork
def test_a_failing_child_has_its_share_redone_here(folders, forks, monkeypatch):
    parent = os.getpid()
    real_share = _filestat._stat_share

    def share_failing_in_children(*args):
        if os.getpid() != parent:
            raise RuntimeError("child fails")
        return real_share(*args)

    monkeypatch.setattr(_filestat, "_stat_share", share_failing_in_children)
    _assert_rows(stat_names(folders, processes=3), folders)
    assert len(forks) == 2


@needs_fork
def test_a_refused_fork_falls_back_to_this_process(folders, monkeypatch):
    def refuse():
        raise OSError("fork refused")

    monkeypatch.setattr(os, "fork", refuse)
    _assert_rows(stat_names(folders, processes=4), folders)


def test_the_default_does_not_fork_while_another_thread_runs(folders, monkeypatch):
    def forbidden():
        raise AssertionError("forked while another thread ran")

    monkeypatch.setattr(os, "fork", forbidden, raising=False)
    monkeypatch.setattr(_filestat, "MIN_NAMES_PER_PROCESS", 1)
    monkeypatch.setattr(_filestat, "_cores", lambda: 4)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not fork_is_safe()
        _assert_rows(stat_names(folders), folders)
    finally:
        stop.set()
        thread.join()


@pytest.mark.parametrize("counts", [[7, 0, 12], [1], [0, 0], [5, 5, 5, 5], [100, 1]])
@pytest.mark.parametrize("parts", [1, 2, 3, 7])
def test_shares_cover_every_name_once_in_order(counts, parts):
    shares = _filestat._split(counts, parts)
    assert len(shares) == parts
    flat = [(index, i) for share in shares for index, a, b in share for i in range(a, b)]
    assert flat == [(index, i) for index, count in enumerate(counts) for i in range(count)]
    sizes = [sum(b - a for _, a, b in share) for share in shares]
    assert max(sizes) - min(sizes) <= 1
