"""What the tracker writes: a finished trial (:class:`TrialLog`), the dataset (:class:`DatasetInfo`).

Plain records, pickled to the MLflow worker process; the MLflow names of the
values are :class:`archsearch.schema.Metric`'s.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from typing import Any

from archsearch.schema import Metric, Tag

__all__ = ["DatasetInfo", "TrialLog", "dataset_inputs"]


@dataclasses.dataclass
class DatasetInfo:
    """What a search trains on, as logged with ``mlflow.log_input`` on the parent and every trial run.

    Attributes:
        name: the dataset's name (``digits``, a folder, ``keras:mnist``).
        digest: a short hash of its arrays (see :meth:`archsearch.data.Dataset.digest`).
        splits: examples per split (``train``, ``validation``, ``test``).
        input_shape: one example's shape; num_classes: the number of classes.
    """

    name: str
    digest: str
    splits: dict[str, int]
    input_shape: tuple[int, ...]
    num_classes: int


class TrialLog:
    """What one finished trial logs to its child run.

    Args:
        history: per-epoch curves, logged as ``curves/<name>``, step = epoch (1, 2, ...).
        metrics: the final values (mean over seeds), logged as ``final/<name>`` where they have no curve
            (``test_accuracy``); a curve's last point is its final value.
        tags: tags of the child run.
        summary: single values logged under their own names (``objective``,
            ``params_count``, ``fit_seconds``, ``rss_mib``: :class:`archsearch.schema.Metric`).
        seeds: with repeats, each fit's ``(curves, final values)``, logged under ``seed_<r>/``.
        run_name: the run's name once its params are known (``trial-12 layers=3 units=128``).
        description: the run's description (``mlflow.note.content``).
        traceback: a failed trial's traceback, attached as ``traceback.txt``.
        stop_reason: a trial a stop cut off (a signal, a deadline): the reason, as the tag
            ``archsearch.stop_reason``; its run ends KILLED whatever its ``state``.
    """

    def __init__(
        self,
        number: int,
        state: str,
        params: Mapping[str, Any],
        history: Mapping[str, Sequence[float]],
        metrics: Mapping[str, float],
        tags: Mapping[str, str],
        end_time_ms: int | None = None,
        *,
        summary: Mapping[str, float] | None = None,
        seeds: Sequence[tuple[Mapping[str, Sequence[float]], Mapping[str, float]]] = (),
        run_name: str | None = None,
        description: str | None = None,
        traceback: str | None = None,
        stop_reason: str | None = None,
    ) -> None:
        self.number, self.state, self.params = number, state, dict(params)
        self.history, self.metrics, self.tags = history, dict(metrics), dict(tags)
        self.end_time_ms = end_time_ms or _now_ms()
        self.summary = dict(summary or {})
        self.seeds = [(dict(h), dict(m)) for h, m in seeds]
        self.run_name, self.description, self.traceback = run_name, description, traceback
        self.stop_reason = stop_reason

    def mlflow_metrics(self) -> list[tuple[str, float, int]]:
        """``(name, value, step)`` for every finite value, named as :class:`archsearch.schema.Metric` says."""
        out = [(Metric.curve(key), v, step) for key, values in self.history.items() for step, v in enumerate(values, 1)]
        # One metric per meaning: a value with a curve is that curve's last point, not a `final/` of its own.
        out += [(Metric.final(key), v, 0) for key, v in self.metrics.items() if key not in self.history]
        out += [(key, v, 0) for key, v in self.summary.items()]
        for r, (history, values) in enumerate(self.seeds):
            out += [(Metric.seed(r, key), v, step) for key, vs in history.items() for step, v in enumerate(vs, 1)]
            out += [(Metric.seed(r, key), v, 0) for key, v in values.items() if key not in history]
        return [(key, float(v), step) for key, v, step in out if _finite(v)]


def dataset_inputs(info: DatasetInfo) -> list[Any]:
    """The dataset as an MLflow input (context ``training``), its split sizes as the profile and as tags."""
    import json

    import numpy as np
    from mlflow.data.code_dataset_source import CodeDatasetSource
    from mlflow.data.numpy_dataset import from_numpy
    from mlflow.entities import Dataset, DatasetInput, InputTag

    # An example-shaped sample gives MLflow the schema (dtype, shape); digest and profile are the real arrays'.
    sample = from_numpy(
        np.zeros((1, *info.input_shape), dtype=np.float32),
        targets=np.zeros(1, dtype=np.int64),
        source=CodeDatasetSource({Tag.DATASET: info.name}),
        name=info.name,
        digest=info.digest,
    )._to_mlflow_entity()
    profile = {
        **{f"{split}_examples": n for split, n in info.splits.items()},
        "input_shape": list(info.input_shape),
        "num_classes": info.num_classes,
    }
    entity = Dataset(
        name=sample.name,
        digest=sample.digest,
        source_type=sample.source_type,
        source=sample.source,
        schema=sample.schema,
        profile=json.dumps(profile),
    )
    tags = [InputTag(Tag.DATASET_CONTEXT, "training")]
    tags += [InputTag(f"{split}_examples", str(n)) for split, n in info.splits.items()]
    return [DatasetInput(entity, tags=tags)]


def _finite(value: Any) -> bool:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return False
    return v == v and v not in (float("inf"), float("-inf"))


def _now_ms() -> int:
    return int(time.time() * 1000)
