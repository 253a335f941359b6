"""Feeding Keras: NumPy arrays vs the ``tf.data`` pipelines archsearch uses, same model and data.

The pipelines run without tf.data's autotuning (``_feed.AUTOTUNE``); the feed
``tf.data+autotune`` is the same pipeline with it, as before 2026-12-07.

The data is what ``load_dataset`` returns (float32 arrays in memory): scikit-learn's
digits (the offline default, 8x8, dense model) and a generated 28x28 set the size
of notMNIST_small (dense and CNN), batch 128. Each feed trains ``--epochs`` epochs
per fit, as a trial does: ``fit(x, y)`` on the arrays, or ``fit`` on
``archsearch.train._feed``'s pipelines (tensors made once per process, as in a
search, a new seeded pipeline per fit). Both the whole fit (first epoch's tracing
included) and the median epoch after the first are reported, interleaved over
``--rounds`` so machine noise hits both feeds alike.

    python bench/data_feed.py --images 20000 --epochs 3 --rounds 3
    python bench/data_feed.py --memory 200000    # peak RSS of one fit per feed, each in a fresh process
    python bench/data_feed.py --autotune --rounds 4    # L0's fits, tf.data autotuning on and off
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


class _EpochTimes:
    def __init__(self) -> None:
        self.times: list[float] = []

    def callback(self):
        import keras

        outer = self

        class Timer(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self.t = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                outer.times.append(time.perf_counter() - self.t)

        return Timer()


FEEDS = ("arrays", "tf.data", "tf.data+autotune")


def _model(kind: str, shape: tuple[int, ...]):
    import keras

    layers = [keras.Input(shape)]
    if kind == "cnn":
        layers += [keras.layers.Conv2D(16, 3, activation="relu"), keras.layers.MaxPooling2D(2)]
    layers += [
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ]
    model = keras.Sequential(layers)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def run(feed: str, kind: str, ds, epochs: int, batch: int) -> tuple[float, float]:
    """(whole fit seconds, median seconds per epoch after the first)."""
    import keras

    from archsearch.train import _feed

    _feed.AUTOTUNE = feed == "tf.data+autotune"
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    model = _model(kind, ds.input_shape)
    timer = _EpochTimes()
    start = time.perf_counter()
    if feed == "arrays":
        model.fit(
            ds.x_train,
            ds.y_train,
            validation_data=(ds.x_val, ds.y_val),
            epochs=epochs,
            batch_size=batch,
            verbose=0,
            callbacks=[timer.callback()],
        )
    else:
        model.fit(
            _feed.train_batches(ds, batch, seed=0),
            validation_data=_feed.val_batches(ds, batch),
            epochs=epochs,
            shuffle=False,
            verbose=0,
            callbacks=[timer.callback()],
        )
    return time.perf_counter() - start, statistics.median(timer.times[1:])


def _rss_mib() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


def memory_child(n: int, feed: str) -> None:
    """One fit of two epochs on n generated 28x28 images; prints RSS figures in MiB."""
    import resource

    import numpy as np

    from archsearch.data import RawData, prepare

    rng = np.random.default_rng(0)
    ds = prepare(
        "images",
        RawData(rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n)),
        input="image",
        validation_split=0.1,
        seed=0,
    )
    import keras  # noqa: F401  (imported before measuring: its own memory is not the feed's)

    before = _rss_mib()
    data = (ds.x_train.nbytes + ds.x_val.nbytes) / 2**20
    run(feed, "dense", ds, 2, 128)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{before:.0f} {peak:.0f} {_rss_mib():.0f} {data:.0f}")


def memory(n: int) -> None:
    print(
        f"| feed ({n} images) | RSS before fit (MiB) | peak RSS (MiB) | RSS after fit (MiB) | float32 train+val (MiB) |"
    )
    print("|---|---:|---:|---:|---:|")
    for feed in ("arrays", "tf.data"):
        out = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(n), feed],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        )
        before, peak, after, data = out.stdout.split()[-4:]
        print(f"| {feed} | {before} | {peak} | {after} | {data} |")


def _waits(epochs: int, tuned: bool, ds) -> list[float]:
    """Seconds each epoch's iterator took to end, over ``epochs`` epochs of the training pipeline consumed at
    20 ms a batch (a training step's pace): the wait autotuning adds."""
    from archsearch.train import _feed

    _feed.AUTOTUNE = tuned
    batches, it, waits = _feed.train_batches(ds, 128, seed=0), None, []
    for _ in range(epochs + 1):
        start = time.perf_counter()
        del it  # Keras drops the last epoch's iterator when it starts the next
        waits.append(time.perf_counter() - start)
        it = iter(batches)
        for _batch in it:
            time.sleep(0.02)
    return waits[1:]


def autotune(rounds: int) -> None:
    """With and without tf.data's autotuning, on mnist_sample (L0's data; 12 epochs, batch 128, as the L0 ask
    trains a seed): how long ending an epoch's iterator takes, and ``train.fit_model`` of L0's two nets, alternating,
    beside the same fit as a plain Keras loop writes it (``fit`` on the arrays: Keras's own pipeline)."""
    import keras

    from archsearch import train
    from archsearch.data import load_dataset
    from archsearch.space import FixedHyperParameters, load_space
    from archsearch.train import _feed

    space = load_space(os.path.join(os.path.dirname(__file__), "..", "spaces", "mnist_dense_vs_cnn.py"))
    mnist = load_dataset("mnist_sample", input="image")
    print("| pipeline, 12 epochs x rounds | iterators that took over 0.2 s to end | their mean wait (s) |")
    print("|---|---|---:|")
    for tuned in (True, False):
        waits = [w for _ in range(rounds) for w in _waits(12, tuned, mnist)]
        slow = [w for w in waits if w > 0.2]
        mean = f"{statistics.mean(slow):.2f}" if slow else "-"
        print(f"| autotuning {'on' if tuned else 'off'} | {len(slow)} of {len(waits)} | {mean} |")

    modes = ("fit_model, autotuning on", "fit_model, autotuning off", "plain fit on arrays")
    times: dict[tuple[str, str], list[float]] = {}
    for r in range(rounds):
        for model in ("dense", "cnn"):
            for mode in modes[r % 3 :] + modes[: r % 3]:
                _feed.AUTOTUNE = mode.endswith("on")
                train.clear_session()
                train.set_seed(r)
                net = train.build_model(space, FixedHyperParameters({"model": model}), mnist)
                start = time.perf_counter()
                if mode.startswith("plain"):
                    hot = train.label_format(net) == "one_hot"

                    def labels(y, hot=hot):
                        return keras.utils.to_categorical(y, mnist.num_classes) if hot else y

                    net.fit(
                        mnist.x_train,
                        labels(mnist.y_train),
                        batch_size=128,
                        epochs=12,
                        validation_data=(mnist.x_val, labels(mnist.y_val)),
                        verbose=0,
                    )
                else:
                    train.fit_model(net, mnist, epochs=12, batch_size=128, seed=r)
                times.setdefault((model, mode), []).append(time.perf_counter() - start)
        print(f"round {r + 1} done", file=sys.stderr)
    print(f"\n| L0 net, one seed (12 epochs) | {' | '.join(f'{m}: s per fit' for m in modes)} | off / on, median |")
    print("|---|---|---|---|---:|")
    for model in ("dense", "cnn"):
        cells = [" ".join(f"{t:.2f}" for t in times[(model, m)]) for m in modes]
        on, off = times[(model, modes[0])], times[(model, modes[1])]
        ratio = statistics.median(b / a for a, b in zip(on, off, strict=True))
        print(f"| {model} | {' | '.join(cells)} | {ratio:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--memory", type=int, metavar="N", help="instead: peak RSS of one fit per feed on N images")
    parser.add_argument("--memory-child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--autotune", action="store_true", help="instead: L0's fits with and without autotuning")
    parser.add_argument("--images", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=128)
    args = parser.parse_args()
    if args.memory_child:
        return memory_child(int(args.memory_child[0]), args.memory_child[1])
    if args.memory:
        return memory(args.memory)
    if args.autotune:
        return autotune(args.rounds)

    import numpy as np

    from archsearch.data import RawData, load_dataset, prepare
    from archsearch.train import _feed

    rng = np.random.default_rng(0)
    raw = RawData(rng.integers(0, 256, (args.images, 28, 28), dtype=np.uint8), rng.integers(0, 10, args.images))
    images = prepare("images", raw, input="image", validation_split=0.1, seed=0)
    digits = load_dataset("digits", input="flat", validation_split=0.1, seed=0)
    cases = [("digits", "dense", digits), ("images", "dense", images), ("images", "cnn", images)]
    sizes = {name: len(ds.y_train) for name, _, ds in cases}
    results: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
    for ds in (digits, images):  # the once-per-process conversion, outside the timed fits as in a search
        _feed.train_batches(ds, args.batch, 0), _feed.val_batches(ds, args.batch)
    for r in range(args.rounds):
        for name, kind, ds in cases:
            feeds = FEEDS[r % len(FEEDS) :] + FEEDS[: r % len(FEEDS)]  # no feed always goes first
            for feed in feeds:
                results.setdefault((name, kind, feed), []).append(run(feed, kind, ds, args.epochs, args.batch))
        print(f"round {r + 1} done", file=sys.stderr)
    print(f"| data | model | feed | fit seconds ({args.epochs} epochs) | seconds per epoch after the first |")
    print("|---|---|---|---:|---:|")
    for (name, kind, feed), times in sorted(results.items()):
        fit = statistics.median(t[0] for t in times)
        epoch = statistics.median(t[1] for t in times)
        print(f"| {name} ({sizes[name]} train) | {kind} | {feed} | {fit:.3f} | {epoch:.3f} |")
    for feed, against in (("tf.data", "arrays"), ("tf.data", "tf.data+autotune")):
        print(f"\n{feed} / {against}, paired within each round, median over {args.rounds} rounds:")
        for name, kind, _ in cases:
            pairs = list(zip(results[(name, kind, feed)], results[(name, kind, against)], strict=True))
            fit = statistics.median(t[0] / a[0] for t, a in pairs)
            epoch = statistics.median(t[1] / a[1] for t, a in pairs)
            print(f"- {name} {kind}: whole fit {fit:.2f}, per epoch {epoch:.2f}")


if __name__ == "__main__":
    main()
