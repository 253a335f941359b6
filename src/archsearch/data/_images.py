"""Image folders (one subfolder per class) and their archives, e.g. notMNIST.

Decoding runs once, in parallel worker processes, into the cache (see
``_cache.py``); later loads memory-map the cached arrays. Unreadable, empty or
non-image files are skipped and counted in a warning, never fatal: notMNIST
ships a few of them.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import tarfile
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path, PurePosixPath
from stat import S_IFREG

import numpy as np

from archsearch.data._cache import RowWriter, content_key, entry_dir, read_entry, write_entry
from archsearch.data._dataset import RawData
from archsearch.data._decode import GRAY_MODES, Decoded, decode_batch
from archsearch.data._filestat import fork_is_safe, stat_names
from archsearch.errors import DatasetError

__all__ = ["check_image_folder", "load_image_folder", "ARCHIVE_SUFFIXES"]

# Skipped files are logged; the CLI shows them as one ``warning: ...`` line (cli/_main.py), a Python
# user sees them through their own logging setup (or Python's last-resort handler on stderr).
logger = logging.getLogger("archsearch.data")

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")
_BATCH = 256  # files per worker task: large enough to amortise pickling, small enough to balance
# Below these sizes, starting worker processes (about 1.5 s here) costs more than it saves
# (serial decoding runs at about 6,000 28x28 PNGs per second on one core).
_PARALLEL_MIN_FILES = 10_000
_PARALLEL_MIN_ARCHIVE_BYTES = 8 << 20
_PROBE_PER_CLASS = 3
_LAYOUT_HINT = "one subfolder of images per class, e.g. {p}/A/1.png, {p}/B/2.png"


def load_image_folder(
    path: str | os.PathLike[str], *, image_size: tuple[int, int] | None = None, workers: int | None = None
) -> RawData:
    """Load a class-per-subfolder image folder, or a ``.tar.gz`` of one, through the cache.

    Args:
        path: the folder whose subfolders are the classes, or an archive of it
            (notMNIST_small.tar.gz: the folder directly holding an image is its class).
        image_size: ``(height, width)`` to resize to; None keeps the native size and
            rejects folders with mixed sizes.
        workers: decoding processes; None uses every core for large inputs.

    Example:
        >>> raw = load_image_folder("notMNIST_small")  # doctest: +SKIP
        >>> raw.x_train.shape, raw.class_names[:3]      # doctest: +SKIP
        ((18724, 28, 28), ['A', 'B', 'C'])
    """
    source = check_image_folder(path)
    size = (int(image_size[0]), int(image_size[1])) if image_size is not None else None
    if source.is_dir():
        return _load_folder(source, size, workers)
    return _load_archive(source, size, workers)


def check_image_folder(path: str | os.PathLike[str]) -> Path:
    """Cheap layout checks (no decoding): a folder with two or more class folders, or an archive."""
    source = Path(path).expanduser()
    if source.is_dir():
        _class_dirs(source)
        return source
    if source.is_file() and source.name.lower().endswith(ARCHIVE_SUFFIXES):
        return source
    if source.is_file():
        raise DatasetError(
            f"{path}: not a folder or a {'/'.join(ARCHIVE_SUFFIXES)} archive; "
            f"an image dataset needs {_LAYOUT_HINT.format(p=path)}."
        )
    raise DatasetError(f"{path}: no such folder or archive; an image dataset needs {_LAYOUT_HINT.format(p=path)}.")


def _class_dirs(root: Path) -> list[str]:
    class_dirs = sorted(e.name for e in os.scandir(root) if e.is_dir() and not e.name.startswith("."))
    if not class_dirs:
        raise DatasetError(f"{root}: no class subfolders; an image dataset needs {_LAYOUT_HINT.format(p=root)}.")
    if len(class_dirs) == 1:
        raise DatasetError(
            f"{root}: only one class subfolder ({class_dirs[0]}); a classification needs at least "
            f"two (point at the folder that holds the class folders: {_LAYOUT_HINT.format(p=root)})."
        )
    return class_dirs


# -- folders -----------------------------------------------------------------------------------------------


def _load_folder(root: Path, size: tuple[int, int] | None, workers: int | None) -> RawData:
    classes, listing, key = _scan(root)
    folder = entry_dir("images", root, {"image_size": size})
    cached = read_entry(folder, key)
    if cached is not None:
        return _from_cache(root, *cached)
    files = [f"{name}/{fname}" for name, fnames in zip(classes, listing, strict=True) for fname in fnames]
    labels = [label for label, fnames in enumerate(listing) for _ in fnames]
    mode, target, strict = _probe(root, classes, files, labels, size)
    paths = [str(root / rel) for rel in files]
    tasks = (paths[i : i + _BATCH] for i in range(0, len(paths), _BATCH))
    n_workers = _workers(workers, len(paths) >= _PARALLEL_MIN_FILES)
    label_batches = (labels[i : i + _BATCH] for i in range(0, len(labels), _BATCH))
    name_batches = (files[i : i + _BATCH] for i in range(0, len(files), _BATCH))
    return _build(
        root,
        folder,
        key,
        classes,
        zip(tasks, label_batches, name_batches, strict=True),
        mode,
        target,
        strict,
        n_workers,
    )


def _scan(root: Path) -> tuple[list[str], list[list[str]], str]:
    """Class folders, each one's regular file names (sorted, symlinks followed), and the content key.

    This runs on every load, cache hit or not, and is most of a cached load's
    time: one ``stat`` per file (the kernel's floor; ``find -printf`` needs as
    long), spread over forked processes by :func:`stat_names` where that is safe.
    Nothing else per file is done on a hit.
    """
    class_dirs = _class_dirs(root)
    listing = [sorted(os.listdir(root / name)) for name in class_dirs]
    all_rows = stat_names([(root / name, names) for name, names in zip(class_dirs, listing, strict=True)])
    for k, rows in enumerate(all_rows):
        regular = (rows[:, 0] & 0o170000) == S_IFREG  # also drops names that could not be stat'ed (-1)
        if not regular.all():
            listing[k] = [name for name, keep in zip(listing[k], regular.tolist(), strict=True) if keep]
            all_rows[k] = rows[regular]
    key = content_key(zip(class_dirs, listing, all_rows, strict=True))
    return class_dirs, listing, key


def _probe(
    root: Path, classes: list[str], files: list[str], labels: list[int], size: tuple[int, int] | None
) -> tuple[str, tuple[int, int], bool]:
    """Colour mode and size from the first few files of each class; fail early on mixed sizes."""
    from PIL import Image

    seen: dict[int, int] = {}
    sizes: dict[tuple[int, int], str] = {}
    colour = False
    for rel, label in zip(files, labels, strict=True):
        if seen.get(label, 0) >= _PROBE_PER_CLASS and sizes:
            continue
        try:
            with Image.open(root / rel) as img:
                sizes.setdefault((img.size[1], img.size[0]), rel)
                colour |= img.mode not in GRAY_MODES
        except Exception:  # noqa: BLE001 - unreadable files are counted during decoding
            continue
        seen[label] = seen.get(label, 0) + 1
    if not sizes:
        raise DatasetError(f"{root}: no readable images; an image dataset needs {_LAYOUT_HINT.format(p=root)}.")
    if size is None and len(sizes) > 1:
        _mixed_sizes(root, sizes)
    target = size or next(iter(sizes))
    return ("RGB" if colour else "L"), target, size is None


# -- archives ----------------------------------------------------------------------------------------------


def _load_archive(archive: Path, size: tuple[int, int] | None, workers: int | None) -> RawData:
    rows = stat_names([(archive.parent, [archive.name])])[0]
    key = content_key([("", [archive.name], rows)])
    folder = entry_dir("images", archive, {"image_size": size})
    cached = read_entry(folder, key)
    if cached is not None:
        return _from_cache(archive, *cached)
    class_ids: dict[str, int] = {}
    probe: dict[str, object] = {}

    def batches() -> Iterator[tuple[list[bytes], list[int], list[str]]]:
        items: list[bytes] = []
        labels: list[int] = []
        names: list[str] = []
        try:
            with tarfile.open(archive, "r|*") as tar:  # streaming: one pass over the compressed file
                for member in tar:
                    parent = PurePosixPath(member.name).parent.name
                    if not member.isfile() or not parent:
                        continue
                    data = tar.extractfile(member).read()  # type: ignore[union-attr]
                    if "mode" not in probe:
                        _probe_bytes(data, probe)
                    items.append(data)
                    labels.append(class_ids.setdefault(parent, len(class_ids)))
                    names.append(f"{parent}/{PurePosixPath(member.name).name}")
                    if len(items) == _BATCH:
                        yield items, labels, names
                        items, labels, names = [], [], []
        except (tarfile.TarError, OSError, EOFError) as err:
            raise DatasetError(
                f"{archive}: cannot read the archive ({err}); re-download it or extract it and use the folder."
            ) from None
        if items:
            yield items, labels, names

    # The mode and size come from the first readable image, probed before its batch is sent.
    n_workers = _workers(workers, int(rows[0, 1]) >= _PARALLEL_MIN_ARCHIVE_BYTES)
    return _build(archive, folder, key, class_ids, batches(), probe, size, size is None, n_workers)


def _probe_bytes(data: bytes, probe: dict[str, object]) -> None:
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            probe["mode"] = "L" if img.mode in GRAY_MODES else "RGB"
            probe["size"] = (img.size[1], img.size[0])
    except Exception:  # noqa: BLE001 - not an image: try the next file
        return


# -- shared ------------------------------------------------------------------------------------------------


def _build(
    source: Path,
    folder: Path,
    key: str,
    classes: list[str] | dict[str, int],
    tasks: Iterable[tuple[list, list[int], list[str]]],
    mode: str | dict[str, object],
    size: tuple[int, int] | None,
    strict: bool,
    workers: int,
) -> RawData:
    """Decode ``tasks`` into a new cache entry and return it memory-mapped.

    ``mode``/``classes`` may be filled lazily (archives learn them while streaming),
    hence the dict forms.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    writer = RowWriter(tmp / "x.npy")
    y_parts: list[np.ndarray] = []
    skipped: list[str] = []
    mismatched: dict[tuple[int, int], str] = {}
    to_gray = 0
    try:
        for decoded, labels, names in _decode_all(tasks, mode, size, strict, workers):
            writer.append(decoded.pixels)
            y_parts.append(np.asarray(labels, dtype=np.int64)[decoded.ok])
            skipped.extend(names[pos] for pos, _ in decoded.bad)
            for pos, hw in decoded.other_size:
                mismatched.setdefault(hw, names[pos])
            to_gray += decoded.to_gray
        if mismatched:
            ref = size if size is not None else _resolved(mode)[1]
            _mixed_sizes(source, {ref: "the others", **mismatched})
        if writer.rows == 0:
            raise DatasetError(f"{source}: no readable images; an image dataset needs {_LAYOUT_HINT.format(p=source)}.")
        writer.finish()
    except BaseException:
        writer.discard()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    names_by_id = classes if isinstance(classes, list) else sorted(classes, key=classes.__getitem__)
    y, class_names = _compact_labels(source, np.concatenate(y_parts), names_by_id)
    meta = {
        "key": key,
        "source": str(source),
        "class_names": class_names,
        "skipped": skipped,
        "to_gray": to_gray,
        "shape": [writer.rows, *(writer.row_shape or ())],
    }
    write_entry(folder, tmp, y, meta)
    cached = read_entry(folder, key)
    if cached is None:  # a concurrent writer replaced it with another version; rebuild is not worth it here
        raise DatasetError(f"{source}: the cache entry {folder} changed while it was written; run again.")
    return _from_cache(source, *cached)


def _decode_all(
    tasks: Iterable[tuple[list, list[int], list[str]]],
    mode: str | dict[str, object],
    size: tuple[int, int] | None,
    strict: bool,
    workers: int,
) -> Iterator[tuple[Decoded, list[int], list[str]]]:
    """Decode in order; at most a few batches in flight so memory stays bounded."""
    if workers <= 1:
        for items, labels, names in tasks:
            m, target = _resolved(mode, size)
            yield decode_batch(items, m, target, strict), labels, names
        return
    with ProcessPoolExecutor(workers, mp_context=_mp_context()) as pool:
        pending: deque = deque()
        for items, labels, names in tasks:
            m, target = _resolved(mode, size)
            pending.append((pool.submit(decode_batch, items, m, target, strict), labels, names))
            if len(pending) >= 2 * workers + 2:
                future, labels, names = pending.popleft()
                yield future.result(), labels, names
        while pending:
            future, labels, names = pending.popleft()
            yield future.result(), labels, names


def _mp_context() -> multiprocessing.context.BaseContext:
    """fork where :func:`fork_is_safe` (fast, and scripts need no main guard); forkserver or spawn otherwise."""
    if fork_is_safe():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context(
        "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    )


def _resolved(mode: str | dict[str, object], size: tuple[int, int] | None = None) -> tuple[str, tuple[int, int]]:
    if isinstance(mode, str):
        return mode, size or (1, 1)
    return str(mode.get("mode", "L")), size or mode.get("size", (1, 1))  # type: ignore[return-value]


def _compact_labels(source: Path, y: np.ndarray, names: list[str]) -> tuple[np.ndarray, list[str]]:
    """Drop classes with no readable image, order classes by name, renumber 0..K-1."""
    counts = np.bincount(y, minlength=len(names))
    present = sorted(names[i] for i in np.flatnonzero(counts))
    empty = [n for i, n in enumerate(names) if counts[i] == 0]
    if empty:
        logger.warning("%s: class folder(s) without a readable image ignored: %s", source, ", ".join(empty))
    if len(present) < 2:
        raise DatasetError(
            f"{source}: only {len(present)} class with readable images ({', '.join(present)}); "
            f"a classification needs at least two ({_LAYOUT_HINT.format(p=source)})."
        )
    new_id = {n: i for i, n in enumerate(present)}
    remap = np.array([new_id.get(n, -1) for n in names], dtype=np.int64)
    return remap[y], present


def _from_cache(source: Path, x: np.ndarray, y: np.ndarray, meta: dict) -> RawData:
    skipped = list(meta.get("skipped", []))
    if skipped:
        few = ", ".join(skipped[:3]) + (", ..." if len(skipped) > 3 else "")
        logger.warning("%s: skipped %d unreadable, empty or non-image file(s): %s", source, len(skipped), few)
    if meta.get("to_gray"):
        logger.warning("%s: %d colour image(s) converted to grey (most images are grey)", source, meta["to_gray"])
    return RawData(x, y, class_names=list(meta["class_names"]), skipped=skipped)


def _mixed_sizes(source: Path, sizes: dict[tuple[int, int], str]) -> None:
    (a, _), (b, example) = list(sizes.items())[:2]
    raise DatasetError(
        f"{source}: images of mixed sizes ({a[0]}x{a[1]} and {b[0]}x{b[1]}, e.g. {example}); "
        "set IMAGE_SIZE = (height, width) in the space to resize them."
    )


def _workers(requested: int | None, large: bool) -> int:
    if requested is not None:
        return max(1, requested)
    if not large:
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1
