"""Processes that start in the same instant on new stores: failures per repetition, with and without the guard.

Each repetition: N processes wait at one ``multiprocessing.Barrier``, then all do
what the start of ``archsearch run`` writes to a new, empty store (Optuna's
tables, the study, its settings, a design's two trials; with --mlflow also
MLflow's tables, the experiment and a parent run), through archsearch's own
functions (tests/together.py). Then the stores are checked: one study, the
design once, one experiment, N finished parent runs. ``--no-guard`` runs the same
without :mod:`archsearch.stores._together` (what archsearch did before).

    python bench/start_together.py --store postgresql --processes 4 --reps 20 --pg-url postgresql://u:pw@host/db
    python bench/start_together.py --store sqlite --processes 4 --reps 20 --mlflow
    python bench/start_together.py --store postgresql --processes 4 --reps 20 --no-guard --pg-url ...

Prints one Markdown table row per setting: failed processes / processes started, the
repetitions with a failure, stores left wrong, wall seconds, and the first error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import TINY_SPACE  # noqa: E402
from tests.together import (  # noqa: E402
    check_stores,
    drop_postgres_databases,
    fresh_postgres_databases,
    start_together,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("postgresql", "sqlite"), required=True)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--mlflow", action="store_true", help="also MLflow's tracking store (same kind)")
    parser.add_argument("--no-guard", action="store_true")
    parser.add_argument("--pg-url", default=os.environ.get("ARCHSEARCH_TEST_PG_URL"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="archsearch-together-") as tmp:
        os.environ.setdefault("ARCHSEARCH_CACHE", str(Path(tmp) / "cache"))
        space = Path(tmp) / "tiny.py"
        space.write_text(TINY_SPACE)
        made: list[str] = []
        if args.store == "postgresql":
            if not args.pg_url:
                parser.error("--pg-url (or ARCHSEARCH_TEST_PG_URL) is needed for --store postgresql")
            made = fresh_postgres_databases(args.pg_url, args.reps * (2 if args.mlflow else 1))
            jobs = [(made[i], made[args.reps + i] if args.mlflow else None) for i in range(args.reps)]
        else:
            jobs = [
                (f"sqlite:///{tmp}/{i}/optuna.db", f"sqlite:///{tmp}/{i}/mlflow.db" if args.mlflow else None)
                for i in range(args.reps)
            ]
        try:
            started = time.monotonic()
            outcome = start_together(space, jobs, args.processes, "no-guard" if args.no_guard else None)
            wall = time.monotonic() - started
            wrong = sum(bool(_check(storage, tracking, args.processes)) for storage, tracking in jobs)
        finally:
            if made:
                drop_postgres_databases(args.pg_url, made)
    first = next((e[0].splitlines()[0][:160] for e in outcome.errors if e), "")
    print(
        f"<!-- {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.1f}: {' '.join(sys.argv)} -->"
    )
    print(
        f"| {args.store}{' + MLflow' if args.mlflow else ''} | {'no' if args.no_guard else 'yes'} | "
        f"{args.processes} x {args.reps} | {outcome.failures}/{args.processes * args.reps} | "
        f"{sum(bool(e) for e in outcome.errors)} | {wrong} | {wall:.0f} | {first} |"
    )


def _check(storage: str, tracking: str | None, processes: int) -> list[str]:
    try:
        return check_stores(storage, tracking, processes)
    except Exception as err:  # a store left unreadable counts as wrong
        return [f"{type(err).__name__}: {err}"]


if __name__ == "__main__":
    main()
