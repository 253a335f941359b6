"""Lab L0: MNIST, a dense network against a small CNN.

Dense: 784 -> Dense(256, relu) -> Dense(10) (203,530 parameters).
CNN: Conv2D(32, 3x3) -> MaxPool(2) -> Conv2D(64, 3x3) -> MaxPool(2) -> Dense(64)
-> Dense(10) (121,930 parameters). Both train with Adadelta (learning rate 1.0,
Keras 2's default). Only `model` is searched, so the trials are repeats over
seeds: the report says how large the gap is and whether it holds.
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


_LAB = "Adadelta (lr 1.0), categorical cross-entropy, batch 128, 12 epochs"
REFERENCES = {
    "L0-dense": Reference({"model": "dense"}, lab="L0", reported="test accuracy 0.982 (203,530 params)",
                          reported_value=0.982, epochs=12, batch_size=128, training=_LAB),
    "L0-cnn": Reference({"model": "cnn"}, lab="L0", reported="test accuracy 0.993 (121,930 params)",
                        reported_value=0.993, epochs=12, batch_size=128, training=_LAB),
}


def build(hp, input_shape, num_classes):
    import keras

    inputs = keras.Input(shape=input_shape)
    if hp.Choice("model", ["dense", "cnn"]) == "dense":
        x = blocks.dense_stack(hp, inputs, layers=1, units=256)
    else:
        x = blocks.conv_stack(hp, inputs, blocks=2, filters=Per([32, 64]), kernel_size=3, padding="valid",
                              pool="max", pool_size=2)
        x = blocks.dense_stack(hp, x, layers=1, units=64)
    model = keras.Model(inputs, blocks.classifier(x, num_classes))
    return blocks.compile_model(hp, model, optimizer_name="adadelta", learning_rate=1.0)
