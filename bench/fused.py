"""Fused seeds (issue #27): time per seed of a fused pack against K separate fits, and their equivalence.

Modes (each prints Markdown and writes JSON next to bench/results/fused.md):

    python bench/fused.py --time --rounds 2        # K = 1, 2, 4, 8; digits dense and mnist_sample CNN
    python bench/fused.py --equivalence --seeds 20 # 20 seeds, fused vs separate val accuracy
    python bench/fused.py --ask                    # the L0 ask: --fuse, --no-fuse and a plain Keras loop
    python bench/fused.py --time --threads 1,2     # TensorFlow's intra-op and inter-op thread pools set first

Separate fits are what ``archsearch run --no-fuse`` does per seed (``clear_session``, ``set_seed``, build,
``fit_model``: the same tf.data feed); fused is ``train.fit_fused`` over the same seeds. Time per seed
counts everything per fit (build, compile, fit, scoring the splits). Fused and separate runs alternate
(which goes first flips every round), so the shared machine's load hits both alike.

Cases: digits dense 64-64 (Adam, batch 32, 15 epochs: the workload of bench/speed.py and the issue's hand
measurement) and the L0 CNN of spaces/mnist_dense_vs_cnn.py on mnist_sample (Adadelta, batch 128; epochs
as --cnn-epochs, 12 in the lab).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"


def _cases(cnn_epochs: int) -> dict:
    from archsearch import train
    from archsearch.data import load_dataset
    from archsearch.space import FixedHyperParameters, load_space

    def dense():
        import keras

        model = keras.Sequential(
            [
                keras.Input(shape=(64,)),
                keras.layers.Dense(64, activation="relu"),
                keras.layers.Dense(64, activation="relu"),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
        model.compile(
            optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
        )
        return model

    space = load_space(REPO / "spaces" / "mnist_dense_vs_cnn.py")
    mnist = load_dataset("mnist_sample", input="image")

    def cnn():
        return train.build_model(space, FixedHyperParameters({"model": "cnn"}), mnist)

    def l0_dense():
        return train.build_model(space, FixedHyperParameters({"model": "dense"}), mnist)

    return {
        "digits dense 64-64": (dense, load_dataset("digits", input="flat"), 15, 32),
        "mnist_sample CNN (L0)": (cnn, mnist, cnn_epochs, 128),
        "mnist_sample dense 784-256 (L0)": (l0_dense, mnist, 12, 128),
    }


def _separate(build, dataset, seeds, epochs, batch):
    from archsearch import train

    accs = []
    for seed in seeds:
        train.clear_session()
        train.set_seed(seed)
        result = train.fit_model(build(), dataset, epochs=epochs, batch_size=batch, seed=seed)
        accs.append(result.history["val_accuracy"][-1])
    return accs


def _fused(build, dataset, seeds, epochs, batch, fuse_max=None, stack=True):
    from archsearch import train

    accs, todo = [], list(seeds)
    while todo:
        train.clear_session()
        said = []
        pack = train.fit_fused(
            build, dataset, todo, epochs=epochs, batch_size=batch, fuse_max=fuse_max, stack=stack, say=said.append
        )
        if stack and said:  # refused for a reason (a CNN on a CPU is a graph pack by choice, silently)
            raise RuntimeError(f"not stacked: {said}")
        accs += [o.result.history["val_accuracy"][-1] for o in pack]
        todo = todo[len(pack) :]
    return accs


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def _machine() -> str:
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    return f"{platform.node()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}; uptime: {load}"


MODES = ("stacked", "graph", "separate")


def _run_mode(mode, build, dataset, seeds, epochs, batch):
    from archsearch.train import _stacked

    _stacked.CPU_STACKS_CONV = mode == "stacked"  # "stacked" stacks CNNs on a CPU too (the default does not)
    if mode == "separate":
        return _separate(build, dataset, seeds, epochs, batch)
    return _fused(build, dataset, seeds, epochs, batch, fuse_max=len(seeds), stack=mode == "stacked")


def time_packs(rounds: int, ks: list[int], cnn_epochs: int, cases_wanted: str = "") -> dict:
    """Per case and K: the stacked pack, the graph pack and K separate fits of the same seeds, back to back,
    their order rotating with the round and K (so the load hits each alike); the load average with each row."""
    from archsearch.seeds import replica_seeds as repeat_seeds

    rows = []
    cases = {n: c for n, c in _cases(cnn_epochs).items() if not cases_wanted or cases_wanted in n}
    machine = [_machine()]
    for build, dataset, _, batch in cases.values():  # warm-up: TensorFlow's first traces and caches
        for mode in MODES:
            _run_mode(mode, build, dataset, [1, 2] if mode != "separate" else [1], 1, batch)
    for r in range(rounds):
        for name, (build, dataset, epochs, batch) in cases.items():
            for k in ks:
                seeds = repeat_seeds(100 + r, k)
                shift = (r + k) % len(MODES)
                order = MODES[shift:] + MODES[:shift]
                took = {}
                load = os.getloadavg()[0]
                for mode in order:
                    took[mode] = _timed(_run_mode, mode, build, dataset, seeds, epochs, batch)[0]
                rows.append(
                    {
                        "case": name,
                        "k": k,
                        "round": r,
                        "order": list(order),
                        "load1": [load, os.getloadavg()[0]],
                        **{f"{mode}_s": took[mode] for mode in MODES},
                        "stacked_ratio": took["stacked"] / took["separate"],
                        "graph_ratio": took["graph"] / took["separate"],
                    }
                )
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
                (RESULTS / "fused_time.partial.json").write_text(json.dumps({"rows": rows, "machine": machine}))
        machine.append(_machine())
    return {"rows": rows, "machine": machine}


def equivalence(n_seeds: int, cnn_epochs: int, cases_wanted: str = "") -> dict:
    import numpy as np
    from scipy import stats

    from archsearch.seeds import replica_seeds as repeat_seeds

    out = {"machine": [_machine()], "cases": {}}
    for name, (build, dataset, epochs, batch) in _cases(cnn_epochs).items():
        if cases_wanted and cases_wanted not in name:
            continue
        seeds = repeat_seeds(500, n_seeds)
        t_sep, sep = _timed(_separate, build, dataset, seeds, epochs, batch)
        t_fus, fus = _timed(_fused, build, dataset, seeds, epochs, batch)
        d = np.array(fus) - np.array(sep)
        half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)) if d.std() > 0 else 0.0
        welch = stats.ttest_ind(fus, sep, equal_var=False)
        out["cases"][name] = {
            "seeds": seeds,
            "separate": sep,
            "fused": fus,
            "mean_separate": float(np.mean(sep)),
            "mean_fused": float(np.mean(fus)),
            "mean_diff": float(d.mean()),
            "paired_ci": [float(d.mean() - half), float(d.mean() + half)],
            "max_abs_diff": float(np.abs(d).max()),
            "welch_p": float(welch.pvalue) if np.isfinite(welch.pvalue) else 1.0,
            "sd_ratio": float(np.std(fus, ddof=1) / np.std(sep, ddof=1)),
            "separate_s": t_sep,
            "fused_s": t_fus,
            "epochs": epochs,
            "batch": batch,
        }
        print(
            json.dumps({k: v for k, v in out["cases"][name].items() if k not in ("seeds",)}),
            file=sys.stderr,
            flush=True,
        )
    out["machine"].append(_machine())
    return out


def plain_loop(epochs: int) -> None:
    """The L0 ask's fits as a plain Keras loop would run them: per level and seed, seed, build, ``fit`` on the
    NumPy arrays with validation, ``evaluate`` on test. Run as its own process (``--plain-loop``), as the ask is."""
    import keras

    from archsearch import train
    from archsearch.data import load_dataset
    from archsearch.seeds import replica_seeds
    from archsearch.space import FixedHyperParameters, load_space

    space = load_space(REPO / "spaces" / "mnist_dense_vs_cnn.py")
    data = load_dataset("mnist_sample", input="image")

    def labels(model, y):
        return keras.utils.to_categorical(y, data.num_classes) if train.label_format(model) == "one_hot" else y

    for level in ("dense", "cnn"):
        for seed in replica_seeds(0, 5):
            keras.utils.set_random_seed(seed)
            model = train.build_model(space, FixedHyperParameters({"model": level}), data)
            model.fit(
                data.x_train,
                labels(model, data.y_train),
                batch_size=128,
                epochs=epochs,
                validation_data=(data.x_val, labels(model, data.y_val)),
                verbose=0,
            )
            model.evaluate(data.x_test, labels(model, data.y_test), verbose=0)


def ask(rounds: int, epochs: int) -> dict:
    cmd = [
        "-m",
        "archsearch",
        "ask",
        "spaces/mnist_dense_vs_cnn.py",
        "--factor",
        "model",
        "--repeats",
        "5",
        "--dataset",
        "mnist_sample",
        "--epochs",
        str(epochs),
        "--quiet",
    ]
    rows, machine = [], [_machine()]
    for r in range(rounds):
        flags = ("--fuse", "--no-fuse", "plain")
        order = flags[r % 3 :] + flags[: r % 3]
        for flag in order:
            with tempfile.TemporaryDirectory() as tmp:
                env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
                start = time.perf_counter()
                stores = ["--storage", f"sqlite:///{tmp}/o.db", "--tracking-uri", f"sqlite:///{tmp}/m.db"]
                proc = subprocess.run(
                    [sys.executable, str(HERE / "fused.py"), "--plain-loop", "--ask-epochs", str(epochs)]
                    if flag == "plain"
                    else [sys.executable, *cmd, flag, *stores],
                    cwd=REPO,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                took = time.perf_counter() - start
            rows.append(
                {
                    "round": r,
                    "flag": flag,
                    "seconds": took,
                    "rc": proc.returncode,
                    "verdict": proc.stdout.strip().splitlines()[-3:],
                    "stderr": proc.stderr[-500:],
                }
            )
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        machine.append(_machine())
    return {"command": "archsearch " + " ".join(cmd[2:]), "rows": rows, "machine": machine}


def _table_time(data: dict) -> str:
    lines = [
        "| case | K | stacked s/seed | graph s/seed | separate s/seed | stacked / separate | graph / separate |"
        " load (1 min) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    groups: dict = {}
    for row in data["rows"]:
        groups.setdefault((row["case"], row["k"]), []).append(row)
    for (case, k), rows in groups.items():
        med = {m: statistics.median(r[f"{m}_s"] for r in rows) / k for m in MODES}
        loads = [x for r in rows for x in r["load1"]]
        lines.append(
            f"| {case} | {k} | {med['stacked']:.2f} | {med['graph']:.2f} | {med['separate']:.2f} | "
            f"**{statistics.median(r['stacked_ratio'] for r in rows):.2f}x** | "
            f"{statistics.median(r['graph_ratio'] for r in rows):.2f}x | {min(loads):.1f}-{max(loads):.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time", action="store_true")
    parser.add_argument("--equivalence", action="store_true")
    parser.add_argument("--ask", action="store_true")
    parser.add_argument("--plain-loop", action="store_true", help="(used by --ask) the L0 fits as a plain Keras loop")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--ks", default="1,2,4,8")
    parser.add_argument("--case", default="", help="only the cases whose name contains this (e.g. dense, CNN)")
    parser.add_argument("--cnn-epochs", type=int, default=12)
    parser.add_argument("--ask-epochs", type=int, default=12, help="the L0 ask's --epochs (12 in the lab)")
    parser.add_argument(
        "--threads",
        default="",
        help="INTRA,INTER: TensorFlow's intra-op and inter-op thread pools (0 = its default), set before any op",
    )
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, str(REPO / "src"))
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    if args.threads:
        import tensorflow as tf

        intra, inter = (int(n) for n in args.threads.split(","))
        tf.config.threading.set_intra_op_parallelism_threads(intra)
        tf.config.threading.set_inter_op_parallelism_threads(inter)
    if args.time:
        data = time_packs(args.rounds, [int(k) for k in args.ks.split(",")], args.cnn_epochs, args.case)
        data["threads"] = args.threads or "TensorFlow's defaults"
        name = f"fused_time_threads_{args.threads.replace(',', '_')}.json" if args.threads else "fused_time.json"
        (RESULTS / name).write_text(json.dumps({"date": stamp, **data}, indent=1))
        print(f"{stamp}\n{_table_time(data)}\n\nmachine: " + "\n".join(data["machine"]))
    if args.equivalence:
        data = equivalence(args.seeds, args.cnn_epochs, args.case)
        (RESULTS / f"fused_equivalence{'_' + args.case if args.case else ''}.json").write_text(
            json.dumps({"date": stamp, **data}, indent=1)
        )
        for name, c in data["cases"].items():
            print(
                f"{name}: mean val acc separate {c['mean_separate']:.4f}, fused {c['mean_fused']:.4f}; paired "
                f"difference {c['mean_diff']:+.5f} [{c['paired_ci'][0]:+.5f}, {c['paired_ci'][1]:+.5f}], max "
                f"|d| {c['max_abs_diff']:.4f}; Welch p {c['welch_p']:.3f}; sd ratio {c['sd_ratio']:.3f}; "
                f"{c['separate_s']:.0f} s separate, {c['fused_s']:.0f} s fused"
            )
    if args.plain_loop:
        plain_loop(args.ask_epochs)
    if args.ask:
        data = ask(args.rounds, args.ask_epochs)
        (RESULTS / "fused_ask.json").write_text(json.dumps({"date": stamp, **data}, indent=1))
        for row in data["rows"]:
            print(f"round {row['round']} {row['flag']}: {row['seconds']:.1f} s (exit {row['rc']})")


if __name__ == "__main__":
    main()
