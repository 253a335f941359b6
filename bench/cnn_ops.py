"""Where one training step of L0's CNN spends its time, per op, on this machine; and the first convolution of K
replicas spelled three ways. The floor a pack of K CNNs cannot go below with the same arithmetic.

L0's CNN (spaces/mnist_dense_vs_cnn.py): Conv2D(32, 3x3) -> MaxPool(2) -> Conv2D(64, 3x3) -> MaxPool(2) ->
Dense(64) -> Dense(10), batch 128 of 28x28x1 images. Each row is one ``tf.function`` of the op forward and the
gradients a training step needs (the first convolution: of its kernel only, its input is data), relu where the
layer has it, median over rounds of ``--steps`` calls:

- ``conv1``, ``conv2``, ``pool1``, ``pool2``, ``dense``: one replica's ops;
- ``conv1 x K``: the first convolution of K replicas (each its own data order, so K inputs) as K convolutions
  (the graph pack's way), one depthwise convolution (a stacked pack's way), or patches and a batched matmul;
- ``conv2 x 8``: the second convolution of 8 replicas as 8 convolutions or as one grouped convolution.

A whole Keras training step (``model.fit``, K = 1) with and without XLA (``jit_compile``) closes the table. Two rows
measure the machine itself, for the floor set by the hardware rather than by TensorFlow's kernels: a large fp32
matmul (the arithmetic rate TensorFlow reaches at best here) and a relu over one 26x26x32 map of the batch (the
rate one pass over memory runs at). Rows with a known count of floating-point operations (multiply and add
counted as two) show the rate they reach.

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
# Floating-point operations per call (2 per multiply-add), forward and the gradients each row takes.
_CONV1 = 2 * BATCH * 26 * 26 * 32 * 9  # one 3x3x1 -> 32 convolution, forward
_CONV2 = 2 * BATCH * 11 * 11 * 64 * 9 * 32  # one 3x3x32 -> 64 convolution, forward
_DENSE = 2 * BATCH * 1600 * 64
MATMUL_N = 2048
MATMUL = f"machine: fp32 matmul {MATMUL_N}x{MATMUL_N} by {MATMUL_N}x{MATMUL_N}"
FLOPS = {
    "conv1 (kernel gradient)": 2 * _CONV1,  # forward and the kernel's gradient
    "conv2 (kernel and input gradients)": 3 * _CONV2,
    "dense 1600-64": 3 * _DENSE,
    "conv2 x 8: 8 convolutions": 8 * 3 * _CONV2,
    "conv2 x 8: one grouped convolution": 8 * 3 * _CONV2,
    MATMUL: 2 * MATMUL_N**3,
}
MAP_BYTES = 4 * BATCH * 26 * 26 * 32  # one fp32 map of conv1's output, the batch's: 11 MB
STEP_FLOPS = 2 * _CONV1 + 3 * _CONV2 + 3 * _DENSE + 3 * 2 * BATCH * 64 * 10  # one replica's training step
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
        MATMUL: (
            lambda a, b: a @ b,
            (r([MATMUL_N, MATMUL_N]), r([MATMUL_N, MATMUL_N])),
        ),
        "machine: relu of one 128x26x26x32 map (11 MB read, 11 MB written)": (tf.nn.relu, (r([BATCH, 26, 26, 32]),)),
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
    k = 8
    xs = [tf.nn.relu(r([BATCH, 13, 13, 32])) for _ in range(k)]

    def convs(*args, k=k):  # K inputs and K kernels: the graph pack's way
        return tf.concat([conv(x, w) for x, w in zip(args[:k], args[k:], strict=True)], axis=-1)

    def grouped(x, w):  # one grouped convolution (TensorFlow's own, which needs oneDNN for its gradients)
        return conv(x, w)

    cases[f"conv2 x {k}: {k} convolutions"] = (
        grads(convs, list(range(2 * k))),
        (*xs, *[tf.Variable(r([3, 3, 32, 64])) for _ in range(k)]),
    )
    cases[f"conv2 x {k}: one grouped convolution"] = (
        grads(grouped, [0, 1]),
        (tf.concat(xs, axis=-1), tf.Variable(r([3, 3, 32, k * 64]))),
    )
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
        "flops_per_call": FLOPS,
        "replica_step_flops": STEP_FLOPS,
        "rounds": times,
    }
    (RESULTS / "cnn_ops.json").write_text(json.dumps(record, indent=1))
    print(f"{record['command']}\n{record['date']}, {record['machine']}\n")
    print("| op (batch 128) | ms per step (median) | rate |\n|---|---:|---:|")
    for name, ms in record["ms_per_step"].items():
        print(f"| {name} | {ms:.2f} | {_rate(name, ms)} |")
    peak = FLOPS[MATMUL] / record["ms_per_step"][MATMUL] / 1e6  # GFLOP/s
    floor = STEP_FLOPS / peak / 1e6
    print(f"\none replica's training step: {STEP_FLOPS / 1e9:.2f} GFLOP, {floor:.2f} ms at the matmul's rate")


def _rate(name: str, ms: float) -> str:
    """GFLOP/s for rows with a known operation count, GB/s (read and written) for the memory pass, else blank."""
    if name in FLOPS:
        return f"{FLOPS[name] / ms / 1e6:.0f} GFLOP/s"
    if name.startswith("machine: relu"):
        return f"{2 * MAP_BYTES / ms / 1e6:.1f} GB/s"
    return ""


if __name__ == "__main__":
    main()
