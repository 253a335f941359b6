"""One ``stat`` per file, split over forked processes where that is safe.

A cached load of an image folder is mostly ``stat`` calls: one per file, for the
content key that notices added, removed and rewritten files. Each is a system
call of a few microseconds (more on a virtual machine), and threads do not help
because every call takes the GIL back. Where ``fork`` exists, while the process
is single-threaded and TensorFlow is not loaded, the names are split between this
process and forked children that stat their share and send back
``(st_mode, st_size, st_mtime_ns)`` rows through a pipe. A child that fails for
any reason has its share redone here, so the result never depends on the split.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import warnings
from array import array
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["fork_is_safe", "stat_names"]

#: A share smaller than this costs more to fork than it saves (about 10 ms per child).
MIN_NAMES_PER_PROCESS = 5000
#: Values per name: st_mode (-1 when the name cannot be stat'ed), st_size, st_mtime_ns.
FIELDS = 3
_MAX_PROCESSES = 8

# A share: (folder index, first name, end) ranges over the folders' name lists.
_Share = list[tuple[int, int, int]]


def fork_is_safe() -> bool:
    """True where ``fork`` exists, while only one Python thread runs and TensorFlow is not loaded.

    Forking a process with other threads can leave the child waiting on a lock
    that a thread which does not exist there held at the time of the fork.
    """
    return hasattr(os, "fork") and threading.active_count() == 1 and "tensorflow" not in sys.modules


def stat_names(folders: Sequence[tuple[Path, Sequence[str]]], *, processes: int | None = None) -> list[np.ndarray]:
    """Stat every name in every folder (symlinks followed); one ``(n, 3)`` int64 array per folder.

    Rows are ``(st_mode, st_size, st_mtime_ns)`` in the order of the names; a name
    that cannot be stat'ed (a dangling link, a file removed meanwhile) gets
    ``st_mode == -1``.

    Args:
        folders: ``(folder, names in it)`` pairs.
        processes: how many processes share the work, this one included; by
            default one per :data:`MIN_NAMES_PER_PROCESS` names, at most one per
            available core, and 1 where :func:`fork_is_safe` is False.
    """
    if not folders:
        return []
    counts = [len(names) for _, names in folders]
    total = sum(counts)
    if processes is None:
        processes = min(_cores(), _MAX_PROCESSES, total // MIN_NAMES_PER_PROCESS) if fork_is_safe() else 1
    shares = _split(counts, max(1, min(processes, total)))
    relative = os.stat in os.supports_dir_fd
    handles: list[int | str] = []
    try:
        for folder, _ in folders:
            handles.append(os.open(folder, os.O_RDONLY) if relative else str(folder) + os.sep)
        flat = _forked(handles, folders, shares) if len(shares) > 1 else _stat_share(handles, folders, shares[0])
    finally:
        for handle in handles:
            if isinstance(handle, int):
                os.close(handle)
    rows = np.frombuffer(flat, dtype=np.int64).reshape(-1, FIELDS)
    return np.split(rows, np.cumsum(counts)[:-1])


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _split(counts: Sequence[int], parts: int) -> list[_Share]:
    """Cut the concatenated name lists into ``parts`` contiguous shares of (nearly) equal size."""
    total = sum(counts)
    bounds = [total * k // parts for k in range(parts + 1)]
    shares: list[_Share] = []
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        share: _Share = []
        start = 0
        for index, count in enumerate(counts):
            a, b = max(lo - start, 0), min(hi - start, count)
            if a < b:
                share.append((index, a, b))
            start += count
        shares.append(share)
    return shares


def _stat_share(handles: Sequence[int | str], folders: Sequence[tuple[Path, Sequence[str]]], share: _Share) -> bytes:
    out = array("q")
    for index, a, b in share:
        handle, names = handles[index], folders[index][1]
        for name in names[a:b]:
            try:
                st = os.stat(name, dir_fd=handle) if isinstance(handle, int) else os.stat(handle + name)
            except OSError:
                out.extend((-1, 0, 0))
            else:
                out.extend((st.st_mode, st.st_size, st.st_mtime_ns))
    return out.tobytes()


def _forked(handles: Sequence[int | str], folders: Sequence[tuple[Path, Sequence[str]]], shares: list[_Share]) -> bytes:
    """Stat ``shares[0]`` here and each other share in a forked child (here too if the child fails)."""
    children: dict[int, tuple[int, int]] = {}  # share index -> (pid, read end of its pipe), until reaped
    try:
        for k, share in enumerate(shares[1:], start=1):
            child = _fork_share(handles, folders, share)
            if child is None:
                break
            children[k] = child
        parts = [_stat_share(handles, folders, shares[0])]
        for k, share in enumerate(shares[1:], start=1):
            data = _collect(*children.pop(k)) if k in children else None
            if data is None or len(data) != sum(b - a for _, a, b in share) * FIELDS * 8:
                data = _stat_share(handles, folders, share)
            parts.append(data)
        return b"".join(parts)
    finally:  # interrupted or failed before every child was reaped: leave none behind
        for pid, reader in children.values():
            os.close(reader)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


def _fork_share(
    handles: Sequence[int | str], folders: Sequence[tuple[Path, Sequence[str]]], share: _Share
) -> tuple[int, int] | None:
    """Fork a child that writes the rows of ``share`` to a pipe; None when forking is refused."""
    reader, writer = os.pipe()
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns about forking with OS threads (numpy's idle BLAS pool);
            # the child below only calls stat and write, and takes no lock.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:
        os.close(reader)
        os.close(writer)
        return None
    if pid == 0:  # the child: never returns into the caller's code
        status = 1
        try:
            os.close(reader)
            view = memoryview(_stat_share(handles, folders, share))
            while view:
                view = view[os.write(writer, view) :]
            status = 0
        finally:
            os._exit(status)
    os.close(writer)
    return pid, reader


def _collect(pid: int, reader: int) -> bytes | None:
    """All that the child wrote (it is reaped and the pipe closed), or None when it did not finish cleanly."""
    chunks = []
    try:
        while chunk := os.read(reader, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(reader)
        _, status = os.waitpid(pid, 0)
    return b"".join(chunks) if os.waitstatus_to_exitcode(status) == 0 else None
