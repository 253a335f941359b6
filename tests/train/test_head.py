"""A pack's head gives each replica the loss and metrics its own compiled model would compute on its slice."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from archsearch.train import clear_session, fit_model, set_seed
from archsearch.train._fused import fit_fused
from archsearch.train._head import ReplicaHead
from tests.train.test_fused import _dataset, assert_like_separate


def _hit(y_true, y_pred):  # a metric function of the user's: the head runs it per replica, on its slice
    return keras.ops.cast(keras.ops.argmax(y_pred, axis=-1) == keras.ops.argmax(y_true, axis=-1), "float32")


def _mean_abs(y_true, y_pred):  # a loss function of the user's, likewise
    return keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)


def _case(kind: str):
    """(loss, metrics, output units, a replica's label shape), metric objects made new on each call."""
    return {
        "sparse": ("sparse_categorical_crossentropy", ["accuracy"], 3, (None,)),
        "one_hot": (keras.losses.CategoricalCrossentropy(label_smoothing=0.1), ["acc", "mse", _hit], 3, (None, 3)),
        "column": ("binary_crossentropy", ["accuracy", keras.metrics.AUC(name="auc")], 1, (None, 1)),
        "user loss": (_mean_abs, ["accuracy"], 3, (None, 3)),
    }[kind]


CASES = ("sparse", "one_hot", "column", "user loss")


def _labels(rng, kind: str, n: int):
    classes = _case(kind)[2]
    y = rng.integers(0, max(classes, 2), n)
    if kind == "sparse":
        return y
    return y[:, None].astype("float32") if classes == 1 else np.eye(classes, dtype="float32")[y]


@pytest.mark.parametrize("kind", CASES)
@pytest.mark.parametrize("k", [1, 3])
def test_each_replicas_loss_and_metrics_are_those_of_its_own_compiled_model(kind, k):
    loss, metrics, classes, label_shape = _case(kind)
    rng = np.random.default_rng(k)
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(classes, activation="sigmoid" if classes == 1 else "softmax")]
    )
    model.compile(optimizer="sgd", loss=loss, metrics=metrics)
    head = ReplicaHead(model, k, keras.KerasTensor(label_shape))
    batches = []
    for n in (16, 5):  # a last, smaller batch weighs by its size, as Keras weighs it
        y = np.stack([_labels(rng, kind, n) for _ in range(k)], axis=1)
        p = rng.uniform(0.05, 0.95, (n, k, classes)).astype("float32")
        p = p if classes == 1 else p / p.sum(-1, keepdims=True)
        batches.append((y, p))
        head.update_state(y, p)
    got = {key: float(v) for key, v in head.result().items()}
    for r in range(k):
        # replica r alone: Keras's own compiled loss and metrics on its slices
        model.compile(optimizer="sgd", loss=loss, metrics=_case(kind)[1])
        total, count = 0.0, 0
        for y, p in batches:
            logs = model.compute_metrics(None, y[:, r], p[:, r])
            batch_loss = float(model.compute_loss(y=y[:, r], y_pred=p[:, r]))
            total, count = total + batch_loss * len(y), count + len(y)
        want = {f"r{r}_{name}": float(v) for name, v in logs.items()}
        want[f"r{r}_loss"] = total / count
        for key, value in want.items():
            assert got[key] == pytest.approx(value, rel=1e-5, abs=1e-6), key
        np.testing.assert_allclose(
            float(keras.ops.convert_to_numpy(head.batch_losses(*batches[-1]))[r]),
            float(model.compute_loss(y=batches[-1][0][:, r], y_pred=batches[-1][1][:, r])),
            rtol=1e-5,
        )
    assert len(got) == k * (1 + len(metrics))
    head.reset_state()
    assert all(float(v) == 0.0 for key, v in head.result().items() if "auc" not in key)


def test_a_pack_of_one_seed_with_one_hot_labels_and_a_users_metric_is_its_separate_fit():
    def build() -> keras.Model:
        model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy", metrics=["acc", _hit])
        return model

    ds = _dataset()
    clear_session()
    set_seed(7)
    separate = fit_model(build(), ds, epochs=2, batch_size=16, seed=7)
    clear_session()
    (fused,) = fit_fused(build, ds, [7], epochs=2, batch_size=16)
    assert_like_separate(fused, separate)


def test_a_steps_losses_are_computed_once_for_the_gradient_and_the_logs(monkeypatch):
    recomputed: list[bool] = []
    update = ReplicaHead.update_state

    def spy(self, y_true, y_pred, sample_weight=None, losses=None):
        recomputed.append(losses is None)
        return update(self, y_true, y_pred, losses=losses)

    monkeypatch.setattr(ReplicaHead, "update_state", spy)
    fit_fused(_build_dense, _dataset(), [1, 2], epochs=1, batch_size=16)
    assert recomputed and not any(recomputed)  # every traced train and test step reused compute_loss's losses


def _build_dense() -> keras.Model:
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
