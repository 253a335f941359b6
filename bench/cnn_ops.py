"""Where one training step of L0's CNN spends its time, per op, on this machine; and the first convolution of K
replicas spelled three ways. The floor a pack of K CNNs cannot go below with the same arithmetic.

L0's CNN (spaces/mnist_dense_vs_cnn.py): Conv2D(32, 3x3) -> MaxPool(2) -> Conv2D(64, 3x3) -> MaxPool(2) ->
Dense(64) -> Dense(10), batch 128 of 28x28x1 images. Each row is one ``tf.function`` of the op forward and the
gradients a training step needs (the first convolution: of its kernel only, its input is data), relu where the
layer has it, median over rounds of ``--steps`` calls:

- ``conv1``, ``conv2``, ``pool1``, ``pool2``, ``dense``: one replica's ops;
- ``conv1 x K``: the first convolution of K replicas (each its own data order, so K inputs) as K convolutions
  (the graph pack's way), one depthwise convolution (a stacked pack's way), or patches and a batched matmul.

A whole Keras training step (``model.fit``, K = 1) with and without XLA (``jit_compile``) closes the table.

    python bench/cnn_ops.py --rounds 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

BATCH = 128
RESULTS = Path(__file__).parent / "results"


def _timed(fn, args, steps: int) -> float:
    """Milliseconds per call of ``tf.function(fn)(*args)``, after 5 warm-up calls."""
    import tensorflow as tf

    f = tf.function(fn)
    for _ in range(5):
        f(*args)
    start = time.perf_counter()
    for _ in range(steps):
        out = f(*args)
    tf.nest.flatten(out)[0].numpy()
    return 1000 * (time.perf_counter() - start) / steps


def _ops() -> dict:
    import tensorflow as tf

    def grads(forward, wrt):
        def step(*args):
            with tf.GradientTape() as tape:
                tape.watch([args[i] for i in wrt])
                y = forward(*args)
                loss = tf.reduce_sum(y * y)
            return [y, *tape.gradient(loss, [args[i] for i in wrt])]

        return step

    def conv(x, w):
        return tf.nn.relu(tf.nn.conv2d(x, w, 1, "VALID"))

    def pool(x):
        return tf.nn.max_pool2d(x, 2, 2, "VALID")

    def dense(x, w):
        return tf.nn.relu(x @ w)

    r = tf.random.normal
    cases = {
        "conv1 (kernel gradient)": (grads(conv, [1]), (r([BATCH, 28, 28, 1]), tf.Variable(r([3, 3, 1, 32])))),
        "conv2 (kernel and input gradients)": (
            grads(conv, [0, 1]),
            (tf.nn.relu(r([BATCH, 13, 13, 32])), tf.Variable(r([3, 3, 32, 64]))),
        ),
        "pool1": (grads(pool, [0]), (tf.nn.relu(r([BATCH, 26, 26, 32])),)),
        "pool2": (grads(pool, [0]), (tf.nn.relu(r([BATCH, 11, 11, 64])),)),
        "dense 1600-64": (grads(dense, [0, 1]), (r([BATCH, 1600]), tf.Variable(r([1600, 64])))),
    }
    for k in (5, 8):
        x = r([BATCH, 28, 28, k])

        def separate(x, w, k=k):
            return tf.concat([conv(x[..., i : i + 1], w[:, :, i : i + 1, :]) for i in range(k)], axis=-1)

        def depthwise(x, w):
            return tf.nn.relu(tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "VALID"))

        def patches(x, w, k=k):
            p = tf.image.extract_patches(x, [1, 3, 3, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
            return tf.nn.relu(tf.transpose(tf.reshape(p, [-1, 9, k]), [2, 0, 1]) @ w)

        cases[f"conv1 x {k}: {k} convolutions"] = (grads(separate, [1]), (x, tf.Variable(r([3, 3, k, 32]))))
        cases[f"conv1 x {k}: one depthwise"] = (grads(depthwise, [1]), (x, tf.Variable(r([3, 3, k, 32]))))
        cases[f"conv1 x {k}: patches + batched matmul"] = (grads(patches, [1]), (x, tf.Variable(r([k, 9, 32]))))
    return cases


def _keras_step(jit: bool, steps: int) -> float:
    """Milliseconds per step of ``model.fit`` on the L0 CNN (Adadelta), random data, after one warm-up epoch."""
    import keras
    import numpy as np

    rng = np.random.default_rng(0)
    x, y = rng.random((steps * BATCH, 28, 28, 1), dtype="float32"), rng.integers(0, 10, steps * BATCH)
    inputs = keras.Input((28, 28, 1))
    h = keras.layers.MaxPooling2D(2)(keras.layers.Conv2D(32, 3, activation="relu")(inputs))
    h = keras.layers.MaxPooling2D(2)(keras.layers.Conv2D(64, 3, activation="relu")(h))
    h = keras.layers.Dense(64, activation="relu")(keras.layers.Flatten()(h))
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(h))
    model.compile(keras.optimizers.Adadelta(1.0), "sparse_categorical_crossentropy", jit_compile=jit)
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    return 1000 * (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=40)
    args = parser.parse_args()
    cases = _ops()
    times: dict[str, list[float]] = {name: [] for name in cases}
    times.update({"Keras training step, K = 1": [], "Keras training step, K = 1, jit_compile": []})
    for _ in range(args.rounds):  # interleaved: drift in the machine's load spreads over every row
        for name, (fn, fn_args) in cases.items():
            times[name].append(_timed(fn, fn_args, args.steps))
        times["Keras training step, K = 1"].append(_keras_step(False, args.steps))
        times["Keras training step, K = 1, jit_compile"].append(_keras_step(True, args.steps))
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    record = {
        "command": f"python bench/cnn_ops.py --rounds {args.rounds} --steps {args.steps}",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.node()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}; {load}",
        "ms_per_step": {name: statistics.median(v) for name, v in times.items()},
        "rounds": times,
    }
    (RESULTS / "cnn_ops.json").write_text(json.dumps(record, indent=1))
    print(f"{record['command']}\n{record['date']}, {record['machine']}\n")
    print("| op (batch 128) | ms per step (median) |\n|---|---:|")
    for name, ms in record["ms_per_step"].items():
        print(f"| {name} | {ms:.2f} |")


if __name__ == "__main__":
    main()
