"""The libraries' private names that archsearch._compat relies on: a new release that changes one fails here."""

from __future__ import annotations

import inspect

import optuna
import pytest

from archsearch._compat import keras_tuner as kt_compat
from archsearch._compat.optuna import FIXED_PARAMS, end_trial, enqueued_params, fixed_params


def _check(cls: type, methods: dict[str, tuple[str, ...]]) -> None:
    for name, params in methods.items():
        method = getattr(cls, name, None)
        assert method is not None, f"keras-tuner {cls.__name__}.{name} is gone: update archsearch._compat.keras_tuner"
        got = tuple(p for p in inspect.signature(method).parameters if p != "self")
        assert got == params, f"keras-tuner {cls.__name__}.{name}{got}: archsearch expects {params}"


def test_keras_tuner_still_has_the_hyperparameter_hook() -> None:
    import keras_tuner

    _check(keras_tuner.HyperParameters, kt_compat.HP_METHODS)


def test_keras_tuner_still_has_the_tuner_internals() -> None:
    from keras_tuner.src.engine.tuner import Tuner

    _check(Tuner, kt_compat.TUNER_METHODS)


def test_keras_tuner_ranges_still_count_their_values() -> None:
    from keras_tuner.engine.hyperparameters import Float, Int

    for cls in (Int, Float):
        _check(cls, kt_compat.RANGE_METHODS)
    assert kt_compat.n_values(Int("u", 8, 64, step=8)) == 8
    assert kt_compat.n_values(Float("lr", 0.001, 10, step=10, sampling="log")) == 5


def test_keras_tuner_still_turns_a_fit_result_into_metrics() -> None:
    from keras_tuner.src.engine import tuner_utils

    params = tuple(inspect.signature(tuner_utils.convert_to_metrics_dict).parameters)
    assert params == ("results", "objective"), f"keras-tuner convert_to_metrics_dict{params} changed"


def test_keras_tuner_hook_sees_every_declaration() -> None:
    """archsearch's hp gets its values through _retrieve: keras-tuner must still route declarations there."""
    from archsearch.space import FixedHyperParameters

    hp = FixedHyperParameters({"units": 32, "act": "tanh"})
    assert hp.Int("units", 8, 64, step=8) == 32 and hp.Choice("act", ["relu", "tanh"]) == "tanh"


def test_save_json_writes_what_keras_tuner_reads(tmp_path) -> None:
    from keras_tuner.src import utils

    kt_compat.save_json(str(tmp_path / "c.json"), {"a": 1})
    assert utils.load_json(str(tmp_path / "c.json")) == {"a": 1}


@pytest.mark.parametrize("state", ["WAITING", "COMPLETE"])
def test_optuna_keeps_the_params_of_an_enqueued_trial(state: str) -> None:
    study = optuna.create_study()
    study.enqueue_trial({"x": 3, "y": "a"})
    waiting = study.get_trials(deepcopy=False)[0]
    assert FIXED_PARAMS in waiting.system_attrs, "Optuna no longer keeps enqueued params under 'fixed_params'"
    if state == "COMPLETE":
        study.optimize(lambda t: t.suggest_int("x", 0, 5) + len(t.suggest_categorical("y", ["a", "b"])), n_trials=1)
    assert enqueued_params(study.get_trials(deepcopy=False)[0]) == {"x": 3, "y": "a"}


def test_optuna_keeps_the_fixed_params_of_a_running_trial() -> None:
    study = optuna.create_study()
    study.enqueue_trial({"x": 3})
    trial = study.ask()  # RUNNING: its params are empty until it suggests them
    assert fixed_params(study.get_trials(deepcopy=False)[trial.number]) == {"x": 3}
    sampled = study.ask()
    assert fixed_params(study.get_trials(deepcopy=False)[sampled.number]) is None


@pytest.mark.parametrize("state", ["FAIL", "PRUNED"])
def test_a_running_trial_is_ended_from_outside_with_its_reason(state: str) -> None:
    study = optuna.create_study()
    study.ask()
    (running,) = study.get_trials(deepcopy=False)
    end_trial(study, running, optuna.trial.TrialState[state], {"error": "deadline", "stopped": "deadline"})
    (ended,) = study.get_trials(deepcopy=False)
    assert (ended.state.name, ended.user_attrs) == (state, {"error": "deadline", "stopped": "deadline"})


def test_keras_still_runs_a_models_graph_with_other_layers() -> None:
    import keras
    import numpy as np

    from archsearch._compat.keras import model_graph, run_through_graph

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")])
    graph = model_graph(model)
    assert graph is not None, "keras.Sequential no longer keeps its graph in _functional: update _compat.keras"
    assert model_graph(object()) is None
    doubled = keras.layers.Lambda(lambda t: 2 * t)
    x = keras.Input((3,))
    out = run_through_graph(graph, x, lambda op: doubled if op.name == "d" else op)
    ones = np.ones((1, 3), "float32")
    assert np.allclose(keras.Model(x, out)(ones), 2 * ones)  # the Dense layer replaced: 2x, not 2 units


def test_keras_still_resolves_compiled_losses_and_metrics_as_compile_does() -> None:
    import keras
    import numpy as np

    from archsearch._compat.keras import mean_metric_function, resolve_loss, resolve_metric

    sparse, one_hot, column = keras.KerasTensor((None,)), keras.KerasTensor((None, 3)), keras.KerasTensor((None, 1))
    probs, unit = keras.KerasTensor((None, 3)), keras.KerasTensor((None, 1))
    assert type(resolve_metric("accuracy", sparse, probs)).__name__ == "SparseCategoricalAccuracy"
    assert type(resolve_metric("accuracy", one_hot, probs)).__name__ == "CategoricalAccuracy"
    assert type(resolve_metric("acc", column, unit)).__name__ == "BinaryAccuracy"
    assert resolve_metric("acc", column, unit).name == "acc"  # logged under the name compile was given
    assert isinstance(resolve_loss("sparse_categorical_crossentropy", sparse, probs), keras.losses.Loss)
    # the wrapped function, applied to a batch, gives what the metric averages
    metric = resolve_metric("accuracy", sparse, probs)
    found = mean_metric_function(metric)
    assert found is not None, "MeanMetricWrapper no longer keeps _fn/_fn_kwargs: update archsearch._compat.keras"
    fn, kwargs = found
    y, p = np.array([0, 2]), np.array([[0.9, 0.05, 0.05], [0.8, 0.1, 0.1]], "float32")
    metric.update_state(y, p)
    assert np.allclose(np.mean(keras.ops.convert_to_numpy(fn(y, p, **kwargs))), float(metric.result()))
    assert mean_metric_function(keras.metrics.AUC()) is None
