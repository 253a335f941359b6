"""Resident memory over a long search: RSS after 10 vs 100 trials, with and without process recycling.

Runs `archsearch run bench/speed_space.py --epochs 1 --trials N` (a small dense model on digits) in a fresh
directory once per setting of --recycle-after, then reads the resident memory each trial recorded
(the `rss_mib` user attribute, taken right after the trial's fit) from the Optuna study.

    python bench/memory.py --trials 100 --recycle 0 50    # prints a Markdown table
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPACE = HERE / "speed_space.py"


def _run(trials: int, recycle: int) -> tuple[list[float], float]:
    import optuna

    workdir = Path(tempfile.mkdtemp(prefix=f"memory-{recycle}-"))
    cmd = [
        str(Path(sys.executable).with_name("archsearch")),
        "run",
        str(SPACE),
        "--trials",
        str(trials),
        "--epochs",
        "1",
        "--recycle-after",
        str(recycle),
        "--quiet",
    ]
    start = time.perf_counter()
    subprocess.run(
        cmd, cwd=workdir, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}, check=True, stdout=subprocess.DEVNULL
    )
    seconds = time.perf_counter() - start
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name="speed_space", storage=f"sqlite:///{workdir}/mlruns/optuna.db")
    rss = [t.user_attrs["rss_mib"] for t in sorted(study.get_trials(), key=lambda t: t.number)]
    shutil.rmtree(workdir, ignore_errors=True)
    return rss, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument(
        "--recycle",
        type=int,
        nargs="+",
        default=[0, 50],
        help="values of --recycle-after to compare (0 = one process for all trials)",
    )
    args = parser.parse_args()
    print(
        f"| --recycle-after | RSS after trial 10 (MiB) | RSS after trial {args.trials} (MiB) | max RSS (MiB) "
        f"| growth per trial, trials 10..{args.trials} (MiB) | wall time (s) |"
    )
    print("|---|---|---|---|---|---|")
    for recycle in args.recycle:
        rss, seconds = _run(args.trials, recycle)
        growth = (rss[-1] - rss[9]) / (len(rss) - 10)
        print(
            f"| {recycle} | {rss[9]:.0f} | {rss[-1]:.0f} | {max(rss):.0f} | {growth:.2f} | {seconds:.0f} |", flush=True
        )


if __name__ == "__main__":
    main()
