"""Feeding Keras: NumPy arrays vs a ``tf.data`` pipeline with prefetch, same model and data.

The data is what ``load_dataset`` returns (float32 arrays in memory, here a
generated 28x28 set the size of notMNIST_small); the model is a small dense net
and a small CNN, batch 128. Each feed trains ``--epochs`` epochs; the time of the
epochs after the first (graph tracing excluded) is reported, interleaved over
``--rounds`` so machine noise hits both feeds alike.

    python bench/data_feed.py --images 20000 --epochs 3 --rounds 2
"""

from __future__ import annotations

import argparse
import os
import statistics
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


def _model(kind: str):
    import keras

    layers = [keras.Input((28, 28, 1))]
    if kind == "cnn":
        layers += [keras.layers.Conv2D(16, 3, activation="relu"), keras.layers.MaxPooling2D(2)]
    layers += [keras.layers.Flatten(), keras.layers.Dense(128, activation="relu"),
               keras.layers.Dense(10, activation="softmax")]
    model = keras.Sequential(layers)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def run(feed: str, kind: str, x, y, xv, yv, epochs: int, batch: int) -> float:
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    model = _model(kind)
    timer = _EpochTimes()
    if feed == "arrays":
        model.fit(x, y, validation_data=(xv, yv), epochs=epochs, batch_size=batch, verbose=0,
                  callbacks=[timer.callback()])
    else:
        train = (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=0).batch(batch)
                 .prefetch(tf.data.AUTOTUNE))
        val = tf.data.Dataset.from_tensor_slices((xv, yv)).batch(batch).prefetch(tf.data.AUTOTUNE)
        model.fit(train, validation_data=val, epochs=epochs, verbose=0, callbacks=[timer.callback()])
    return statistics.median(timer.times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch", type=int, default=128)
    args = parser.parse_args()

    import numpy as np

    from archsearch.data import RawData, prepare

    rng = np.random.default_rng(0)
    raw = RawData(rng.integers(0, 256, (args.images, 28, 28), dtype=np.uint8), rng.integers(0, 10, args.images))
    ds = prepare("feed", raw, input="image", validation_split=0.1, seed=0)
    results: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.rounds):
        for kind in ("dense", "cnn"):
            for feed in ("arrays", "tf.data"):
                seconds = run(feed, kind, ds.x_train, ds.y_train, ds.x_val, ds.y_val, args.epochs, args.batch)
                results.setdefault((kind, feed), []).append(seconds)
    print(f"| model | feed | seconds per epoch (median over {args.rounds} rounds; {len(ds.y_train)} train images, "
          f"batch {args.batch}) |")
    print("|---|---|---:|")
    for (kind, feed), times in results.items():
        print(f"| {kind} | {feed} | {statistics.median(times):.3f} |")
    for kind in ("dense", "cnn"):
        ratio = statistics.median(results[(kind, "tf.data")]) / statistics.median(results[(kind, "arrays")])
        print(f"{kind}: tf.data / arrays = {ratio:.2f}")


if __name__ == "__main__":
    main()
