"""How many replicas one fused pack holds: the device's cap, ``--fuse-max``, and memory.

A replica's training memory is estimated from its size: four copies of its
weights (weights, gradients and two optimizer moments, float32) and its
activations for one batch, twice (forward values kept for the backward pass,
and their gradients). A pack may use a quarter of the memory available now on a
CPU; on a GPU it may use :data:`GPU_BUDGET_MIB`. The cap on a CPU is
:data:`CPU_MAX_PACK` (bench/results/fused.md: the time per seed keeps falling
up to K = 8 on 2 cores), on a GPU :data:`GPU_MAX_PACK` (HFTA fuses tens of small
jobs per GPU).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["CPU_MAX_PACK", "GPU_BUDGET_MIB", "GPU_MAX_PACK", "default_max_pack", "pack_room", "replica_mib"]

CPU_MAX_PACK = 8
GPU_MAX_PACK = 32
GPU_BUDGET_MIB = 8192


def _on_gpu() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_logical_devices("GPU"))


def default_max_pack() -> int:
    """Replicas per pack when ``--fuse-max`` is not given: :data:`GPU_MAX_PACK` on a GPU, else :data:`CPU_MAX_PACK`."""
    return GPU_MAX_PACK if _on_gpu() else CPU_MAX_PACK


def replica_mib(model: Any, batch_size: int) -> float:
    """Estimated training memory of one replica in MiB (see the module's docstring).

    Example:
        >>> import keras
        >>> m = keras.Sequential([keras.Input((64,)), keras.layers.Dense(64), keras.layers.Dense(10)])
        >>> round(replica_mib(m, 32), 3)
        0.091
    """
    activations = 0
    for layer in getattr(model, "layers", []):
        try:
            shape = layer.output.shape
        except (AttributeError, ValueError):
            continue
        activations += math.prod(d for d in shape[1:] if d) if shape else 0
    return (4 * model.count_params() + 2 * batch_size * activations) * 4 / 2**20


def pack_room(model: Any, batch_size: int, fuse_max: int | None) -> tuple[int, float, float]:
    """(replicas that fit in one pack, one replica's MiB, the pack's budget in MiB)."""
    import psutil

    budget = GPU_BUDGET_MIB if _on_gpu() else psutil.virtual_memory().available / 2**20 / 4
    need = replica_mib(model, batch_size)
    cap = fuse_max if fuse_max is not None else default_max_pack()
    return max(1, min(cap, int(budget // max(need, 1e-9)))), need, budget
