"""The decoded-image cache: one folder of memory-mappable ``.npy`` arrays per source.

Decoding an image folder is slow (notMNIST_large: 530k PNGs); reading the
decoded arrays back is not. Each source (a folder or an archive, with the size
and colour it was decoded to) gets one cache folder; its ``meta.json`` holds a
content key, and a different key (files added, removed or touched) rebuilds the
folder in place, so stale entries never pile up.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from archsearch.stores import cache_dir

__all__ = ["cache_root", "content_key", "entry_dir", "read_entry", "RowWriter", "write_entry"]

_FORMAT = 1  # bump when the cached layout or decoding changes


def cache_root() -> Path:
    """The shared archsearch cache folder (see :func:`archsearch.stores.cache_dir`)."""
    return cache_dir()


def entry_dir(kind: str, source: Path, params: dict[str, Any]) -> Path:
    """The cache folder of one decoded source (same source + params -> same folder)."""
    ident = json.dumps({"source": str(source.resolve()), "params": params, "format": _FORMAT}, sort_keys=True)
    return cache_root() / kind / hashlib.sha256(ident.encode()).hexdigest()[:24]


def content_key(folders: Iterable[tuple[str, Sequence[str], np.ndarray]]) -> str:
    """A hash of each folder's sorted file names with their modes, sizes and mtimes: changes when any file does.

    Args:
        folders: ``(folder name, sorted file names, their stat rows)`` per folder, the
            rows as :func:`archsearch.data._filestat.stat_names` returns them.
    """
    digest = hashlib.sha256()
    for folder, names, rows in folders:
        digest.update("\0".join([folder, *names, "\n"]).encode("utf-8", "surrogateescape"))
        digest.update(np.ascontiguousarray(rows, dtype=np.int64).tobytes())
    return digest.hexdigest()


def read_entry(folder: Path, key: str) -> tuple[np.ndarray, np.ndarray, dict[str, Any]] | None:
    """Memory-map ``x.npy`` and load ``y.npy`` when ``folder`` holds ``key``; else None."""
    try:
        meta = json.loads((folder / "meta.json").read_text())
        if meta.get("key") != key:
            return None
        x = np.load(folder / "x.npy", mmap_mode="r")
        y = np.load(folder / "y.npy")
    except (OSError, ValueError):
        return None  # missing, half-written or corrupt: rebuild
    return x, y, meta


class RowWriter:
    """Append decoded image blocks to a raw file; :meth:`finish` turns it into an ``.npy``.

    The number of readable images is only known at the end, and ``.npy`` puts the
    shape in its header; writing raw rows first keeps memory at one block.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._raw_path = path.with_suffix(".raw")
        self._raw: BinaryIO = open(self._raw_path, "wb")  # noqa: SIM115 - closed in finish()
        self.rows = 0
        self.row_shape: tuple[int, ...] | None = None

    def append(self, block: np.ndarray) -> None:
        if not len(block):
            return
        self.row_shape = tuple(block.shape[1:])
        self._raw.write(np.ascontiguousarray(block, dtype=np.uint8).tobytes())
        self.rows += len(block)

    def finish(self) -> None:
        self._raw.close()
        header = {"descr": "|u1", "fortran_order": False, "shape": (self.rows, *(self.row_shape or ()))}
        with open(self.path, "wb") as out, open(self._raw_path, "rb") as raw:
            np.lib.format.write_array_header_1_0(out, header)
            shutil.copyfileobj(raw, out, length=16 << 20)
        self._raw_path.unlink()

    def discard(self) -> None:
        self._raw.close()
        with contextlib.suppress(OSError):
            self._raw_path.unlink()


def write_entry(folder: Path, tmp: Path, y: np.ndarray, meta: dict[str, Any]) -> None:
    """Finish the entry built in ``tmp`` (``x.npy`` already there) and move it to ``folder``."""
    np.save(tmp / "y.npy", y)
    (tmp / "meta.json").write_text(json.dumps(meta))  # written last: its presence marks a complete entry
    shutil.rmtree(folder, ignore_errors=True)
    try:
        os.replace(tmp, folder)
    except OSError:
        # Another process finished the same entry first; keep theirs.
        shutil.rmtree(tmp, ignore_errors=True)
