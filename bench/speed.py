"""Overhead of `archsearch run` against a plain Keras loop and a bare Optuna loop.

Each mode is a whole process (imports included) that trains the same 6 models
(bench/speed_space.py: dense 64-64 on digits, 15 epochs, batch 32). Modes run
interleaved in rounds so that machine noise hits them alike; the ratio of each
mode to the plain Keras loop of the same round is reported, then the median
over rounds.

On a shared VM the fits themselves vary by 10-30% from one process to the
next, which swamps a few percent of overhead. So each mode also records the
wall time of its `model.fit` calls (archsearch: the trials' `fit_seconds`), and
the second estimate replaces the fits' noise with the plain loop's own fit time:
(plain total + mode's time outside fit - plain's time outside fit) / plain total.
The last column, the paired ratio of time inside fit, shows whether overhead
hides inside the fits (callbacks, threads or processes competing for the cores).

    python bench/speed.py --rounds 5            # prints a Markdown table
    python bench/speed.py --mode keras          # one process of one mode (used internally)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPACE = HERE / "speed_space.py"
TRIALS, EPOCHS, BATCH = 6, 15, 32
MODES = ("keras", "optuna", "archsearch")


def _data():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    x_train, _, y_train, _ = train_test_split(x, digits.target, test_size=0.2, stratify=digits.target, random_state=0)
    return train_test_split(x_train, y_train, test_size=0.1, stratify=y_train, random_state=1)


def _model(lr: float):
    import keras

    model = keras.Sequential(
        [
            keras.Input(shape=(64,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _timed_fit(model, fits: list[float], *args, **kwargs):
    start = time.perf_counter()
    history = model.fit(*args, **kwargs)
    fits.append(time.perf_counter() - start)
    return history


def plain_keras(workdir: Path) -> None:
    x_train, x_val, y_train, y_val = _data()
    fits: list[float] = []
    for i in range(TRIALS):
        model = _model(10 ** (-4 + 2 * i / TRIALS))
        _timed_fit(
            model, fits, x_train, y_train, validation_data=(x_val, y_val), epochs=EPOCHS, batch_size=BATCH, verbose=0
        )
    (workdir / "fits.json").write_text(json.dumps(fits))


def bare_optuna(workdir: Path) -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    x_train, x_val, y_train, y_val = _data()

    fits: list[float] = []

    def objective(trial):
        model = _model(trial.suggest_float("learning_rate", 1e-4, 1e-2, log=True))
        history = _timed_fit(
            model, fits, x_train, y_train, validation_data=(x_val, y_val), epochs=EPOCHS, batch_size=BATCH, verbose=0
        )
        return history.history["val_accuracy"][-1]

    study = optuna.create_study(storage=f"sqlite:///{workdir}/optuna.db", direction="maximize")
    study.optimize(objective, n_trials=TRIALS)
    (workdir / "fits.json").write_text(json.dumps(fits))


def _archsearch_fits(workdir: Path) -> list[float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=SPACE.stem, storage=f"sqlite:///{workdir}/mlruns/optuna.db")
    return [t.user_attrs["metrics"]["fit_seconds"] for t in study.get_trials()]


def _one(mode: str) -> tuple[float, float]:
    """(whole-process wall time, wall time inside model.fit)."""
    workdir = Path(tempfile.mkdtemp(prefix=f"speed-{mode}-"))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    if mode == "archsearch":
        cmd = [str(Path(sys.executable).with_name("archsearch")), "run", str(SPACE), "--trials", str(TRIALS), "--quiet"]
    else:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--mode", mode, "--workdir", str(workdir)]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=workdir, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    fits = _archsearch_fits(workdir) if mode == "archsearch" else json.loads((workdir / "fits.json").read_text())
    shutil.rmtree(workdir, ignore_errors=True)
    return seconds, sum(fits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mode", choices=MODES)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    if args.mode == "keras":
        return plain_keras(args.workdir)
    if args.mode == "optuna":
        return bare_optuna(args.workdir)
    times: dict[str, list[float]] = {m: [] for m in MODES}
    outside: dict[str, list[float]] = {m: [] for m in MODES}  # wall time outside model.fit
    for r in range(args.rounds):
        order = MODES if r % 2 == 0 else MODES[::-1]  # alternate order: no mode always runs first
        for mode in order:
            total, fits = _one(mode)
            times[mode].append(total)
            outside[mode].append(total - fits)
        print(
            f"round {r + 1}: "
            + ", ".join(f"{m} {times[m][-1]:.2f}s ({outside[m][-1]:.2f}s outside fit)" for m in MODES),
            file=sys.stderr,
        )
    print(
        "| mode | median wall time (s) | median ratio to plain Keras (paired by round) "
        "| median time outside fit (s) | median ratio, fit noise removed | median ratio of time inside fit |"
    )
    print("|---|---|---|---|---|---|")
    for mode in MODES:
        ratios = [t / k for t, k in zip(times[mode], times["keras"], strict=True)]
        adjusted = [(k + o - ko) / k for k, o, ko in zip(times["keras"], outside[mode], outside["keras"], strict=True)]
        # Overhead hidden inside fit (callbacks, other threads or processes competing for the cores) shows here.
        inside = [
            (t - o) / (k - ko)
            for t, o, k, ko in zip(times[mode], outside[mode], times["keras"], outside["keras"], strict=True)
        ]
        print(
            f"| {mode} | {statistics.median(times[mode]):.2f} | {statistics.median(ratios):.3f}x "
            f"| {statistics.median(outside[mode]):.2f} | {statistics.median(adjusted):.3f}x "
            f"| {statistics.median(inside):.3f}x |"
        )


if __name__ == "__main__":
    main()
