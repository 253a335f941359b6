"""Turn an Optuna study into a plain table: one row per (trial, seed)."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from archsearch.errors import UsageError
from archsearch.schema import Attr, Metric, StudyAttr

if TYPE_CHECKING:
    import optuna
    import pandas as pd

__all__ = ["CORRECTNESS_COLUMNS", "METRIC_COLUMNS", "trials_table", "load_trials", "open_study", "parent_metrics"]

CORRECTNESS_COLUMNS = (Attr.CORRECT_VAL, Attr.N_VAL, Attr.CORRECT_TEST, Attr.N_TEST)
METRIC_COLUMNS = (
    "loss",
    "accuracy",
    "val_loss",
    "val_accuracy",
    "test_loss",
    "test_accuracy",
    "fit_seconds",
    "epoch_seconds",
)


def open_study(study: str | optuna.Study, storage: str | None = None) -> optuna.Study:
    """Load a study by name from ``storage`` (default: ``sqlite:///mlruns/optuna.db``).

    An ablation may be named without its identity hash when the storage holds
    exactly one design of that name (``digits_quick-ablation-layers``).

    Raises:
        UsageError: no study of that name; the message lists the ones there are.

    Example:
        >>> study = open_study("digits_quick")  # doctest: +SKIP
    """
    import optuna

    if isinstance(study, optuna.Study):
        return study
    from archsearch.stores import open_storage, require_storage, resolve_storage, storage_errors

    url = resolve_storage(storage)
    require_storage(url)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    with storage_errors(url, "--storage"):  # server down, wrong password: one line
        opened = open_storage(url)
        names = optuna.get_all_study_names(storage=opened)
    # An ablation named without its identity hash (`SPACE-ablation-FACTOR`): the one design of that name.
    hashed = [n for n in names if re.fullmatch(re.escape(study) + r"-[0-9a-f]{8}", n)]
    if study not in names and len(hashed) == 1:
        study = hashed[0]
    if study not in names:
        known = ", ".join(sorted(names)) or "none"
        from archsearch.stores import redact

        raise UsageError(f"no study {study!r} in {redact(url)} (studies: {known}). Pass --study NAME or --storage URL.")
    return optuna.load_study(study_name=study, storage=opened)


def load_trials(study: str | optuna.Study, storage: str | None = None) -> pd.DataFrame:
    """The trials of a study as a DataFrame, one row per (trial, seed).

    A trial trained once gives one row; a trial repeated over K seeds
    (``repeat_seeds``/``repeat_values`` user attributes) gives K rows whose
    ``value`` is that seed's objective, while ``trial_value`` is the trial's
    (mean) objective. Failed and pruned trials give one row with their state.

    Columns: ``trial, state, seed, repeat, value, trial_value, params_count``,
    the metrics (``loss, accuracy, val_loss, val_accuracy, test_loss,
    test_accuracy, fit_seconds``), ``at_chance, pruned_epoch, error, duration_s,
    history`` (a dict of per-epoch lists), ``correct_val, n_val, correct_test,
    n_test`` (that seed's per-example correctness, base64 of ``numpy.packbits``
    over ``n_*`` examples; missing for trials written before they were stored),
    ``design_point`` (True on a trial a design enqueued, e.g. an ablation's, else
    None), ``epochs`` (the trial's budget; None before it was recorded),
    ``initial_epoch`` (a warm-started continuation's first epoch) and
    ``params_<name>`` per hyperparameter (missing where it was inactive).

    Example:
        >>> df = load_trials("digits_quick")  # doctest: +SKIP
        >>> df.groupby("params_layers")["value"].mean()  # doctest: +SKIP
    """
    import pandas as pd

    study = open_study(study, storage)
    rows: list[dict[str, Any]] = []
    for t in study.get_trials(deepcopy=False):
        rows.extend(_rows(t))
    columns = [
        "trial",
        "state",
        "seed",
        "repeat",
        "value",
        "trial_value",
        "params_count",
        *METRIC_COLUMNS,
        "at_chance",
        "pruned_epoch",
        "error",
        "stopped",
        "duration_s",
        "history",
        "design_point",
        "epochs",
        "initial_epoch",
        *CORRECTNESS_COLUMNS,
    ]
    table = pd.DataFrame(rows)
    for c in columns:
        if c not in table.columns:
            table[c] = None
    params = sorted(c for c in table.columns if c.startswith("params_") and c != "params_count")
    table = table[[*columns, *params]]
    for c in (
        "value",
        "trial_value",
        "params_count",
        *METRIC_COLUMNS,
        "duration_s",
        Attr.N_VAL,
        Attr.N_TEST,
        "epochs",
        "initial_epoch",
    ):
        table[c] = pd.to_numeric(table[c], errors="coerce")
    return table


def _rows(t: Any) -> list[dict[str, Any]]:
    attrs = t.user_attrs
    base = {
        "trial": t.number,
        "state": t.state.name,
        "trial_value": t.value,
        "params_count": attrs.get(Attr.PARAMS_COUNT),
        "at_chance": attrs.get(Attr.AT_CHANCE),
        "pruned_epoch": attrs.get(Attr.PRUNED_EPOCH),
        "error": attrs.get(Attr.ERROR),
        "stopped": attrs.get(Attr.STOPPED),
        "duration_s": t.duration.total_seconds() if t.duration is not None else None,
        "history": attrs.get(Attr.HISTORY),
        "design_point": attrs.get(Attr.DESIGN_POINT),
        "epochs": attrs.get(Attr.EPOCHS),
        "initial_epoch": attrs.get(Attr.INITIAL_EPOCH),
        **{f"params_{k}": v for k, v in t.params.items()},
    }
    seeds = attrs.get(Attr.REPEAT_SEEDS) or []
    values = attrs.get(Attr.REPEAT_VALUES) or []
    if seeds and len(values) == len(seeds):
        metrics = attrs.get(Attr.REPEAT_METRICS) or [{}] * len(seeds)
        return [
            {**base, "seed": int(s), "repeat": i, "value": _finite(v), **_metrics(m), **_correctness(attrs, i)}
            for i, (s, v, m) in enumerate(zip(seeds, values, metrics, strict=False))
        ]
    seed = attrs.get(Attr.SEED)
    value = t.value if t.state.name == "COMPLETE" else None
    return [
        {
            **base,
            "seed": None if seed is None else int(seed),
            "repeat": 0,
            "value": _finite(value),
            **_metrics(attrs.get(Attr.METRICS) or {}),
            **_correctness(attrs, 0),
        }
    ]


def _correctness(attrs: dict[str, Any], i: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, n_key in ((Attr.CORRECT_VAL, Attr.N_VAL), (Attr.CORRECT_TEST, Attr.N_TEST)):
        packed, n = attrs.get(key), attrs.get(n_key)
        if isinstance(packed, list) and i < len(packed) and n is not None:
            out[key], out[n_key] = packed[i], int(n)
        else:
            out[key], out[n_key] = None, None
    return out


def _metrics(m: dict[str, Any]) -> dict[str, Any]:
    return {k: m.get(k) for k in METRIC_COLUMNS}


def _finite(v: Any) -> float | None:
    return float(v) if v is not None and math.isfinite(float(v)) else None


def parent_metrics(study: Any) -> dict[str, float]:
    """The parent run's single values: its complete trials and, for a search, the study's best objective.

    An ablation has no best trial to speak of: its answer is the comparison (the verdict tags).
    """
    done = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE" and t.value is not None]
    out = {Metric.TRIALS_COMPLETE: float(len(done))}
    if done and not study.user_attrs.get(StudyAttr.DESIGN):
        best = max if study.direction.name == "MAXIMIZE" else min
        out[Metric.BEST_OBJECTIVE] = best(t.value for t in done)
    return out


def trials_table(table: Any, objective: str) -> Any:
    """The study's trial table as :func:`archsearch.analyze_table` reads it.

    Columns ``trial, seed, value, state, params_count, fit_seconds, error,
    params_<name>``, ``epoch_seconds`` where the table has it, the per-example
    correctness columns where the study has them
    (``correct_val, n_val, correct_test, n_test``: confirmatory answers use the
    test split), and ``epoch_values``: the objective per epoch from the
    trial's ``history``, for trials trained once (a repeated trial's history is
    its first fit's, not each seed's, so it gets none), and ``budget``: the
    epochs each trial trained to.

    Example:
        >>> import pandas as pd
        >>> t = pd.DataFrame({"trial": [0], "seed": [1], "value": [.9], "state": ["COMPLETE"], "params_count": [10],
        ...                   "fit_seconds": [1.0], "error": [None], "history": [{"val_accuracy": [.8, .9]}]})
        >>> trials_table(t, "val_accuracy")["epoch_values"].tolist()
        [[0.8, 0.9]]
    """
    params = [c for c in table.columns if c.startswith("params_") and c != "params_count"]
    examples = [c for c in ("correct_val", "n_val", "correct_test", "n_test") if c in table.columns]
    design = ["design_point"] if "design_point" in table.columns else []
    stopped = ["stopped"] if "stopped" in table.columns else []
    steady = ["epoch_seconds"] if "epoch_seconds" in table.columns else []
    out = table[
        [
            "trial",
            "seed",
            "value",
            "state",
            "params_count",
            "fit_seconds",
            *steady,
            "error",
            *stopped,
            *params,
            *examples,
            *design,
        ]
    ].copy()
    if "epochs" in table.columns:  # each trial's budget: analyze_table compares trials of one budget only
        out["budget"] = table["epochs"]
    rows_per_trial = table.groupby("trial")["trial"].transform("size")
    curves = []
    for h, n in zip(table["history"], rows_per_trial, strict=True):
        curve = h.get(objective) if isinstance(h, dict) and n == 1 else None
        curves.append(list(curve) if curve else None)
    out["epoch_values"] = curves
    return out
