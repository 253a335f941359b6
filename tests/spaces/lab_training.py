"""How each lab trained its reference models (../shared/docs/labs.md, issue #30), as the spaces must compile them.

Per reference: optimizer, learning rate, momentum (None: the optimizer has none), the loss's ``from_logits``, the
output activation, the input preprocessing in front of the model, batch size and epochs. ``ours`` names the
settings that are archsearch's rather than the lab's; each must be one of the reference's ``deviations`` (the
topic before the colon), and every deviation must be in the space file's docstring.
"""

from __future__ import annotations

from typing import Any

_L2 = {
    "optimizer": "SGD",
    "learning_rate": 0.01,
    "momentum": 0.0,
    "batch_size": 32,
    "epochs": 10,
    "preprocess": "normalize(axis=1)",
}
_L3 = {
    "optimizer": "SGD",
    "learning_rate": 0.1,
    "momentum": 0.0,
    "from_logits": True,
    "batch_size": 32,
    "epochs": 10,
    "preprocess": None,
    "ours": {"fit loop", "epochs"},
}
_L4 = {
    "optimizer": "SGD",
    "learning_rate": 0.01,
    "momentum": 0.0,
    "from_logits": False,
    "output": "softmax",
    "batch_size": 32,
    "epochs": 10,
    "preprocess": None,
}
_L0 = {
    "optimizer": "Adadelta",
    "learning_rate": 1.0,
    "momentum": None,
    "from_logits": False,
    "output": "softmax",
    "batch_size": 128,
    "epochs": 12,
    "preprocess": None,
    "ours": {"training settings"},
}
_RMSPROP = {
    "optimizer": "RMSprop",
    "learning_rate": 0.001,
    "momentum": 0.0,
    "from_logits": False,
    "output": "softmax",
    "batch_size": 128,
    "preprocess": None,
}

TRAINING: dict[str, dict[str, Any]] = {
    "L0-dense": _L0,
    "L0-cnn": _L0,
    "L1-dense": {**_RMSPROP, "epochs": 10},
    "L1-deeper": {**_RMSPROP, "epochs": 15},
    # The lab fed this CNN 0-255 pixels; archsearch scales them (a deviation, named as a pitfall).
    "L1-cnn": {
        "optimizer": "Adam",
        "learning_rate": 0.001,
        "momentum": None,
        "from_logits": False,
        "output": "softmax",
        "batch_size": 32,
        "epochs": 5,
        "preprocess": None,
        "ours": {"L1-cnn pixels"},
    },
    "L2-logistic": {**_L2, "from_logits": False, "output": "softmax", "ours": {"L2-logistic"}},
    # L2-deep keeps the lab's logits output trained with from_logits=True (correct) and its softmax hidden layer.
    "L2-deep": {**_L2, "from_logits": True, "output": "linear", "ours": {"validation split"}},
    "L2-deep-512": {**_L2, "from_logits": True, "output": "linear", "ours": {"validation split", "L2-deep-512"}},
    "L2-regularized": {**_L2, "from_logits": True, "output": "linear"},
    "L2-regularized-512": {**_L2, "from_logits": True, "output": "linear", "ours": {"L2-regularized-512"}},
    # T4 recompiles model_2 (T3's regularised net) with SGD(0.01, momentum 0.9).
    "L2-T4": {**_L2, "momentum": 0.9, "from_logits": True, "output": "linear", "ours": {"schedule", "network"}},
    "L2-T4-512": {
        **_L2,
        "momentum": 0.9,
        "from_logits": True,
        "output": "linear",
        "ours": {"schedule", "network", "L2-T4-512"},
    },
    # The lab's mistake, kept: a sigmoid (T1/T2) or softmax (T3) output read as logits.
    "L3-two-conv": {**_L3, "output": "sigmoid"},
    "L3-conv-pool": {**_L3, "output": "sigmoid"},
    "L3-lenet": {**_L3, "output": "softmax"},
    "L4-base": _L4,
    "L4-width": _L4,
    "L4-depth": _L4,
    "L4-dense": _L4,
}


def compiled_settings(info: dict[str, Any]) -> dict[str, Any]:
    """The settings of a reference as built (``reference_summary``): read from the compiled Keras model."""
    model = info["model"]
    config = model.optimizer.get_config()
    loss = model.loss
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    first = layers[0]
    preprocess = None
    if type(first).__name__ == "UnitNormalization":
        axis = first.get_config()["axis"]
        preprocess = f"normalize(axis={','.join(str(a) for a in axis) if isinstance(axis, list) else axis})"
    return {
        "optimizer": type(model.optimizer).__name__,
        "learning_rate": round(float(config["learning_rate"]), 6),
        "momentum": config.get("momentum"),
        "from_logits": bool(loss.get_config().get("from_logits")),
        "output": layers[-1].activation.__name__,
        "batch_size": info["batch_size"],
        "epochs": info["epochs"],
        "preprocess": preprocess,
    }
