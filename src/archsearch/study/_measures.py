"""What a trial records besides its objective: chance level, per-example correctness, memory, mean metrics."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from archsearch.schema import Attr, Metric

if TYPE_CHECKING:
    import optuna

__all__ = ["CHANCE_MARGIN", "at_chance", "rss_mib", "set_correctness", "_final", "_mean_metrics", "_out_of_memory"]

# A trial is "at chance" when its best validation accuracy over all epochs is at
# most 1/num_classes + this margin (0.15 for 10 classes): it never learned.
CHANCE_MARGIN = 0.05


def at_chance(
    histories: Sequence[Mapping[str, Sequence[float]]],
    num_classes: int,
    margin: float = CHANCE_MARGIN,
    n_examples: int | None = None,
) -> bool | None:
    """True when no fit ever beat chance on validation; None when there is no ``val_accuracy``. On
    ``n_examples`` validation examples the margin is at least what a model at chance reaches there once in a
    hundred (the verdicts' rule, :func:`archsearch.analysis.at_chance`): 5.8 points on digits' 144.

    Example:
        >>> at_chance([{"val_accuracy": [0.1, 0.12]}], 10), at_chance([{"val_accuracy": [0.1, 0.6]}], 10)
        (True, False)
        >>> at_chance([{"val_accuracy": [0.1528]}], 10), at_chance([{"val_accuracy": [0.1528]}], 10, n_examples=144)
        (False, True)
    """
    if n_examples:
        from archsearch.analysis import CHANCE_Z

        chance = 1.0 / max(num_classes, 1)
        margin = max(margin, CHANCE_Z * math.sqrt(chance * (1 - chance) / n_examples))
    bests = []
    for history in histories:
        values = [v for v in history.get("val_accuracy", []) if math.isfinite(v)]
        if not values:
            return None
        bests.append(max(values))
    if not bests:
        return None
    return all(best <= 1.0 / max(num_classes, 1) + margin for best in bests)


def set_correctness(trial: optuna.Trial, results: Sequence[Any]) -> None:
    """Store each seed's per-example correctness on validation and test (packed bits, ``correct_*``/``n_*``).

    A few bytes per seed on small splits (digits: 144 validation and 359 test
    examples, 24 and 60 base64 characters); 1,668 characters for 10,000 test
    examples. Left out when a fit has no vectors (it diverged).
    """
    from archsearch.analysis import pack_correct

    for key, n_key, field in (
        (Attr.CORRECT_VAL, Attr.N_VAL, "correct_val"),
        (Attr.CORRECT_TEST, Attr.N_TEST, "correct_test"),
    ):
        vectors = [v for v in (getattr(r, field, None) for r in results) if v is not None]
        if not vectors or len(vectors) < len(results) or len({len(v) for v in vectors}) != 1:
            continue
        trial.set_user_attr(key, [pack_correct(v) for v in vectors])
        trial.set_user_attr(n_key, len(vectors[0]))


def _final(metrics: Mapping[str, float]) -> dict[str, float]:
    """The final values a fit reports, less its times (logged with the trial's summary: ``fit_seconds``,
    ``epoch_seconds``)."""
    return {k: v for k, v in metrics.items() if k not in (Metric.FIT_SECONDS, Metric.EPOCH_SECONDS)}


def steady_time(metrics: Mapping[str, float]) -> dict[str, float]:
    """``{"epoch_seconds": ...}`` where the fit timed its epochs (see :data:`archsearch.schema.Metric`), else {}."""
    return {Metric.EPOCH_SECONDS: metrics[Metric.EPOCH_SECONDS]} if Metric.EPOCH_SECONDS in metrics else {}


def rss_mib() -> float:
    """Resident memory of this process in MiB, recorded per trial (``rss_mib``) to watch TensorFlow's leak."""
    import psutil

    return round(psutil.Process().memory_info().rss / 2**20, 1)


def _mean_metrics(all_metrics: Sequence[Mapping[str, float]]) -> dict[str, float]:
    if len(all_metrics) == 1:
        return dict(all_metrics[0])
    keys = [k for k in all_metrics[0] if all(k in m for m in all_metrics)]
    return {k: sum(float(m[k]) for m in all_metrics) / len(all_metrics) for k in keys}


def _out_of_memory(err: BaseException) -> bool:
    # TensorFlow's ResourceExhaustedError (OOM when allocating a tensor) or Python's MemoryError.
    return isinstance(err, MemoryError) or type(err).__name__ == "ResourceExhaustedError"
