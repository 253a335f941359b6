"""Every seed archsearch derives, and the one formula for each.

A run has one user seed ``S`` (``--seed``, default 0). Everything random is
seeded from it by a formula below, so that two runs with the same ``S`` draw the
same seeds, and a resumed run draws the seeds the uninterrupted run would have:

==================  ==========================================  ======================================
seed                formula                                     seeds
==================  ==========================================  ======================================
trial               ``S + n``                                   trial number ``n`` (sampled trials)
repeat ``r``        ``T + r * 1_000_003``                       fit ``r`` of a trial with seed ``T``
replica ``r``       the repeat seed ``r``                       replica ``r`` of a fused fit
data order          the fit's seed                              the per-epoch shuffle of the batches
splits              test ``S``, validation ``S + 1``            the stratified test/validation splits
sampler             ``S + done + 7_919 * w``                    the Optuna sampler (keras-tuner oracle)
sweep machine ``m``  ``w = 64 * m``                              the sampler's ``w`` on machine ``m``
worker ``i``        ``w = w0 + i``                              worker ``i`` of ``--workers`` (``w0``: above)
ablation trial      ``1000 + S + first + i``                    seed ``i`` of an ablation (every level)
ablation order      ``S + first``                               the shuffled run order of an ablation
fANOVA forest       ``S * 1000 + k``                            resample ``k`` of the importance
==================  ==========================================  ======================================

Why these offsets:

* ``T`` (a trial's seed) is stored on the trial (``Attr.SEED``); an enqueued
  trial (ablation, design point) carries its own and keeps it, a sampled one
  gets ``S + n``. Trial numbers are the storage's, so a resumed run continues
  them and draws the seeds the uninterrupted run would have.
* Repeats step by a prime far above any trial count, so the repeat seeds of a
  trial never meet the trial seeds ``S + n`` of another trial (below a million
  trials).
* Replicas of a fused fit are the repeats trained side by side: they take the
  repeat seeds, so a fused and an unfused run of the same trial agree on seeds.
* The sampler's seed moves with the ``done`` trials already in the study, so a
  resumed search does not propose the startup points it proposed before; each
  process ``w`` of ``--workers`` (0 for a lone run, also for two machines that
  share one study: pass each its own index) moves by a prime stride so that
  workers starting together do not propose the same points.
* ``archsearch sweep --machine m`` (one plan on several machines, one
  PostgreSQL storage) runs its run steps as process ``w = 64 * m``: machines
  never share a sampler seed (up to 64 ``--workers`` each).
* ``--workers N`` starts processes ``w0 + i`` (``i`` = 0..N-1), where ``w0`` is
  the index the command itself was given (0, or ``64 * m`` from a sweep on
  machine ``m``): the machine's offset and the worker's index add, so machine
  0's workers take 0..N-1 and machine 1's 64..64+N-1, and a resumed worker
  ``i`` on the same machine is the same process ``w`` again.
* Ablation seeds start at 1000 so that they differ from the seeds of a search
  with the same ``S``; ``first`` is the number of seeds already run when more
  seeds are added.

Example:
    >>> t = trial_seed(4, 2); t
    6
    >>> repeat_seeds(t, 3)
    [6, 1000009, 2000012]
    >>> replica_seeds(t, 3) == repeat_seeds(t, 3)
    True
    >>> split_seeds(4), sampler_seed(4, done=10, worker=1)
    ((4, 5), 7933)
    >>> ablation_seeds(4, 3), ablation_order_seed(4)
    ([1004, 1005, 1006], 4)
"""

from __future__ import annotations

__all__ = [
    "ABLATION_SEED_BASE",
    "REPEAT_SEED_STRIDE",
    "SUBSET_SEED",
    "MACHINE_WORKER_STRIDE",
    "WORKER_SEED_STRIDE",
    "ablation_order_seed",
    "ablation_seeds",
    "data_order_seed",
    "forest_seed",
    "machine_worker",
    "replica_seeds",
    "repeat_seeds",
    "sampler_seed",
    "split_seeds",
    "trial_seed",
    "worker_process",
]

REPEAT_SEED_STRIDE = 1_000_003
WORKER_SEED_STRIDE = 7_919
MACHINE_WORKER_STRIDE = 64
ABLATION_SEED_BASE = 1000
# ``subset:N:NAME`` samples the same N examples whatever the run's seed: a subset names one dataset.
SUBSET_SEED = 0


def trial_seed(seed: int, number: int) -> int:
    """The seed of sampled trial ``number`` in a run seeded with ``seed``.

    Example:
        >>> trial_seed(0, 0), trial_seed(7, 3)
        (0, 10)
    """
    return seed + number


def repeat_seeds(trial_seed: int, repeats: int) -> list[int]:
    """The seeds of a trial's repeats; the first is the trial's own seed.

    Example:
        >>> repeat_seeds(7, 3)
        [7, 1000010, 2000013]
    """
    return [trial_seed + r * REPEAT_SEED_STRIDE for r in range(repeats)]


def replica_seeds(trial_seed: int, replicas: int) -> list[int]:
    """The seeds of the replicas of a fused fit: the repeat seeds, so fused and unfused runs agree.

    Example:
        >>> replica_seeds(7, 2)
        [7, 1000010]
    """
    return repeat_seeds(trial_seed, replicas)


def data_order_seed(fit_seed: int) -> int:
    """The seed of the per-epoch shuffle of the training batches of a fit seeded with ``fit_seed``.

    Example:
        >>> data_order_seed(1000010)
        1000010
    """
    return fit_seed


def split_seeds(seed: int) -> tuple[int, int]:
    """The seeds of the (test, validation) stratified splits of a dataset.

    Example:
        >>> split_seeds(0)
        (0, 1)
    """
    return seed, seed + 1


def sampler_seed(seed: int, done: int = 0, worker: int = 0) -> int:
    """The sampler's seed for a run with ``done`` trials already in the study, as process ``worker``.

    Example:
        >>> sampler_seed(0), sampler_seed(0, done=5), sampler_seed(0, worker=2)
        (0, 5, 15838)
    """
    return seed + done + WORKER_SEED_STRIDE * worker


def machine_worker(machine: int) -> int:
    """The sampler's process index (``w`` of :func:`sampler_seed`) of ``archsearch sweep --machine machine``.

    Example:
        >>> machine_worker(0), machine_worker(1), sampler_seed(0, worker=machine_worker(1))
        (0, 64, 506816)
    """
    return MACHINE_WORKER_STRIDE * machine


def worker_process(first: int, worker: int) -> int:
    """The sampler's process index (``w`` of :func:`sampler_seed`) of worker ``worker`` of ``--workers``
    started by a command that was itself process ``first`` (e.g. :func:`machine_worker` on a sweep machine).

    Example:
        >>> [worker_process(0, i) for i in range(3)], [worker_process(machine_worker(1), i) for i in range(3)]
        ([0, 1, 2], [64, 65, 66])
    """
    if not 0 <= worker < MACHINE_WORKER_STRIDE:
        raise ValueError(
            f"worker must be in [0, {MACHINE_WORKER_STRIDE}) so that machines never share a sampler seed, "
            f"but got {worker=}."
        )
    return first + worker


def ablation_seeds(seed: int, repeats: int, first: int = 0) -> list[int]:
    """The trial seeds of an ablation (the same at every level): ``repeats`` of them after ``first``.

    Example:
        >>> ablation_seeds(0, 2), ablation_seeds(0, 2, first=2)
        ([1000, 1001], [1002, 1003])
    """
    return [ABLATION_SEED_BASE + seed + first + i for i in range(repeats)]


def ablation_order_seed(seed: int, first: int = 0) -> int:
    """The seed of the shuffle of an ablation's run order.

    Example:
        >>> ablation_order_seed(3, first=2)
        5
    """
    return seed + first


def forest_seed(seed: int, resample: int) -> int:
    """The seed of the fANOVA forest fitted on bootstrap resample ``resample``.

    Example:
        >>> forest_seed(0, 3), forest_seed(1, 3)
        (3, 1003)
    """
    return seed * 1000 + resample
