"""First vs second load of a generated image folder (notMNIST-like) through the decode cache.

Writes N grey 28x28 PNGs in 10 class folders (a few broken files among them) under
bench/_work/ (git-ignored), then loads it with ``folder:PATH`` in fresh processes:

1. first load, empty cache (parallel decode, all cores), timed;
2. second load of the same folder (memory-mapped cache), three times, median;
   then the same with every ``stat`` of the content key in one process (no fork);
   steps 1-2 repeat for --rounds rounds and the median ratios are reported;
3. after touching one file: the cache is invalidated and rebuilt;
4. (with --serial) a first load with one worker, to show what parallel decoding buys.

Each time is measured inside the child around ``load_raw`` alone (interpreter and
import time excluded) and includes touching every pixel (``x.sum()``), so a lazy
memory map is not counted as free.

    python bench/data_cache.py --images 20000 --rounds 5 --serial   # prints a Markdown table
    python bench/data_cache.py --memory 530000             # peak RSS of prepare() at notMNIST_large size
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work" / "data_cache"

_CHILD = """
import json, sys, time
from archsearch.data import load_raw
from archsearch.data import _images, _stat
if "serial" in sys.argv[2:]:
    _images._PARALLEL_MIN_FILES = 10**12  # force serial decoding
if "one-stat-process" in sys.argv[2:]:
    _stat.MIN_NAMES_PER_PROCESS = 10**12  # every stat in this process, none forked
t = time.perf_counter()
raw = load_raw("folder:" + sys.argv[1])
total = int(raw.x_train.sum())
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "n": len(raw.y_train), "skipped": len(raw.skipped), "sum": total}))
"""


def generate(root: Path, n: int) -> None:
    """``n`` PNGs over 10 letter folders, plus three broken files as in notMNIST."""
    from PIL import Image

    rng = np.random.default_rng(0)
    shutil.rmtree(root, ignore_errors=True)
    for k, letter in enumerate("ABCDEFGHIJ"):
        (root / letter).mkdir(parents=True)
        count = n // 10 + (1 if k < n % 10 else 0)
        base = rng.integers(0, 256, (28, 28), dtype=np.uint8)
        for i in range(count):
            noise = rng.integers(0, 32, (28, 28), dtype=np.uint8)
            Image.fromarray(base // 2 + noise).save(root / letter / f"{i:06d}.png")
    (root / "A" / "empty.png").write_bytes(b"")
    (root / "B" / "truncated.png").write_bytes((root / "B" / "000000.png").read_bytes()[:40])
    (root / "C" / "notes.txt").write_text("not an image")


def load(folder: Path, cache: Path, *flags: str) -> dict:
    env = {**os.environ, "ARCHSEARCH_CACHE": str(cache)}
    args = [sys.executable, "-c", _CHILD, str(folder), *flags]
    out = subprocess.run(args, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median_of_3(folder: Path, cache: Path, *flags: str) -> dict:
    return sorted((load(folder, cache, *flags) for _ in range(3)), key=lambda r: r["seconds"])[1]


def memory(n: int) -> None:
    """Peak RSS of prepare() on an n x 28x28 uint8 memory-mapped set (notMNIST_large: 530,000)."""
    import resource

    from archsearch.data import RawData, prepare

    path = WORK / "big.npy"
    WORK.mkdir(parents=True, exist_ok=True)
    x = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=(n, 28, 28))
    x[:] = 7
    x.flush()
    del x
    x = np.load(path, mmap_mode="r")
    t = time.perf_counter()
    ds = prepare("big", RawData(x, np.arange(n) % 10), input="flat", validation_split=0.1, seed=0)
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = (ds.x_train.nbytes + ds.x_val.nbytes + ds.x_test.nbytes) / 2**20
    print(
        f"prepare {seconds:.1f} s, peak RSS {peak:.0f} MiB, float32 outputs {out:.0f} MiB, "
        f"uint8 source {n * 784 / 2**20:.0f} MiB memory-mapped"
    )
    path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=20000)
    parser.add_argument("--memory", type=int, metavar="N", help="instead: peak memory of prepare() on N images")
    parser.add_argument("--serial", action="store_true", help="also time a first load with one worker")
    parser.add_argument("--rounds", type=int, default=3, help="first/second load pairs; the median ratio is reported")
    args = parser.parse_args()
    if args.memory:
        memory(args.memory)
        return

    folder, cache = WORK / "letters", WORK / "cache"
    t = time.perf_counter()
    generate(folder, args.images)
    print(f"generated {args.images} PNGs + 3 broken files in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    pairs, one_process = [], []
    for round_ in range(args.rounds):
        shutil.rmtree(cache, ignore_errors=True)
        first = load(folder, cache)
        second = _median_of_3(folder, cache)  # the machine is shared: median of three fresh processes
        unforked = _median_of_3(folder, cache, "one-stat-process")
        pairs.append((second["seconds"] / first["seconds"], first, second, unforked))
        one_process.append(unforked["seconds"] / first["seconds"])
        print(
            f"round {round_ + 1}: first {first['seconds']:.3f} s, second {second['seconds']:.3f} s "
            f"(stats in one process: {unforked['seconds']:.3f} s), ratio {pairs[-1][0]:.4f}",
            file=sys.stderr,
        )
    pairs.sort(key=lambda p: p[0])
    ratio, first, second, unforked = pairs[len(pairs) // 2]  # the round with the median ratio
    os.utime(folder / "D" / "000001.png")  # same bytes, new mtime: must rebuild
    rebuilt = load(folder, cache)
    third = load(folder, cache)
    rows = [
        ("first load (empty cache, parallel decode)", first),
        ("second load (cache hit), median of 3 processes", second),
        ("second load, every stat in one process (no fork)", unforked),
        ("after touching one file (rebuild)", rebuilt),
        ("load after the rebuild (cache hit)", third),
    ]
    if args.serial:
        shutil.rmtree(cache, ignore_errors=True)
        rows.append(("first load, one worker (serial decode)", load(folder, cache, "serial")))
    assert len({r["sum"] for _, r in rows}) == 1 and len({r["n"] for _, r in rows}) == 1
    print(f"| load ({first['n']} images, {first['skipped']} skipped) | seconds |")
    print("|---|---:|")
    for label, r in rows:
        print(f"| {label} | {r['seconds']:.3f} |")
    print(
        f"\nsecond / first = {ratio:.4f} ({100 * ratio:.2f}%; target at most 5%), the median over "
        f"{len(pairs)} rounds (the table shows that round); all rounds: " + ", ".join(f"{p[0]:.4f}" for p in pairs)
    )
    print(
        f"with every stat in one process: {sorted(one_process)[len(one_process) // 2]:.4f} (median over the "
        f"rounds); all rounds: " + ", ".join(f"{r:.4f}" for r in sorted(one_process))
    )
    if args.serial:
        print(
            f"parallel speed-up of the first load: {rows[-1][1]['seconds'] / first['seconds']:.2f}x "
            f"on {os.cpu_count()} cores"
        )


if __name__ == "__main__":
    main()
