"""Trials per hour with 1 and 2 local workers, and SQLite under contention.

Throughput: ``archsearch run SPACE --workers W`` on a fresh SQLite study and
MLflow store under bench/_work/workers/ (git-ignored), for each W in --workers.
Reported per W: the wall time of the whole command (process start, data, TF
import, all trials, summary) and trials per hour two ways: over the whole
command, and in steady state (from the first trial start to the last trial end,
from the Optuna timestamps), plus the machine's load average before the run.

Contention (--contention N): N processes each ask/tell trials of no work at all
for --seconds on one SQLite file opened by archsearch (WAL, 60 s lock timeout,
heartbeats on), each trial setting the two user attributes archsearch writes at
its start (owner, seed). This is far more write pressure than real trials (each
takes seconds); it counts lock errors ("database is locked") and the slowest
ask+tell.

    python bench/workers.py --workers 1 2 --trials 12 --epochs 5     # Markdown table of trials/hour
    python bench/workers.py --contention 2 4 8 16 --seconds 20       # lock errors under contention
    python bench/workers.py --target-runs 3 --storage postgresql://u:pw@127.0.0.1/db   # finished vs target

Target (--target-runs K): K times, a fresh study of spaces/digits_quick.py run to 12 trials of
1 epoch with ``--workers 3`` on ``--storage``; the finished count of each, which the target gate
keeps at 12 (plus at most the 2 trials already running when it was reached).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "_work" / "workers"

_HAMMER = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
import optuna
from archsearch.stores import open_storage
optuna.logging.set_verbosity(optuna.logging.ERROR)
url, seconds, index = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
study = optuna.load_study(study_name="hammer", storage=open_storage(url, heartbeat=10))
errors, done, slowest, end = [], 0, 0.0, time.monotonic() + seconds
while time.monotonic() < end:
    t = time.perf_counter()
    try:
        trial = study.ask()
        trial.set_user_attr("owner", f"bench/{index}")
        trial.set_user_attr("seed", done)
        study.tell(trial, 0.5)
        done += 1
    except Exception as err:
        errors.append(f"{type(err).__name__}: {str(err)[:200]}")
    slowest = max(slowest, time.perf_counter() - t)
print(json.dumps({"trials": done, "errors": errors, "slowest": slowest}))
"""


def throughput(space: str, workers: int, trials: int, epochs: int) -> dict:
    import optuna

    folder = WORK / f"w{workers}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    env = {
        **os.environ,
        "ARCHSEARCH_STORAGE": f"sqlite:///{folder}/optuna.db",
        "ARCHSEARCH_TRACKING_URI": f"sqlite:///{folder}/mlflow.db",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    load = os.getloadavg()[0]
    command = [
        sys.executable,
        "-m",
        "archsearch",
        "run",
        space,
        "--trials",
        str(trials),
        "--epochs",
        str(epochs),
        "--workers",
        str(workers),
        "--quiet",
    ]
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)  # workers and their MLflow workers
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.load_study(study_name=Path(space).stem, storage=env["ARCHSEARCH_STORAGE"])
    finished = [t for t in study.get_trials() if t.state.name == "COMPLETE"]
    first = min(t.datetime_start for t in finished)
    last = max(t.datetime_complete for t in finished)
    steady = (last - first).total_seconds()
    return {
        "workers": workers,
        "trials": len(finished),
        "wall_s": wall,
        "load_before": load,
        "cores_busy": cpu / wall,
        "per_hour_wall": len(finished) / wall * 3600,
        "per_hour_steady": len(finished) / steady * 3600,
        "locked": "database is locked" in done.stderr,
    }


def contention(processes: int, seconds: float) -> dict:
    import optuna

    from archsearch.stores import open_storage

    folder = WORK / "contention"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    url = f"sqlite:///{folder}/optuna.db"
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    optuna.create_study(study_name="hammer", storage=open_storage(url))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _HAMMER, url, str(seconds), str(i)], stdout=subprocess.PIPE, text=True, cwd=REPO
        )
        for i in range(processes)
    ]
    results = [json.loads(p.communicate()[0]) for p in procs]
    errors = [e for r in results for e in r["errors"]]
    return {
        "processes": processes,
        "trials": sum(r["trials"] for r in results),
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "slowest_s": max(r["slowest"] for r in results),
    }


def target_runs(storage: str, runs: int) -> list[int]:
    import optuna

    counts = []
    folder = WORK / "target"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    stamp = dt.datetime.now().strftime("%H%M%S")
    for i in range(runs):
        name = f"bench-target-{stamp}-{i}"
        env = {
            **os.environ,
            "ARCHSEARCH_STORAGE": storage,
            "ARCHSEARCH_TRACKING_URI": f"sqlite:///{folder}/mlflow.db",
            "TF_CPP_MIN_LOG_LEVEL": "2",
        }
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "archsearch",
                "run",
                "spaces/digits_quick.py",
                "--study",
                name,
                "--trials",
                "12",
                "--epochs",
                "1",
                "--workers",
                "3",
                "--quiet",
            ],
            env=env,
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        if done.returncode != 0:
            raise SystemExit(done.stderr[-3000:])
        trials = optuna.load_study(study_name=name, storage=storage).get_trials()
        counts.append(sum(t.state.name == "COMPLETE" for t in trials))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", default="spaces/digits_quick.py")
    parser.add_argument("--workers", type=int, nargs="*", default=[])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--contention", type=int, nargs="*", default=[])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--target-runs", type=int, default=0)
    parser.add_argument("--storage", default=os.environ.get("ARCHSEARCH_TEST_PG_URL", ""))
    args = parser.parse_args()
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}\n"
    )
    if args.workers:
        print(f"{args.space}, {args.trials} trials, {args.epochs} epochs\n")
        print(
            "| workers | trials | wall s | trials/hour (whole command) | trials/hour (steady) | CPU cores busy "
            "| load before |"
        )
        print("|---|---|---|---|---|---|---|")
        for w in args.workers:
            r = throughput(args.space, w, args.trials, args.epochs)
            print(
                f"| {w} | {r['trials']} | {r['wall_s']:.1f} | {r['per_hour_wall']:.0f} | {r['per_hour_steady']:.0f} "
                f"| {r['cores_busy']:.2f} | {r['load_before']:.1f} |",
                flush=True,
            )
    if args.contention:
        print(f"\nSQLite contention, {args.seconds:.0f} s of empty trials per process\n")
        print("| processes | trials | lock errors | slowest ask+tell s | first error |")
        print("|---|---|---|---|---|")
        for n in args.contention:
            r = contention(n, args.seconds)
            print(f"| {n} | {r['trials']} | {r['errors']} | {r['slowest_s']:.2f} | {r['first_error']} |", flush=True)
    if args.target_runs:
        from archsearch.stores import redact

        counts = target_runs(args.storage, args.target_runs)
        print(f"\n--workers 3 --trials 12 on {redact(args.storage)}: finished trials per run: {counts}")


if __name__ == "__main__":
    main()
