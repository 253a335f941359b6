"""Lab L0: MNIST, a dense network against a small CNN.

Dense: 784 -> Dense(256, relu) -> Dense(10) (203,530 parameters).
CNN: Conv2D(32, 3x3) -> MaxPool(2) -> Conv2D(64, 3x3) -> MaxPool(2) -> Dense(64)
-> Dense(10) (121,930 parameters). Only `model` is searched, so the trials are
repeats over seeds: the report says how large the gap is and whether it holds.

Training: the lab compiled both with Adadelta and categorical cross-entropy; the
rest is archsearch's, because the lab's notebook loads saved models (its fit
is commented out), so it records no batch, epochs or learning rate.

Where archsearch trains otherwise, and why:
- training settings: the lab's notebook loads saved models (its fit is
  commented out); archsearch trains with Adadelta at learning rate 1.0 (Keras
  2's default, which the lab's Keras used), batch 128 and 12 epochs, the
  settings of the Keras MNIST example these two nets come from.
"""

from archsearch import Question, blocks
from archsearch.blocks import Per, Reference

DATASET = "mnist"
INPUT = "image"
EPOCHS = 12
BATCH_SIZE = 128
TRIALS = 10

QUESTIONS = [
    Question("model", "Does the small CNN beat the dense network (with fewer parameters)?", baseline="dense"),
]


_LAB = "Adadelta, categorical cross-entropy (the rest of the lab's training is not recorded)"
_DEVIATIONS = (
    (
        "training settings: the lab's notebook loads saved models (its fit is commented out); archsearch "
        "trains with Adadelta at learning rate 1.0 (Keras 2's default, which the lab's Keras used), batch 128 "
        "and 12 epochs, the settings of the Keras MNIST example these two nets come from."
    ),
)
REFERENCES = {
    "L0-dense": Reference(
        {"model": "dense"},
        lab="L0",
        reported="test accuracy 0.982 (203,530 params)",
        reported_value=0.982,
        epochs=12,
        batch_size=128,
        training=_LAB,
        deviations=_DEVIATIONS,
    ),
    "L0-cnn": Reference(
        {"model": "cnn"},
        lab="L0",
        reported="test accuracy 0.993 (121,930 params)",
        reported_value=0.993,
        epochs=12,
        batch_size=128,
        training=_LAB,
        deviations=_DEVIATIONS,
    ),
}


def build(hp, input_shape, num_classes):
    import keras

    inputs = keras.Input(shape=input_shape)
    if hp.Choice("model", ["dense", "cnn"]) == "dense":
        x = blocks.dense_stack(hp, inputs, layers=1, units=256)
    else:
        x = blocks.conv_stack(
            hp, inputs, blocks=2, filters=Per([32, 64]), kernel_size=3, padding="valid", pool="max", pool_size=2
        )
        x = blocks.dense_stack(hp, x, layers=1, units=64)
    model = keras.Model(inputs, blocks.classifier(x, num_classes))
    return blocks.compile_model(hp, model, optimizer_name="adadelta", learning_rate=1.0)
