"""New SQLite stores copied from an empty template kept in the cache folder.

Both MLflow and Optuna build a new SQLite store by creating (and, for MLflow,
migrating) their whole schema: seconds of CPU each time a new ``mlruns/`` is
used. The first time, the library builds an empty store at a template path in
the cache (one per library version); later new stores are a file copy of it.
An existing store is never touched.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

from archsearch.stores._folders import cache_dir

__all__ = ["store_from_template"]


def store_from_template(
    db: Path,
    template_name: str,
    build: Callable[[Path], object],
    adjust: Callable[[sqlite3.Connection], None] | None = None,
) -> bool:
    """Create the SQLite file ``db`` as a copy of the cached template ``template_name``.

    Args:
        db: the store to create; nothing happens if it exists.
        template_name: file name of the template in :func:`cache_dir` (include the library version).
        build: makes an empty store at the path it is given (run once per template).
        adjust: edits the copy before it is put in place (paths that must point at ``db``'s folder).

    Returns:
        True when ``db`` was created from the template; False when it exists or no
        template could be made (the library then creates the store itself, as usual).
    """
    if db.exists():
        return False
    template = cache_dir() / template_name
    try:
        if not template.exists():
            template.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=template.parent) as tmp:
                fresh = Path(tmp) / "empty.db"
                build(fresh)
                os.replace(fresh, template)
        db.parent.mkdir(parents=True, exist_ok=True)
        partial = db.with_name(f"{db.name}.{os.getpid()}.partial")
        shutil.copyfile(template, partial)
        if adjust is not None:
            with sqlite3.connect(partial) as con:
                adjust(con)
            con.close()
        return _place(partial, db)
    except (OSError, sqlite3.Error):
        return False


def _place(partial: Path, db: Path) -> bool:
    """Move ``partial`` to ``db`` unless ``db`` exists, in one step; True when it was placed.

    Check-then-rename would let a second process replace a store that the first
    one has already opened (whose writes would then go to a deleted file): with
    ``--workers`` or a sweep, processes start together. A hard link fails when
    the name exists, atomically. A file system without hard links falls back to
    check-then-rename.
    """
    try:
        os.link(partial, db)
        return True
    except FileExistsError:
        return False
    except OSError:  # no hard links on this file system
        if db.exists():
            return False
        os.replace(partial, db)
        return True
    finally:
        partial.unlink(missing_ok=True)
