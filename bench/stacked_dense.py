"""A stacked pack's Dense layer: three ways to spell K replicas' matmuls, one training step each.

``_StackedDense`` (src/archsearch/train/_stacked.py) holds K replicas' kernels as
one ``[K, in, out]`` weight. Its input holds the replicas side by side, ``[batch,
K * in]``. Timed here: forward, and the gradients of the kernel and the input, in
one ``tf.function`` (as a training step runs a hidden layer), interleaved over
rounds:

- ``einsum``: ``einsum("bki,kio->bko")``, the layer until 2026-12-07;
- ``transpose+matmul``: ``[K, batch, in] @ [K, in, out]``, one batched matmul
  between two transposes, the layer since;
- ``K matmuls``: K kernels of their own, one matmul each (the graph pack's way).

    python bench/stacked_dense.py --rounds 5
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SHAPES = {  # name: (K, batch, in, out)
    "L0 dense 784-256, K=8": (8, 128, 784, 256),
    "L0 dense 784-256, K=5": (5, 128, 784, 256),
    "L0 dense 256-10, K=5": (5, 128, 256, 10),
    "digits 64-64, K=8, batch 32": (8, 32, 64, 64),
}


def steps(k: int, batch: int, n_in: int, n_out: int) -> dict:
    import tensorflow as tf

    x = tf.Variable(tf.random.normal((batch, k * n_in), seed=0))  # a hidden layer's input: its gradient too
    stacked = tf.Variable(tf.random.normal((k, n_in, n_out), seed=1))
    own = [tf.Variable(tf.random.normal((n_in, n_out), seed=2 + r)) for r in range(k)]

    def step(forward, weights):
        @tf.function
        def run():
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.nn.relu(forward()))
            return tape.gradient(loss, [weights, x])

        return run

    def einsum():
        return tf.einsum("bki,kio->bko", tf.reshape(x, (-1, k, n_in)), stacked)

    def transpose_matmul():
        y = tf.transpose(tf.reshape(x, (-1, k, n_in)), (1, 0, 2))
        return tf.transpose(tf.linalg.matmul(y, stacked), (1, 0, 2))

    def k_matmuls():
        return tf.concat([tf.matmul(a, w) for a, w in zip(tf.split(x, k, axis=1), own, strict=True)], axis=1)

    return {
        "einsum": step(einsum, stacked),
        "transpose+matmul": step(transpose_matmul, stacked),
        "K matmuls": step(k_matmuls, own),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=200, help="steps per timing")
    args = parser.parse_args()
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"{platform.node()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}; uptime: {load}\n")
    print("| shape | einsum ms/step | transpose+matmul ms/step | K matmuls ms/step | transpose+matmul / einsum |")
    print("|---|---:|---:|---:|---:|")
    for name, shape in SHAPES.items():
        fns = steps(*shape)
        times: dict[str, list[float]] = {f: [] for f in fns}
        for fn in fns.values():
            fn()  # trace
        for r in range(args.rounds):
            order = list(fns)[r % 3 :] + list(fns)[: r % 3]
            for f in order:
                start = time.perf_counter()
                for _ in range(args.steps):
                    fns[f]()
                times[f].append((time.perf_counter() - start) / args.steps * 1000)
        med = {f: statistics.median(t) for f, t in times.items()}
        ratio = statistics.median(a / b for a, b in zip(times["transpose+matmul"], times["einsum"], strict=True))
        print(
            f"| {name} | {med['einsum']:.2f} | {med['transpose+matmul']:.2f} | {med['K matmuls']:.2f} | {ratio:.2f} |"
        )
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"\nuptime after: {load}")


if __name__ == "__main__":
    main()
